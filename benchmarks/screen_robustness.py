"""How steady the lit-screen decision is when the same photo is taken a little differently.

    python benchmarks/screen_robustness.py LABELS.csv [--images DIR]

Each labelled photo is measured as it is and after one change at a time: turned a quarter,
mirrored, made small (640 px), saved again at JPEG quality 50, exposed 20% darker or 15%
brighter. Prints, per change, how many decisions (on / not on) stayed the same, and the
true and false `on` counts against the labels (`screen_on` yes / no / na).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

from image_review.evaluate import read_labels
from image_review.imaging import Frame, decode, sniff_format
from image_review.measures.screen import measure_screen


def _saved(bgr: np.ndarray, quality: int = 90) -> Frame:
    _, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return decode(data.tobytes(), "JPEG", 100_000_000)


def _exposed(bgr: np.ndarray, gain: float) -> np.ndarray:
    return cv2.convertScaleAbs(bgr, alpha=gain)


def _small(bgr: np.ndarray) -> np.ndarray:
    scale = 640 / max(bgr.shape[:2])
    return cv2.resize(bgr, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA)


CHANGES: dict[str, Callable[[np.ndarray], Frame]] = {
    "turned a quarter": lambda bgr: _saved(cv2.rotate(bgr, cv2.ROTATE_90_CLOCKWISE)),
    "mirrored": lambda bgr: _saved(cv2.flip(bgr, 1)),
    "small (640 px)": lambda bgr: _saved(_small(bgr)),
    "JPEG quality 50": lambda bgr: _saved(bgr, 50),
    "20% darker": lambda bgr: _saved(_exposed(bgr, 0.8)),
    "15% brighter": lambda bgr: _saved(_exposed(bgr, 1.15)),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("labels", type=Path)
    parser.add_argument("--images", type=Path)
    args = parser.parse_args()
    images = args.images or args.labels.parent / "images"
    counts = {name: [0, 0, 0] for name in ("as taken", *CHANGES)}  # same, true on, false on
    photos = 0
    for label in read_labels(args.labels):
        truth = label.on
        data = (images / label.file).read_bytes()
        frame = decode(data, sniff_format(data[:32]) or "", 100_000_000)
        photos += 1
        seen = {"as taken": frame, **{change: make(frame.bgr) for change, make in CHANGES.items()}}
        base = measure_screen(frame)["state"] == "on"
        for change, changed in seen.items():
            on = measure_screen(changed)["state"] == "on"
            counts[change][0] += on == base
            counts[change][1 if truth else 2] += on
    print(f"{photos} photos; decision 'on' after each change (changes are applied to the")
    print("analysis-size decode, then saved as JPEG)")
    print(f"{'change':18} {'same':>6} {'true on':>8} {'false on':>9}")
    for change, (same, true_on, false_on) in counts.items():
        print(f"{change:18} {same:>6} {true_on:>8} {false_on:>9}")


if __name__ == "__main__":
    main()
