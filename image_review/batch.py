"""Review many submissions: worker processes, resume, and streamed summaries.

ROOT/<submission>/ -> OUT/<submission>/review-manifest.json, plus OUT/summary.csv and
OUT/summary.jsonl (one row per submission, sorted by name). Every file is written
atomically; a run killed at any moment and resumed with `resume=True` loses nothing.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import hashlib
import io
import json
import multiprocessing
import os
import re
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from image_review.atomic import atomic_writer, remove_stale_temporaries, write_atomic
from image_review.i18n import _, language, ngettext
from image_review.model import Review
from image_review.policy import DEFAULT_POLICY, Policy
from image_review.submission import MANIFEST_NAME, SubmissionError, discover
from image_review.views import UNASSIGNED, Profile, load_profile

SUMMARY_FIELDS = (
    "submission",
    "verdict",
    "photos",
    "missing_views",
    "errors",
    "warnings",
    "screen_on",
    "reason",
)
REPORT_NAME = "report.html"
ROW_NAME = "summary-row.json"  # beside each manifest: the row and the input state it is for


class BatchError(ValueError):
    """The batch cannot start (root missing, output inside the input, ...)."""


@dataclass(frozen=True)
class Job:
    """One submission to review."""

    name: str
    folder: Path
    out: Path  # OUT/<name>/


def find_submissions(root: Path) -> list[tuple[str, Path]]:
    """(name, folder) of each submission under ROOT, sorted by name.

    Every direct, non-hidden sub-folder is one submission; a ROOT with photos directly
    inside and no sub-folders is one submission itself.
    """
    if not root.is_dir():
        raise BatchError(_("{folder}: no such folder").format(folder=root))
    subfolders = sorted(
        p
        for p in root.iterdir()
        if p.is_dir() and not p.name.startswith(".") and not p.is_symlink()
    )
    if subfolders:
        return [(p.name, p) for p in subfolders]
    if discover(root).photos:
        return [(root.resolve().name, root)]
    return []


def input_state(folder: Path) -> str:
    """A digest of every file's name, size and modification time under the folder."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if name == MANIFEST_NAME:
                continue
            path = Path(dirpath, name)
            try:
                stat = path.stat()
            except OSError:
                continue
            rel = path.relative_to(folder).as_posix()
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "replace"))
    return digest.hexdigest()


def settings_digest(
    policy: Policy, screen: str, strict: bool, profile: Profile | None, lang: str
) -> str:
    """A digest of everything besides the photos that decides a submission's outputs."""
    settings = {
        "policy": dataclasses.asdict(policy),
        "screen": screen,
        "strict": strict,
        "profile": profile.sha256 if profile else None,
        "lang": lang,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def _done(job: Job, state: str, report: bool) -> bool:
    """Whether this submission was reviewed before from the same input and settings (with
    its report)."""
    try:
        saved = json.loads((job.out / ROW_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    outputs = [MANIFEST_NAME, REPORT_NAME] if report else [MANIFEST_NAME]
    if saved.get("row", {}).get("verdict") == "error":
        outputs = []  # nothing was written for it but its row
    return saved.get("input_state") == state and all((job.out / o).is_file() for o in outputs)


def review_one(
    job: Job,
    policy: Policy,
    screen: str,
    strict: bool,
    report: bool = False,
    profile: Profile | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Review one submission in `lang`, write its manifest (and report) and its row; never
    raises for bad input."""
    with language(lang):  # a worker process starts in English
        return _reviewed(job, policy, screen, strict, report, profile, lang)


def _reviewed(
    job: Job,
    policy: Policy,
    screen: str,
    strict: bool,
    report: bool,
    profile: Profile | None,
    lang: str,
) -> dict[str, Any]:
    from image_review.manifest import summary, write_manifest
    from image_review.review import review
    from image_review.sidecar import SidecarError

    state = input_state(job.folder) + settings_digest(policy, screen, strict, profile, lang)
    job.out.mkdir(parents=True, exist_ok=True)
    try:
        result = review(
            job.folder, policy, screen=screen, threads=1, previews=report, profile=profile
        )
    except (SubmissionError, SidecarError, OSError) as err:
        row = {**_empty_row(job.name), "verdict": "error", "reason": str(err)}
    except Exception as err:  # a bug must not stop the other submissions
        reason = _("internal error ({kind}: {problem}); please report it").format(
            kind=type(err).__name__, problem=err
        )
        row = {**_empty_row(job.name), "verdict": "error", "reason": reason}
    else:
        write_manifest(result, job.out / MANIFEST_NAME, strict)
        if report:
            from image_review.report import render_report

            write_atomic(job.out / REPORT_NAME, render_report(result, strict).encode("utf-8"))
        counts = summary(result, strict)
        row = {
            "submission": job.name,
            "verdict": result.verdict(strict),
            "photos": counts["photos"],
            "missing_views": ";".join(counts["views_missing"]),
            "errors": counts["errors"],
            "warnings": counts["warnings"],
            "screen_on": counts["screen_on"],
            "reason": _reason(result, strict, str(job.folder)),
        }
    saved = {"input_state": state, "row": row}
    write_atomic(job.out / ROW_NAME, json.dumps(saved, ensure_ascii=False).encode("utf-8"))
    return row


REASONS_SHOWN = 3


def _reason(result: Review, strict: bool, folder: str) -> str:
    """The first few failures in words, and how many more. When required views have no
    photo while photos with no view wait, that comes first as one step: name them."""
    failures = result.failures(strict)
    unnamed = sum(p.view == UNASSIGNED for p in result.photos)
    empty = result.views_without_photo()
    if unnamed and empty:
        step = ngettext(
            "{count} photo has no view, and {views} required views have no photo named: "
            "name it with `image-review init {folder}` or on the page (`image-review serve "
            "{folder}`)",
            "{count} photos have no view, and {views} required views have no photo named: "
            "name them with `image-review init {folder}` or on the page (`image-review serve "
            "{folder}`)",
            unnamed,
        ).format(count=unnamed, views=len(empty), folder=folder)
        waiting = {r.message for r in result.requirements if r.id.removeprefix("view.") in empty}
        failures = [step, *(f for f in failures if f not in waiting)]
    shown = "; ".join(failures[:REASONS_SHOWN])
    more = len(failures) - REASONS_SHOWN
    if more <= 0:
        return shown
    return _("{reasons}; and {count} more (see its report)").format(reasons=shown, count=more)


def _empty_row(name: str) -> dict[str, Any]:
    return {field: "" for field in SUMMARY_FIELDS} | {"submission": name}


def _worker_start() -> None:
    """Each worker is single-threaded (--jobs is the whole parallelism) and leaves Ctrl-C to
    the main process, which stops handing out work and lets running reviews finish."""
    import cv2

    cv2.setNumThreads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


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
        if not (resume and _done(j, input_state(j.folder) + settings_key, report))
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
        if report:
            from image_review.report import render_index

            rows = (_saved_row(j) for j in sorted(all_jobs, key=lambda j: j.name))
            index = render_index(rows, profile or load_profile())
            write_atomic(out_dir / "index.html", index.encode("utf-8"))
    return counts


@contextlib.contextmanager
def _engine(
    jobs: list[Job], settings: tuple, workers: int, scheduler: str | None
) -> Iterator[Iterator[dict[str, Any]]]:
    """The rows of the jobs as they finish: from the built-in pool, or from Dask."""
    if scheduler is None:
        yield _run(jobs, settings, workers)
        return
    from image_review.dask_engine import client_for, run_on_dask

    with client_for(scheduler) as client:
        yield run_on_dask(jobs, settings, client)


def _run(jobs: list[Job], settings: tuple, workers: int) -> Iterator:
    """Review the jobs in `workers` processes, yielding rows as they finish.

    `settings` are review_one's arguments after the job: policy, screen, strict, report,
    profile, lang.
    """
    if workers <= 1 or len(jobs) <= 1:
        import cv2

        cv2.setNumThreads(1)
        for job in jobs:
            yield review_one(job, *settings)
        return
    # Spawned, not forked: a fork copies the locks of threads the caller may run (codec
    # thread pools, OpenCV's), and a child can hang on one of them.
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=_worker_start)
    try:
        pending: set[Future] = set()
        queue = iter(jobs)
        for job in queue:  # keep at most 2 tasks per worker in flight: memory stays flat
            pending.add(pool.submit(review_one, job, *settings))
            if len(pending) >= 2 * workers:
                break
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in finished:
                yield future.result()
                next_job = next(queue, None)
                if next_job is not None:
                    pending.add(pool.submit(review_one, next_job, *settings))
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


@dataclass
class BatchSummary:
    """How a batch went: submissions by verdict."""

    passed: int = 0
    failed: int = 0
    errors: int = 0

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
            row = _saved_row(job)
            writer.writerow(row)
            jsonl_out.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
            verdict = row["verdict"]
            counts.passed += verdict == "pass"
            counts.failed += verdict == "fail"
            counts.errors += verdict not in ("pass", "fail")
        text.flush()
        text.detach()
    return counts


def _saved_row(job: Job) -> dict[str, Any]:
    try:
        return json.loads((job.out / ROW_NAME).read_text("utf-8"))["row"]
    except (OSError, ValueError, KeyError):
        return {**_empty_row(job.name), "verdict": "error", "reason": _("not reviewed")}
