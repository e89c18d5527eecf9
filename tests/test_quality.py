import cv2
import numpy as np
import pytest
from conftest import ROOT
from synthetic import QUALITY_CASES

from image_review.evaluate_quality import quality_codes
from image_review.imaging import decode
from image_review.measures.quality import (
    detail,
    edge_width,
    entropy,
    exposure,
    histogram,
    measure_quality,
    working_copy,
)
from image_review.photo_checks import blur_verdict, bright_verdict, dark_code, dark_verdict
from image_review.policy import DEFAULT_POLICY

QUALITY = ROOT / "fixtures" / "images" / "quality"


def natural_texture(h: int, w: int, seed: int) -> np.ndarray:
    """Zero-mean, unit-variance noise with the 1/f spectrum of natural photos."""
    rng = np.random.default_rng(seed)
    fy, fx = np.fft.fftfreq(h)[:, None], np.fft.rfftfreq(w)[None, :]
    f = np.hypot(fy, fx)
    f[0, 0] = 1.0
    spectrum = (rng.normal(size=f.shape) + 1j * rng.normal(size=f.shape)) / f
    texture = np.fft.irfft2(spectrum, s=(h, w))
    return (texture - texture.mean()) / texture.std()


def product_photo(h: int = 1536, w: int = 2048, seed: int = 0) -> np.ndarray:
    """A camera-size photo: a textured table, a pale product box with printed text on it."""
    img = 128 + 30 * natural_texture(h, w, seed)
    top, bottom, left, right = h // 4, 3 * h // 4, w // 3, 2 * w // 3
    img[top:bottom, left:right] = 200 + 25 * natural_texture(bottom - top, right - left, seed + 1)
    img = np.clip(img, 0, 255).astype(np.uint8)
    for row in range(6):
        origin = (left + 30, top + 80 + row * 110)
        cv2.putText(img, "RENEWED 128GB", origin, cv2.FONT_HERSHEY_SIMPLEX, 2.2, 30, 5)
    return img


def decoded(gray: np.ndarray, side: int = 1024) -> np.ndarray:
    """The frame as the review decodes it: at most `side` on the long side."""
    scale = side / max(gray.shape)
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


def with_noise(gray: np.ndarray, sigma: float, seed: int = 5) -> np.ndarray:
    noise = np.random.default_rng(seed).normal(0, sigma, gray.shape)
    return np.clip(gray + noise, 0, 255).astype(np.uint8)


def verdict(gray: np.ndarray) -> str | None:
    return blur_verdict(measure_quality(gray), DEFAULT_POLICY)


def test_a_sharp_photo_is_not_blurry_and_a_defocused_one_is():
    photo = product_photo()
    assert verdict(decoded(photo)) is None
    assert verdict(decoded(cv2.GaussianBlur(photo, (0, 0), 6))) == "blurry"


def test_a_sharp_noisy_photo_stays_sharp():
    assert verdict(with_noise(decoded(product_photo()), 10)) is None


def test_noise_does_not_make_a_blurred_photo_look_sharp():
    blurred = decoded(cv2.GaussianBlur(product_photo(), (0, 0), 6))
    for sigma in (3, 6, 10):
        assert verdict(with_noise(blurred, sigma)) == "blurry", sigma


@pytest.mark.parametrize("quality", [90, 50, 30])
def test_jpeg_compression_neither_blurs_a_sharp_photo_nor_sharpens_a_blurred_one(quality):
    def jpeg(gray: np.ndarray) -> np.ndarray:
        _, data = cv2.imencode(".jpg", gray, [cv2.IMWRITE_JPEG_QUALITY, quality])
        return cv2.imdecode(data, cv2.IMREAD_GRAYSCALE)

    photo = product_photo()
    assert verdict(jpeg(decoded(photo))) is None
    assert verdict(jpeg(decoded(cv2.GaussianBlur(photo, (0, 0), 6)))) == "blurry"


@pytest.mark.parametrize("direction", ["horizontal", "vertical", "diagonal"])
def test_camera_shake_in_one_direction_is_caught(direction):
    length = 41
    kernel = np.zeros((length, length), np.float32)
    if direction == "horizontal":
        kernel[length // 2, :] = 1
    elif direction == "vertical":
        kernel[:, length // 2] = 1
    else:
        np.fill_diagonal(kernel, 1)
    shaken = cv2.filter2D(product_photo(), -1, kernel / kernel.sum())
    assert verdict(decoded(shaken)) == "blurry"


@pytest.mark.parametrize("sigma", [4, 8])
def test_camera_shake_with_sensor_noise_is_caught(sigma):
    kernel = np.zeros((25, 25), np.float32)
    kernel[12, :] = 1 / 25
    shaken = decoded(cv2.filter2D(product_photo(), -1, kernel))
    assert verdict(with_noise(shaken, sigma)) == "blurry"  # noise peaks are no crisp edges


def test_mild_defocus_of_a_product_with_little_texture_is_flagged():
    mug = 150 + 6 * natural_texture(1536, 2048, 0)  # a plain mug on a plain table
    cv2.ellipse(mug, (1024, 768), (420, 520), 0, 0, 360, 225, -1)
    mug = np.clip(mug, 0, 255).astype(np.uint8)
    assert verdict(decoded(mug)) is None
    assert verdict(decoded(cv2.GaussianBlur(mug, (0, 0), 3))) is not None


def test_detail_does_not_depend_on_how_far_the_photo_was_downscaled():
    photo = product_photo()
    values = [detail(decoded(photo, side)) for side in (2048, 1024, 800)]
    assert max(values) / min(values) < 1.15
    blurred = cv2.GaussianBlur(photo, (0, 0), 6)
    assert all(detail(decoded(blurred, side)) < min(values) / 2 for side in (2048, 800))


def test_edge_width_tells_crisp_edges_from_soft_ones():
    photo = decoded(product_photo())
    assert edge_width(photo) < 3.5
    assert edge_width(cv2.GaussianBlur(photo, (0, 0), 2.5)) > 4.5
    assert edge_width(np.full((600, 800), 90, np.uint8)) is None  # no edge: nothing to tell


def test_working_copy_keeps_small_frames_as_they_are():
    small = np.zeros((300, 400), np.uint8)
    assert working_copy(small) is small
    assert max(working_copy(np.zeros((1000, 2000), np.uint8)).shape) == 768


def test_a_flat_photo_is_not_judged_for_blur():
    assert verdict(np.full((600, 800), 90, np.uint8)) is None


def exposure_of(gray: np.ndarray) -> dict[str, float]:
    return measure_quality(gray)["exposure"]


def dark_finding(values: dict) -> str | None:
    return dark_code(values, DEFAULT_POLICY)


def test_a_dark_room_with_a_lamp_is_dark():
    room = np.clip(18 + 6 * natural_texture(768, 1024, 3), 0, 255).astype(np.uint8)
    cv2.circle(room, (800, 200), 130, 255, -1)  # the lamp: 7% of the frame, with its glow
    values = exposure_of(cv2.GaussianBlur(room, (0, 0), 8))
    assert values["p95"] >= 90  # the old rule (mean < 40 and p95 < 90) let this pass
    assert dark_finding(values) == "too-dark"


def test_a_lit_screen_in_a_dark_room_is_not_dark():
    room = np.clip(15 + 5 * natural_texture(768, 1024, 4), 0, 255).astype(np.uint8)
    screen = np.clip(170 + 40 * natural_texture(300, 420, 5), 0, 255).astype(np.uint8)
    room[230:530, 300:720] = screen  # a laptop screen filling 16% of the frame
    assert dark_finding(exposure_of(room)) is None


def test_a_dim_photo_may_be_too_dark_but_does_not_fail():
    """Between the error's limit and the warning's, the brightest tenth is dim but not
    black: a dim room and a black product on a dark table look alike there."""
    dim = np.clip(48 + 14 * natural_texture(768, 1024, 9), 0, 255).astype(np.uint8)
    values = exposure_of(dim)
    assert DEFAULT_POLICY.dark_p90 <= values["p90"] < DEFAULT_POLICY.dark_warning_p90
    assert dark_finding(values) == "possibly-too-dark"
    assert dark_finding(exposure_of(cv2.add(dim, 40))) is None  # a little more light: fine


def test_a_high_key_product_shot_on_white_is_not_washed_out():
    shot = np.full((768, 1024), 255, np.uint8)
    shot[200:600, 350:650] = np.clip(60 + 30 * natural_texture(400, 300, 6), 0, 255)
    values = exposure_of(shot)
    assert values["mean"] > DEFAULT_POLICY.bright_mean  # mostly white ...
    assert bright_verdict(values, DEFAULT_POLICY) is None  # ... the product keeps its darks


def test_a_faded_photo_without_shadows_may_be_washed_out():
    faded = np.clip(205 + 15 * natural_texture(768, 1024, 7), 0, 255).astype(np.uint8)
    values = exposure_of(faded)
    assert values["bright_share"] < DEFAULT_POLICY.blown_share  # nothing blown out: unsure
    assert bright_verdict(values, DEFAULT_POLICY) == "possibly-overexposed"


def test_a_washed_out_photo_with_blown_areas_is_overexposed():
    washed = np.clip(230 + 30 * natural_texture(768, 1024, 8), 0, 255).astype(np.uint8)
    values = exposure_of(washed)
    assert values["bright_share"] < 0.6  # the old rule wanted 60% clipped and a mean of 230
    assert bright_verdict(values, DEFAULT_POLICY) == "overexposed"


def test_exposure_shares_of_clipped_pixels():
    dark = np.zeros((100, 100), np.uint8)
    dark[:10] = 255
    values = exposure(histogram(dark))
    assert values["dark_share"] == 0.9 and values["bright_share"] == 0.1
    assert abs(values["mean"] - 25.5) < 1e-9 and values["p05"] == 0 and values["p95"] == 255
    assert values["p90"] == 0


def test_entropy_of_flat_and_noisy_images():
    assert entropy(histogram(np.full((50, 50), 77, np.uint8))) == 0
    noise = np.random.default_rng(1).integers(0, 256, (256, 256), dtype=np.uint8)
    assert entropy(histogram(noise)) > 7.9


@pytest.mark.parametrize("case", sorted(QUALITY_CASES))
def test_blur_and_exposure_are_judged_on_the_subject(case):
    """Each failure mode of judging the whole frame (a sharp product before a defocused room,
    a lit shop at night, a product on a white or black backdrop, a white product whose
    edges touch clipped white, a dark room lifted by its window and lamps) gets exactly the
    findings its case names, from the committed JPEG as a review decodes it."""
    data = (QUALITY / f"{case}.jpg").read_bytes()
    measures = measure_quality(decode(data, "JPEG", DEFAULT_POLICY.max_pixels).gray)
    assert tuple(quality_codes(measures, DEFAULT_POLICY)) == QUALITY_CASES[case][1], measures


def test_the_edges_of_a_white_product_count():
    """Clipped white that is a product, not a small light, keeps its edges measured."""
    data = (QUALITY / "white_phone_on_grey_mat.jpg").read_bytes()
    assert edge_width(decode(data, "JPEG", DEFAULT_POLICY.max_pixels).gray) < 3.0


def test_a_dark_room_is_judged_by_its_level_not_by_its_lamps():
    data = (QUALITY / "dark_room_with_window_and_lamps.jpg").read_bytes()
    values = measure_quality(decode(data, "JPEG", DEFAULT_POLICY.max_pixels).gray)["exposure"]
    assert values["p90"] > DEFAULT_POLICY.dark_p90  # the window lifts the brightest tenth ...
    assert 25 <= values["mean"] <= 45
    assert dark_verdict(values, DEFAULT_POLICY) == ("too-dark", "p50")  # ... half near black


def test_white_that_steps_down_to_the_product_is_a_backdrop():
    shot = np.full((768, 1024), 255, np.uint8)
    shot[200:600, 350:650] = np.clip(175 + 12 * natural_texture(400, 300, 6), 0, 255)
    values = exposure_of(shot)
    assert values["mean"] > DEFAULT_POLICY.bright_mean and values["p05"] > DEFAULT_POLICY.bright_p05
    assert values["white_edge"] < DEFAULT_POLICY.white_backdrop_edge
    assert bright_verdict(values, DEFAULT_POLICY) is None
