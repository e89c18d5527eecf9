import cv2
import numpy as np

from image_review.measures.quality import entropy, exposure, histogram, sharpness


def scene(seed: int = 0) -> np.ndarray:
    """A sharp textured object on a plain grey table, 1024x768."""
    rng = np.random.default_rng(seed)
    gray = np.full((768, 1024), 128, np.uint8)
    patch = rng.integers(0, 255, (200, 260), dtype=np.uint8)
    gray[300:500, 400:660] = patch
    cv2.putText(gray, "RENEW", (420, 280), cv2.FONT_HERSHEY_SIMPLEX, 2, 20, 4)
    return gray


def test_blur_lowers_sharpness():
    gray = scene()
    blurred = cv2.GaussianBlur(gray, (0, 0), 4)
    assert sharpness(blurred) < sharpness(gray) / 10


def test_plain_background_does_not_make_a_sharp_photo_blurry():
    gray = scene()
    lap = cv2.Laplacian(gray, cv2.CV_32F)
    # One global variance is dragged down by the empty table; the tiles are not.
    assert sharpness(gray) > 3 * float(lap.var())


def test_exposure_shares_of_clipped_pixels():
    dark = np.zeros((100, 100), np.uint8)
    dark[:10] = 255
    values = exposure(histogram(dark))
    assert values["dark_share"] == 0.9 and values["bright_share"] == 0.1
    assert abs(values["mean"] - 25.5) < 1e-9 and values["p05"] == 0 and values["p95"] == 255


def test_entropy_of_flat_and_noisy_images():
    assert entropy(histogram(np.full((50, 50), 77, np.uint8))) == 0
    noise = np.random.default_rng(1).integers(0, 256, (256, 256), dtype=np.uint8)
    assert entropy(histogram(noise)) > 7.9
