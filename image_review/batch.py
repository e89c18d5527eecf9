"""Review many submissions: worker processes, resume, and streamed summaries.

ROOT/<submission>/ -> OUT/<submission>/review-manifest.json, plus OUT/summary.csv and
OUT/summary.jsonl (one row per submission, sorted by name). Every file is written
atomically; a run killed at any moment and resumed with `resume=True` loses nothing.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from image_review.atomic import atomic_writer, remove_stale_temporaries, write_atomic
from image_review.i18n import _, language
from image_review.job import (
    SUMMARY_FIELDS,
    Job,
    input_state,
    reviewed_before,
    saved_row,
    settings_digest,
)
from image_review.policy import DEFAULT_POLICY, Policy
from image_review.submission import IMAGE_EXTENSIONS, discover
from image_review.views import Profile, load_profile


class BatchError(ValueError):
    """The batch cannot start (root missing, output inside the input, ...)."""


def find_submissions(root: Path) -> list[tuple[str, Path]]:
    """(name, folder) of each submission under ROOT, sorted by name.

    Every direct, non-hidden sub-folder is one submission; a ROOT with photos directly
    inside and no sub-folders is one submission itself. A zip archive beside the folders
    is listed too, so that its row says to unzip it instead of its being left out unseen.
    """
    if not root.is_dir():
        raise BatchError(_("{folder}: no such folder").format(folder=root))
    entries = _entries(root)
    subfolders = [p for p in entries if p.is_dir()]
    archives = [p for p in entries if p.suffix.lower() == ".zip" and p.is_file()]
    if not subfolders and discover(root).photos:
        return [(root.resolve().name, root)]  # its archives are listed in its own review
    return [(p.name, p) for p in sorted(subfolders + archives)]


def _entries(root: Path) -> list[Path]:
    """What ROOT holds that a batch looks at, sorted: neither hidden nor a link."""
    return sorted(p for p in root.iterdir() if not p.name.startswith(".") and not p.is_symlink())


def loose_photos(root: Path) -> list[str]:
    """The photos directly inside ROOT beside its submission folders: in no submission,
    they are not reviewed (a photo saved to the wrong place), so the batch names them."""
    entries = _entries(root)
    if not any(p.is_dir() for p in entries):
        return []  # ROOT itself is the submission
    return [p.name for p in entries if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]


def review_batch(
    root: str | Path,
    out_dir: str | Path,
    policy: Policy = DEFAULT_POLICY,
    screen: str = "auto",
    strict: bool = False,
    jobs: int | None = None,
    resume: bool = False,
    progress: Callable[[int, int], None] | None = None,
    report: bool = False,
    profile: Profile | None = None,
    lang: str = "en",
    scheduler: str | None = None,
) -> BatchSummary:
    """Review every submission under ROOT into OUT; return how many passed and failed.

    `jobs` worker processes of this machine do the work, or, with `scheduler`, the Dask
    cluster at that address (`local:N` starts one of N workers here); the outputs are the
    same. `progress(done, total)` is called after each submission.
    """
    root, out_dir = Path(root), Path(out_dir)
    if scheduler is not None and not re.match(
        r"^(local:\d+|(tcp|tls|inproc|ucx)://\S+)$", scheduler
    ):
        raise BatchError(
            _("--scheduler {address}: give tcp://host:port or local:N").format(address=scheduler)
        )
    submissions = find_submissions(root)
    if out_dir.resolve().is_relative_to(root.resolve()):
        raise BatchError(
            _("{folder}: the output folder must not be inside {root}").format(
                folder=out_dir, root=root
            )
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    all_jobs = [Job(name, folder, out_dir / name) for name, folder in submissions]
    for folder in (out_dir, *(j.out for j in all_jobs if j.out.is_dir())):
        remove_stale_temporaries(folder)
    settings_key = settings_digest(policy, screen, strict, profile, lang)
    todo = [
        j
        for j in all_jobs
        if not (resume and reviewed_before(j, input_state(j.folder) + settings_key, report))
    ]
    done = len(all_jobs) - len(todo)
    if progress:
        progress(done, len(all_jobs))
    settings = (policy, screen, strict, report, profile, lang)
    with _engine(todo, settings, jobs or os.cpu_count() or 1, scheduler) as rows:
        for _row in rows:
            done += 1
            if progress:
                progress(done, len(all_jobs))
    with language(lang):
        counts = write_summaries(out_dir, all_jobs)
        counts.left_out = loose_photos(root)
        if report:
            from image_review.report import render_index

            rows = (saved_row(j) for j in sorted(all_jobs, key=lambda j: j.name))
            index = render_index(rows, profile or load_profile())
            write_atomic(out_dir / "index.html", index.encode("utf-8"))
    return counts


def _engine(
    jobs: list[Job], settings: tuple, workers: int, scheduler: str | None
) -> contextlib.AbstractContextManager[Iterator[dict[str, Any]]]:
    """The rows of the jobs as they finish: from the built-in pool, or from Dask (each
    engine's `rows`, imported only when it is used)."""
    if scheduler is None:
        from image_review import pool_engine

        return pool_engine.rows(jobs, settings, workers)
    from image_review import dask_engine

    return dask_engine.rows(jobs, settings, scheduler)


@dataclass
class BatchSummary:
    """How a batch went: submissions by verdict, and the photos it left out."""

    passed: int = 0
    failed: int = 0
    errors: int = 0
    left_out: list[str] = field(default_factory=list)  # photos of ROOT in no submission

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors


def write_summaries(out_dir: Path, jobs: list[Job]) -> BatchSummary:
    """Stream the saved rows, sorted by name, into summary.csv (UTF-8 with a byte-order
    mark, for spreadsheets) and summary.jsonl, each written atomically."""
    counts = BatchSummary()
    with (
        atomic_writer(out_dir / "summary.csv") as csv_out,
        atomic_writer(out_dir / "summary.jsonl") as jsonl_out,
    ):
        text = io.TextIOWrapper(csv_out, encoding="utf-8-sig", newline="")
        writer = csv.DictWriter(text, fieldnames=SUMMARY_FIELDS, lineterminator="\n")
        writer.writeheader()
        for job in sorted(jobs, key=lambda j: j.name):
            row = saved_row(job)
            writer.writerow(row)
            jsonl_out.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
            verdict = row["verdict"]
            counts.passed += verdict == "pass"
            counts.failed += verdict == "fail"
            counts.errors += verdict not in ("pass", "fail")
        text.flush()
        text.detach()
    return counts
