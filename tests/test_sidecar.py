import re

import pytest

from image_review.sidecar import SidecarError, read_sidecar
from image_review.submission import PhotoFile, assign_views
from image_review.views import load_profile


def write(tmp_path, text: str):
    (tmp_path / "submission.toml").write_text(text, encoding="utf-8")
    return tmp_path


def test_no_sidecar_is_none(tmp_path):
    assert read_sidecar(tmp_path) is None


def test_full_sidecar_is_read(tmp_path):
    sidecar = read_sidecar(
        write(
            tmp_path,
            '[product]\nname = "iPhone 12"\ncategory = "phone"\n\n'
            '[views]\nbox = "a.jpg"\ninner_packaging = ["b.jpg", "c.jpg"]\n"外箱" = "d.jpg"\n',
        )
    )
    assert sidecar.product.screen_known() is True
    photos = [PhotoFile(f"{n}.jpg", tmp_path / f"{n}.jpg", 1, "JPEG") for n in "abcd"]
    assigned, _ = assign_views(photos, sidecar)  # keys are read in the profile's words
    assert {rel: a.view for rel, a in assigned.items()} == {
        "a.jpg": "shipping_box",
        "b.jpg": "inner_packaging",
        "c.jpg": "inner_packaging",
        "d.jpg": "shipping_box",
    }


def test_a_views_key_that_names_no_view_of_the_profile_is_refused(tmp_path):
    sidecar = read_sidecar(write(tmp_path, '[views]\nkitchen = "a.jpg"\nwarranty = "b.jpg"\n'))
    with pytest.raises(SidecarError, match="'kitchen' is not a view of the renewed profile"):
        assign_views([], sidecar)
    au = read_sidecar(write(tmp_path, '[views]\nwarranty = "b.jpg"\n'))
    assigned, _ = assign_views(
        [PhotoFile("b.jpg", tmp_path / "b.jpg", 1, "JPEG")], au, load_profile("renewed-au")
    )
    assert assigned["b.jpg"].view == "warranty_card"


def test_has_screen_overrides_the_category(tmp_path):
    sidecar = read_sidecar(write(tmp_path, '[product]\ncategory = "phone"\nhas_screen = false\n'))
    assert sidecar.product.screen_known() is False


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16", "gbk"])
def test_a_sidecar_saved_by_windows_notepad_is_read(tmp_path, encoding):
    """Notepad on Chinese Windows saves 'ANSI' as GBK and 'Unicode' as UTF-16: both were
    refused as 'not UTF-8 text', which stopped the review. A view key in Chinese needs no
    quotes (TOML 1.1 allows it; 'invalid TOML: Invalid statement' before)."""
    text = '[product]\nname = "华为 P40 手机"\n\n[views]\n正面 = "IMG_1.jpg"\n'
    (tmp_path / "submission.toml").write_bytes(text.replace("\n", "\r\n").encode(encoding))
    sidecar = read_sidecar(tmp_path)
    assert sidecar.product.name == "华为 P40 手机"
    assigned, _ = assign_views([PhotoFile("IMG_1.jpg", tmp_path / "IMG_1.jpg", 1, "JPEG")], sidecar)
    assert assigned["IMG_1.jpg"].view == "front"


def test_a_big5_sidecar_read_as_gbk_says_so_where_its_key_is_not_a_view(tmp_path):
    """Notepad on Traditional Chinese Windows saves 'ANSI' as Big5, which also reads as
    GBK, into other characters: the key error says the file was read as GBK."""
    text = '[views]\n"正面" = "IMG_1.jpg"\n'
    (tmp_path / "submission.toml").write_bytes(text.encode("big5"))
    sidecar = read_sidecar(tmp_path)
    assert sidecar.read_as_gbk
    with pytest.raises(SidecarError, match="was read as GBK"):
        assign_views([PhotoFile("IMG_1.jpg", tmp_path / "IMG_1.jpg", 1, "JPEG")], sidecar)


def test_a_sidecar_in_no_text_encoding_is_refused_with_what_to_do(tmp_path):
    (tmp_path / "submission.toml").write_bytes(b'[views]\ntop = "\xff\xfe\xff.jpg"\n')
    with pytest.raises(SidecarError, match=r"not UTF-8 text; save it as UTF-8 \(Notepad"):
        read_sidecar(tmp_path)


def test_malformed_toml_names_the_file_and_line(tmp_path):
    with pytest.raises(SidecarError, match=r"submission\.toml: invalid TOML: .*line 2"):
        read_sidecar(write(tmp_path, "[views]\ntop = \n"))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[views]\ntop = 3\n", "must be a file name"),
        ('[product]\ncategory = "toaster"\n', "not one of"),
        ('[product]\nhas_screen = "yes"\n', "true or false"),
        ("[extra]\n", "unknown table"),
    ],
)
def test_bad_values_are_refused_with_the_fix(tmp_path, text, message):
    with pytest.raises(SidecarError, match=message):
        read_sidecar(write(tmp_path, text))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('[checks]\nscreen_on = "yes"\n', 'checks.screen_on must be "confirmed"'),
        ('[checks]\nblur = "confirmed"\n', "is not one of screen_on"),
        ("checks = 3\n", "[checks] must be a table"),
    ],
)
def test_bad_checks_are_refused(tmp_path, text, message):
    (tmp_path / "submission.toml").write_text(text)
    with pytest.raises(SidecarError, match=re.escape(message)):
        read_sidecar(tmp_path)


def test_checks_are_read(tmp_path):
    (tmp_path / "submission.toml").write_text('[checks]\nscreen_on = "confirmed"\n')
    assert read_sidecar(tmp_path).checks == {"screen_on": "confirmed"}
