"""Generate the example submissions under fixtures/images/examples/ (committed).

    python scripts/make_fixtures.py

Each example is one submission folder of synthetic photos (see synthetic.py). Identical
photos are written byte-identically, so git stores each picture once. README.md in the
examples folder says what each example must show.
"""

from __future__ import annotations

import io
import shutil
import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image

from image_review.views import load_profile

sys.path.insert(0, str(Path(__file__).resolve().parent))
from synthetic import (
    QUALITY_CASES,
    SCENES,
    display_p3_icc,
    render_quality_case,
    render_screen_scene,
    render_view,
)

IMAGES = Path(__file__).resolve().parent.parent / "fixtures" / "images"
ROOT = IMAGES / "examples"
SCREENS = IMAGES / "screens"  # one photo per screen case, named after its truth
QUALITY = IMAGES / "quality"  # one photo per case of judging blur and exposure on the subject
SIZE = (1024, 768)  # long side just over the 1000 px zoom recommendation
VIEWS = load_profile().all_views  # the eight required views and the screen switched on
NUMBERED = {
    "shipping_box": "01_box.jpg",
    "inner_packaging": "02_inner-packaging.jpg",
    "top": "03_top.jpg",
    "bottom": "04_bottom.jpg",
    "front": "05_front.jpg",
    "back": "06_back.jpg",
    "left": "07_left-side.jpg",
    "right": "08_right-side.jpg",
    "screen_on": "09_screen-on.jpg",
}
CHINESE = {
    "shipping_box": "外箱.jpg",
    "inner_packaging": "内包装.jpg",
    "top": "顶部.jpg",
    "bottom": "底部.jpg",
    "front": "正面.jpg",
    "back": "背面.jpg",
    "left": "左側.jpg",  # traditional
    "right": "右侧.jpg",  # simplified
    "screen_on": "亮屏.jpg",
}
SUBFOLDERS = {
    "shipping_box": "box/IMG_0001.jpg",
    "inner_packaging": "packaging/IMG_0002.jpg",
    "top": "top/IMG_0003.jpg",
    "bottom": "bottom/IMG_0004.jpg",
    "front": "sides/side1.jpg",  # generic sides fill front, back, left, right in turn
    "back": "sides/side2.jpg",
    "left": "sides/side3.jpg",
    "right": "sides/side4.jpg",
    "screen_on": "screen on/IMG_0009.jpg",
}


# The Australian shot list (profile renewed-au): 10 views and the screen, named so that the
# renewed profile reads them too ("inner box" is its inner packaging; it has no warranty card).
AU_NAMES = {
    "shipping_box": "01_shipping-box.jpg",
    "product_box": "02_inner-box.jpg",
    "inner_packaging": "03_in-box.jpg",
    "top": "04_top.jpg",
    "bottom": "05_bottom.jpg",
    "front": "06_front.jpg",
    "back": "07_back.jpg",
    "left": "08_left.jpg",
    "right": "09_right.jpg",
    "warranty_card": "10_warranty-card.jpg",
    "screen_on": "11_screen-on.jpg",
}


def jpeg(bgr: np.ndarray, quality: int = 80, exif: Image.Exif | None = None) -> bytes:
    """Encode a BGR image as JPEG bytes with Pillow (optionally with EXIF)."""
    out = io.BytesIO()
    image = Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB))
    image.save(out, "JPEG", quality=quality, exif=exif if exif is not None else b"")
    return out.getvalue()


def heic(bgr: np.ndarray) -> bytes:
    """Encode a BGR image as HEIC bytes, as an iPhone stores it."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).save(out, "HEIF", quality=50)
    return out.getvalue()


def rotated_with_orientation(bgr: np.ndarray) -> bytes:
    """Stored sideways with EXIF orientation 6 and a GPS position, as a phone saves it."""
    exif = Image.Exif()
    exif[0x0112] = 6
    gps = exif.get_ifd(0x8825)
    gps.update({1: "N", 2: (37.0, 46.0, 30.0), 3: "W", 4: (122.0, 25.0, 0.0)})
    return jpeg(cv2.rotate(bgr, cv2.ROTATE_90_COUNTERCLOCKWISE), exif=exif)


def resaved_copy(bgr: np.ndarray) -> bytes:
    """Cropped by 3% on each side, resized to 80% and re-saved at lower quality."""
    h, w = bgr.shape[:2]
    dy, dx = int(h * 0.03), int(w * 0.03)
    crop = bgr[dy : h - dy, dx : w - dx]
    smaller = cv2.resize(crop, None, fx=0.8, fy=0.8, interpolation=cv2.INTER_AREA)
    return jpeg(smaller, quality=68)


def truncated(data: bytes, keep: float = 0.7) -> bytes:
    """The first part of a file, as a copy interrupted halfway leaves it."""
    return data[: int(len(data) * keep)]


P3_PATCH = (200, 100, 50)  # an RGB colour in Display P3, drawn in a corner of the HEIC
P3_PATCH_BOX = (20, 20, 180, 180)  # x0, y0, x1, y1


def iphone_heic(bgr: np.ndarray) -> bytes:
    """An iPhone-style HEIC: Display P3 profile, a GPS position, a known colour patch."""
    import pillow_heif

    pillow_heif.register_heif_opener()
    x0, y0, x1, y1 = P3_PATCH_BOX
    rgb = cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
    rgb[y0:y1, x0:x1] = P3_PATCH
    exif = Image.Exif()
    exif.get_ifd(0x8825).update({1: "N", 2: (37.0, 46.0, 30.0), 3: "W", 4: (122.0, 25.0, 0.0)})
    exif[0x010F], exif[0x0110] = "Apple", "iPhone 12"
    exif.get_ifd(0x8769).update({0xA431: "F2LXK0TEST", 0xA430: "Li Wei"})  # serial, owner
    out = io.BytesIO()
    Image.fromarray(rgb).save(
        out, "HEIF", quality=50, icc_profile=display_p3_icc(), exif=exif.tobytes()
    )
    return out.getvalue()


def cmyk_jpeg(bgr: np.ndarray) -> bytes:
    """A JPEG stored in CMYK, as print workflows save them."""
    out = io.BytesIO()
    Image.fromarray(cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)).convert("CMYK").save(
        out, "JPEG", quality=75
    )
    return out.getvalue()


def png_with_alpha(bgr: np.ndarray) -> bytes:
    """A PNG whose outer band is transparent (a cut-out product shot), at 640x480 to keep
    the file small."""
    small = cv2.resize(bgr, (640, 480), interpolation=cv2.INTER_AREA)
    rgba = cv2.cvtColor(small, cv2.COLOR_BGR2RGBA)
    rgba[:30, :, 3] = 0
    rgba[-30:, :, 3] = 0
    out = io.BytesIO()
    Image.fromarray(rgba).save(out, "PNG")
    return out.getvalue()


def write(folder: Path, files: dict[str, bytes], sidecar: str | None = None) -> None:
    """Write one example submission from scratch."""
    if folder.exists():
        shutil.rmtree(folder)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    if sidecar is not None:
        (folder / "submission.toml").write_text(sidecar, encoding="utf-8")


def main() -> None:
    pixels = {view: render_view(view, seed, SIZE) for seed, view in enumerate(VIEWS)}
    photos = {view: jpeg(image) for view, image in pixels.items()}
    photos["bottom"] = rotated_with_orientation(pixels["bottom"])

    def numbered(**replace: bytes | None) -> dict[str, bytes]:
        files = {NUMBERED[v]: replace.get(v, photos[v]) for v in VIEWS}
        return {name: data for name, data in files.items() if data is not None}

    write(ROOT / "complete-phone", numbered())
    write(ROOT / "missing-views", numbered(bottom=None, right=None))
    write(ROOT / "duplicate", numbered(back=resaved_copy(pixels["front"])))
    blurred = cv2.GaussianBlur(pixels["left"], (0, 0), 6)
    write(ROOT / "blurry", numbered(left=jpeg(blurred)))
    dark = (pixels["top"].astype(np.float32) * 0.12).astype(np.uint8)
    write(ROOT / "dark", numbered(top=jpeg(dark)))
    corrupt = numbered(
        right=photos["right"][:600] + bytes(np.random.default_rng(7).integers(0, 256, 4000)),
        front=truncated(photos["front"]),
    )
    corrupt["notes.txt"] = b"shot on 2026-11-20 in the warehouse\n"
    corrupt["extra.jpg"] = b"<html><body>Not a photo: a web page saved as .jpg</body></html>\n"
    write(ROOT / "corrupt", corrupt)
    heic_names = {v: f"{NUMBERED[v][:-4].replace('_', ' ').title()}.HEIC" for v in VIEWS}
    write(ROOT / "heic", {heic_names[v]: heic(pixels[v]) for v in VIEWS})
    write(ROOT / "chinese-names", {CHINESE[v]: photos[v] for v in VIEWS})
    write(ROOT / "subfolders", {SUBFOLDERS[v]: photos[v] for v in VIEWS})
    camera_names = {v: f"IMG_{4031 + i}.jpg" for i, v in enumerate(VIEWS)}
    views_table = "\n".join(f'{v} = "{camera_names[v]}"' for v in VIEWS)
    sidecar = (
        f'[product]\nname = "Phone X, 64 GB, blue"\ncategory = "phone"\n\n[views]\n{views_table}\n'
    )
    write(ROOT / "sidecar", {camera_names[v]: photos[v] for v in VIEWS}, sidecar)
    au = {
        view: photos.get(view) or jpeg(render_view(view, seed, SIZE))
        for seed, view in enumerate(AU_NAMES, start=20)
    }
    write(ROOT / "au-phone", {AU_NAMES[v]: au[v] for v in AU_NAMES})
    mixed = numbered(shipping_box=None, inner_packaging=None, left=None)
    mixed["01_box.heic"] = iphone_heic(pixels["shipping_box"])
    mixed["02_inner-packaging.jpg"] = cmyk_jpeg(pixels["inner_packaging"])
    mixed["07_left-side.png"] = png_with_alpha(pixels["left"])
    write(ROOT / "export-mix", mixed)
    for backdrop in ("plain", "defocused"):  # the product sharp, little else with an edge
        close_ups = {v: jpeg(render_view(v, seed, SIZE, backdrop)) for seed, v in enumerate(VIEWS)}
        write(ROOT / f"{backdrop}-backdrop", numbered(**close_ups))
    SCREENS.mkdir(parents=True, exist_ok=True)
    for seed, scene in enumerate(SCENES, start=100):
        (SCREENS / f"{scene}.jpg").write_bytes(jpeg(render_screen_scene(scene, seed, SIZE)))
    QUALITY.mkdir(parents=True, exist_ok=True)
    for case in QUALITY_CASES:
        grey = cv2.cvtColor(render_quality_case(case), cv2.COLOR_GRAY2BGR)
        (QUALITY / f"{case}.jpg").write_bytes(jpeg(grey, quality=92))
    print(f"wrote examples to {ROOT}, screen cases to {SCREENS}, quality cases to {QUALITY}")


if __name__ == "__main__":
    main()
