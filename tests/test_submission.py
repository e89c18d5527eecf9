import os
import shutil
import unicodedata
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, photo_bytes

from image_review.cli import cli
from image_review.report import render_report
from image_review.review import review
from image_review.sidecar import Product, Sidecar
from image_review.submission import SubmissionError, assign_views, discover
from image_review.terminal import render


def make(folder: Path, names: list[str], data: bytes | None = None) -> None:
    data = data or photo_bytes((64, 48))
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def test_discover_reads_bytes_not_extensions_and_sorts(tmp_path):
    make(tmp_path, ["b.jpg", "a/c.jpg"])
    (tmp_path / "IMG_1.heic").write_bytes(photo_bytes((64, 48), "PNG"))  # a PNG named .heic
    (tmp_path / "noext").write_bytes(photo_bytes((64, 48)))
    (tmp_path / "fake.jpg").write_text("<html>not a photo</html>")
    (tmp_path / "notes.txt").write_text("hello")
    found = discover(tmp_path)
    assert [p.rel for p in found.photos] == ["IMG_1.heic", "a/c.jpg", "b.jpg", "fake.jpg", "noext"]
    formats = {p.rel: p.format for p in found.photos}
    assert formats["IMG_1.heic"] == "PNG" and formats["noext"] == "JPEG"
    assert formats["fake.jpg"] is None  # reported later as unsupported, never dropped
    assert found.ignored == ["notes.txt"]


def test_discover_skips_hidden_files_outputs_and_the_sidecar(tmp_path):
    make(tmp_path, ["front.jpg", ".hidden.jpg", ".git/x.jpg", "__MACOSX/._front.jpg"])
    (tmp_path / "review-manifest.json").write_text("{}")
    (tmp_path / "submission.toml").write_text("")
    found = discover(tmp_path)
    assert [p.rel for p in found.photos] == ["front.jpg"]
    assert found.ignored == []


def test_discover_reports_links_that_leave_the_folder(tmp_path):
    outside = tmp_path / "outside.jpg"
    outside.write_bytes(photo_bytes((64, 48)))
    sub = tmp_path / "sub"
    make(sub, ["front.jpg"])
    (sub / "back.jpg").symlink_to(outside)
    (sub / "loop").symlink_to(sub, target_is_directory=True)
    found = discover(sub)
    assert [p.rel for p in found.photos] == ["front.jpg"]
    assert found.outside_links == ["back.jpg"]


def test_missing_folder_and_file_are_refused(tmp_path):
    with pytest.raises(SubmissionError, match="no such folder"):
        discover(tmp_path / "nope")
    (tmp_path / "file.jpg").write_bytes(b"x")
    with pytest.raises(SubmissionError, match="not a folder"):
        discover(tmp_path / "file.jpg")
    with zipfile.ZipFile(tmp_path / "photos.zip", "w") as archive:
        archive.writestr("front.jpg", b"x")
    with pytest.raises(SubmissionError, match="a zip archive; unzip it"):
        discover(tmp_path / "photos.zip")


def views_of(folder: Path, sidecar: Sidecar | None = None) -> dict[str, tuple[str, str]]:
    assigned, _ = assign_views(discover(folder).photos, sidecar)
    return {rel: (a.view, a.source) for rel, a in assigned.items()}


def test_folder_names_win_over_file_names(tmp_path):
    make(tmp_path, ["top/IMG_1.jpg", "left/right-ish back.jpg", "03_bottom.jpg", "IMG_2.jpg"])
    views = views_of(tmp_path)
    assert views["top/IMG_1.jpg"] == ("top", "folder")
    assert views["left/right-ish back.jpg"] == ("left", "folder")
    assert views["03_bottom.jpg"] == ("bottom", "filename")
    assert views["IMG_2.jpg"] == ("unassigned", "none")


def test_a_file_name_saying_screen_on_counts_inside_a_view_folder(tmp_path):
    make(tmp_path, ["front/IMG_1_screen-on.jpg", "front/IMG_2.jpg"])
    assigned, _ = assign_views(discover(tmp_path).photos, None)
    on, plain = assigned["front/IMG_1_screen-on.jpg"], assigned["front/IMG_2.jpg"]
    assert (on.view, on.source, on.screen_label) == ("front", "folder", True)
    assert (plain.view, plain.screen_label) == ("front", False)


def test_generic_sides_fill_the_free_side_slots_in_order(tmp_path):
    make(tmp_path, ["front.jpg", "side1.jpg", "side2.jpg", "side3.jpg", "side4.jpg"])
    views = views_of(tmp_path)
    assert views["side1.jpg"][0] == "back"
    assert views["side2.jpg"][0] == "left"
    assert views["side3.jpg"][0] == "right"
    assert views["side4.jpg"][0] == "unassigned"  # all four slots already taken


def test_sidecar_wins_and_reports_bad_entries(tmp_path):
    make(tmp_path, ["IMG_1.jpg", "IMG_2.jpg", "front.jpg"])
    sidecar = Sidecar(
        product=Product(category="phone"),
        views={
            "back": ["front.jpg", "gone.jpg"],
            "top": ["../../etc/passwd", "IMG_1.jpg"],
            "bottom": ["IMG_1.jpg"],
            "screen_on": ["IMG_2.jpg"],
        },
    )
    assigned, findings = assign_views(discover(tmp_path).photos, sidecar)
    assert (assigned["front.jpg"].view, assigned["front.jpg"].source) == ("back", "sidecar")
    assert assigned["IMG_1.jpg"].view == "top"
    assert assigned["IMG_2.jpg"].view == "screen_on" and assigned["IMG_2.jpg"].screen_label
    codes = sorted(f.code for f in findings)
    assert codes == ["sidecar-missing-file", "sidecar-path-outside", "view-conflict"]


def test_sidecar_matches_decomposed_unicode_names(tmp_path):
    name = unicodedata.normalize("NFD", "Café-front.jpg")
    make(tmp_path, [name])
    sidecar = Sidecar(views={"back": ["Café-front.jpg"]})
    assigned, findings = assign_views(discover(tmp_path).photos, sidecar)
    assert findings == [] and next(iter(assigned.values())).view == "back"


def test_ambiguous_names_are_unassigned_with_a_hint(tmp_path):
    make(tmp_path, ["top_bottom.jpg"])
    assigned, _ = assign_views(discover(tmp_path).photos, None)
    assert assigned["top_bottom.jpg"].view == "unassigned"
    assert "several views (top, bottom)" in assigned["top_bottom.jpg"].hint


def copy_photos(source: Path, target: Path) -> None:
    target.mkdir(parents=True)
    for photo in source.glob("*.jpg"):
        shutil.copy(photo, target / photo.name)


def test_a_batch_root_is_refused_with_the_batch_command(tmp_path):
    root = tmp_path / "batchroot"
    for seller in ("seller1", "seller2"):
        copy_photos(EXAMPLES / "complete-phone", root / seller)
    result = CliRunner().invoke(cli, [str(root)])
    assert result.exit_code == 2
    assert "seller1, seller2 look like separate submissions" in result.output
    assert f"image-review batch {root} --out-dir DIR" in result.output
    assert not (root / "review-manifest.json").exists()


def test_a_sub_folder_with_its_own_sidecar_is_a_submission_of_its_own(tmp_path):
    root = tmp_path / "root"
    copy_photos(EXAMPLES / "complete-phone", root / "seller1")
    (root / "seller1" / "submission.toml").write_text('[product]\nname = "Phone"\n')
    result = CliRunner().invoke(cli, [str(root)])
    assert result.exit_code == 2 and "seller1 look like separate submissions" in result.output


def test_one_camera_folder_or_view_folders_are_still_one_submission(tmp_path):
    copy_photos(EXAMPLES / "complete-phone", tmp_path / "one" / "DCIM")
    assert CliRunner().invoke(cli, [str(tmp_path / "one"), "--out", "-"]).exit_code == 0
    assert CliRunner().invoke(cli, [str(EXAMPLES / "subfolders"), "--out", "-"]).exit_code == 0


def test_names_from_a_chinese_windows_zip_are_read_as_gb18030(tmp_path):
    """A zip made on Chinese Windows stores names in GBK: `顶部.jpg` arrives as the bytes
    b'\\xb6\\xa5\\xb2\\xbf.jpg'. Read the view from the GB18030 reading and say so."""
    folder = tmp_path / "gbk"
    folder.mkdir()
    source = EXAMPLES / "chinese-names"
    for photo in source.iterdir():
        raw = os.fsencode(folder) + b"/" + photo.name.encode("gb18030")
        Path(os.fsdecode(raw)).write_bytes(photo.read_bytes())
    result = review(folder)
    assert result.verdict() == "pass", result.failures()
    top = next(p for p in result.photos if p.view == "top")
    assert top.file == "\\xb6\\xa5\\xb2\\xbf.jpg"  # shown escaped, as every non-UTF-8 name
    notes = [f for f in result.all_findings() if f.code == "name-gb18030"]
    assert len(notes) == 9 and all(f.severity == "info" for f in notes)
    assert all("was read as GB18030" in f.message for f in notes)
    assert "was read as GB18030" in render_report(review(folder, previews=True))
    assert render(result).count("name-gb18030") == 1  # one line for the nine


@pytest.mark.parametrize("code_page", ["cp437", "cp850"])
def test_names_from_a_chinese_windows_zip_unzipped_elsewhere_are_read_as_gb18030(
    tmp_path, code_page
):
    """Unzipped outside China (Windows Explorer, 7-Zip, Python's zipfile) a GBK name is
    decoded with a DOS code page: `顶部.jpg` arrives as `╢Ñ▓┐.jpg`, valid UTF-8 but garbled."""
    folder = tmp_path / "garbled"
    folder.mkdir()
    for photo in (EXAMPLES / "chinese-names").iterdir():
        garbled = photo.name.encode("gb18030").decode(code_page)
        (folder / garbled).write_bytes(photo.read_bytes())
    result = review(folder)
    assert result.verdict() == "pass", result.failures()
    top = next(p for p in result.photos if p.view == "top")
    assert top.file == "顶部.jpg".encode("gb18030").decode(code_page)
    notes = [f for f in result.all_findings() if f.code == "name-gb18030"]
    assert len(notes) == 9 and all("looks garbled" in f.message for f in notes)


def test_a_latin_name_is_not_taken_for_a_garbled_chinese_one(tmp_path):
    folder = tmp_path / "latin"
    folder.mkdir()
    photo = EXAMPLES / "complete-phone" / "03_top.jpg"
    for name in ("Rückseite.jpg", "Façade.jpg", "Ñandú.jpg"):
        (folder / name).write_bytes(photo.read_bytes())
    result = review(folder)
    assert {p.view for p in result.photos} == {"unassigned"}
    assert not [f for f in result.all_findings() if f.code == "name-gb18030"]


def test_a_name_that_is_neither_utf8_nor_gb18030_stays_unassigned(tmp_path):
    folder = tmp_path / "odd"
    folder.mkdir()
    photo = EXAMPLES / "complete-phone" / "03_top.jpg"
    Path(os.fsdecode(os.fsencode(folder) + b"/\x80top-\xff.jpg")).write_bytes(photo.read_bytes())
    Path(os.fsdecode(os.fsencode(folder) + "/照片.jpg".encode("gb18030"))).write_bytes(
        photo.read_bytes()
    )
    result = review(folder)
    views = {p.file: p.view for p in result.photos}
    # Its ASCII words still name the view; 照片 ("photo") read as GB18030 names none.
    assert views.pop("\\x80top-\\xff.jpg") == "top" and list(views.values()) == ["unassigned"]
    assert not [f for f in result.all_findings() if f.code == "name-gb18030"]
