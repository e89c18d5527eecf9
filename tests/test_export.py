"""The upload-ready set: JPEG, upright, sRGB, no location, named, atomic, reproducible."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import time
import zipfile

import numpy as np
import pytest
from click.testing import CliRunner
from make_fixtures import P3_PATCH, P3_PATCH_BOX, jpeg
from PIL import Image, ImageCms, features
from synthetic import render_view

from image_review.cli import cli
from image_review.export import ExportError, check_product_id, main_view, plan, upload_jpeg
from image_review.review import review
from image_review.views import load_profile

PRIVATE_TAGS = {0x8825: "GPS", 0xA431: "body serial", 0xA430: "owner", 0x927C: "maker note"}


def _srgb_of_p3(rgb: tuple[int, int, int]) -> np.ndarray:
    """Display P3 to sRGB by the published matrices (not by the code under test)."""
    c = np.asarray(rgb) / 255
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    p3_to_xyz = np.array(
        [
            [0.4865709, 0.2656677, 0.1982173],
            [0.2289746, 0.6917385, 0.0792869],
            [0, 0.0451134, 1.0439444],
        ]
    )
    xyz_to_srgb = np.array(
        [
            [3.2404542, -1.5371385, -0.4985314],
            [-0.969266, 1.8760108, 0.041556],
            [0.0556434, -0.2040259, 1.0572252],
        ]
    )
    out = np.clip(xyz_to_srgb @ p3_to_xyz @ linear, 0, 1)
    return np.where(out <= 0.0031308, out * 12.92, 1.055 * out ** (1 / 2.4) - 0.055) * 255


@pytest.fixture
def exported(example, tmp_path):
    folder = example("export-mix")
    out = tmp_path / "upload"
    result = CliRunner().invoke(cli, ["export", str(folder), "--to", str(out)])
    assert result.exit_code == 0, result.output
    manifest = json.loads((out / "export-manifest.json").read_text("utf-8"))
    return folder, out, {f["source"]: f for f in manifest["files"]}


def test_one_jpeg_per_view_in_shot_list_order_with_its_source(exported):
    _, out, files = exported
    names = sorted(p.name for p in out.glob("*.jpg"))
    assert names == [
        "01-shipping-box.jpg", "02-inner-packaging.jpg", "03-top.jpg", "04-bottom.jpg",
        "05-front.jpg", "06-back.jpg", "07-left.jpg", "08-right.jpg", "09-screen-on.jpg",
    ]  # fmt: skip
    assert files["01_box.heic"]["file"] == "01-shipping-box.jpg"
    for name in names:
        with Image.open(out / name) as image:
            assert image.format == "JPEG" and image.mode == "RGB"
            exif = image.getexif()
            assert not [tag for tag in PRIVATE_TAGS if tag in exif or exif.get_ifd(tag)], name
            assert 0x0112 not in exif  # no orientation tag left to apply twice
            profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
            assert "sRGB" in ImageCms.getProfileDescription(profile)


def test_a_display_p3_heic_is_converted_to_srgb_not_stripped_of_its_profile(exported):
    _, out, files = exported
    assert files["01_box.heic"]["changes"][:2] == ["converted-from-heic", "profile-converted"]
    x0, y0, x1, y1 = P3_PATCH_BOX
    with Image.open(out / "01-shipping-box.jpg") as image:
        patch = np.asarray(image)[y0 + 20 : y1 - 20, x0 + 20 : x1 - 20].reshape(-1, 3).mean(0)
    expected = _srgb_of_p3(P3_PATCH)
    assert np.abs(patch - expected).max() < 4, (patch, expected)
    assert np.abs(patch - np.asarray(P3_PATCH)).max() > 10  # dropping the profile would fail


def test_the_camera_serial_and_owner_name_are_not_exported(exported):
    folder, out, _ = exported
    import pillow_heif

    source = Image.Exif()
    source.load(pillow_heif.open_heif(folder / "01_box.heic").info["exif"])
    private = source.get_ifd(0x8769)
    assert private[0xA431] == "F2LXK0TEST" and private[0xA430] == "Li Wei"
    exported_bytes = (out / "01-shipping-box.jpg").read_bytes()
    assert b"F2LXK0TEST" not in exported_bytes and b"Li Wei" not in exported_bytes
    assert b"Apple" not in exported_bytes


def test_a_16_bit_photo_is_reduced_to_8_bits():
    gradient = (np.linspace(0, 65535, 1200 * 900).reshape(900, 1200)).astype(np.uint16)
    out = io.BytesIO()
    Image.fromarray(gradient).save(out, "PNG")
    jpeg_bytes, changes = upload_jpeg(out.getvalue(), "PNG", 10000)
    assert "16-bit-reduced" in changes
    with Image.open(io.BytesIO(jpeg_bytes)) as image:
        pixels = np.asarray(image).astype(int)
    assert image.mode == "RGB" and abs(pixels[450, 600, 0] - 128) <= 3  # mid-grey stays mid


@pytest.mark.skipif(not features.check("avif"), reason="this Pillow reads no AVIF")
def test_an_avif_photo_is_converted_upright():
    photo = Image.new("RGB", (1200, 900), "red")
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    photo.save(out, "AVIF", exif=exif.tobytes())
    jpeg_bytes, changes = upload_jpeg(out.getvalue(), "AVIF", 10000)
    assert changes[:2] == ["converted-from-avif", "rotated"]
    with Image.open(io.BytesIO(jpeg_bytes)) as image:
        assert image.format == "JPEG" and image.size == (900, 1200)


def test_a_rotated_jpeg_comes_out_upright_without_its_location(exported):
    folder, out, files = exported
    assert "rotated" in files["04_bottom.jpg"]["changes"]
    with Image.open(folder / "04_bottom.jpg") as source:
        assert source.size == (768, 1024) and source.getexif().get_ifd(0x8825)  # stored sideways
    with Image.open(out / "04-bottom.jpg") as image:
        assert image.size == (1024, 768)


def test_transparency_cmyk_and_a_clean_jpeg(exported):
    folder, out, files = exported
    with Image.open(out / "07-left.jpg") as image:
        assert np.asarray(image)[:20].mean() > 250  # the transparent band is white
    assert "transparency-flattened" in files["07_left-side.png"]["changes"]
    assert "cmyk-converted" in files["02_inner-packaging.jpg"]["changes"]
    assert files["05_front.jpg"]["changes"] == ["metadata-removed"]  # not re-encoded
    with Image.open(folder / "05_front.jpg") as a, Image.open(out / "05-front.jpg") as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))  # bit for bit


def test_the_submission_folder_is_not_changed(example, tmp_path):
    folder = example("export-mix")
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    assert (
        CliRunner().invoke(cli, ["export", str(folder), "--to", str(tmp_path / "o")]).exit_code == 0
    )
    assert {p.name: p.read_bytes() for p in folder.iterdir()} == before


def test_the_zip_is_identical_across_two_runs_at_different_times(example, tmp_path):
    """Two processes, seconds apart: nothing in the set (the JPEGs' sRGB profile, the
    manifest's hashes, the zip's dates) may carry the time of the run."""
    folder = example("export-mix")
    for run in ("a", "b"):
        if run == "b":
            time.sleep(1.1)  # the ICC profile's date has whole seconds
        command = ["export", str(folder), "--to", str(tmp_path / run), "--zip"]
        result = subprocess.run(
            [sys.executable, "-m", "image_review", *command], capture_output=True, text=True
        )
        assert result.returncode == 0, result.stderr
    first, second = (tmp_path / "a.zip").read_bytes(), (tmp_path / "b.zip").read_bytes()
    assert first == second
    names = zipfile.ZipFile(io.BytesIO(first)).namelist()
    assert names[0] == "01-shipping-box.jpg" and names[-1] == "export-manifest.json"


def test_amazon_naming_puts_the_front_first_and_checks_the_code(example, tmp_path):
    folder = example("export-mix")
    result = CliRunner().invoke(
        cli,
        [
            "export",
            str(folder),
            "--to",
            str(tmp_path / "o"),
            "--naming",
            "amazon",
            "--product-id",
            "b0abcd1234",
        ],
    )
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in (tmp_path / "o").glob("*.jpg"))
    assert "B0ABCD1234.MAIN.jpg" in names and "B0ABCD1234.PT08.jpg" in names and len(names) == 9
    manifest = json.loads((tmp_path / "o" / "export-manifest.json").read_text("utf-8"))
    assert manifest["files"][0]["view"] == "front" == main_view(load_profile())
    for bad in ("B0ABC", "12345", "B0ABCD1234X", "ABC-123-4567"):
        with pytest.raises(ExportError, match="not an ASIN"):
            check_product_id(bad)
    assert check_product_id("0123456789012") == "0123456789012"
    result = CliRunner().invoke(
        cli, ["export", str(folder), "--to", str(tmp_path / "p"), "--naming", "amazon"]
    )
    assert result.exit_code == 2 and "needs --product-id" in result.output


def test_a_seller_sku_is_refused_with_the_reason(example, tmp_path):
    folder = example("export-mix")
    command = ["export", str(folder), "--to", str(tmp_path / "o"), "--naming", "amazon"]
    result = CliRunner().invoke(cli, [*command, "--product-id", "IPHONE-13-BLK-128"])
    assert result.exit_code == 2 and not (tmp_path / "o").exists()
    assert "--product-id: IPHONE-13-BLK-128 is not an ASIN" in result.output
    assert "A seller SKU cannot be used" in result.output
    assert "Traceback" not in result.output
    result = CliRunner().invoke(cli, ["export", "--help"])
    assert "--product-id ID" in result.output and "--sku" not in result.output


def test_a_failing_review_writes_nothing_unless_forced(example, tmp_path):
    folder = example("missing-views")
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(folder), "--to", str(tmp_path / "o")])
    assert result.exit_code == 1 and "nothing was written" in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["missing-views"]
    forced = runner.invoke(cli, ["export", str(folder), "--to", str(tmp_path / "o"), "--force"])
    assert forced.exit_code == 0, forced.output
    manifest = json.loads((tmp_path / "o" / "export-manifest.json").read_text("utf-8"))
    assert [f["view"] for f in manifest["files"]][3:5] == ["front", "back"]  # bottom missing


def test_a_photo_that_does_not_decode_in_full_stops_the_export_with_nothing_written(
    example, tmp_path
):
    folder = example("export-mix")
    data = (folder / "06_back.jpg").read_bytes()
    (folder / "06_back.jpg").write_bytes(data[: len(data) * 7 // 10])  # copied halfway
    result = CliRunner().invoke(cli, ["export", str(folder), "--to", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert (
        "06_back.jpg: cannot be exported" in result.output
        and "Nothing was written" in result.output
    )
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["export-mix"]  # no OUT, no temporary


def test_an_existing_output_is_refused_unless_forced_and_never_inside_the_submission(
    example, tmp_path
):
    folder = example("export-mix")
    (tmp_path / "o").mkdir()
    (tmp_path / "o" / "keep.txt").write_text("mine")
    runner = CliRunner()
    result = runner.invoke(cli, ["export", str(folder), "--to", str(tmp_path / "o")])
    assert result.exit_code == 2 and "already exists" in result.output
    assert (tmp_path / "o" / "keep.txt").exists()
    inside = runner.invoke(cli, ["export", str(folder), "--to", str(folder / "upload")])
    assert inside.exit_code == 2 and "inside the submission folder" in inside.output
    assert (
        runner.invoke(
            cli, ["export", str(folder), "--to", str(tmp_path / "o"), "--force"]
        ).exit_code
        == 0
    )
    assert not (tmp_path / "o" / "keep.txt").exists()


def test_further_photos_of_a_view_follow_its_first(example):
    folder = example("export-mix")
    shutil.copy(folder / "03_top.jpg", folder / "top-2.jpg")  # an exact copy: left out
    another = render_view("back", seed=99, size=(1024, 768))  # a second, different shot
    (folder / "bottom close-up.jpg").write_bytes(jpeg(another))
    planned, left_out = plan(review(folder))
    names = [p.name for p in planned]
    assert names[3:6] == ["04-bottom.jpg", "05-bottom-2.jpg", "06-front.jpg"], names
    assert planned[4].photo.file == "bottom close-up.jpg"
    assert [item["file"] for item in left_out] == ["top-2.jpg"]


@pytest.mark.parametrize("options", [{"progressive": True}, {"restart_marker_blocks": 4}])
@pytest.mark.parametrize(
    "trailer",
    [
        b"PHONE-TRAILER\xff\xd8second image\xff\xd9",
        b"PHONE-TRAILER ftypisom video \xff\xda with no end marker",  # a motion photo
    ],
)
def test_a_kept_jpeg_loses_its_metadata_and_any_trailer_but_no_pixel(options, trailer):
    pixels = np.random.default_rng(0).integers(0, 255, (600, 800, 3)).astype(np.uint8)
    exif = Image.Exif()
    exif[0x010F] = "MakerOfCamera"
    exif.get_ifd(0x8825).update({1: "N", 2: (1.0, 2.0, 3.0)})
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=85, exif=exif.tobytes(), **options)
    data = out.getvalue() + trailer  # after the end
    jpeg_bytes, changes = upload_jpeg(data, "JPEG", 10000)
    assert changes == ["metadata-removed"]
    assert b"MakerOfCamera" not in jpeg_bytes and b"PHONE-TRAILER" not in jpeg_bytes
    with Image.open(io.BytesIO(data)) as a, Image.open(io.BytesIO(jpeg_bytes)) as b:
        assert np.array_equal(np.asarray(a), np.asarray(b))
        assert not b.getexif()
