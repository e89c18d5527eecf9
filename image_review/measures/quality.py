"""Sharpness, exposure and information content of one frame: numbers only."""

from __future__ import annotations

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
    # 16-bit output is exact here (|value| <= 8 * 255) and many times faster than float.
    lap = cv2.Laplacian(gray, cv2.CV_16S, ksize=3).astype(np.float32)
    n = SHARPNESS_GRID
    th, tw = lap.shape[0] // n, lap.shape[1] // n
    if th == 0 or tw == 0:
        return float(lap.var())
    tiles = lap[: th * n, : tw * n].reshape(n, th, n, tw)
    means = tiles.mean(axis=(1, 3), dtype=np.float64)
    squares = (tiles * tiles).mean(axis=(1, 3), dtype=np.float64)
    variances = np.maximum(squares - means * means, 0.0)  # per tile: E[x^2] - E[x]^2
    return float(np.percentile(variances, SHARPNESS_PERCENTILE))


def histogram(gray: np.ndarray) -> np.ndarray:
    """Counts of the 256 grey levels."""
    return cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel().astype(np.float64)


def exposure(hist: np.ndarray) -> dict[str, float]:
    """Mean and percentiles of luminance, and the shares clipped to black and to white."""
    total = hist.sum()
    cdf = np.cumsum(hist) / total
    return {
        "mean": float((hist * np.arange(256)).sum() / total),
        "p05": float(np.searchsorted(cdf, 0.05)),
        "p95": float(np.searchsorted(cdf, 0.95)),
        "dark_share": float(hist[:8].sum() / total),
        "bright_share": float(hist[248:].sum() / total),
    }


def entropy(hist: np.ndarray) -> float:
    """Shannon entropy of the luminance histogram, in bits (0 for a flat image, at most 8)."""
    p = hist[hist > 0] / hist.sum()
    return float(-(p * np.log2(p)).sum())


def contrast(hist: np.ndarray) -> float:
    """Standard deviation of luminance."""
    levels = np.arange(256)
    total = hist.sum()
    mean = (hist * levels).sum() / total
    return float(np.sqrt((hist * (levels - mean) ** 2).sum() / total))


def measure_quality(gray: np.ndarray) -> dict[str, Any]:
    """All quality numbers of one frame, rounded so manifests stay stable across platforms."""
    hist = histogram(gray)
    return {
        "sharpness": round(sharpness(gray), 3),
        "exposure": {k: round(v, 4) for k, v in exposure(hist).items()},
        "entropy": round(entropy(hist), 4),
        "contrast": round(contrast(hist), 3),
        "aspect": round(max(gray.shape) / max(1, min(gray.shape)), 4),
    }
