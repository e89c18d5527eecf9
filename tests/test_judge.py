import dataclasses

import pytest

from image_review.judge import judge_requirements
from image_review.model import Finding, PhotoResult
from image_review.photo_checks import CHECKS, check, is_screenshot, photo_findings
from image_review.policy import DEFAULT_POLICY
from image_review.rules import RULES
from image_review.views import load_profile


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


def test_each_check_of_a_photo_belongs_to_rules_of_the_registry():
    codes = [code for given, _check in CHECKS for code in given]
    assert len(codes) == len(set(codes))  # one check per code
    assert set(codes) <= set(RULES)
    assert {"needs-conversion", "too-small", "blurry", "screen-glare", "gps-location"} <= set(codes)
    with pytest.raises(ValueError, match=r"no rule in rules\.py for no-such-code"):
        check("no-such-code")


def test_a_registered_check_runs_in_its_place_and_adds_its_findings():
    photo = lit_photo("on", 0.99)

    @check("gps-location")
    def everywhere(photo, policy):
        return [Finding("gps-location", f"{photo.file}: somewhere", photo.file)]

    try:
        codes = [f.code for f in photo_findings(photo, DEFAULT_POLICY)]
    finally:
        CHECKS.pop()
    assert codes[-1] == "gps-location" and codes.count("gps-location") == 1


def test_unnamed_photos_that_may_show_the_screen_on_are_listed_likeliest_first():
    """No photo named, none near-certain: the advice lists the photos detected lit with the
    likeliest first (its probability is the one the message gives), whatever their names."""
    estimates = {"IMG_4001.jpg": 0.73, "IMG_4005.jpg": 0.95, "IMG_4007.jpg": 0.78}
    photos = [
        dataclasses.replace(lit_photo("on", probability), file=name, view="unassigned")
        for name, probability in estimates.items()
    ]
    requirements, findings = judge_requirements(photos, DEFAULT_POLICY, load_profile(), True)
    screen = next(r for r in requirements if r.id == "screen_on")
    assert screen.status == "warn"
    assert screen.photos == ["IMG_4005.jpg", "IMG_4007.jpg", "IMG_4001.jpg"]
    assert "IMG_4005.jpg, IMG_4007.jpg, IMG_4001.jpg may show it" in screen.message
    assert "(95.0% lit," in screen.message
    unnamed = next(f for f in findings if f.code == "screen-unnamed")
    assert unnamed.related == ["IMG_4005.jpg", "IMG_4007.jpg", "IMG_4001.jpg"]


def dark_photo(state: str, named_screen_on: bool) -> PhotoResult:
    """A photo whose brightest tenth is at 46 of 255 (a lit TV showing a night scene in a
    dark room), named as the screen-on photo or not."""
    photo = lit_photo(state, 0.9 if state == "on" else 0.01)
    photo.measures["exposure"] |= {"mean": 20, "p05": 2, "p50": 18, "p90": 46, "p95": 60}
    return dataclasses.replace(photo, screen_label=named_screen_on)


@pytest.mark.parametrize(
    ("state", "named", "expected"),
    [
        ("on", True, "possibly-too-dark"),  # the lit screen is the subject: a person looks
        ("uncertain", True, "possibly-too-dark"),
        ("off", True, "too-dark"),  # confidently dark: the dark photo is no help
        ("on", False, "too-dark"),  # any other view: the product must be lit
    ],
)
def test_a_dark_photo_named_screen_on_gets_a_warning_not_an_error(state, named, expected):
    found = photo_findings(dark_photo(state, named), DEFAULT_POLICY)
    dark = [f for f in found if f.code in ("too-dark", "possibly-too-dark")]
    assert [f.code for f in dark] == [expected]
    assert dark[0].value == 46 and dark[0].limit == DEFAULT_POLICY.dark_p90
    assert "(46)" in dark[0].message


@pytest.mark.parametrize(
    ("name", "screenshot"),
    [
        ("Screenshot_2024-12-05-10-15-00-123_com.tencent.mm.jpg", True),  # Xiaomi
        ("Screenshot_20241205_101500_com.huawei.health.jpg", True),  # Huawei
        ("Screen Shot 2024-12-05 at 10.15.00.png", True),  # macOS
        ("截屏2024-12-05 10.15.00.png", True),  # macOS, zh-Hans
        ("螢幕快照 2019-02-05 下午10.55.46.png", True),  # macOS, zh-Hant (older)
        ("QQ截图20241205101500.png", True),
        ("微信截图_20241205101500.png", True),
        ("screen shot.png", False),  # may be a shot of the screen
        ("IMG_20241205_101500.jpg", False),
    ],
)
def test_a_screenshot_is_told_by_the_name_a_phone_or_computer_gives_it(name, screenshot):
    assert is_screenshot(dataclasses.replace(lit_photo("on", 0.9), file=name)) is screenshot
