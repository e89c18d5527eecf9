"""Fingerprints for finding the same photo used twice: a perceptual hash to find
candidates, and an aligned tile-by-tile comparison to confirm them.

A perceptual hash alone cannot tell a re-saved copy from a different view shot on the same
table (the left and right edges of a phone hash alike). So a close hash only nominates a
pair; `tile_difference` aligns the two thumbnails (the scale and shift that match best)
and reports the worst tile.
"""

from __future__ import annotations

import cv2
import numpy as np

THUMB_LONG_SIDE = 256  # thumbnails keep the photo's aspect ratio
TILE = 16  # compared tile size in thumbnail pixels
SCALES = np.linspace(0.82, 1.0, 10)  # a copy may be cropped by up to 18% of its width


def dhash(image: np.ndarray) -> str:
    """64-bit difference hash (horizontal gradients of a 9x8 thumbnail) as 16 hex digits."""
    small = cv2.resize(image, (9, 8), interpolation=cv2.INTER_AREA).astype(np.float32)
    bits = np.packbits(small[:, 1:] > small[:, :-1])
    return bits.tobytes().hex()


def hamming(hash_a: str, hash_b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return (int(hash_a, 16) ^ int(hash_b, 16)).bit_count()


BORDER_TOLERANCE = 4  # grey levels a border pixel may differ from the border's colour
CONTENT_SHARE = 0.5  # the first row inside a border differs from it in this share of pixels


def trim_border(gray: np.ndarray) -> np.ndarray:
    """The picture without a uniform frame around it (a screenshot's padding, a letterbox):
    each side is cut where a straight line of content begins. A product on a plain
    background keeps its background: just inside its bounding box, most of each line is
    still background."""
    h, w = gray.shape
    corners = np.array([gray[0, 0], gray[0, -1], gray[-1, 0], gray[-1, -1]], np.int16)
    if corners.max() - corners.min() > BORDER_TOLERANCE:
        return gray
    differs = np.abs(gray.astype(np.int16) - int(np.median(corners))) > BORDER_TOLERANCE
    rows, cols = differs.mean(axis=1), differs.mean(axis=0)
    top = _first(rows)
    bottom = h - _first(rows[::-1])
    left = _first(cols)
    right = w - _first(cols[::-1])
    if bottom - top < h // 2 or right - left < w // 2:
        return gray
    return gray[top:bottom, left:right]


def _first(shares: np.ndarray) -> int:
    """How many lines from the start are border: all before the first line that is mostly
    content, provided every line before it is border through and through."""
    content = np.flatnonzero(shares >= CONTENT_SHARE)
    if content.size == 0 or content[0] == 0:
        return 0
    return int(content[0]) if shares[: content[0]].max() <= 0.01 else 0


def thumbnail(gray: np.ndarray) -> np.ndarray:
    """A float copy with a long side of 256 px, the form `tile_difference` compares, of the
    picture inside any uniform border."""
    gray = trim_border(gray)
    if max(gray.shape) >= 3 * THUMB_LONG_SIDE:  # OpenCV's fast exact half first
        gray = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    h, w = gray.shape
    scale = THUMB_LONG_SIDE / max(h, w)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(gray, size, interpolation=cv2.INTER_AREA).astype(np.float32)
    return cv2.GaussianBlur(small, (0, 0), 0.8)


def _standard_scale(values: np.ndarray) -> tuple[float, float]:
    """(1 / standard deviation, mean) of an image; a flat image's deviation counts as 1."""
    mean, std = cv2.meanStdDev(values)
    return 1.0 / max(float(std[0, 0]), 1.0), float(mean[0, 0])


def _worst_tile(a: np.ndarray, b: np.ndarray) -> float:
    """Largest mean absolute difference over TILE x TILE tiles of two standardised images
    (OpenCV's passes: a third of numpy's time, and this runs 20 times a compared pair)."""
    scale_a, mean_a = _standard_scale(a)
    scale_b, mean_b = _standard_scale(b)
    rows, cols = a.shape[0] // TILE, a.shape[1] // TILE
    a, b = a[: rows * TILE, : cols * TILE], b[: rows * TILE, : cols * TILE]
    diff = cv2.absdiff(a * scale_a, b * scale_b + (mean_a * scale_a - mean_b * scale_b))
    # area averaging by a whole factor is the exact tile mean
    return float(cv2.resize(diff, (cols, rows), interpolation=cv2.INTER_AREA).max())


def _best_fit(outer: np.ndarray, inner: np.ndarray, scales) -> tuple[float, float, int, int]:
    """(worst-tile difference, scale, x, y) of the best placement of `inner` in `outer`."""
    best = (float("inf"), 1.0, 0, 0)
    h, w = outer.shape
    for scale in scales:
        size = (round(w * scale), round(h * scale))
        if min(size) < 2 * TILE or size[0] > w or size[1] > h:
            continue
        template = cv2.resize(inner, size, interpolation=cv2.INTER_AREA)
        scores = cv2.matchTemplate(outer, template, cv2.TM_CCOEFF_NORMED)
        _, _, _, (x, y) = cv2.minMaxLoc(scores)
        difference = _worst_tile(outer[y : y + size[1], x : x + size[0]], template)
        best = min(best, (difference, float(scale), x, y))
    return best


def _half(image: np.ndarray) -> np.ndarray:
    return cv2.resize(image, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)


def tile_difference(
    thumb_a: np.ndarray, thumb_b: np.ndarray, settled_above: float = float("inf")
) -> float:
    """Worst-tile difference of two photos aligned as best they can be, in standard deviations.

    Near 0 for a re-saved, resized or slightly cropped copy (either one the crop of the
    other); large where any part of the two pictures differs. The scale is searched on
    quarter-size thumbnails first, then refined at full thumbnail size, unless the coarse
    difference is already above `settled_above` (it only grows at full size: fine tiles
    average less), which is then returned as it is.
    """
    fits = []
    for outer, inner in ((thumb_a, thumb_b), (thumb_b, thumb_a)):
        difference, scale, _, _ = _best_fit(_half(outer), _half(inner), SCALES)
        fits.append((difference, scale, outer, inner))
    coarse, scale, outer, inner = min(fits, key=lambda fit: fit[0])
    if coarse > settled_above:
        return coarse
    step = SCALES[1] - SCALES[0]
    return _best_fit(outer, inner, (scale - step, scale, scale + step))[0]
