"""The built-in engine of a batch: this machine's worker processes, each reviewing one
submission at a time (`job.review_one`)."""

from __future__ import annotations

import contextlib
import multiprocessing
import signal
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from image_review.job import Job, review_one


def _worker_start() -> None:
    """Each worker is single-threaded (--jobs is the whole parallelism) and leaves Ctrl-C to
    the main process, which stops handing out work and lets running reviews finish."""
    import cv2

    cv2.setNumThreads(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def rows(jobs: list[Job], settings: tuple, workers: int) -> Iterator[Iterator[dict[str, Any]]]:
    """An engine's interface (dask_engine.rows is the other): the rows of the jobs as they
    finish, from `workers` processes of this machine."""
    yield run_in_pool(jobs, settings, workers)


def run_in_pool(jobs: list[Job], settings: tuple, workers: int) -> Iterator[dict[str, Any]]:
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
