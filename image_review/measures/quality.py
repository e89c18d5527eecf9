"""Sharpness, exposure and information content of one frame: numbers only."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import cv2
import numpy as np

SHARPNESS_GRID = 8  # tiles per side
SHARPNESS_PERCENTILE = 90  # judge the sharpest regions: plain backgrounds are not blur


def sharpness(gray: np.ndarray) -> float:
    """Laplacian variance of the sharpest tiles (90th percentile over an 8x8 grid).

    One global variance calls a sharp product on a plain table blurry; the sharpest tiles
    are where the subject is. Computed at analysis size, so phone photos of any resolution
    land on one scale.
    """
    lap = cv2.Laplacian(gray, cv2.CV_32F, ksize=3)
    h, w = lap.shape
    rows = np.linspace(0, h, SHARPNESS_GRID + 1, dtype=int)
    cols = np.linspace(0, w, SHARPNESS_GRID + 1, dtype=int)
    variances = [
        float(lap[r0:r1, c0:c1].var())
        for r0, r1 in pairwise(rows)
        for c0, c1 in pairwise(cols)
        if r1 > r0 and c1 > c0
    ]
    return float(np.percentile(variances, SHARPNESS_PERCENTILE))


def exposure(gray: np.ndarray) -> dict[str, float]:
    """Mean and percentiles of luminance, and the shares clipped to black and to white."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    total = hist.sum()
    cdf = np.cumsum(hist) / total
    levels = np.arange(256)
    return {
        "mean": float((hist * levels).sum() / total),
        "p05": float(np.searchsorted(cdf, 0.05)),
        "p95": float(np.searchsorted(cdf, 0.95)),
        "dark_share": float(hist[:8].sum() / total),
        "bright_share": float(hist[248:].sum() / total),
    }


def entropy(gray: np.ndarray) -> float:
    """Shannon entropy of the luminance histogram, in bits (0 for a flat image, at most 8)."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    p = hist[hist > 0] / hist.sum()
    return float(-(p * np.log2(p)).sum())


def measure_quality(gray: np.ndarray) -> dict[str, Any]:
    """All quality numbers of one frame, rounded so manifests stay stable across platforms."""
    return {
        "sharpness": round(sharpness(gray), 3),
        "exposure": {k: round(v, 4) for k, v in exposure(gray).items()},
        "entropy": round(entropy(gray), 4),
        "contrast": round(float(gray.std()), 3),
        "aspect": round(max(gray.shape) / max(1, min(gray.shape)), 4),
    }
