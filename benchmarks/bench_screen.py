"""How long the screen measure takes per photo at analysis size, on one core.

    python benchmarks/bench_screen.py [FOLDER ...]

Without folders it times the committed fixture photos. Prints the median and the 90th
percentile over every photo (each timed 5 times, best kept).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import cv2

from image_review.imaging import decode, sniff_format
from image_review.measures.screen import measure_screen

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "images"


def frames(folders: list[Path]):
    for folder in folders:
        for path in sorted(folder.rglob("*")):
            data = path.read_bytes() if path.is_file() else b""
            fmt = sniff_format(data[:32])
            if fmt:
                yield decode(data, fmt, 100_000_000)


def main() -> None:
    cv2.setNumThreads(1)
    folders = [Path(arg) for arg in sys.argv[1:]] or [
        FIXTURES / "screens",
        FIXTURES / "examples" / "complete-phone",
    ]
    times = []
    for frame in frames(folders):
        best = min(_timed(frame) for _ in range(5))
        times.append(best * 1000)
    times.sort()
    p90 = times[int(0.9 * (len(times) - 1))]
    print(f"screen measure, 1 thread, {len(times)} photos at analysis size (long side <= 1024 px)")
    print(f"  median {statistics.median(times):.1f} ms   p90 {p90:.1f} ms   max {times[-1]:.1f} ms")


def _timed(frame) -> float:
    start = time.perf_counter()
    measure_screen(frame)
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
