import pytest
from hypothesis import given
from hypothesis import strategies as st

from image_review.views import canonical_view, normalise, parse_name


@pytest.mark.parametrize(
    ("name", "view"),
    [
        ("03_LEFT-side", "left"),
        ("Left Side", "left"),
        ("left-side", "left"),
        ("left2", "left"),
        ("RIGHT_SIDE_final", "right"),
        ("01 Box", "shipping_box"),
        ("outer-box", "shipping_box"),
        ("carton", "shipping_box"),
        ("inner packaging", "inner_packaging"),
        ("inside-packaging", "inner_packaging"),
        ("padding", "inner_packaging"),
        ("foam insert", "inner_packaging"),
        ("inner box", "inner_packaging"),
        ("TOP", "top"),
        ("underside", "bottom"),
        ("02-Back", "back"),
        ("rear_view", "back"),
        ("Screen On", "screen_on"),
        ("display-on", "screen_on"),
        ("powered_on", "screen_on"),
        ("外箱", "shipping_box"),
        ("纸箱", "shipping_box"),
        ("包装盒", "shipping_box"),
        ("内包装", "inner_packaging"),
        ("內包裝", "inner_packaging"),
        ("内衬", "inner_packaging"),
        ("顶部", "top"),
        ("頂部", "top"),
        ("底部", "bottom"),
        ("正面", "front"),
        ("背面", "back"),
        ("左侧", "left"),
        ("左側", "left"),
        ("右侧", "right"),
        ("右側", "right"),
        ("亮屏", "screen_on"),
        ("开机", "screen_on"),
        ("開機畫面", "screen_on"),
        ("屏幕", "screen_on"),
        ("ｆｒｏｎｔ", "front"),  # full-width letters from a Chinese keyboard
    ],
)
def test_names_in_english_and_chinese_name_their_view(name, view):
    assert parse_name(name).view == view


@pytest.mark.parametrize("name", ["IMG_4031", "DSC_0001 (2)", "laptop", "photo", "WhatsApp Image"])
def test_names_without_a_view_word_name_nothing(name):
    meaning = parse_name(name)
    assert meaning.view is None and meaning.side_number is None


def test_words_inside_other_words_do_not_match():
    assert parse_name("laptop").view is None  # 'top' inside a word
    assert parse_name("backpack").view is None


@pytest.mark.parametrize(
    ("name", "number"),
    [("side1", 1), ("Side 3", 3), ("侧面2", 2), ("側面4", 4), ("侧面图1", 1), ("侧边3", 3)],
)
def test_generic_sides_carry_their_number(name, number):
    meaning = parse_name(name)
    assert meaning.view is None and meaning.side_number == number


def test_named_side_wins_over_generic_number():
    assert parse_name("left side 2").view == "left"
    assert parse_name("左侧1").view == "left"
    assert parse_name("侧面左").view == "left" and parse_name("側面右").view == "right"


def test_view_with_screen_on_keeps_the_view_and_the_label():
    meaning = parse_name("front screen on")
    assert meaning.view == "front" and meaning.screen_on


def test_screen_off_is_not_screen_on():
    assert parse_name("screen_off").view is None
    assert not parse_name("front-screen-off").screen_on
    assert not parse_name("黑屏").screen_on


@pytest.mark.parametrize(
    "name",
    [
        *("屏幕关闭", "螢幕關閉", "屏幕关", "屏幕未亮", "屏幕不亮", "未开机", "black screen"),
        *("not on", "screen condition", "cracked screen", "screen protector", "屏幕划痕"),
        *("碎屏", "螢幕保護貼"),
    ],
)
def test_a_name_saying_the_screen_is_off_does_not_name_the_screen_on_photo(name):
    """'屏幕关闭' (screen off) was read as the screen-on photo by its word 屏幕 (screen), so
    a photo of the dark screen became the named photo that decides the lit screen; so was
    a photo of the screen's glass (scratches, cracks), shot with the screen off. An
    explicit on-phrase still wins."""
    assert parse_name(name).view is None and not parse_name(name).screen_on
    front = parse_name(f"正面 {name}")
    assert front.view == "front" and not front.screen_on
    assert parse_name("正面开机").screen_on and parse_name("屏幕亮").view == "screen_on"
    assert parse_name("screen on no scratches").screen_on and parse_name("屏幕亮 无划痕").screen_on


def test_two_views_in_one_name_are_ambiguous():
    meaning = parse_name("front_back")
    assert meaning.view is None and set(meaning.ambiguous) == {"front", "back"}


@pytest.mark.parametrize(
    ("name", "view"),
    [
        ("box_top", "shipping_box"),
        ("outer packaging", "shipping_box"),
        ("box inside", "inner_packaging"),
        # a packaging word with a side of the product: a photo of the box's side
        ("box_left", "shipping_box"),
        ("front of box", "shipping_box"),
        ("包装盒正面", "shipping_box"),
        ("外箱顶部", "shipping_box"),
        ("内包装正面", "inner_packaging"),
    ],
)
def test_box_phrases_name_the_packaging_not_the_product(name, view):
    assert parse_name(name).view == view


def test_a_phone_lying_face_down_shows_its_back():
    """'face' names the front, so 'IMG_1_face-down.jpg' (the screen on the table) was the
    front view."""
    assert parse_name("IMG_1_face-down").view == "back" and parse_name("facedown").view == "back"
    assert parse_name("face up").view == "front"


def test_canonical_view_accepts_ids_and_synonyms():
    assert canonical_view("shipping_box") == "shipping_box"
    assert canonical_view("box") == "shipping_box"
    assert canonical_view("左侧") == "left"
    assert canonical_view("kitchen") is None


def test_normalise_splits_digits_letters_and_separators():
    assert normalise("03_LEFT-Side.final") == "03 left side final"


@given(st.text(max_size=60))
def test_parse_name_never_fails_and_normalise_is_idempotent(text):
    meaning = parse_name(text)
    assert meaning.view is None or isinstance(meaning.view, str)
    assert normalise(normalise(text)) == normalise(text)
