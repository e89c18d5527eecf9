"""Hostile and broken input: every odd file becomes a finding, nothing crashes or leaks."""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import jsonschema
import numpy as np
import pytest
from conftest import EXAMPLES, photo_bytes
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image, TiffImagePlugin

from image_review.imaging import DecodeError, decode, sniff_format
from image_review.manifest import dumps, schema_text
from image_review.review import review
from image_review.submission import assign_views, discover
from image_review.views import parse_name

LIMIT = 100_000_000


def png_with_size(width: int, height: int) -> bytes:
    """A small valid PNG whose header is rewritten to claim width x height."""
    data = bytearray(photo_bytes((8, 8), "PNG"))
    ihdr = 8 + 8  # signature, then length + type of the IHDR chunk
    data[ihdr : ihdr + 8] = struct.pack(">II", width, height)
    crc = zlib.crc32(bytes(data[ihdr - 4 : ihdr + 13]))
    data[ihdr + 13 : ihdr + 17] = struct.pack(">I", crc)
    return bytes(data)


def jpeg_with_size(width: int, height: int) -> bytes:
    """A small valid JPEG whose frame header is rewritten to claim width x height."""
    data = bytearray(photo_bytes((16, 16)))
    sof = data.find(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def encoded(image: Image.Image, fmt: str, **save) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def ycck_jpeg() -> bytes:
    """A CMYK JPEG whose Adobe marker says YCCK (transform 2): decoders convert it."""
    data = bytearray(encoded(Image.new("CMYK", (64, 48), (10, 200, 30, 5)), "JPEG"))
    adobe = data.find(b"Adobe")
    data[adobe + 11] = 2
    return bytes(data)


def corrupt_exif_jpeg() -> bytes:
    body = photo_bytes((640, 480))
    junk = b"Exif\x00\x00" + b"MM\x00*\x00\x00\x00\x08" + bytes(range(200))
    segment = b"\xff\xe1" + struct.pack(">H", len(junk) + 2) + junk
    return body[:2] + segment + body[2:]


def exif_orientation(value: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = value
    return photo_bytes((640, 480), exif=exif)


def damaged_middle(data: bytes) -> bytes:
    noise = bytes(np.random.default_rng(3).integers(0, 256, len(data) // 5, dtype=np.uint8))
    start = len(data) // 2
    return data[:start] + noise + data[start + len(noise) :]


def heic() -> bytes:
    import pillow_heif

    pillow_heif.register_heif_opener()
    return encoded(Image.open(io.BytesIO(photo_bytes((640, 480)))), "HEIF", quality=50)


def frames(fmt: str) -> bytes:
    images = [Image.new("RGB", (600, 400), c) for c in ("red", "green", "blue")]
    return encoded(images[0], fmt, save_all=True, append_images=images[1:])


def with_gain_map(jpeg: bytes) -> bytes:
    """The photo with a second image in its MPF block, as Ultra HDR photos carry a gain map."""
    photo = Image.open(io.BytesIO(jpeg))
    return encoded(photo, "MPO", save_all=True, append_images=[photo.convert("L").reduce(4)])


def raw_dng() -> bytes:
    """A camera raw file: a TIFF whose DNGVersion tag is set, its first image a preview."""
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[50706] = b"\x01\x04\x00\x00"
    tags.tagtype[50706] = 1  # bytes
    return encoded(Image.new("RGB", (256, 192), "grey"), "TIFF", tiffinfo=tags)


#: file -> the finding it must get (None: decoded and measured, with no error finding)
EXPECTED = {
    "empty.jpg": "empty-file",
    "page.jpg": "unsupported-format",
    "cut.jpg": "truncated",
    "cut.png": "truncated",
    "cut.heic": "unreadable",
    "middle.jpg": None,
    "bomb.png": "pixel-limit",
    "bomb.jpg": "pixel-limit",
    "phone-200mp.jpg": "too-large",  # decoded at an eighth of each side: judged, not refused
    "dot.png": "too-small",
    "grey16.png": None,
    "grey16.tif": None,
    "cmyk.jpg": None,
    "ycck.jpg": None,
    "palette.png": None,
    "grey.jpg": None,
    "alpha.png": "transparency",
    "moving.gif": "animated",
    "pages.tif": "multi-page",
    "gain-map.jpg": None,
    "IMG_0001.DNG": "camera-raw-extra",  # beside the views: a note, not read
    "edited.jxl": "unsupported-format",
    "bad-exif.jpg": None,
    "orientation-99.jpg": None,
    "x" * 200 + ".jpg": None,
}


def build_corpus() -> dict[str, bytes]:
    """The bytes of every file in EXPECTED."""
    big = photo_bytes((1200, 900))
    png = photo_bytes((1200, 900), "PNG")
    rgba = np.zeros((400, 600, 4), np.uint8)
    rgba[..., 3] = 128
    grey16 = np.tile(np.linspace(0, 65535, 600, dtype=np.uint16), (400, 1))
    return {
        "empty.jpg": b"",
        "page.jpg": b"<!doctype html><html><body>not a photo</body></html>",
        "cut.jpg": big[: len(big) // 2],
        "cut.png": png[: len(png) // 2],
        "cut.heic": heic()[:300],
        "middle.jpg": damaged_middle(big),
        "bomb.png": png_with_size(100_000, 100_000),
        "bomb.jpg": jpeg_with_size(60_000, 60_000),
        "phone-200mp.jpg": jpeg_with_size(16_320, 12_240),
        "dot.png": photo_bytes((1, 1), "PNG"),
        "grey16.png": encoded(Image.fromarray(grey16), "PNG"),
        "grey16.tif": encoded(Image.fromarray(grey16), "TIFF"),
        "cmyk.jpg": encoded(Image.new("CMYK", (640, 480), (0, 255, 255, 0)), "JPEG"),
        "ycck.jpg": ycck_jpeg(),
        "palette.png": encoded(Image.open(io.BytesIO(png)).convert("P"), "PNG"),
        "grey.jpg": encoded(Image.open(io.BytesIO(big)).convert("L"), "JPEG"),
        "alpha.png": encoded(Image.fromarray(rgba, "RGBA"), "PNG"),
        "moving.gif": frames("GIF"),
        "pages.tif": frames("TIFF"),
        "gain-map.jpg": with_gain_map(big),
        "IMG_0001.DNG": raw_dng(),
        "edited.jxl": b"\xff\x0a" + bytes(500),  # a JPEG XL codestream: no decoder
        "bad-exif.jpg": corrupt_exif_jpeg(),
        "orientation-99.jpg": exif_orientation(99),
        "x" * 200 + ".jpg": big,
    }


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("hostile") / "submission"
    folder.mkdir()
    for name, data in build_corpus().items():
        (folder / name).write_bytes(data)
    undecodable = os.fsencode(folder) + b"/\xff\xfe-front.jpg"  # not UTF-8
    Path(os.fsdecode(undecodable)).write_bytes(photo_bytes((800, 600), seed=5))
    (folder / "photo.jpg").mkdir()  # a folder named like a photo
    (folder / "photo.jpg" / "inside.jpg").write_bytes(photo_bytes((800, 600), seed=6))
    outside = folder.parent / "outside.jpg"
    outside.write_bytes(photo_bytes((800, 600), seed=7))
    (folder / "escape.jpg").symlink_to(outside)
    (folder / "loop").symlink_to(folder, target_is_directory=True)
    (folder / "circle.jpg").symlink_to(folder / "round.jpg")  # a loop of two links
    (folder / "round.jpg").symlink_to(folder / "circle.jpg")
    (folder / "self.jpg").symlink_to("self.jpg")
    (folder / "gone-outside.jpg").symlink_to(folder.parent / "deleted.jpg")
    (folder / "submission.toml").write_text(
        '[views]\ntop = ["../outside.jpg", "/etc/passwd"]\nbottom = "gone.jpg"\n'
    )
    return folder


@pytest.fixture(scope="module")
def hostile_review(hostile):
    return review(hostile)


def findings_of(result, name: str) -> set[str]:
    photo = next(p for p in result.photos if p.file == name)
    return {f.code for f in photo.findings}


@pytest.mark.parametrize(("name", "code"), EXPECTED.items())
def test_each_hostile_file_gets_its_finding(hostile_review, name, code):
    codes = findings_of(hostile_review, name)
    if code is None:
        photo = next(p for p in hostile_review.photos if p.file == name)
        assert photo.measures, f"{name} was not measured: {codes}"
        assert not codes & {"unreadable", "unsupported-format"}
    else:
        assert code in codes


def test_a_gain_map_is_not_an_animation(hostile_review):
    assert not findings_of(hostile_review, "gain-map.jpg") & {"animated", "multi-page"}


def test_odd_names_links_and_sidecar(hostile_review):
    files = {p.file for p in hostile_review.photos}
    assert "\\xff\\xfe-front.jpg" in files  # shown escaped, reviewed all the same
    assert "photo.jpg/inside.jpg" in files
    codes = {(f.code, f.file) for f in hostile_review.all_findings()}
    assert ("link-outside", "escape.jpg") in codes
    assert ("link-outside", "gone-outside.jpg") in codes  # a link to nothing, outside
    loops = {file for code, file in codes if code == "link-loop"}
    assert loops == {"circle.jpg", "round.jpg", "self.jpg"}
    assert not {file for code, file in codes if code == "link-outside"} & loops
    message = next(f.message for f in hostile_review.all_findings() if f.file == "self.jpg")
    assert "leads back to itself (a loop" in message and "outside" not in message
    assert sum(code == "sidecar-path-outside" for code, _ in codes) >= 1
    assert ("sidecar-missing-file", None) in codes
    assert not any("outside.jpg" in f for f in files)


def test_hostile_manifest_is_valid_and_names_nothing_outside(hostile, hostile_review):
    text = dumps(hostile_review)
    jsonschema.validate(json.loads(text), json.loads(schema_text()))
    assert str(hostile.parent) not in text and "/etc/passwd" not in text


def test_the_command_never_shows_a_traceback(hostile, tmp_path):
    out = subprocess.run(
        [sys.executable, "-m", "image_review", str(hostile), "--out", str(tmp_path / "m.json")],
        capture_output=True,
        text=True,
        env={**os.environ, "IMAGE_REVIEW_DEBUG": ""},
    )
    assert out.returncode == 1, out.stderr
    assert "Traceback" not in out.stdout + out.stderr


def snapshot(folder: Path) -> dict[str, tuple[int, int, bytes]]:
    state = {}
    for dirpath, _, filenames in os.walk(folder):
        for name in filenames:
            path = Path(dirpath, name)
            stat = path.lstat()
            state[str(path)] = (stat.st_size, stat.st_mtime_ns, path.read_bytes()[:64])
    return state


def test_the_input_folder_is_never_modified(example, tmp_path):
    folder = example("corrupt")
    before = snapshot(folder)
    review(folder)
    subprocess.run(
        [sys.executable, "-m", "image_review", str(folder), "--out", str(tmp_path / "m.json")],
        capture_output=True,
    )
    assert snapshot(folder) == before
    subprocess.run([sys.executable, "-m", "image_review", str(folder)], capture_output=True)
    after = snapshot(folder)
    added = set(after) - set(before)
    assert {Path(p).name for p in added} == {"review-manifest.json"}
    assert {k: v for k, v in after.items() if k in before} == before


def test_thousands_of_non_photos_are_only_sniffed(tmp_path, monkeypatch):
    for i in range(3000):
        (tmp_path / f"note-{i:04d}.txt").write_text("x" * 2000)
    (tmp_path / "front.jpg").write_bytes(photo_bytes((800, 600)))
    reads = []
    real = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda self: reads.append(self.name) or real(self))
    result = review(tmp_path)
    assert reads == ["front.jpg"]  # whole files are read for photos only
    ignored = next(f for f in result.findings if f.code == "ignored-files")
    assert len(ignored.related) == 3000


def test_resource_caps_are_settable(tmp_path):
    from image_review.policy import Policy

    (tmp_path / "front.jpg").write_bytes(photo_bytes((1200, 900)))
    (tmp_path / "back.png").write_bytes(photo_bytes((1200, 900), "PNG"))
    capped = review(tmp_path, Policy(max_pixels=1_000_000, max_file_bytes=10**9))
    assert "pixel-limit" in findings_of(capped, "back.png")
    assert "pixel-limit" not in findings_of(capped, "front.jpg")  # a JPEG decodes reduced
    capped = review(tmp_path, Policy(max_jpeg_pixels=1_000_000))
    assert "pixel-limit" in findings_of(capped, "front.jpg")
    small = review(tmp_path, Policy(max_file_bytes=1000))
    assert "file-too-large" in findings_of(small, "front.jpg")


VALID = {
    "JPEG": photo_bytes((96, 64)),
    "PNG": photo_bytes((96, 64), "PNG"),
    "GIF": photo_bytes((96, 64), "GIF"),
    "TIFF": photo_bytes((96, 64), "TIFF"),
    "WEBP": photo_bytes((96, 64), "WEBP"),
}


def decodes_or_refuses(data: bytes, fmt: str) -> None:
    try:
        frame = decode(data, fmt, 10_000_000)
    except DecodeError as err:
        assert err.code in ("unreadable", "pixel-limit", "unsupported-format")
    else:
        assert frame.gray.ndim == 2 and frame.width > 0 and frame.height > 0


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=2048))
def test_random_bytes_never_crash_the_decoder(data):
    decodes_or_refuses(data, sniff_format(data[:32]) or "JPEG")


@settings(max_examples=200, deadline=None)
@given(
    st.sampled_from(sorted(VALID)),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), max_size=12),
    st.integers(0, 10**6),
)
def test_mutated_photos_never_crash_the_decoder(fmt, flips, cut):
    data = bytearray(VALID[fmt])
    for position, value in flips:
        data[position % len(data)] = value
    decodes_or_refuses(bytes(data[: max(1, cut % (len(data) + 1))]), fmt)


NAME = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="/\\\x00"),
    min_size=1,
    max_size=60,
).filter(lambda n: n not in (".", "..") and len(n.encode("utf-8")) < 200)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(NAME, min_size=1, max_size=6, unique_by=str.casefold))
def test_random_file_names_are_discovered_and_parsed(tmp_path, names):
    folder = tmp_path / "names"
    folder.mkdir(exist_ok=True)
    for old in folder.iterdir():
        old.unlink()
    data = VALID["JPEG"]
    for name in names:
        try:
            (folder / name).write_bytes(data)
        except OSError:  # a name this file system refuses
            continue
    found = discover(folder)
    assigned, _ = assign_views(found.photos, None)
    assert len(assigned) == len(found.photos)
    for photo in found.photos:
        json.dumps(photo.rel, ensure_ascii=False).encode("utf-8")
        parse_name(photo.rel)


def test_examples_still_pass_after_the_hostile_corpus():
    assert review(EXAMPLES / "complete-phone").verdict() == "pass"
