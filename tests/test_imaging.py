import dataclasses
import io
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest
from conftest import photo_bytes
from PIL import Image, TiffImagePlugin, features
from PIL.TiffImagePlugin import IFDRational

from image_review.imaging import (
    ANALYSIS_LONG_SIDE,
    DecodeBudget,
    DecodeError,
    decode,
    sniff_format,
)
from image_review.policy import DEFAULT_POLICY

LIMIT = 100_000_000


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("JPEG", "JPEG"),
        ("PNG", "PNG"),
        ("GIF", "GIF"),
        ("BMP", "BMP"),
        ("TIFF", "TIFF"),
        ("WEBP", "WEBP"),
    ],
)
def test_sniff_recognises_formats_by_their_bytes(fmt, expected):
    assert sniff_format(photo_bytes((32, 32), fmt)[:32]) == expected


def test_sniff_recognises_heic_and_rejects_text():
    assert sniff_format(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00") == "HEIF"
    assert sniff_format(b"<html><body>") is None
    assert sniff_format(b"") is None


def test_large_jpeg_is_decoded_reduced_to_analysis_size():
    frame = decode(photo_bytes((4032, 3024)), "JPEG", LIMIT)
    assert (frame.width, frame.height) == (4032, 3024)
    assert 700 <= max(frame.bgr.shape[:2]) <= ANALYSIS_LONG_SIDE
    assert frame.gray.shape == frame.bgr.shape[:2]


def test_exif_orientation_turns_the_photo_upright():
    pixels = np.zeros((300, 400, 3), np.uint8)
    pixels[:, :200] = 255  # stored: left half white
    exif = Image.Exif()
    exif[0x0112] = 6  # display = stored turned 90 degrees clockwise
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", exif=exif)
    frame = decode(out.getvalue(), "JPEG", LIMIT)
    assert (frame.width, frame.height, frame.orientation) == (300, 400, 6)
    assert frame.gray.shape == (400, 300)
    assert frame.gray[:100].mean() > 200 and frame.gray[-100:].mean() < 50  # white on top


def test_absurd_orientation_is_ignored():
    exif = Image.Exif()
    exif[0x0112] = 99
    frame = decode(photo_bytes((200, 100), exif=exif), "JPEG", LIMIT)
    assert (frame.width, frame.height, frame.orientation) == (200, 100, 1)


def test_truncated_jpeg_still_decodes_and_is_flagged():
    data = photo_bytes((800, 600))
    frame = decode(data[: len(data) * 2 // 3], "JPEG", LIMIT)
    assert frame.truncated and frame.width == 800
    assert not decode(data, "JPEG", LIMIT).truncated


def test_a_motion_photos_video_after_the_image_is_not_a_truncation():
    # Pixel and Galaxy motion photos append a video to the JPEG; its bytes may hold what
    # looks like a scan's start (FF DA) with no end marker after it.
    video = b"\x00\x00\x00\x18ftypisom" + b"\x5a" * 5000 + b"\xff\xda" + b"\x5a" * 5000
    data = photo_bytes((800, 600))
    assert not decode(data + video, "JPEG", LIMIT).truncated
    assert decode(data[: len(data) * 2 // 3], "JPEG", LIMIT).truncated


def test_a_camera_raw_file_is_refused_with_what_to_do():
    tags = TiffImagePlugin.ImageFileDirectory_v2()
    tags[50706] = b"\x01\x04\x00\x00"  # DNGVersion: the TIFF is a DNG, its image a preview
    tags.tagtype[50706] = 1
    out = io.BytesIO()
    Image.new("RGB", (256, 192), "grey").save(out, "TIFF", tiffinfo=tags)
    with pytest.raises(DecodeError) as refused:
        decode(out.getvalue(), "TIFF", LIMIT)
    assert refused.value.code == "unsupported-format" and "DNG" in refused.value.detail
    assert decode(photo_bytes((256, 192), "TIFF"), "TIFF", LIMIT).width == 256  # a plain TIFF


@pytest.mark.parametrize(
    "head", [b"\xff\x0a\xfa\x1f", b"\x00\x00\x00\x0cJXL \r\n\x87\n\x00\x00\x00\x14ftypjxl "]
)
def test_a_jpeg_xl_photo_is_named_and_refused_with_what_to_do(head):
    """A JPEG XL (a bare codestream or its container) was skipped as 'not a photo', so
    the view it was named for was reported as never photographed."""
    data = head + bytes(64)
    assert sniff_format(data[:32]) == "JXL"
    with pytest.raises(DecodeError) as refused:
        decode(data, "JXL", LIMIT)
    assert refused.value.code == "unsupported-format" and "JPEG XL" in refused.value.detail


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow reads no AVIF")
def test_avif_is_read_by_pillow_and_turned_upright():
    # pillow-heif 1.x no longer decodes AV1: an AVIF photo was "unreadable".
    photo = Image.new("RGB", (400, 200), "red")
    photo.paste((0, 0, 255), (0, 0, 100, 200))  # blue on the left
    exif = Image.Exif()
    exif[0x0112] = 6  # turn a quarter clockwise to show it
    out = io.BytesIO()
    photo.save(out, "AVIF", exif=exif.tobytes(), quality=90)
    data = out.getvalue()
    assert sniff_format(data[:32]) == "AVIF"
    frame = decode(data, "AVIF", LIMIT)
    assert (frame.width, frame.height) == (200, 400)
    blue, _, red = frame.bgr[5, 100]
    assert blue > 200 and red < 60  # the left edge is now on top


def test_an_avif_naming_the_generic_heif_brand_first_is_sniffed_as_avif():
    head = b"\x00\x00\x00\x20ftypmif1\x00\x00\x00\x00mif1avifmiaf"
    assert sniff_format(head) == "AVIF"
    assert sniff_format(b"\x00\x00\x00\x18ftypmif1\x00\x00\x00\x00mif1heic") == "HEIF"


def test_pixel_limit_refuses_before_decoding():
    with pytest.raises(DecodeError) as caught:
        decode(photo_bytes((2000, 2000), "PNG"), "PNG", 1_000_000)
    assert caught.value.code == "pixel-limit"


def test_garbage_after_a_jpeg_header_is_unreadable():
    with pytest.raises(DecodeError) as caught:
        decode(b"\xff\xd8\xff\xe0" + bytes(range(256)) * 4, "JPEG", LIMIT)
    assert caught.value.code == "unreadable"


def test_heic_decodes():
    import pillow_heif

    pillow_heif.register_heif_opener()
    out = io.BytesIO()
    Image.open(io.BytesIO(photo_bytes((640, 480)))).save(out, "HEIF", quality=60)
    frame = decode(out.getvalue(), "HEIF", LIMIT)
    assert (frame.width, frame.height) == (640, 480)


def test_sixteen_bit_grey_png_is_scaled_to_eight_bits():
    values = np.tile(np.linspace(0, 65535, 256, dtype=np.uint16), (64, 1))
    out = io.BytesIO()
    Image.fromarray(values).save(out, "PNG")
    frame = decode(out.getvalue(), "PNG", LIMIT)
    assert frame.gray.min() < 5 and frame.gray.max() > 250


def test_transparency_is_flattened_on_white_and_flagged():
    rgba = np.zeros((50, 50, 4), np.uint8)  # fully transparent black
    out = io.BytesIO()
    Image.fromarray(rgba, "RGBA").save(out, "PNG")
    frame = decode(out.getvalue(), "PNG", LIMIT)
    assert frame.transparent and frame.gray.min() == 255


def test_animated_gif_counts_its_frames():
    frames = [Image.new("RGB", (40, 40), c) for c in ("red", "green", "blue")]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    assert decode(out.getvalue(), "GIF", LIMIT).frames == 3


def test_a_jpeg_holding_a_gain_map_is_one_still_photo():
    # Android's Ultra HDR and iPhone's HDR photos keep a gain map as a second image in the
    # JPEG's MPF block; Pillow opens such a file as a two-frame MPO.
    photo = Image.new("RGB", (64, 48), (200, 30, 30))
    out = io.BytesIO()
    photo.save(out, "MPO", save_all=True, append_images=[Image.new("RGB", (16, 12), "white")])
    assert Image.open(io.BytesIO(out.getvalue())).n_frames == 2
    frame = decode(out.getvalue(), "JPEG", LIMIT)
    assert frame.frames == 1
    b, g, r = frame.bgr[24, 32]
    assert r > 180 and g < 60 and b < 60  # the primary image, not the gain map


def test_cmyk_jpeg_decodes_to_colour():
    out = io.BytesIO()
    Image.new("CMYK", (60, 40), (0, 255, 255, 0)).save(out, "JPEG")  # red in CMYK
    frame = decode(out.getvalue(), "JPEG", LIMIT)
    b, g, r = frame.bgr[20, 30]
    assert r > 200 and g < 60 and b < 60


def test_the_decode_budget_lets_one_large_decode_run_and_holds_the_rest_back():
    budget = DecodeBudget(50)
    held, peak, lock = [0], [0], threading.Lock()

    def decode_one(pixels: int) -> None:
        with budget.hold(pixels):
            with lock:
                held[0] += pixels
                peak[0] = max(peak[0], held[0])
            time.sleep(0.02)
            with lock:
                held[0] -= pixels

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(decode_one, [30, 30, 30, 60, 10, 10]))
    assert peak[0] == budget.peak <= 60  # the 60 ran alone; never two 30s at once
    assert budget.held == 0


def test_a_review_keeps_full_size_decodes_in_flight_within_the_budget(tmp_path, monkeypatch):
    import image_review.review as review_module

    for number in range(6):
        rgb = np.random.default_rng(number).integers(0, 256, (600, 800, 3), np.uint8)
        Image.fromarray(rgb).save(tmp_path / f"side{number}.png")  # PNG: decoded at full size
    budgets = []

    class Recorded(DecodeBudget):
        def __init__(self, pixels: int) -> None:
            super().__init__(pixels)
            budgets.append(self)

    monkeypatch.setattr(review_module, "DecodeBudget", Recorded)
    policy = dataclasses.replace(DEFAULT_POLICY, decode_budget_pixels=1_000_000)
    review_module.review(tmp_path, policy, threads=6)
    [budget] = budgets
    assert 600 * 800 <= budget.peak <= 1_000_000  # at most two of the six at once


def _with_gps(block: dict) -> bytes:
    exif = Image.Exif()
    exif[0x8825] = block
    out = io.BytesIO()
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(out, "JPEG", exif=exif)
    return out.getvalue()


NAN = IFDRational(0, 0)  # what a phone without a fix writes: 0/0
SHANGHAI = {1: "N", 2: (31.0, 13.0, 48.0), 3: "E", 4: (121.0, 28.0, 12.0)}


@pytest.mark.parametrize(
    ("block", "located"),
    [
        (SHANGHAI, True),
        ({**SHANGHAI, 1: "S", 3: "W"}, True),
        ({2: (NAN, NAN, NAN), 4: (NAN, NAN, NAN)}, False),
        ({**SHANGHAI, 2: (NAN, NAN, NAN)}, False),
        ({2: (0.0, 0.0, 0.0), 4: (0.0, 0.0, 0.0)}, False),  # no fix, written as zero
        ({1: "N", 3: "E"}, False),  # refs, no numbers
        ({0: b"\x02\x02\x00\x00"}, False),  # only the version
        ({2: (31.0, 13.0), 4: (121.0, 28.0, 12.0)}, False),  # not three numbers
        ({2: (95.0, 0.0, 0.0), 4: (121.0, 28.0, 12.0)}, False),  # no such latitude
    ],
)
def test_only_a_real_latitude_and_longitude_is_a_location(block, located):
    assert decode(_with_gps(block), "JPEG", LIMIT).has_gps is located
