"""Photos that are there but not named for a view: every output says so and how to name
them, and only a view with no candidate photo at all is asked to be photographed."""

import csv
import shutil
from pathlib import Path

import cv2
import numpy as np
from conftest import EXAMPLES, needs_chromium
from make_screenshot import screenshot
from test_report import Page

from image_review.batch import review_batch
from image_review.contact_sheet import MISSING_RGB, sheet_cells
from image_review.report import UNNAMED_BACKGROUND, render_report
from image_review.review import review
from image_review.terminal import next_step

UNNAMED_RGB = tuple(int(UNNAMED_BACKGROUND[i : i + 2], 16) for i in (1, 3, 5))


def phone_photos(tmp_path: Path) -> Path:
    """The complete phone set as it comes off a phone: IMG_40xx.jpg, no view in any name."""
    folder = tmp_path / "phone"
    folder.mkdir()
    for number, photo in enumerate(sorted((EXAMPLES / "complete-phone").glob("*.jpg"))):
        shutil.copy(photo, folder / f"IMG_{4031 + number}.jpg")
    return folder


def test_unnamed_photos_are_not_reported_as_missing_views(tmp_path):
    result = review(phone_photos(tmp_path), previews=True)
    views = [r for r in result.requirements if r.id.startswith("view.")]
    assert views and all(r.status == "fail" for r in views)
    for requirement in views:
        assert "no photo named for it yet" in requirement.message
        assert "image-review init" in requirement.message
        assert "photograph" not in requirement.message
    page = Page(render_report(result))
    text = " ".join(page.text)
    assert "Missing:" not in text and "MISSING" not in text
    assert text.count("NOT NAMED") == len(views)
    assert "Not named yet: 8 photos below have no view" in text
    header = text.split("NOT NAMED")[0]
    assert "Next:" in header and f"image-review init {result.path}" in header
    titles = [cell.title for cell in sheet_cells(result) if not cell.file]
    assert titles and all(title.startswith("NOT NAMED") for title in titles)


def test_a_view_with_no_candidate_photo_is_still_asked_to_be_photographed(tmp_path):
    result = review(EXAMPLES / "missing-views", previews=True)
    text = " ".join(Page(render_report(result)).text)
    assert "Missing: turn the product over" in text and "Not named yet" not in text


def test_the_batch_index_and_summary_give_the_naming_step_first(tmp_path):
    root = tmp_path / "in"
    root.mkdir()
    folder = phone_photos(root)
    out = tmp_path / "out"
    review_batch(root, out, jobs=1, report=True)
    with (out / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["reason"].startswith(
        f"8 photos have no view, and 8 required views have no photo named: name them with "
        f"`image-review init {folder}`"
    )
    assert "photograph" not in row["reason"] and "no photo named for it yet" not in row["reason"]
    assert row["reason"] in " ".join(Page((out / "index.html").read_text("utf-8")).text)


def test_a_broken_file_comes_before_naming_in_the_next_step(tmp_path):
    folder = phone_photos(tmp_path)
    (folder / "IMG_4099.jpg").write_bytes(b"<html>not a photo</html>")
    result = review(folder)
    step = next_step(result)
    assert step.startswith("IMG_4099.jpg:") and "init" not in step
    (folder / "IMG_4099.jpg").unlink()
    assert "image-review init" in next_step(review(folder))


@needs_chromium
def test_a_real_browser_shows_no_red_missing_slot_when_photos_wait_to_be_named(tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render_report(review(phone_photos(tmp_path), previews=True)), "utf-8")
    shot = tmp_path / "shot.png"
    screenshot(report, shot, (1280, 1400))
    rgb = cv2.imread(str(shot))[..., ::-1].astype(int)

    def area(colour: tuple[int, int, int]) -> int:
        return int((np.abs(rgb - colour).max(axis=2) <= 3).sum())

    assert area(MISSING_RGB) < 1_000  # no red empty slot (one is about 50,000 px)
    assert area(UNNAMED_RGB) > 80_000  # the empty slots, in the waiting colour
