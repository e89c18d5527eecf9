"""Detail, exposure and information content of one frame: numbers only.

`detail` is the blur measure. Blur removes fine detail more than coarse detail, so each
region's fine-scale energy is divided by its coarse-scale energy: the ratio does not depend
on the region's contrast or the photo's exposure. It is measured:
- on a copy at one working size (long side WORK_SIDE), so a 12 MP original and a 1 MP
  export of the same shot score alike;
- one and two octaves down from that copy, so sensor noise and JPEG blocks (finest scale)
  do not pass for detail;
- along four directions, keeping the weakest: camera shake smears detail across the motion
  but leaves edges along it crisp;
- in tiles with structure at the coarse scale (plain tables, sky and walls say nothing) and
  no clipped highlights (light sources and their streaks stay crisp in a shaken photo);
- at the 75th percentile of those tiles: a crisp subject before a soft background counts.

`edge_width` is the second blur measure, and it looks only at the subject: how many pixels
the crispest edges of the photo take to rise (an edge's rise over its 7 px neighbourhood,
divided by its steepest slope). The region judged is chosen by the edges themselves: the
crispest 2% of all edges with a real rise (24 grey levels: sensor noise and grain stay
below it), so a sharp product that fills a tenth of the frame before a defocused or plain
background is enough, while camera shake and missed focus leave no crisp edge anywhere.
It is measured along x and along y and the wider kept (shake smears one direction only),
on the analysis frame itself, away from small clipped lights (their streaks stay crisp in a
shaken photo; a white product's edges count).
Sharp photos measure 2.3-3.5 px, visibly blurred ones over 4. The judge joins the two
into one softness (judge.softness), which both blur findings are judged on.

Exposure is judged on the subject: `p50` (the median) catches a dark photo whose lamps or
windows lift the brightest tenth; `white_edge` and `black_edge` tell a backdrop from a
blown or crushed subject. They are the median level just outside the areas clipped to
white (or near black): a backdrop ends in a step to the product's own tones, while a blown
subject fades into near-white and an underexposed room fades into near-black.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

WORK_SIDE = 768  # long side of the copy detail is measured on
TILES = 16  # tiles per side
STRUCTURE = 20.0  # coarse-scale energy of a tile with something in it (noise stays below)
MIN_TILES = 8  # fewer structured tiles: judge the most structured quarter instead
CLIPPED = 250  # a highlight at or above this level is a light source or glare
DETAIL_PERCENTILE = 75
QUIET_DIRECTION = 0.02  # a direction with under 2% of the tile's strongest coarse energy
NOISE_PERCENTILE = 10  # the flattest tenth of the tiles: their energy is the noise floor
EDGE_SPAN = 7  # px: the neighbourhood an edge's rise is measured over
EDGE_RISE = 24  # grey levels an edge must rise within EDGE_SPAN (noise and grain stay below)
EDGE_PERCENTILE = 2  # the crispest 2% of the edges: a small sharp subject is enough
MIN_EDGES = 100  # fewer edges along an axis: that axis says nothing
WIDEST = 4 * EDGE_SPAN  # px: the widest edge measured
LIGHT_SIZE = 15  # px: clipped areas narrower than this are lights, whose edges are skipped
CLIP_SIDE = 512  # the clipped areas' edges are measured on a copy halved down to about this
CLIP_SHARE = 0.03  # clipped areas smaller than this share of the photo have no edge measured
NEAR_BLACK = 12  # at or below this level a pixel is crushed to black

# Second differences along x, y and the two diagonals (diagonals scaled to unit step).
_DIRECTIONS = (
    np.array([[1, -2, 1]], np.float32),
    np.array([[1], [-2], [1]], np.float32),
    np.diag([0.5, -1.0, 0.5]).astype(np.float32),
    np.fliplr(np.diag([0.5, -1.0, 0.5])).astype(np.float32).copy(),
)


def working_copy(gray: np.ndarray) -> np.ndarray:
    """The frame at WORK_SIDE on its long side (bilinear: the octaves below it are low-passed
    by pyrDown anyway); smaller frames as they are."""
    scale = WORK_SIDE / max(gray.shape)
    if scale >= 1:
        return gray
    return cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)


def _tile_means(plane: np.ndarray) -> np.ndarray:
    """Mean of each tile of a TILES x TILES grid (the ragged right and bottom edges dropped);
    area resampling by a whole factor is an exact tile mean, and fast."""
    th, tw = plane.shape[0] // TILES, plane.shape[1] // TILES
    grid = plane[: th * TILES, : tw * TILES]
    return cv2.resize(grid, (TILES, TILES), interpolation=cv2.INTER_AREA)


def _energies(level: np.ndarray) -> np.ndarray:
    """Per direction, the tile means of the squared second difference: (4, TILES, TILES)."""
    energies = []
    for kernel in _DIRECTIONS:
        difference = cv2.filter2D(level, -1, kernel, borderType=cv2.BORDER_REFLECT)
        energies.append(_tile_means(cv2.multiply(difference, difference)))
    return np.stack(energies)


def _denoised(energies: np.ndarray) -> np.ndarray:
    """Tile energies less the noise floor: per direction, the energy of the flattest tiles
    (NOISE_PERCENTILE, interpolated as numpy's percentile does), which hold sensor noise and
    little else."""
    ordered = np.sort(energies.reshape(len(energies), -1), axis=1)
    position = NOISE_PERCENTILE / 100 * (ordered.shape[1] - 1)
    low, share = int(position), position - int(position)
    floor = ordered[:, low] + share * (ordered[:, low + 1] - ordered[:, low])
    return np.maximum(energies - floor[:, None, None], 0.0)


def detail(gray: np.ndarray) -> float | None:
    """Fine over coarse detail in the weakest direction: about 0.6 for a sharp photo, under
    0.4 for a visibly blurred one (see the module docstring for how it is measured). None
    when too little of the photo has structure to tell."""
    work = working_copy(gray)
    if min(work.shape) < 4 * TILES:
        return None
    fine = cv2.pyrDown(work.astype(np.float32))
    coarse = cv2.pyrDown(fine)
    fine_energy, coarse_energy = _denoised(_energies(fine)), _denoised(_energies(coarse))
    ratios = fine_energy / (coarse_energy + 0.01)
    # A direction with hardly any coarse structure (along a straight edge) tells nothing.
    silent = coarse_energy < QUIET_DIRECTION * coarse_energy.max(axis=0, keepdims=True)
    ratio = np.where(silent, np.inf, ratios).min(axis=0)
    structure = coarse_energy.sum(axis=0)
    clipped = cv2.compare(work, CLIPPED, cv2.CMP_GE)
    if cv2.countNonZero(clipped):
        near_light = cv2.dilate(clipped, np.ones((9, 9), np.uint8)).astype(np.float32)
        lit = _tile_means(near_light)  # over 0 where any pixel of the tile is near a light
    else:
        lit = np.zeros((TILES, TILES), np.float32)
    judged = (structure > STRUCTURE) & (lit == 0)
    if np.count_nonzero(judged) < MIN_TILES:  # little in focus or in view: what there is
        judged = (structure > 0) & (structure >= np.percentile(structure, 75)) & (lit == 0)
    if np.count_nonzero(judged) < 3:
        return None
    return float(np.percentile(ratio[judged], DETAIL_PERCENTILE))


def _crisp_widths(
    frame: np.ndarray, rise: np.ndarray, candidates: np.ndarray, axis: int
) -> np.ndarray:
    """Widths (rise over steepest slope) of the edges across one axis (1: x, 0: y): the
    pixels among `candidates` (flat indices, none on the frame's border) whose slope peaks
    along that axis."""
    slope = np.abs(cv2.Sobel(frame, cv2.CV_16S, axis, 1 - axis, ksize=3)).ravel()
    step = 1 if axis == 1 else frame.shape[1]
    here = slope[candidates]
    peak = (here >= slope[candidates - step]) & (here >= slope[candidates + step])
    rises = rise.ravel()[candidates[peak]].astype(np.float32)
    slopes = here[peak].astype(np.float32) / 8  # Sobel's weights sum to 8 per unit step
    steep = WIDEST * slopes > rises  # a rise spread wider than that is shading
    return rises[steep] / slopes[steep]


def _lights(frame: np.ndarray) -> np.ndarray | None:
    """Where small clipped lights and their streaks are (dilated), or None without any: a
    white product or backdrop is broad, and not a light."""
    clipped = cv2.compare(frame, CLIPPED, cv2.CMP_GE)
    if not cv2.countNonZero(clipped):
        return None
    broad = cv2.morphologyEx(clipped, cv2.MORPH_OPEN, np.ones((LIGHT_SIZE, LIGHT_SIZE), np.uint8))
    return cv2.dilate(cv2.subtract(clipped, broad), np.ones((9, 9), np.uint8))


def edge_width(gray: np.ndarray) -> float | None:
    """Pixels the crispest edges take to rise, in the worse of x and y: about 2.5-3.5 for a
    sharp photo, over 4 for a blurred one (see the module docstring); WIDEST when no edge
    rises within EDGE_SPAN though the photo has contrast; None for a photo without any."""
    if min(gray.shape) < 2 * EDGE_SPAN:
        return None
    frame = cv2.GaussianBlur(gray, (3, 3), 0.6)
    span = np.ones((EDGE_SPAN, EDGE_SPAN), np.uint8)
    rise = cv2.subtract(cv2.dilate(frame, span), cv2.erode(frame, span))
    candidates = rise > EDGE_RISE
    lights = _lights(frame)
    if lights is not None:
        candidates &= lights == 0
    candidates[[0, -1], :] = candidates[:, [0, -1]] = False
    where = np.flatnonzero(candidates)
    widths = [_crisp_widths(frame, rise, where, axis) for axis in (1, 0)]
    kept = [float(np.percentile(w, EDGE_PERCENTILE)) for w in widths if len(w) >= MIN_EDGES]
    if kept:
        return max(kept)
    # No edge rises within reach: a flat photo says nothing, a photo with contrast over a
    # wider span is blurred beyond what is measured (missed focus): the widest measured.
    wide = np.ones((WIDEST, WIDEST), np.uint8)
    wide_rise = cv2.subtract(cv2.dilate(frame, wide), cv2.erode(frame, wide))
    return float(WIDEST) if np.count_nonzero(wide_rise > EDGE_RISE) >= MIN_EDGES else None


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
        "p50": float(np.searchsorted(cdf, 0.50)),
        "p90": float(np.searchsorted(cdf, 0.90)),
        "p95": float(np.searchsorted(cdf, 0.95)),
        "dark_share": float(hist[:8].sum() / total),
        "bright_share": float(hist[248:].sum() / total),
    }


def _edge_level(small: np.ndarray, clipped: np.ndarray) -> float | None:
    """Median level 2-4 px (at about CLIP_SIDE) outside the clipped areas; None when they
    are smaller than CLIP_SHARE of the photo."""
    if np.count_nonzero(clipped) < CLIP_SHARE * clipped.size:
        return None
    step = np.ones((3, 3), np.uint8)
    near = cv2.dilate(clipped.astype(np.uint8), step, iterations=2)
    ring = (cv2.dilate(near, step, iterations=2) > 0) & (near == 0)
    return float(np.median(small[ring])) if ring.any() else None


def clipped_edges(gray: np.ndarray, hist: np.ndarray) -> dict[str, float | None]:
    """The level just outside the areas clipped to white (`white_edge`, from the photo's own
    white point) and crushed to black (`black_edge`)."""
    # Halved (OpenCV's fast path for an exact half) from 768 px up: 384-512 px.
    halve = max(gray.shape) > 1.5 * CLIP_SIDE
    small = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA) if halve else gray
    white_point = int(np.searchsorted(np.cumsum(hist) / hist.sum(), 0.995))
    white = small >= max(white_point - 3, 240) if white_point >= 243 else np.zeros_like(small, bool)
    return {
        "white_edge": _edge_level(small, white),
        "black_edge": _edge_level(small, small <= NEAR_BLACK),
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


def _rounded(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def measure_quality(gray: np.ndarray) -> dict[str, Any]:
    """All quality numbers of one frame, rounded so manifests stay stable across platforms."""
    hist = histogram(gray)
    levels = {**exposure(hist), **clipped_edges(gray, hist)}
    return {
        "detail": _rounded(detail(gray)),
        "edge_width": _rounded(edge_width(gray)),
        "exposure": {k: _rounded(v) for k, v in levels.items()},
        "entropy": round(entropy(hist), 4),
        "contrast": round(contrast(hist), 3),
        "aspect": round(max(gray.shape) / max(1, min(gray.shape)), 4),
    }
