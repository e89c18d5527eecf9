import pytest

from image_review.judge import photo_findings
from image_review.model import PhotoResult
from image_review.policy import DEFAULT_POLICY


def lit_photo(state: str, probability: float) -> PhotoResult:
    """A sharp, well exposed JPEG whose screen has heavy glare and uneven backlight."""
    screen = {
        "state": state,
        "probability": probability,
        "quad": [[10, 10], [90, 10], [90, 60], [10, 60]],
        "glare_share": 0.5,
        "unevenness": 0.8,
        "features": {},
    }
    measures = {
        "detail": 0.8,
        "exposure": {
            "mean": 120,
            "p05": 20,
            "p90": 210,
            "p95": 230,
            "dark_share": 0,
            "bright_share": 0,
        },
        "entropy": 7.0,
        "contrast": 50.0,
        "dhash": "0" * 16,
        "gps": False,
        "truncated": False,
        "frames": 1,
        "transparent": False,
        "screen": screen,
    }
    return PhotoResult(
        "front.jpg",
        1000,
        "front",
        "filename",
        False,
        format="JPEG",
        width=1600,
        height=1200,
        measures=measures,
    )


@pytest.mark.parametrize(
    ("state", "probability", "judged"),
    [("on", 0.97, True), ("on", 0.75, False), ("uncertain", 0.5, False), ("off", 0.01, False)],
)
def test_glare_and_unevenness_are_judged_only_on_screens_surely_lit(state, probability, judged):
    codes = {f.code for f in photo_findings(lit_photo(state, probability), DEFAULT_POLICY)}
    assert ({"screen-glare", "screen-uneven"} <= codes) is judged
    assert not ({"screen-glare", "screen-uneven"} & codes) or judged
