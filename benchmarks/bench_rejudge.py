"""How much faster a re-judge from manifests is than reviewing the photos again.

    python benchmarks/bench_rejudge.py [--copies 20]

Builds COPIES x 5 submissions from the committed examples, reviews them (one process, one
thread, as a batch worker does), then re-judges every manifest with a stricter policy and
the Australian profile, in one process. Prints the time per submission of each and their
ratio, measured in this one run.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import tempfile
import time
from pathlib import Path

from image_review.manifest import write_manifest
from image_review.policy import load_policy
from image_review.rejudge import rejudge
from image_review.review import review
from image_review.views import load_profile

EXAMPLES = Path(__file__).resolve().parent.parent / "fixtures/images/examples"
NAMES = ("complete-phone", "missing-views", "duplicate", "blurry", "dark")


def main(copies: int) -> None:
    with tempfile.TemporaryDirectory() as work:
        folders = []
        for i in range(copies):
            for name in NAMES:
                folders.append(Path(work) / f"{name}-{i}")
                shutil.copytree(EXAMPLES / name, folders[-1])
        start = time.perf_counter()
        for folder in folders:
            write_manifest(review(folder, threads=1), folder / "review-manifest.json")
        reviewing = (time.perf_counter() - start) / len(folders)
        profile = load_profile("renewed-au")
        policy = dataclasses.replace(load_policy(None, profile), min_detail=0.5)
        start = time.perf_counter()
        verdicts = [rejudge(f / "review-manifest.json", policy, profile).verdict() for f in folders]
        rejudging = (time.perf_counter() - start) / len(folders)
    print(f"{len(folders)} submissions of 7-9 photos (1024x768 JPEG)")
    print(f"review (decode + measure + judge), one thread: {reviewing * 1000:7.1f} ms each")
    print(f"rejudge from the manifest:                    {rejudging * 1000:7.1f} ms each")
    print(f"ratio: the re-judge takes {rejudging / reviewing:.3f} of the review's time")
    print(f"verdicts after the re-judge: {verdicts.count('fail')} fail of {len(verdicts)}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=20)
    main(parser.parse_args().copies)
