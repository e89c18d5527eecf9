"""`batch --scheduler local:2` against the built-in pool, and what a cluster would do.

    python benchmarks/bench_dask.py

The corpus of benchmarks/bench_speed.py: 24 submissions of 9 JPEGs of 4032x3024. Prints,
measured in this one run: the wall time of `--jobs 2` and of `--scheduler local:2` (the
cluster's start included, then without it), in ROUNDS alternating rounds (this machine's
noise is about 5%: each round's ratio, then the medians), the task overhead per
submission, the cost of one submission, and from those a projection of submissions an
hour for N workers, with where the client and a shared filesystem would become the limit.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_speed import TOOL, batch_root, make_submission

SUBMISSIONS = 24
ROUNDS = 3


def wall(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=False, capture_output=True)
    return time.perf_counter() - start


def cluster_start() -> float:
    """Seconds to start a LocalCluster of 2 workers and connect a client."""
    code = (
        "import time; t = time.perf_counter()\n"
        "from image_review.dask_engine import client_for\n"
        "with client_for('local:2') as c: print(time.perf_counter() - t)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip().splitlines()[-1])


def main() -> None:
    with tempfile.TemporaryDirectory() as work:
        work = Path(work)
        photos = work / "photos"
        make_submission(photos, (4032, 3024))
        megabytes = sum(p.stat().st_size for p in photos.iterdir()) / 2**20
        root = work / "root"
        batch_root(root, photos, SUBMISSIONS)
        base = [*TOOL, "batch", str(root), "--out-dir"]
        wall([*base, str(work / "warm"), "--jobs", "2"])  # file cache warm, as for both below
        rounds = []
        for n in range(ROUNDS):
            pool = wall([*base, str(work / f"pool{n}"), "--jobs", "2"])
            dask = wall([*base, str(work / f"dask{n}"), "--scheduler", "local:2"])
            rounds.append((pool, dask))
        start = statistics.median(cluster_start() for _ in range(ROUNDS))
    pool = statistics.median(p for p, _ in rounds)
    dask = statistics.median(d for _, d in rounds)
    ratio = statistics.median(d / p for p, d in rounds)
    tasks = dask - start
    per_submission = pool * 2 / SUBMISSIONS  # one worker's seconds for one submission
    overhead = (tasks - pool) / SUBMISSIONS
    print(f"{SUBMISSIONS} submissions of 9 JPEGs 4032x3024 ({megabytes:.0f} MB each), 2 CPUs")
    for n, (p, d) in enumerate(rounds, start=1):
        print(f"round {n}: --jobs 2 {p:.1f} s, --scheduler local:2 {d:.1f} s ({d / p:.2f}x)")
    print(
        f"median: --jobs 2 {pool:.1f} s; --scheduler local:2 {dask:.1f} s "
        f"({ratio:.2f}x, target <= 1.15), of which starting the cluster {start:.2f} s"
    )
    print(
        f"without the start: {tasks:.1f} s ({tasks / pool:.2f}x); task overhead "
        f"{overhead * 1000:+.0f} ms a submission, the review itself {per_submission:.2f} s "
        "of one worker"
    )
    print("projection (one single-threaded worker per core, the same photos):")
    for workers in (2, 8, 32, 128):
        per_hour = 3600 * workers / (per_submission + max(overhead, 0))
        read = per_hour / 3600 * megabytes
        print(
            f"  {workers:>4} workers: {per_hour:>9,.0f} submissions an hour, reading "
            f"{read:,.0f} MB/s from the shared filesystem"
        )


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    main()
