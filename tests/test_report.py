import csv
import shutil
from html.parser import HTMLParser
from pathlib import Path

import cv2
import numpy as np
import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, copy_example, needs_chromium, photo_bytes
from make_screenshot import CHROMIUM, screenshot

from image_review.batch import review_batch
from image_review.cli import cli
from image_review.contact_sheet import (
    HEADER_H,
    LABEL_H,
    MISSING_RGB,
    TILE_H,
    TILE_W,
    cjk_font_path,
    render_contact_sheet,
    sheet_cells,
    text_font,
)
from image_review.report import render_report, slots
from image_review.review import review
from image_review.terminal import render
from image_review.views import load_profile


class Page(HTMLParser):
    """Collects the tags of a page with their attributes, and its text."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    def with_class(self, name: str) -> list[dict]:
        return [a for _, a in self.tags if name in (a.get("class") or "").split()]


def page_of(folder: Path) -> Page:
    return Page(render_report(review(folder, previews=True)))


def test_one_slot_per_view_in_shot_list_order():
    page = page_of(EXAMPLES / "complete-phone")
    views = [a["data-view"] for a in page.with_class("slot")]
    assert views == list(load_profile().all_views)  # shot-list order, the screen last
    assert not page.with_class("missing")
    images = [a for t, a in page.tags if t == "img"]
    assert len(images) >= 9 and all(a["src"].startswith("data:image/jpeg;base64,") for a in images)
    assert page.with_class("quad")  # the detected screen drawn on the photo


def test_missing_views_get_empty_slots_that_say_how_to_shoot_them():
    page = page_of(EXAMPLES / "missing-views")
    assert [a["data-view"] for a in page.with_class("missing")] == ["bottom", "right"]
    text = " ".join(page.text)
    assert "turn the product over" in text and "FAIL" in text


def test_a_screen_not_known_to_be_there_is_asked_for_not_called_missing(tmp_path):
    """Nothing says whether the product has a screen: its slot asks (if it has one, shoot
    it on) instead of showing a red 'Missing', on the page and on the contact sheet."""
    folder = tmp_path / "phone"
    copy_example(EXAMPLES / "complete-phone", folder)
    (folder / "09_screen-on.jpg").unlink()
    result = review(folder)
    page = Page(render_report(result))
    assert not page.with_class("missing")
    assert "If the product has a screen: switch the screen on" in " ".join(page.text)
    cell = next(c for c in sheet_cells(result) if "Screen switched on" in c.title)
    assert "not known whether the product has a screen" in cell.note
    assert not cell.note.startswith("missing")
    shown = Page(render_report(review(folder, screen="yes")))  # known to have one: missing
    assert [a["data-view"] for a in shown.with_class("missing")] == ["screen_on"]


def test_badges_duplicates_and_unassigned_rows(tmp_path):
    folder = tmp_path / "sub"
    copy_example(EXAMPLES / "duplicate", folder)
    (folder / "IMG_5555.jpg").write_bytes(photo_bytes((1200, 900), seed=9))
    page = page_of(folder)
    badges = page.with_class("badge")
    assert any("error" in b["class"] for b in badges)
    text = " ".join(page.text)
    assert "duplicate 0.0" in text and "limit 0.4" in text
    assert page.with_class("pair")  # the copy beside its original
    assert page.with_class("unassigned")
    assert "no view assigned (its name names no view)" in " ".join(page.text)  # its hint


def test_the_page_loads_nothing_from_the_network():
    page = page_of(EXAMPLES / "corrupt")
    for tag, attrs in page.tags:
        assert tag not in ("script", "link", "iframe")
        for name in ("src", "href"):
            assert not (attrs.get(name) or "").startswith(("http:", "https:", "//"))


def test_file_names_and_text_are_escaped(tmp_path):
    folder = tmp_path / "sub"
    folder.mkdir()
    name = "<img src=x onerror=alert(1)>.jpg"
    (folder / name).write_bytes(photo_bytes((1200, 900)))
    html = render_report(review(folder, previews=True))
    assert "&lt;img src=x onerror=alert(1)&gt;.jpg" in html
    page = Page(html)
    assert not any("onerror" in attrs for _, attrs in page.tags)
    assert name in " ".join(page.text)


def test_contact_sheet_draws_the_grid():
    result = review(EXAMPLES / "missing-views", previews=True)
    sheet = cv2.imdecode(np.frombuffer(render_contact_sheet(result), np.uint8), cv2.IMREAD_COLOR)
    assert sheet.shape[1] == 3 * TILE_W

    # bottom is the 4th cell: row 1, column 0; its picture area is the missing colour
    def missing_share(cell: np.ndarray) -> float:
        return float((np.abs(cell[..., ::-1].astype(int) - MISSING_RGB).max(axis=2) < 12).mean())

    row1 = HEADER_H + TILE_H + LABEL_H
    assert missing_share(sheet[row1 + 20 : row1 + 250, 20:340]) > 0.8
    assert missing_share(sheet[HEADER_H + 20 : HEADER_H + 250, 20:340]) < 0.05  # the box photo


def test_the_contact_sheet_shows_every_photo_with_its_label_and_worst_finding(tmp_path):
    folder = tmp_path / "sheet"
    copy_example(EXAMPLES / "blurry", folder)
    shutil.copy(EXAMPLES.parent / "screens" / "paper.jpg", folder / "IMG_9999.jpg")  # no view
    shutil.copy(EXAMPLES / "sidecar" / "IMG_4035.jpg", folder / "05_front-2.jpg")  # a 2nd front
    cells = {cell.file: cell for cell in sheet_cells(review(folder, previews=True))}
    assert set(cells) == {p.name for p in folder.glob("*.jpg")}
    assert cells["07_left-side.jpg"].note.startswith("error: blurry")
    assert cells["07_left-side.jpg"].title == "NOT USABLE  Left side 左侧"
    assert cells["05_front-2.jpg"].title == cells["05_front.jpg"].title
    assert cells["IMG_9999.jpg"].title.startswith("No view")
    assert "shipping_box" not in " ".join(cell.title for cell in cells.values())


def test_chinese_text_is_drawn_in_a_font_that_has_it():
    if cjk_font_path() is None:
        pytest.skip("needs a font with Chinese: apt-get install fonts-wqy-zenhei")
    font = text_font(20)
    missing = font.getmask("\uffff").getbbox()
    for text in ("正面.jpg", "屏幕亮起"):
        assert font.getlength(text) > 20 and font.getmask(text[0]).getbbox() != missing


def test_cli_writes_report_and_sheet(tmp_path):
    report, sheet = tmp_path / "r.html", tmp_path / "s.jpg"
    args = [str(EXAMPLES / "heic"), "--out", str(tmp_path / "m.json")]
    result = CliRunner().invoke(
        cli, [*args, "--report", str(report), "--contact-sheet", str(sheet)]
    )
    assert result.exit_code == 0, result.output
    assert report.read_text("utf-8").startswith("<!doctype html>")
    assert sheet.read_bytes()[:3] == b"\xff\xd8\xff"


def test_batch_reports_and_index(tmp_path):
    root = tmp_path / "in"
    for name in ("complete-phone", "missing-views"):
        copy_example(EXAMPLES / name, root / name)
    out = tmp_path / "out"
    review_batch(root, out, jobs=1, report=True)
    index = Page((out / "index.html").read_text("utf-8"))
    links = [a["href"] for t, a in index.tags if t == "a"]
    assert links == ["complete-phone/report.html", "missing-views/report.html"]
    text = " ".join(index.text)
    assert "Product bottom" in text and "Right side" in text and "bottom;right" not in text
    assert "ok" in index.text  # the screen column in words, not the status id `pass`
    for link in links:
        assert (out / link).is_file()


@needs_chromium
def test_a_real_browser_shows_the_missing_slot_where_it_belongs(tmp_path):
    report = tmp_path / "report.html"
    report.write_text(render_report(review(EXAMPLES / "missing-views", previews=True)), "utf-8")
    shot = tmp_path / "shot.png"
    screenshot(report, shot, (1280, 1400))
    image = cv2.imread(str(shot))
    assert image is not None, "chromium wrote no screenshot"
    rgb = image[..., ::-1].astype(int)
    missing = np.abs(rgb - MISSING_RGB).max(axis=2) <= 3
    ys, xs = np.nonzero(missing)
    assert missing.sum() > 20_000  # two empty slots of about 280 x 180 px
    # 4 columns at this width: bottom and right are the 4th and 8th views, in the last column
    assert (xs > 0.70 * image.shape[1]).mean() > 0.99
    assert np.percentile(ys, 99) - np.percentile(ys, 1) > 300  # two rows of the grid


def test_the_photo_the_seller_named_decides_the_screen_slot(tmp_path):
    """Once a photo is named as showing the screen on, only named photos count and only
    they are shown in the slot: a lit photo left unnamed does not rescue it."""
    folder = tmp_path / "named"
    copy_example(EXAMPLES / "sidecar", folder)
    toml = (folder / "submission.toml").read_text()
    toml = toml.replace('back = "IMG_4036.jpg"', "").replace('"IMG_4039.jpg"', '"IMG_4036.jpg"')
    (folder / "submission.toml").write_text(toml)  # IMG_4039, the lit one, is now unnamed
    result = review(folder, previews=True)
    screen = next(r for r in result.requirements if r.id == "screen_on")
    assert screen.status != "pass" and "IMG_4039.jpg" not in screen.photos
    assert "IMG_4036.jpg" in screen.message
    slot = next(s for s in slots(result) if s.view == "screen_on")
    assert [p.file for p in slot.photos] == ["IMG_4036.jpg"]
    page = Page(render_report(result))
    assert screen.message in page.text
    cells = [cell.file for cell in sheet_cells(result) if cell.photo is not None]
    assert len(cells) == len(set(cells))  # each photo once on the contact sheet
    assert "IMG_4039.jpg" not in render(result).split("screen_on", 1)[1].split("\n", 1)[0]


def read_rows(out: Path) -> list[dict]:
    with (out / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_every_failed_row_of_the_index_says_why_in_words(tmp_path):
    root = tmp_path / "in"
    copy_example(EXAMPLES / "complete-phone", root / "no-screen-photo")
    (root / "no-screen-photo" / "09_screen-on.jpg").unlink()
    (root / "no-screen-photo" / "submission.toml").write_text("[product]\nhas_screen = true\n")
    copy_example(EXAMPLES / "missing-views", root / "missing-views")
    out = tmp_path / "out"
    review_batch(root, out, jobs=1, report=True)
    index = Page((out / "index.html").read_text("utf-8"))
    assert "screen on" in index.text
    rows = {row["submission"]: row for row in read_rows(out)}
    screen_row = rows["no-screen-photo"]
    assert screen_row["verdict"] == "fail" and screen_row["missing_views"] == ""
    assert "Screen switched on: no photo shows a lit screen" in screen_row["reason"]
    assert "Product bottom" in rows["missing-views"]["reason"]
    assert screen_row["reason"] in " ".join(index.text)


@needs_chromium
def test_a_real_browser_draws_chinese_labels_not_missing_glyph_boxes(tmp_path):
    def ink(text: str) -> np.ndarray:
        page = tmp_path / "page.html"
        page.write_text(
            '<!doctype html><html><head><meta charset="utf-8"></head><body style="margin:20px">'
            f'<p style="font-size:64px;line-height:80px;color:#000">{text}</p></body></html>',
            "utf-8",
        )
        shot = tmp_path / "shot.png"
        screenshot(page, shot, (800, 400))
        return cv2.imread(str(shot), cv2.IMREAD_GRAYSCALE) < 128

    label, boxes = ink("正面"), ink("\U000f0000\U000f0001")  # private use: surely no glyph

    def width(drawn: np.ndarray) -> int:
        return int(np.count_nonzero(np.any(drawn, axis=0)))

    # Two Chinese characters are two em wide (128 px); a missing glyph is a narrow box.
    assert width(label) > 96 and width(boxes) < 64
    assert label.sum() > 2 * boxes.sum()


def test_the_advice_of_every_finding_is_text_on_the_page_not_a_tooltip():
    result = review(EXAMPLES / "blurry", previews=True)
    page = Page(render_report(result))
    text = " ".join(page.text)
    [blurry] = [f for p in result.photos for f in p.findings if f.code == "blurry"]
    advice = blurry.message.removeprefix(f"{blurry.file}: ")
    assert "hold the phone still" in advice and advice in text
    assert not [a for _, a in page.tags if "title" in a]


def test_a_photo_of_a_view_not_required_is_still_in_the_report_and_the_sheet():
    result = review(EXAMPLES / "complete-phone", screen="no", previews=True)
    assert not [s for s in slots(result) if s.view == "screen_on"]
    page = Page(render_report(result))
    assert "09_screen-on.jpg" in " ".join(page.text)
    assert "09_screen-on.jpg" in [cell.file for cell in sheet_cells(result)]


@needs_chromium
def test_a_real_browser_keeps_the_chinese_index_words_whole_at_1280_px(tmp_path):
    from playwright.sync_api import sync_playwright

    root = tmp_path / "in"
    for name in ("complete-phone", "missing-views", "blurry", "corrupt"):
        copy_example(EXAMPLES / name, root / name)
    (root / "corrupt" / "02_inner-packaging.jpg").unlink()
    out = tmp_path / "out"
    review_batch(root, out, jobs=1, report=True, lang="zh-hans")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto((out / "index.html").as_uri())
        page.screenshot(path=str(tmp_path / "index-zh.png"), full_page=True)
        lines = page.evaluate(
            """() => {
                const count = el => {  // the lines its text takes
                    const range = document.createRange();
                    range.selectNodeContents(el);
                    const tops = [...range.getClientRects()].map(r => Math.round(r.top));
                    return new Set(tops).size;
                };
                const cells = col => [...document.querySelectorAll(`td:nth-child(${col})`)];
                return {
                    verdicts: cells(2).map(count),
                    screens: cells(4).map(count),
                    headers: [...document.querySelectorAll('th')].map(count),
                    views: [...document.querySelectorAll('.view')].map(count),
                    names: cells(1).map(count),
                    screenWords: cells(4).map(el => el.textContent),
                    missing: cells(3).map(el => el.textContent),
                };
            }"""
        )
        browser.close()
    assert set(lines["verdicts"]) == {1} and set(lines["headers"]) == {1}
    assert set(lines["screens"]) <= {1} and set(lines["views"]) == {1}
    assert set(lines["names"]) == {1}  # complete-phone, not comple / te- / phone
    assert not set(lines["screenWords"]) & {"pass", "fail", "warn", "not_required"}
    assert "底部右侧" in "".join(lines["missing"])  # labels, not ids joined by `;`
    reasons = [row["reason"] for row in read_rows(out) if row["reason"]]
    assert reasons and not any("; " in reason for reason in reasons)  # joined by "；"
    assert "bottom" not in "".join(lines["missing"])
