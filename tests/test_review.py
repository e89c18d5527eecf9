import dataclasses
import io
import json
import shutil
from pathlib import Path

import cv2
import jsonschema
import numpy as np
import pytest
from conftest import EXAMPLES, copy_example, photo_bytes
from PIL import Image, PngImagePlugin
from test_screen import surer_of_dark

from image_review.manifest import dumps, schema_text, write_manifest
from image_review.models import load_model
from image_review.models.backbone import backbone_digest
from image_review.models.convnet import load_network
from image_review.photo_checks import softness
from image_review.policy import DEFAULT_POLICY
from image_review.rejudge import rejudge
from image_review.review import observe, review
from image_review.views import load_profile


def codes_by_file(result) -> set[tuple[str, str | None]]:
    return {(f.code, f.file) for f in result.all_findings()}


def errors(result) -> set[tuple[str, str | None]]:
    return {(f.code, f.file) for f in result.all_findings() if f.severity == "error"}


@pytest.mark.parametrize(
    "name",
    [
        "complete-phone",
        "chinese-names",
        "subfolders",
        "sidecar",
        "heic",
        "plain-backdrop",
        "defocused-backdrop",
    ],
)
def test_good_examples_pass(name):
    result = review(EXAMPLES / name)
    assert result.verdict() == "pass", [f.message for f in result.all_findings()]
    assert all(r.status == "pass" for r in result.requirements)
    assert result.product["has_screen"] is True


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("missing-views", {("view-missing", None), ("too-few-photos", None)}),
        ("duplicate", {("duplicate", "06_back.jpg"), ("view-missing", None)}),
        ("blurry", {("blurry", "07_left-side.jpg"), ("view-missing", None)}),
        ("dark", {("too-dark", "03_top.jpg"), ("view-missing", None)}),
        (
            "corrupt",
            {
                ("unreadable", "08_right-side.jpg"),
                ("unsupported-format", "extra.jpg"),
                ("view-missing", None),
            },
        ),
    ],
)
def test_broken_examples_fail_with_the_right_finding_on_the_right_file(name, expected):
    result = review(EXAMPLES / name)
    assert result.verdict() == "fail"
    assert errors(result) == expected


def test_missing_views_are_named():
    result = review(EXAMPLES / "missing-views")
    failed = {r.id for r in result.requirements if r.status == "fail"}
    assert failed == {"min_photos", "view.bottom", "view.right"}


def test_lookalike_left_and_right_sides_are_not_duplicates():
    result = review(EXAMPLES / "complete-phone")
    assert not any(f.code in ("duplicate", "repeated-photo") for f in result.all_findings())


def test_corrupt_example_keeps_reviewing_the_rest():
    result = review(EXAMPLES / "corrupt")
    found = codes_by_file(result)
    assert ("truncated", "05_front.jpg") in found
    assert ("ignored-files", None) in found
    front = next(p for p in result.photos if p.file == "05_front.jpg")
    assert front.usable  # truncated is a warning: the part that is there was analysed


def test_orientation_and_gps_are_reported():
    result = review(EXAMPLES / "complete-phone")
    bottom = next(p for p in result.photos if p.file == "04_bottom.jpg")
    assert (bottom.orientation, bottom.width, bottom.height) == (6, 1024, 768)
    assert ("gps-location", "04_bottom.jpg") in codes_by_file(result)


def test_heic_is_flagged_for_conversion_and_strict_fails_it():
    result = review(EXAMPLES / "heic")
    assert {f.code for f in result.all_findings()} == {"needs-conversion"}
    assert result.verdict(strict=True) == "fail"


def test_same_photo_for_two_views_and_extra_copies(example):
    folder = example("complete-phone")
    shutil.copy(folder / "05_front.jpg", folder / "IMG_0001.jpg")
    shutil.copy(folder / "05_front.jpg", folder / "06_back.jpg")
    result = review(folder)
    found = codes_by_file(result)
    assert ("duplicate", "06_back.jpg") in found
    assert ("repeated-photo", "IMG_0001.jpg") in found
    assert ("unassigned", "IMG_0001.jpg") in found


def test_the_copy_check_finds_every_close_pair_once_in_order_with_any_threads(example):
    folder = example("complete-phone")
    shutil.copy(folder / "05_front.jpg", folder / "IMG_0001.jpg")
    shutil.copy(folder / "05_front.jpg", folder / "IMG_0002.jpg")
    one_thread = observe(folder, threads=1).pairs
    names = [(pair.first, pair.second) for pair in one_thread]
    assert names == sorted(set(names))
    assert ("05_front.jpg", "IMG_0001.jpg") in names
    assert ("IMG_0001.jpg", "IMG_0002.jpg") in names
    for threads in (2, 4):
        assert observe(folder, threads=threads).pairs == one_thread


def test_an_error_on_one_photo_drops_the_photos_not_started(example, monkeypatch):
    started = []

    def failing(photo_file, *args, **kwargs):
        started.append(photo_file.rel)
        raise KeyboardInterrupt

    monkeypatch.setattr("image_review.review.examine", failing)
    with pytest.raises(KeyboardInterrupt):
        observe(example("complete-phone"), threads=1)
    assert len(started) == 1


def screen_requirement(result):
    return next(r for r in result.requirements if r.id == "screen_on")


def test_a_lit_screen_is_found_from_the_pixels_whatever_its_name(example):
    folder = example("complete-phone")
    (folder / "09_screen-on.jpg").rename(folder / "IMG_0009.jpg")
    result = review(folder)
    photo = next(p for p in result.photos if p.file == "IMG_0009.jpg")
    assert (photo.view, photo.view_source) == ("screen_on", "content")
    assert photo.measures["screen"]["state"] == "on"
    assert result.product["has_screen"] is True
    assert screen_requirement(result).photos == ["IMG_0009.jpg"]
    assert result.verdict() == "pass"


def test_screen_option_and_sidecar_decide_the_screen_requirement(example):
    folder = example("complete-phone")
    (folder / "09_screen-on.jpg").unlink()
    auto = review(folder)
    assert auto.product["has_screen"] is None
    # Not known: a warning (a phone whose screen-on photo was forgotten passed unseen).
    assert screen_requirement(auto).status == "warn" and auto.verdict() == "pass"
    assert ("screen-unknown", None) in codes_by_file(auto)
    (folder / "submission.toml").write_text("[product]\nhas_screen = false\n")
    assert screen_requirement(review(folder)).status == "not_required"
    assert screen_requirement(review(folder, screen="auto")).status == "not_required"
    yes = review(folder, screen="yes")
    assert ("screen-on-missing", None) in codes_by_file(yes) and yes.verdict() == "fail"
    (folder / "submission.toml").write_text('[product]\ncategory = "laptop"\n')
    assert review(folder).verdict() == "fail"
    skipped = review(folder, screen="no")
    assert skipped.verdict() == "pass"
    assert all("screen" not in p.measures for p in skipped.photos)


def apple_screenshot(source: Path, camera: str | None = None) -> bytes:
    """The photo as a PNG carrying the XMP user comment Apple's screenshots carry (and the
    camera's EXIF Model, when given)."""
    xmp = (
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/'
        '22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:exif="http://ns.adobe.com/'
        'exif/1.0/"><exif:UserComment>Screenshot</exif:UserComment></rdf:Description>'
        "</rdf:RDF></x:xmpmeta>"
    )
    info = PngImagePlugin.PngInfo()
    info.add_itxt("XML:com.adobe.xmp", xmp)
    exif = Image.Exif()
    if camera:
        exif[0x0110] = camera
    out = io.BytesIO()
    Image.open(source).save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    return out.getvalue()


def test_a_screenshot_is_not_a_photo_of_the_unit(phone_with):
    """Named as the screen-on photo, a screenshot fails that view with one finding, found
    by its metadata or by the name a phone gives it; a photo of the screen does not."""
    folder = phone_with("on.jpg", "09_screen-on.jpg")
    assert review(folder).verdict() == "pass"
    lit = EXAMPLES.parent / "screens" / "on.jpg"
    (folder / "09_screen-on.jpg").unlink()
    (folder / "09_screen-on.png").write_bytes(apple_screenshot(lit))
    result = review(folder)
    shot = next(p for p in result.photos if p.file == "09_screen-on.png")
    assert [f.code for f in shot.findings] == ["screenshot"] and not shot.usable
    assert result.verdict() == "fail"
    (folder / "09_screen-on.png").write_bytes(apple_screenshot(lit, camera="iPhone 15"))
    assert review(folder).verdict() == "pass"  # a camera is named: a photo after all
    (folder / "09_screen-on.png").rename(folder / "Screenshot_20241205-101500_screen-on.png")
    assert ("screenshot", "Screenshot_20241205-101500_screen-on.png") in errors(review(folder))
    (folder / "Screenshot_20241205-101500_screen-on.png").rename(folder / "screen shot.png")
    assert "screenshot" not in {f.code for f in review(folder).all_findings()}


def test_a_screenshot_beside_the_views_fails_nothing_and_counts_for_nothing(example):
    """A lit screenshot among a complete set: a warning; it is not the screen-on photo by
    its content, not one of the usable photos, and not a view to name."""
    folder = example("complete-phone")
    lit = EXAMPLES.parent / "screens" / "on.jpg"
    (folder / "IMG_0001.PNG").write_bytes(apple_screenshot(lit))
    result = review(folder)
    assert result.verdict() == "pass", result.failures()
    shot = next(p for p in result.photos if p.file == "IMG_0001.PNG")
    assert [f.code for f in shot.findings] == ["screenshot-extra"]
    assert shot.view == "unassigned" and not shot.usable
    assert sum(p.usable for p in result.photos) == 9 and not result.unassigned_photos()


def test_camera_raw_files_beside_their_jpegs_count_for_nothing(example):
    """RAW+JPEG from a camera or a Pixel: the raw files (a TIFF-based NEF, a CR3, a DNG)
    are not read and fail nothing; a raw file named for a view cannot count for it."""
    folder = example("complete-phone")
    preview = photo_bytes((160, 120), "TIFF")
    (folder / "DSC_0001.NEF").write_bytes(preview)
    (folder / "PXL_20241205_RAW-02.ORIGINAL.dng").write_bytes(preview)
    (folder / "IMG_0002.CR3").write_bytes(b"\x00\x00\x00\x18ftypcrx " + bytes(2000))
    result = review(folder)
    assert result.verdict() == "pass", result.failures()
    raws = [p for p in result.photos if p.file.lower().endswith((".nef", ".dng", ".cr3"))]
    assert [[f.code for f in p.findings] for p in raws] == [["camera-raw-extra"]] * 3
    assert not result.unassigned_photos() and sum(p.usable for p in result.photos) == 9
    (folder / "05_front.jpg").unlink()
    (folder / "DSC_0001.NEF").rename(folder / "05_front.nef")
    assert ("unsupported-format", "05_front.nef") in errors(review(folder))


def test_a_video_named_for_a_view_is_named_where_the_view_is_missing(example, tmp_path):
    """A seller who filmed the back and the lit screen sent back.mp4 and screen-on.MOV:
    each view left without a photo says which file was named for it and that it is not a
    photo, and a video named as the screen on says the product has a screen. A Live
    Photo's video beside its photo changes nothing."""
    folder = example("complete-phone")
    (folder / "05_front.MOV").write_bytes(bytes(3000))  # a Live Photo's video
    (folder / "06_back.jpg").unlink()
    (folder / "06_back.mp4").write_bytes(bytes(3000))
    (folder / "09_screen-on.jpg").unlink()
    (folder / "09_screen-on.MOV").write_bytes(bytes(3000))
    result = review(folder)
    status = {r.id: r for r in result.requirements}
    assert status["view.front"].status == "pass"
    assert status["view.back"].status == "fail" and "06_back.mp4" in status["view.back"].message
    assert "not a photo" in status["view.back"].message
    assert status["screen_on"].status == "fail"
    assert "09_screen-on.MOV" in status["screen_on"].message
    assert "05_front.MOV" not in " ".join(r.message for r in result.requirements)
    manifest = tmp_path / "m.json"
    write_manifest(result, manifest)
    again = rejudge(manifest, DEFAULT_POLICY, load_profile(), "auto")
    assert [r.message for r in again.requirements] == [r.message for r in result.requirements]


def test_an_extra_photo_beside_a_complete_set_is_a_note_not_a_warning(example):
    """A charger photo beside a complete set got 'no view assigned; rename it after the view
    it shows': there is no view left for it. While a view has no photo, the warning stays
    (the photo may be the one missing)."""
    folder = example("complete-phone")
    charger = Image.new("RGB", (1200, 900), (90, 60, 40))
    charger.paste((230, 230, 230), (400, 300, 800, 600))
    charger.save(folder / "charger.jpg")
    result = review(folder)
    extra = next(p for p in result.photos if p.file == "charger.jpg")
    assert [(f.code, f.severity) for f in extra.findings] == [("extra-photo", "info")]
    assert result.verdict() == "pass"
    (folder / "06_back.jpg").unlink()
    missing = next(p for p in review(folder).photos if p.file == "charger.jpg")
    assert [f.code for f in missing.findings] == ["unassigned"]


def test_a_screen_named_on_but_confidently_dark_fails(phone_with, monkeypatch):
    """With the off band above the drawn dark TV's probability (0.06): see test_screen."""
    surer_of_dark(monkeypatch, 0.1)
    result = review(phone_with("tv_off.jpg", "screen on.jpg"))
    assert ("screen-not-lit", "screen on.jpg") in codes_by_file(result)
    assert screen_requirement(result).status == "fail"
    assert result.verdict() == "fail"


def test_a_named_lit_screen_the_model_is_unsure_of_is_a_warning_not_a_failure(phone_with):
    """A dark-mode menu: lit, but the model is unsure of it."""
    result = review(phone_with("dark_mode_on.jpg", "亮屏.jpg"))
    photo = next(p for p in result.photos if p.file == "亮屏.jpg")
    screen = photo.measures["screen"]
    bands = load_model("screen")[1]["bands"]
    assert screen["state"] == "uncertain"
    assert bands["off"] <= screen["probability"] < bands["on"]
    finding = next(f for f in photo.findings if f.code == "screen-uncertain")
    assert (
        finding.value == screen["probability"] and f"{screen['probability']:.0%}" in finding.message
    )
    assert screen_requirement(result).status == "warn"
    assert result.verdict() == "pass" and result.verdict(strict=True) == "fail"


def test_the_seller_can_overrule_a_dark_estimate_and_the_manifest_says_so(phone_with, monkeypatch):
    surer_of_dark(monkeypatch, 0.1)
    folder = phone_with("tv_off.jpg", "screen on.jpg")
    (folder / "submission.toml").write_text('[checks]\nscreen_on = "confirmed"\n')
    result = review(folder)
    requirement = screen_requirement(result)
    assert requirement.status == "pass" and requirement.photos == ["screen on.jpg"]
    assert "confirmed" in requirement.message
    assert ("screen-confirmed", "screen on.jpg") in codes_by_file(result)
    assert ("screen-not-lit", "screen on.jpg") not in codes_by_file(result)
    assert result.verdict() == "pass" and result.verdict(strict=True) == "fail"
    manifest = json.loads(dumps(result))
    assert manifest["submission"]["checks"] == {"screen_on": "confirmed"}
    jsonschema.validate(manifest, json.loads(schema_text()))


def test_an_overrule_without_a_photo_named_screen_on_still_fails(example):
    folder = example("complete-phone")
    (folder / "09_screen-on.jpg").unlink()
    (folder / "submission.toml").write_text(
        '[product]\ncategory = "phone"\n[checks]\nscreen_on = "confirmed"\n'
    )
    assert screen_requirement(review(folder)).status == "fail"


def test_a_screen_named_on_without_a_screen_in_view_is_a_warning(phone_with):
    result = review(phone_with("lit_window.jpg", "亮屏.jpg"))
    assert ("screen-uncertain", "亮屏.jpg") in codes_by_file(result)
    assert screen_requirement(result).status == "warn"
    assert result.verdict() == "pass" and result.verdict(strict=True) == "fail"


def test_an_unnamed_photo_proves_the_screen_on_only_when_near_certain(phone_with):
    """A false `on` must not pass a set with no screen-on photo: a photo nobody named counts
    (and is taken for the screen-on view) only from screen_unnamed_probability; a less sure
    `on` stays unassigned and asks the seller to name it."""
    folder = phone_with("on.jpg", "IMG_0009.jpg")
    sure = review(folder)
    photo = next(p for p in sure.photos if p.file == "IMG_0009.jpg")
    probability = photo.measures["screen"]["probability"]
    assert photo.measures["screen"]["state"] == "on"
    assert probability >= DEFAULT_POLICY.screen_unnamed_probability
    assert (photo.view, photo.view_source) == ("screen_on", "content")
    assert screen_requirement(sure).status == "pass"
    assert screen_requirement(sure).photos == ["IMG_0009.jpg"]
    stricter = dataclasses.replace(DEFAULT_POLICY, screen_unnamed_probability=probability + 1e-3)
    unsure = review(folder, stricter)
    photo = next(p for p in unsure.photos if p.file == "IMG_0009.jpg")
    assert photo.view == "unassigned"
    requirement = screen_requirement(unsure)
    assert requirement.status == "warn" and "name the photo" in requirement.message
    assert ("screen-unnamed", None) in codes_by_file(unsure)
    assert f"{probability:.1%} lit, counted from {probability + 1e-3:.1%}" in requirement.message
    assert unsure.verdict() == "pass" and unsure.verdict(strict=True) == "fail"


def test_an_unsure_unnamed_photo_is_named_in_the_failure_with_its_estimate(phone_with):
    """No photo named and none detected lit, but a lit dark-mode menu left unnamed is
    unsure: the failure points at it (renaming it lets the named photo decide) instead of
    only asking for a new photo of the screen on."""
    folder = phone_with("dark_mode_on.jpg", "IMG_0009.jpg")
    result = review(folder, screen="yes")
    screen = next(p for p in result.photos if p.file == "IMG_0009.jpg").measures["screen"]
    assert screen["state"] == "uncertain"
    requirement = screen_requirement(result)
    assert requirement.status == "fail" and result.verdict() == "fail"
    assert f"the likeliest, IMG_0009.jpg, is {screen['probability']:.0%} lit" in (
        requirement.message
    )
    assert "say so in its name (IMG_0009_screen-on.jpg)" in requirement.message
    finding = next(f for f in result.all_findings() if f.code == "screen-on-missing")
    assert finding.related == ["IMG_0009.jpg"]
    above = dataclasses.replace(
        DEFAULT_POLICY, screen_hint_probability=screen["probability"] + 0.01
    )
    assert "no photo shows a lit screen" in screen_requirement(review(folder, above, "yes")).message
    (folder / "IMG_0009.jpg").rename(folder / "IMG_0009_screen-on.jpg")  # as advised
    assert screen_requirement(review(folder, screen="yes")).status == "warn"


def test_a_product_not_known_to_have_a_screen_names_the_photo_that_may_show_one(phone_with):
    """Nothing says the product has a screen, and its lit dark-mode menu is left unnamed and
    unsure: the screen-unknown warning names that photo and how to mark it."""
    folder = phone_with("dark_mode_on.jpg", "IMG_0009.jpg")
    result = review(folder)
    assert result.product["has_screen"] is None
    requirement = screen_requirement(result)
    assert requirement.status == "warn" and result.verdict() == "pass"
    assert "IMG_0009.jpg may show one switched on" in requirement.message
    assert "(IMG_0009_screen-on.jpg)" in requirement.message
    finding = next(f for f in result.all_findings() if f.code == "screen-unknown")
    assert finding.related == ["IMG_0009.jpg"]


def test_a_lit_photo_left_unnamed_does_not_rescue_the_named_one(phone_with):
    folder = phone_with("dark_mode_on.jpg", "亮屏.jpg")
    shutil.copy(EXAMPLES.parent / "screens" / "on.jpg", folder / "IMG_0010.jpg")
    requirement = screen_requirement(review(folder))
    assert requirement.status == "warn" and requirement.photos == ["亮屏.jpg"]


def test_small_and_flat_photos_are_errors(tmp_path):
    (tmp_path / "front.jpg").write_bytes(photo_bytes((400, 300)))
    (tmp_path / "back.png").write_bytes(b"")
    Image.new("RGB", (1200, 900), (200, 200, 200)).save(tmp_path / "top.jpg")
    result = review(tmp_path)
    found = codes_by_file(result)
    assert ("too-small", "front.jpg") in found
    assert ("empty-file", "back.png") in found
    assert ("low-information", "top.jpg") in found


def product_on_plain_backdrop() -> bytes:
    """A white phone with two black lenses on a plain pink backdrop, as a shop shoots it:
    few tones (entropy under 1 bit), but a clear outline."""
    img = np.full((900, 1200, 3), (200, 170, 220), np.uint8)
    cv2.rectangle(img, (480, 150), (720, 800), (250, 250, 250), -1)
    for y in (220, 300):
        cv2.circle(img, (540, y), 35, (40, 40, 40), -1)
    return cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 95])[1].tobytes()


def test_a_product_on_a_plain_backdrop_is_not_flat_and_its_copy_is_found(tmp_path):
    """Few tones are not a flat photo when something in it has an edge: the product on a
    plain backdrop gets no low-information error, and a copy of it is still a duplicate."""
    (tmp_path / "back.jpg").write_bytes(product_on_plain_backdrop())
    (tmp_path / "left.jpg").write_bytes(product_on_plain_backdrop())
    Image.new("RGB", (1200, 900), (200, 170, 220)).save(tmp_path / "top.jpg")
    result = review(tmp_path)
    found = codes_by_file(result)
    back = next(p for p in result.photos if p.file == "back.jpg")
    assert back.measures["entropy"] < DEFAULT_POLICY.min_entropy
    assert ("low-information", "back.jpg") not in found
    assert ("low-information", "top.jpg") in found
    assert ("duplicate", "left.jpg") in found


def test_non_ascii_paths_are_read(tmp_path):
    folder = tmp_path / "卖家 提交"
    copy_example(EXAMPLES / "chinese-names", folder)
    assert review(folder).verdict() == "pass"


def test_manifest_is_byte_identical_and_valid(tmp_path):
    first = dumps(review(EXAMPLES / "corrupt"))
    second = dumps(review(EXAMPLES / "corrupt"))
    assert first == second
    data = json.loads(first)
    jsonschema.validate(data, json.loads(schema_text()))
    assert data["submission"]["path"] == "corrupt"
    assert "/" not in data["submission"]["path"] and str(EXAMPLES) not in first


def test_measures_are_kept_in_the_manifest():
    data = json.loads(dumps(review(EXAMPLES / "blurry")))
    left = next(p for p in data["photos"] if p["file"] == "07_left-side.jpg")
    blurry = next(f for f in left["findings"] if f["code"] == "blurry")
    assert blurry["kind"] == "estimate"
    measures = left["measures"]
    assert blurry["value"] == round(softness(measures["detail"], measures["edge_width"]), 3)
    assert blurry["value"] > blurry["limit"] == DEFAULT_POLICY.blur_error_softness


def test_a_screen_printed_on_the_box_does_not_count_as_lit(phone_with):
    result = review(phone_with("printed.jpg", "01_box.jpg"), screen="yes")
    assert screen_requirement(result).status == "fail"


REAL_NAMES = {
    "shipping_box": ["Box 1.JPG", "外包装箱.jpg", "outer-packaging.jpeg", "carton (2).png"],
    "inner_packaging": ["inner box.jpg", "包装内部.jpg", "foam_insert.jpg", "開箱.jpg"],
    "top": ["03 Top View.jpg", "頂部.jpg", "俯视图.jpg"],
    "bottom": ["underside.jpg", "底部照片.jpg", "04-BOTTOM.jpg"],
    "front": ["front1.jpg", "正面图.jpg", "Front (1).jpg"],
    "back": ["rear.jpg", "背面照片.jpeg", "back_side.jpg"],
    "left": ["left-side.jpg", "左側面.jpg", "side-left.jpg"],
    "right": ["RIGHT.jpg", "右侧面图.jpg", "right edge.jpg"],
    "screen_on": ["开机画面.jpg", "Screen On.jpg", "屏幕点亮.jpg", "display on test.jpg"],
}


@pytest.mark.parametrize(("view", "name"), [(v, n) for v, ns in REAL_NAMES.items() for n in ns])
def test_names_real_sellers_use_are_understood(tmp_path, view, name):
    from image_review.submission import assign_views, discover

    (tmp_path / name).write_bytes(photo_bytes((64, 48)))
    assigned, _ = assign_views(discover(tmp_path).photos, None)
    assert assigned[name].view == view


def test_the_smaller_cropped_copy_is_blamed_not_the_original(tmp_path):
    folder = tmp_path / "copy"
    copy_example(EXAMPLES / "chinese-names", folder)
    front = cv2.imdecode(np.fromfile(str(folder / "正面.jpg"), np.uint8), cv2.IMREAD_COLOR)
    h, w = front.shape[:2]
    crop = front[int(0.03 * h) : int(0.97 * h), int(0.03 * w) : int(0.97 * w)]
    copy = cv2.resize(crop, None, fx=0.7, fy=0.7, interpolation=cv2.INTER_AREA)
    (folder / "左侧.jpg").write_bytes(
        cv2.imencode(".jpg", copy, [cv2.IMWRITE_JPEG_QUALITY, 75])[1].tobytes()
    )
    result = review(folder)
    by_file = {p.file: p for p in result.photos}
    assert not [f for f in by_file["正面.jpg"].findings if f.code == "duplicate"]
    [finding] = [f for f in by_file["左侧.jpg"].findings if f.code == "duplicate"]
    assert finding.message.startswith("左侧.jpg is a copy") and "of 正面.jpg" in finding.message
    assert "shoot the left view" in finding.message


def test_the_manifest_names_the_screen_model_network_and_backbone_that_judged():
    manifest = json.loads(dumps(review(EXAMPLES / "corrupt")))
    screen = manifest["tool"]["models"]["screen"]
    _, meta = load_model("screen")
    assert screen["file"] == "screen.json" and screen["fitted_on"] == meta["fit"]["data"]
    assert screen["network"] == {
        "file": "screen_network.npz",
        "sha256": load_network("screen_network").digest,
    }
    assert screen["backbone"] == {"file": "screen_backbone.onnx", "sha256": backbone_digest()}
    jsonschema.validate(manifest, json.loads(schema_text()))
