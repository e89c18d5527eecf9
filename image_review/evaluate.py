"""Evaluate the screen detector on a labelled folder of photos.

The labels file has the columns `file` and `screen_on` (yes / no / na). The detector sees
the pixels alone: each photo is read from its bytes, never by its name. An optional
outlines file (columns `file` and `outline`: four corners as percent of the width and
height) holds hand-drawn screen outlines; each quad drawn on a photo detected `on` is
compared with it by intersection over union.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from image_review.imaging import DecodeError, decode, sniff_format
from image_review.measures.screen import measure_screen


class LabelsError(ValueError):
    """A labels file that cannot be used (missing columns, unknown values, missing photos)."""


@dataclass
class ScreenEvaluation:
    """Confusion counts of `on` against `not on`, and the photos it got wrong."""

    tp: int = 0
    fp: int = 0
    tn: int = 0
    fn: int = 0
    misses: list[tuple[str, str, str, float]] = field(
        default_factory=list
    )  # file, truth, state, score
    skipped: list[str] = field(default_factory=list)
    # file: (intersection over union, share of the quad inside the outline)
    quad_overlaps: dict[str, tuple[float, float]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 0.0

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + self.specificity) / 2

    @property
    def quads_outlining(self) -> int:
        """Quads that outline the screen: IoU with the hand-drawn outline >= QUAD_MATCH."""
        return sum(iou >= QUAD_MATCH for iou, _ in self.quad_overlaps.values())

    @property
    def quads_inside(self) -> int:
        """Quads lying on the screen: at least QUAD_INSIDE of their area within the outline."""
        return sum(inside >= QUAD_INSIDE for _, inside in self.quad_overlaps.values())


QUAD_MATCH = 0.5  # intersection over union at which a quad outlines the screen
QUAD_INSIDE = 0.8  # share of a quad's area within the outline at which it lies on the screen


def _rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header (UTF-8, with or without a byte-order mark)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    except OSError as err:
        raise LabelsError(f"{path}: cannot be read ({err.strerror})") from None


def read_labels(labels: Path) -> list[tuple[str, bool]]:
    """(file, screen is on) for every row; `na` (no display in view) counts as not on."""
    rows = _rows(labels)
    if not rows or not {"file", "screen_on"} <= set(rows[0]):
        raise LabelsError(f"{labels}: needs the columns 'file' and 'screen_on'")
    out = []
    for number, row in enumerate(rows, start=2):
        value = (row["screen_on"] or "").strip().lower()
        if value not in ("yes", "no", "na"):
            raise LabelsError(f"{labels}: line {number}: screen_on must be yes, no or na")
        out.append((row["file"], value == "yes"))
    return out


def read_outlines(outlines: Path) -> dict[str, np.ndarray]:
    """file: its screen outline, four (x, y) corners as fractions of the width and height."""
    out = {}
    for number, row in enumerate(_rows(outlines), start=2):
        try:
            corners = np.array([float(x) for x in (row.get("outline") or "").split()])
        except ValueError:
            corners = np.array([])
        if corners.size != 8 or not ((corners >= 0) & (corners <= 100)).all():
            raise LabelsError(
                f"{outlines}: line {number}: outline must be 8 numbers from 0 to 100 "
                "(x y of four corners, percent of the width and height)"
            )
        out[row.get("file") or ""] = corners.reshape(4, 2) / 100
    return out


def overlap(quad: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Intersection over union of two convex quads, and the share of `quad` inside `truth`."""
    quad, truth = (cv2.convexHull(q.astype(np.float32)) for q in (quad, truth))
    shared, _ = cv2.intersectConvexConvex(quad, truth)
    area = cv2.contourArea(quad)
    union = area + cv2.contourArea(truth) - shared
    return (float(shared / union) if union > 0 else 0.0, float(shared / area) if area else 0.0)


def evaluate_screen(labels: Path, images: Path, outlines: Path | None = None) -> ScreenEvaluation:
    """Run the detector on every labelled photo and count its answers."""
    result = ScreenEvaluation()
    drawn = read_outlines(outlines) if outlines else {}
    for name, truth in read_labels(labels):
        path = images / name
        try:
            data = path.read_bytes()
            frame = decode(data, sniff_format(data[:32]) or "", 100_000_000)
        except (OSError, DecodeError):
            result.skipped.append(name)
            continue
        screen = measure_screen(frame)
        said_on = screen["state"] == "on"
        if said_on and name in drawn:
            size = np.array([frame.width, frame.height], np.float32)
            quad = np.array(screen["quad"], np.float32) / size
            result.quad_overlaps[name] = overlap(quad, drawn[name])
        if truth and said_on:
            result.tp += 1
        elif truth:
            result.fn += 1
        elif said_on:
            result.fp += 1
        else:
            result.tn += 1
        if truth != said_on:
            truth_word = "on" if truth else "not on"
            result.misses.append((name, truth_word, screen["state"], screen["score"]))
    return result
