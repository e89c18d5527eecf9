"""Batch reviews on a Dask cluster: each submission's review is one task.

Used by `batch.review_batch` when a scheduler is given; otherwise never imported. The
workers run the same `review_one` as the built-in pool and write the same files, so the
outputs do not depend on the engine. Workers must see ROOT and OUT_DIR at the same paths
as the client (a shared filesystem).
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from typing import Any

from image_review.i18n import _

LOCAL = "local:"
TASKS_PER_WORKER = 2  # in flight at once: enough to keep a worker busy, memory stays flat
# Settings of the local workers, each measured on 12 MP submissions. Dask starts workers
# with MALLOC_TRIM_THRESHOLD_=65536: memory goes back to the system at once and each
# photo's large buffers are mapped and faulted in anew (a review took 0.65 s in such a
# worker, 0.59 s with a high threshold). A cluster of your own may set the same.
LOCAL_WORKER_CONFIG = {
    "distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": 2**30,
    "distributed.worker.profile.enabled": False,  # a stack sample every 10 ms otherwise
    # The event loop's own checks wake it (and take the GIL from the review) every 20 and
    # 500 ms otherwise: 14.7 s of reviews became 14.1 s for 24 submissions.
    "distributed.admin.tick.interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
}


class DaskMissing(RuntimeError):
    """The dask extra is not installed."""


def _distributed():
    try:
        import dask
        import distributed
    except ImportError:
        raise DaskMissing(_("--scheduler needs Dask: pip install 'image-review[dask]'")) from None
    return dask, distributed


def _review_task(job, settings: tuple) -> dict[str, Any]:
    """One submission on a worker: single-threaded OpenCV, as a pool worker is."""
    import cv2

    from image_review.batch import review_one

    cv2.setNumThreads(1)
    return review_one(job, *settings)


@contextlib.contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Start processes that ignore Ctrl-C (an ignored signal stays ignored in a child):
    the terminal sends it to every process of the group, and the batch, not each worker,
    decides what stops."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextlib.contextmanager
def client_for(scheduler: str) -> Iterator[Any]:
    """A client of the cluster at `scheduler` (tcp://host:port), or of a LocalCluster of N
    single-threaded worker processes for `local:N`; closed on leaving."""
    dask, distributed = _distributed()
    if scheduler.startswith(LOCAL):
        workers = int(scheduler.removeprefix(LOCAL) or 1)
        with _workers_ignore_ctrl_c(), dask.config.set(LOCAL_WORKER_CONFIG):
            cluster = distributed.LocalCluster(
                n_workers=workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=40,  # errors only
            )
        try:
            with distributed.Client(cluster) as client:
                yield client
        finally:
            cluster.close()
    else:
        with distributed.Client(scheduler, timeout="30s") as client:
            yield client


def run_on_dask(jobs: list, settings: tuple, client: Any) -> Iterator[dict[str, Any]]:
    """Review the jobs as tasks of the cluster, yielding each row as it finishes. At most
    TASKS_PER_WORKER tasks per worker are in flight; a task lost with a killed worker is
    run again elsewhere by the scheduler. On an interrupt, the tasks not finished are
    cancelled (each one writes its outputs atomically, so nothing is half-written)."""
    _dask, distributed = _distributed()
    slots = TASKS_PER_WORKER * max(1, sum(client.nthreads().values()))
    queue = iter(jobs)
    pending = distributed.as_completed()
    in_flight: set = set()

    def submit(job) -> None:
        future = client.submit(_review_task, job, settings, pure=False)
        in_flight.add(future)
        pending.add(future)

    try:
        for job in queue:
            submit(job)
            if len(in_flight) >= slots:
                break
        for future in pending:
            in_flight.discard(future)
            yield future.result()
            next_job = next(queue, None)
            if next_job is not None:
                submit(next_job)
    finally:
        if in_flight:
            client.cancel(list(in_flight))
