import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES

from image_review.cli import cli
from image_review.evaluate import LabelsError, evaluate_screen, read_labels
from image_review.imaging import decode
from image_review.measures.screen import measure_screen

SCREENS = EXAMPLES.parent / "screens"
SCREEN_DEV = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "screen-dev"


def screen_of(name: str) -> dict:
    data = (SCREENS / name).read_bytes()
    return measure_screen(decode(data, "JPEG", 100_000_000))


@pytest.mark.parametrize(
    ("name", "lit"),
    [
        ("on.jpg", True),
        ("white_on_white.jpg", True),
        ("off.jpg", False),
        ("off_glare.jpg", False),
        ("lit_window.jpg", False),
        ("monitor_on.jpg", True),
        ("tv_on.jpg", True),
        ("laptop_on.jpg", True),
        ("tv_off.jpg", False),
        ("dark_mode_on.jpg", True),
        ("printed.jpg", False),
        ("blank_paper.jpg", False),
        pytest.param(
            "paper.jpg",
            False,
            marks=pytest.mark.xfail(
                strict=True, reason="a printed page on a dark desk: taken as lit"
            ),
        ),
    ],
)
def test_screen_cases_with_known_truth(name, lit):
    assert (screen_of(name)["state"] == "on") is lit


@pytest.mark.parametrize("name", ["off.jpg", "off_glare.jpg"])
def test_an_off_screen_is_off_with_its_quad(name):
    screen = screen_of(name)
    assert screen["state"] == "off" and screen["quad"] is not None


def test_the_quad_sits_on_the_lit_screen():
    screen = screen_of("on.jpg")
    quad = np.array(screen["quad"], np.float32)
    # The synthetic phone's display spans about x 390..634, y 152..624 at 1024x768.
    cx, cy = quad.mean(axis=0)
    assert 390 < cx < 634 and 152 < cy < 624
    area = cv2.contourArea(quad.reshape(-1, 1, 2))
    assert 0.6 * 244 * 472 < area < 1.3 * 244 * 472
    assert 0 <= screen["confidence"] <= 1
    assert {"inside_median", "bezel_median", "glare_share", "unevenness"} <= set(screen)


def test_quad_is_in_full_size_pixels():
    original = cv2.imread(str(SCREENS / "on.jpg"))
    big = cv2.resize(original, (2048, 1536), interpolation=cv2.INTER_CUBIC)
    _, data = cv2.imencode(".jpg", big, [cv2.IMWRITE_JPEG_QUALITY, 92])
    screen = measure_screen(decode(data.tobytes(), "JPEG", 100_000_000))
    cx, cy = np.array(screen["quad"], np.float32).mean(axis=0)
    assert 780 < cx < 1268 and 304 < cy < 1248


def test_an_off_screen_under_glare_is_not_taken_as_lit(tmp_path):
    from image_review.review import review

    folder = tmp_path / "sub"
    shutil.copytree(EXAMPLES / "complete-phone", folder)
    (folder / "09_screen-on.jpg").unlink()
    shutil.copy(SCREENS / "off_glare.jpg", folder / "screen-on.jpg")
    result = review(folder)
    codes = {(f.code, f.file) for f in result.all_findings()}
    assert ("screen-not-lit", "screen-on.jpg") in codes
    assert next(r for r in result.requirements if r.id == "screen_on").status != "pass"


def write_labels(folder: Path) -> Path:
    labels = folder / "labels.csv"
    labels.write_text(
        "file,screen_on\non.jpg,yes\nwhite_on_white.jpg,yes\noff.jpg,no\nlit_window.jpg,na\n"
    )
    return labels


def test_evaluation_counts_the_confusion_matrix(tmp_path):
    result = evaluate_screen(write_labels(tmp_path), SCREENS)
    assert (result.tp, result.fn, result.fp, result.tn) == (2, 0, 0, 2)
    assert result.balanced_accuracy == 1.0 and result.misses == []


def test_bad_labels_are_refused(tmp_path):
    labels = tmp_path / "labels.csv"
    labels.write_text("file,screen\na.jpg,yes\n")
    with pytest.raises(LabelsError, match="columns"):
        read_labels(labels)
    labels.write_text("file,screen_on\na.jpg,maybe\n")
    with pytest.raises(LabelsError, match="line 2"):
        read_labels(labels)


def test_eval_screen_command_prints_the_figures(tmp_path):
    labels = write_labels(tmp_path)
    result = CliRunner().invoke(cli, ["eval-screen", str(labels), "--images", str(SCREENS)])
    assert result.exit_code == 0, result.output
    assert (
        "balanced accuracy  1.000" in result.output and "precision          1.000" in result.output
    )
    missing = CliRunner().invoke(cli, ["eval-screen", str(tmp_path / "none.csv")])
    assert missing.exit_code == 2


@pytest.mark.skipif(not SCREEN_DEV.is_dir(), reason="../shared/datasets/screen-dev is not here")
def test_detector_on_the_real_screen_dev_photos():
    result = evaluate_screen(SCREEN_DEV / "labels.csv", SCREEN_DEV / "images")
    print(
        f"screen-dev: balanced accuracy {result.balanced_accuracy:.3f}, "
        f"precision {result.precision:.3f}, recall {result.recall:.3f}"
    )
    assert result.balanced_accuracy >= 0.85
    assert result.precision >= 0.90
