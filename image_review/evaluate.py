"""Evaluate the screen detector on a labelled folder of photos.

The labels file has the columns `file` and `screen_on` (yes / no / na). The detector sees
the pixels alone: each photo is read from its bytes, never by its name.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

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


def read_labels(labels: Path) -> list[tuple[str, bool]]:
    """(file, screen is on) for every row; `na` (no display in view) counts as not on."""
    try:
        with labels.open(newline="", encoding="utf-8-sig") as handle:
            rows = list(csv.DictReader(handle))
    except OSError as err:
        raise LabelsError(f"{labels}: cannot be read ({err.strerror})") from None
    if not rows or not {"file", "screen_on"} <= set(rows[0]):
        raise LabelsError(f"{labels}: needs the columns 'file' and 'screen_on'")
    out = []
    for number, row in enumerate(rows, start=2):
        value = (row["screen_on"] or "").strip().lower()
        if value not in ("yes", "no", "na"):
            raise LabelsError(f"{labels}: line {number}: screen_on must be yes, no or na")
        out.append((row["file"], value == "yes"))
    return out


def evaluate_screen(labels: Path, images: Path) -> ScreenEvaluation:
    """Run the detector on every labelled photo and count its answers."""
    result = ScreenEvaluation()
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
