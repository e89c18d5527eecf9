"""How long the screen measure takes per photo at analysis size, on one core.

    python benchmarks/bench_screen.py [FOLDER ...]

Without folders it times the committed fixture photos. Prints the mean, the median and the
90th percentile over every photo (each timed 5 times, best kept), and how many photos asked
the backbone (the joined estimate reached its floor) with their mean time and the others'.
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
    times, asked = [], []
    for frame in frames(folders):
        runs = [_timed(frame) for _ in range(5)]
        times.append(min(seconds for seconds, _ in runs) * 1000)
        asked.append(runs[0][1])
    ordered = sorted(times)
    p90 = ordered[int(0.9 * (len(ordered) - 1))]
    print(f"screen measure, 1 thread, {len(times)} photos at analysis size (long side <= 1024 px)")
    print(
        f"  mean {statistics.mean(times):.1f} ms   median {statistics.median(times):.1f} ms   "
        f"p90 {p90:.1f} ms   max {ordered[-1]:.1f} ms"
    )
    for name, chosen in (("asked the backbone", True), ("did not", False)):
        picked = [t for t, a in zip(times, asked, strict=True) if a == chosen]
        mean = f"{statistics.mean(picked):.1f} ms" if picked else "-"
        print(f"  {name}: {len(picked)} photos, mean {mean}")


def _timed(frame) -> tuple[float, bool]:
    """Seconds the measure took, and whether it asked the backbone."""
    start = time.perf_counter()
    screen = measure_screen(frame)
    return time.perf_counter() - start, "backbone_logit" in screen["features"]


if __name__ == "__main__":
    main()
