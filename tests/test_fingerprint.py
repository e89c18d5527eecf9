import cv2
import numpy as np
from conftest import EXAMPLES

from image_review.measures.fingerprint import (
    dhash,
    hamming,
    thumbnail,
    tile_difference,
    trim_border,
)


def gray(name: str) -> np.ndarray:
    image = cv2.imread(str(EXAMPLES / "complete-phone" / name), cv2.IMREAD_GRAYSCALE)
    assert image is not None
    return image


def copy_of(image: np.ndarray, crop: float, scale: float, quality: int) -> np.ndarray:
    h, w = image.shape
    dy, dx = int(h * crop), int(w * crop)
    cropped = image[dy : h - dy, dx : w - dx]
    small = cv2.resize(cropped, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)
    _, data = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)


def test_hamming_of_hashes():
    assert hamming("00ff", "00fe") == 1
    front = gray("05_front.jpg")
    assert hamming(dhash(front), dhash(front)) == 0


def test_resaved_resized_cropped_copies_are_close():
    for name in ("05_front.jpg", "07_left-side.jpg", "01_box.jpg"):
        original = gray(name)
        for crop, scale, quality in ((0.0, 1.0, 90), (0.03, 0.8, 70), (0.05, 0.5, 50)):
            copy = copy_of(original, crop, scale, quality)
            assert tile_difference(thumbnail(original), thumbnail(copy)) < 0.4, (name, crop)


def test_lookalike_views_of_one_product_are_not_copies():
    # The left and right edges of the phone on one table hash alike: only the tiles tell.
    left, right = gray("07_left-side.jpg"), gray("08_right-side.jpg")
    assert hamming(dhash(left), dhash(right)) <= 8
    assert tile_difference(thumbnail(left), thumbnail(right)) > 0.4
    top, bottom = gray("03_top.jpg"), gray("04_bottom.jpg")
    assert tile_difference(thumbnail(top), thumbnail(bottom)) > 0.4


def test_a_copy_inside_a_uniform_border_is_a_copy():
    original = gray("05_front.jpg")
    for padded in (
        cv2.copyMakeBorder(
            original, 80, 80, 120, 120, cv2.BORDER_CONSTANT, value=255
        ),  # a screenshot
        cv2.copyMakeBorder(original, 150, 150, 0, 0, cv2.BORDER_CONSTANT, value=0),  # a letterbox
    ):
        _, data = cv2.imencode(".jpg", padded, [cv2.IMWRITE_JPEG_QUALITY, 80])
        copy = cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)
        assert hamming(dhash(thumbnail(original)), dhash(thumbnail(copy))) <= 4
        assert tile_difference(thumbnail(original), thumbnail(copy)) < 0.1


def test_a_product_on_a_plain_background_keeps_its_background():
    shot = np.full((600, 800), 255, np.uint8)
    cv2.ellipse(shot, (400, 300), (180, 120), 20, 0, 360, 40, -1)  # touches no straight line
    assert trim_border(shot).shape == shot.shape


def test_a_pair_settled_at_the_coarse_scale_is_not_refined_and_copies_still_are():
    left, right = thumbnail(gray("07_left-side.jpg")), thumbnail(gray("05_front.jpg"))
    full = tile_difference(left, right)
    settled = tile_difference(left, right, settled_above=0.8)
    assert 0.8 < settled <= full  # the coarse figure, never above the refined one
    copy = thumbnail(copy_of(gray("05_front.jpg"), 0.03, 0.8, 70))
    assert tile_difference(right, copy, settled_above=0.8) == tile_difference(right, copy)
