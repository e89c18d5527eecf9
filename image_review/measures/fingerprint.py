"""Fingerprints for finding the same photo used twice: a perceptual hash to find
candidates, and an aligned tile-by-tile comparison to confirm them.

A perceptual hash alone cannot tell a re-saved copy from a different view shot on the same
table (the left and right edges of a phone hash alike). So a close hash only nominates a
pair; `tile_difference` aligns the two thumbnails (ECC, affine) and reports the worst tile.
"""

from __future__ import annotations

import cv2
import numpy as np

THUMB_SIDE = 128  # both thumbnails are squashed to this square before alignment
TILE_GRID = 8  # tiles per side in the comparison


def dhash(gray: np.ndarray) -> str:
    """64-bit difference hash (horizontal gradients of a 9x8 thumbnail) as 16 hex digits."""
    small = cv2.resize(gray, (9, 8), interpolation=cv2.INTER_AREA).astype(np.int16)
    bits = (small[:, 1:] > small[:, :-1]).ravel()
    return f"{int(''.join('1' if b else '0' for b in bits), 2):016x}"


def hamming(hash_a: str, hash_b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return (int(hash_a, 16) ^ int(hash_b, 16)).bit_count()


def thumbnail(gray: np.ndarray) -> np.ndarray:
    """A square float thumbnail, the form `tile_difference` compares."""
    small = cv2.resize(gray, (THUMB_SIDE, THUMB_SIDE), interpolation=cv2.INTER_AREA)
    return small.astype(np.float32)


def _standardise(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    inside = values[mask]
    return (values - inside.mean()) / max(float(inside.std()), 1.0)


def tile_difference(thumb_a: np.ndarray, thumb_b: np.ndarray) -> float:
    """Worst-tile difference after aligning b onto a, in standard deviations of a.

    Near 0 for a re-saved, resized or slightly cropped copy; large where any part of the two
    photos differs. Returns inf when the two cannot be aligned at all.
    """
    warp = np.eye(2, 3, dtype=np.float32)
    criteria = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 60, 1e-5)
    try:
        _, warp = cv2.findTransformECC(thumb_a, thumb_b, warp, cv2.MOTION_AFFINE, criteria, None, 5)
    except cv2.error:
        return float("inf")
    side = THUMB_SIDE
    flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
    aligned = cv2.warpAffine(thumb_b, warp, (side, side), flags=flags)
    valid = cv2.warpAffine(np.ones_like(thumb_b), warp, (side, side), flags=flags) > 0.99
    if valid.mean() < 0.5:
        return float("inf")
    diff = np.abs(_standardise(thumb_a, valid) - _standardise(aligned, valid))
    step = side // TILE_GRID
    worst = 0.0
    for r in range(0, side, step):
        for c in range(0, side, step):
            tile_valid = valid[r : r + step, c : c + step]
            if tile_valid.mean() > 0.5:
                worst = max(worst, float(diff[r : r + step, c : c + step][tile_valid].mean()))
    return worst
