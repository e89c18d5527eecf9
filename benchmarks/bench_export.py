"""How long `image-review export` takes on phone-size photos, and what the time goes to.

    python benchmarks/bench_export.py

Builds one submission of 9 photos at 4032x3024 (12 MP), as an iPhone and an Android phone
mixed would give: 5 HEIC with a Display P3 profile and GPS, 2 upright sRGB JPEGs (kept bit
for bit) and 2 JPEGs stored sideways with EXIF orientation 6. Prints the whole export's
time per photo (review included), then, per kind of photo, the stages of the conversion:
decoding at full size, rotating, converting to sRGB, encoding the JPEG. One run, one
machine: compare the figures with each other, not across machines.
"""

from __future__ import annotations

import io
import sys
import tempfile
import time
from pathlib import Path

import cv2
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from make_fixtures import iphone_heic, jpeg, rotated_with_orientation
from synthetic import render_view

from image_review.export import JPEG_QUALITY, _open, _srgb_pixels, export, srgb_profile
from image_review.review import review

SIZE = (4032, 3024)
VIEWS = ("shipping_box", "inner_packaging", "top", "bottom", "front", "back", "left", "right")


def photo(view: str, seed: int):
    return cv2.resize(render_view(view, seed), SIZE, interpolation=cv2.INTER_CUBIC)


def build(folder: Path) -> dict[str, str]:
    """The submission; returns each file's kind."""
    kinds = {}
    for seed, view in enumerate((*VIEWS, "screen_on")):
        pixels = photo(view, seed)
        if seed < 5:
            name, data, kind = f"{seed + 1:02d}_{view}.heic", iphone_heic(pixels), "HEIC P3"
        elif seed < 7:
            name, data, kind = f"{seed + 1:02d}_{view}.jpg", jpeg(pixels, 90), "JPEG sRGB"
        else:
            data, kind = rotated_with_orientation(pixels), "JPEG rotated"
            name = f"{seed + 1:02d}_{view}.jpg"
        (folder / name).write_bytes(data)
        kinds[name] = kind
    return kinds


def stages(data: bytes, fmt: str) -> dict[str, float]:
    """Seconds per stage of one photo's conversion."""
    times = {}
    start = time.perf_counter()
    image = _open(data, fmt)
    image.load()
    times["decode"] = time.perf_counter() - start
    start = time.perf_counter()
    image = ImageOps.exif_transpose(image) if fmt == "JPEG" else image
    times["rotate"] = time.perf_counter() - start
    start = time.perf_counter()
    image, _changes = _srgb_pixels(image)
    times["to sRGB"] = time.perf_counter() - start
    start = time.perf_counter()
    out = io.BytesIO()
    image.save(out, "JPEG", quality=JPEG_QUALITY, subsampling="4:2:0", icc_profile=srgb_profile())
    times["encode"] = time.perf_counter() - start
    return times


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work) / "submission"
        folder.mkdir()
        kinds = build(folder)
        start = time.perf_counter()
        result = review(folder)
        reviewed = time.perf_counter() - start
        start = time.perf_counter()
        written, _left_out = export(result, folder, Path(work) / "upload")
        exported = time.perf_counter() - start
        count = len(written)
        print(f"{count} photos of {SIZE[0]}x{SIZE[1]}: 5 HEIC (P3), 2 JPEG sRGB, 2 JPEG rotated")
        print(f"review:  {reviewed:.2f} s ({reviewed / count * 1000:.0f} ms a photo)")
        print(f"export:  {exported:.2f} s ({exported / count * 1000:.0f} ms a photo, one thread)")
        print("stages of the conversion, ms (one photo of each kind):")
        for kind, fmt in (("HEIC P3", "HEIF"), ("JPEG rotated", "JPEG")):
            name = next(n for n, k in kinds.items() if k == kind)
            times = stages((folder / name).read_bytes(), fmt)
            shown = ", ".join(f"{stage} {seconds * 1000:.0f}" for stage, seconds in times.items())
            print(f"  {kind:<13} {shown}")
        name = next(n for n, k in kinds.items() if k == "JPEG sRGB")
        data = (folder / name).read_bytes()
        start = time.perf_counter()
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (image.width // 8, image.height // 8))
            image.load()
        checked = time.perf_counter() - start
        print(f"  {'JPEG sRGB':<13} kept bit for bit: check decode {checked * 1000:.0f}")


if __name__ == "__main__":
    main()
