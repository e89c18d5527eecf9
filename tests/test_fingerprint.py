import cv2
import numpy as np
from conftest import EXAMPLES

from image_review.measures.fingerprint import (
    _worst_tile,
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


def test_the_worst_tile_is_the_largest_tile_mean_of_the_standardised_difference():
    rng = np.random.default_rng(0)
    a = rng.normal(100, 30, (70, 90)).astype(np.float32)
    b = (0.5 * a + rng.normal(20, 5, a.shape)).astype(np.float32)
    b[16:32, 32:48] += 60  # one tile differs more than the rest

    def standardised(x: np.ndarray) -> np.ndarray:
        return (x - x.mean()) / max(float(x.std()), 1.0)

    diff = np.abs(standardised(a) - standardised(b))[:64, :80]  # whole 16 px tiles only
    expected = diff.reshape(4, 16, 5, 16).mean(axis=(1, 3))
    assert np.isclose(_worst_tile(a, b), expected.max(), atol=1e-5)
    assert expected.argmax() == 1 * 5 + 2
    flat = np.full((32, 32), 7, np.float32)  # no spread: its deviation counts as 1
    assert np.isclose(_worst_tile(flat, flat + 3), 0.0, atol=1e-6)
