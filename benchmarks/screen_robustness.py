"""How steady the lit-screen decision is when the same photo is taken a little differently.

    python benchmarks/screen_robustness.py LABELS.csv [--images DIR]

Each labelled photo is measured as it is and after one change at a time: turned a quarter,
mirrored, made small (640 px), saved again at JPEG quality 50, exposed 20% darker or 15%
brighter. Prints, per change, how many states stayed the same, how many jumped between
`on` and `off` (target: none), how many moved between `on` and `uncertain` (target: at most
5% of the changed copies), and the true and false `on` counts against the labels
(`screen_on` yes / no / na).
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
    counts = {name: [0, 0, 0, 0, 0] for name in ("as taken", *CHANGES)}
    photos = 0
    for label in read_labels(args.labels):
        data = (images / label.file).read_bytes()
        frame = decode(data, sniff_format(data[:32]) or "", 100_000_000)
        photos += 1
        seen = {"as taken": frame, **{change: make(frame.bgr) for change, make in CHANGES.items()}}
        base = measure_screen(frame)["state"]
        for change, changed in seen.items():
            state = measure_screen(changed)["state"]
            pair = {base, state}
            counts[change][0] += state == base
            counts[change][1] += pair == {"on", "off"}
            counts[change][2] += pair == {"on", "uncertain"}
            counts[change][3 if label.on else 4] += state == "on"
    print(f"{photos} photos; the state after each change (changes are applied to the")
    print("analysis-size decode, then saved as JPEG)")
    heads = ("same", "on<->off", "on<->unsure", "true on", "false on")
    print(f"{'change':18} " + " ".join(f"{head:>11}" for head in heads))
    for change, row in counts.items():
        print(f"{change:18} " + " ".join(f"{count:>11}" for count in row))
    changed = [counts[change] for change in CHANGES]
    copies = photos * len(CHANGES)
    moves = sum(c[2] for c in changed)
    print(
        f"changed copies: {copies}; on<->off {sum(c[1] for c in changed)} (target 0), "
        f"on<->uncertain {moves} ({moves / max(copies, 1):.1%}, target <= 5%)"
    )


if __name__ == "__main__":
    main()
