"""The contact sheet: every photo of a review in one JPEG, for a ticket or a chat.

One cell per photo, in shot-list order: each view's photos (all of them, when a view has
several), an empty cell for a missing view, then the photos with no view and any other.
Each cell names the view in English and Chinese, the file and its worst finding. Text is
drawn with Pillow in a font that covers Chinese, found on the system (`cjk_font_path`);
without one, Pillow's own font is used and Chinese may show as boxes.
"""

from __future__ import annotations

import functools
import io
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from image_review.i18n import _, current_language
from image_review.model import PhotoResult, Review
from image_review.report import screen_not_known, slots, status_word
from image_review.terminal import second_label_language, severity_word, verdict_word

TILE_W, TILE_H, LABEL_H, HEADER_H = 360, 270, 84, 60
_RGB = {"pass": (46, 158, 91), "fail": (192, 57, 43), "warn": (217, 154, 0), "none": (90, 90, 90)}
MISSING_RGB = (253, 226, 226)  # the report's colour of an empty slot
_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

# Fonts that cover Chinese, most common first: Debian/Ubuntu (fonts-wqy-zenhei,
# fonts-noto-cjk, fonts-droid-fallback), macOS, Windows.
CJK_FONTS = (
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
    "/System/Library/Fonts/Hiragino Sans GB.ttc",
    "C:/Windows/Fonts/msyh.ttc",
    "C:/Windows/Fonts/simhei.ttf",
)


@dataclass
class Cell:
    """One picture of the sheet and the three lines under it."""

    status: str  # pass | fail | warn | none (a photo outside the shot list)
    title: str
    file: str
    note: str  # the worst finding, or why the cell is empty
    photo: PhotoResult | None


@functools.lru_cache(maxsize=1)
def cjk_font_path() -> str | None:
    """A font file on this system that covers Chinese, or None."""
    for path in CJK_FONTS:
        if Path(path).is_file():
            return path
    if shutil.which("fc-match"):
        try:
            found = subprocess.run(
                ["fc-match", "-f", "%{file}", ":lang=zh-cn"],
                capture_output=True,
                text=True,
                timeout=5,
                check=False,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            found = ""
        if found and Path(found).is_file() and _covers_chinese(found):
            return found
    return None


def _covers_chinese(path: str) -> bool:
    try:
        font = ImageFont.truetype(path, 20)
    except OSError:
        return False
    return font.getmask("正").getbbox() != font.getmask("\uffff").getbbox()


@functools.lru_cache(maxsize=8)
def text_font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    """The CJK font at `size` pixels, else Pillow's own."""
    path = cjk_font_path()
    if path is not None:
        return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def _worst(photo: PhotoResult) -> str:
    if not photo.findings:
        return _("no findings") if photo.usable else ""
    finding = min(photo.findings, key=lambda f: _SEVERITY_ORDER[f.severity])
    more = f" (+{len(photo.findings) - 1})" if len(photo.findings) > 1 else ""
    return f"{severity_word(finding.severity)}: {finding.code}{more}"


def sheet_cells(review: Review) -> list[Cell]:
    """Every cell of the sheet, in order (see the module docstring)."""
    cells, placed = [], set()
    lang, second = current_language(), second_label_language()
    profile = review.profile
    unnamed = bool(review.unassigned_photos())
    for slot in slots(review):
        label, chinese = profile.label(slot.view, lang), profile.label(slot.view, second)
        title = f"{status_word(slot, unnamed)}  {label}" + (
            f" {chinese}" if chinese != label else ""
        )
        if not slot.photos:
            asks = screen_not_known(review, slot.view)
            note = slot.message if asks else _("missing: {reason}").format(reason=slot.message)
            cells.append(Cell(slot.status, title, "", note, None))
        for photo in slot.photos:
            note = _("not counted: another photo shows it") if slot.passed_over(photo) else ""
            cells.append(Cell(slot.status, title, photo.file, note or _worst(photo), photo))
            placed.add(photo.file)
    for photo in review.photos:
        if photo.file not in placed:
            known = profile.view(photo.view) is not None
            title = profile.label(photo.view, lang) if known else _("No view")
            cells.append(Cell("none", title, photo.file, _worst(photo), photo))
    return cells


def render_contact_sheet(review: Review, columns: int = 3) -> bytes:
    """The sheet as one JPEG."""
    cells = sheet_cells(review)
    rows = max(1, -(-len(cells) // columns))
    sheet = Image.new("RGB", (columns * TILE_W, HEADER_H + rows * (TILE_H + LABEL_H)), "white")
    draw = ImageDraw.Draw(sheet)
    header = f"{review.path}: {verdict_word(review.verdict())}  " + _("({count} photos)").format(
        count=len(review.photos)
    )
    draw.text((12, 16), header, fill=(30, 30, 30), font=text_font(26))
    for index, cell in enumerate(cells):
        x0 = (index % columns) * TILE_W
        y0 = HEADER_H + (index // columns) * (TILE_H + LABEL_H)
        _draw_cell(sheet, draw, cell, x0, y0, review.previews)
    out = io.BytesIO()
    sheet.save(out, "JPEG", quality=85)
    return out.getvalue()


def _draw_cell(
    sheet: Image.Image,
    draw: ImageDraw.ImageDraw,
    cell: Cell,
    x0: int,
    y0: int,
    previews: dict[str, bytes],
) -> None:
    colour = _RGB[cell.status]
    preview = previews.get(cell.photo.file) if cell.photo else None
    if preview is None:
        draw.rectangle((x0, y0, x0 + TILE_W - 1, y0 + TILE_H - 1), fill=MISSING_RGB)
        word = _("MISSING") if cell.photo is None else _("NOT DECODED")
        draw.text(
            (x0 + TILE_W // 2, y0 + TILE_H // 2),
            word,
            fill=(138, 31, 20),
            font=text_font(24),
            anchor="mm",
        )
    else:
        image = Image.open(io.BytesIO(preview)).convert("RGB")
        image.thumbnail((TILE_W - 8, TILE_H - 8))
        sheet.paste(image, (x0 + (TILE_W - image.width) // 2, y0 + (TILE_H - image.height) // 2))
    draw.rectangle(
        (x0 + 2, y0 + 2, x0 + TILE_W - 3, y0 + TILE_H + LABEL_H - 3), outline=colour, width=3
    )
    small = text_font(15)
    draw.text(
        (x0 + 10, y0 + TILE_H + 6), _fit(cell.title, text_font(17)), fill=colour, font=text_font(17)
    )
    draw.text((x0 + 10, y0 + TILE_H + 32), _fit(cell.file, small), fill=(60, 60, 60), font=small)
    draw.text((x0 + 10, y0 + TILE_H + 54), _fit(cell.note, small), fill=(60, 60, 60), font=small)


def _fit(text: str, font: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> str:
    """The text, cut with an ellipsis to the width of a cell."""
    limit = TILE_W - 20
    if font.getlength(text) <= limit:
        return text
    while text and font.getlength(text + "…") > limit:
        text = text[:-1]
    return text + "…"
