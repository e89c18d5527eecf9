"""Batch reviews on a Dask cluster: each submission's review is one task.

Used by `batch.review_batch` when a scheduler is given; otherwise never imported. The
workers run the same `job.review_one` as the built-in pool (pool_engine.py) and write the
same files, so the outputs do not depend on the engine. Workers must see ROOT and OUT_DIR
at the same paths as the client (a shared filesystem).
"""

from __future__ import annotations

import contextlib
import importlib.util
import logging
import os
import signal
import threading
from collections.abc import Iterator
from typing import Any

from image_review.i18n import _

LOCAL = "local:"
TASKS_PER_WORKER = 2  # in flight at once: enough to keep a worker busy, memory stays flat
# The environment of the local workers. A review runs in a worker's thread, not its main
# thread, and Dask's own default MALLOC_TRIM_THRESHOLD_=65536 also fixes glibc's mmap
# threshold: each photo's large buffers were mapped and faulted in anew, in a malloc arena
# of their own. Glibc's defaults with one arena, as a review has in a process pool, took
# a review from 0.58 s of CPU to 0.53 s (bench_dask.py). A cluster of your own may set
# the same. The thread counts are Dask's defaults.
WORKER_ENVIRONMENT = {
    "MALLOC_ARENA_MAX": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}
# The loggers that print tracebacks of their own while a cluster shuts down mid-task (a
# callback of distributed's, run by tornado's event loop, can fail on a cancelled future).
SHUTDOWN_LOGGERS = ("distributed", "tornado", "asyncio")
# What a worker imports, once, in the fork server the local workers are forked from.
WORKER_IMPORTS = ["distributed", "image_review.job", "cv2"]
LOCAL_WORKER_CONFIG = {
    # For workers spawned where there is no fork server, and a fork server restarted.
    "distributed.nanny.pre-spawn-environ": WORKER_ENVIRONMENT,
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

    from image_review.job import review_one

    cv2.setNumThreads(1)
    return review_one(job, *settings)


def _start_fork_server() -> bool:
    """Start multiprocessing's fork server for the local workers, in the background: it
    imports WORKER_IMPORTS while this process imports Dask, and each worker then starts as
    a fork of it, already imported (0.3 s sooner than a spawned worker, and a fork of a
    process that runs no thread). It ignores Ctrl-C, and so do the workers: the terminal
    sends Ctrl-C to every process of the group, and the batch, not each worker, decides
    what stops. False where there is no fork server (Windows); the workers are spawned.
    A fork server this process already runs is used as it is."""
    import multiprocessing
    from multiprocessing import forkserver

    if "forkserver" not in multiprocessing.get_all_start_methods():
        return False
    multiprocessing.get_context("forkserver").set_forkserver_preload(WORKER_IMPORTS)
    with _environment(WORKER_ENVIRONMENT), _ctrl_c_ignored():
        forkserver.ensure_running()
    return True


@contextlib.contextmanager
def _environment(variables: dict[str, str]) -> Iterator[None]:
    """The variables set, where the user has not set them, for the processes started in
    the block."""
    added = {k: v for k, v in variables.items() if k not in os.environ}
    os.environ.update(added)
    try:
        yield
    finally:
        for key in added:
            os.environ.pop(key, None)


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    """Ctrl-C ignored in the block, and in the processes started in it (an ignored signal
    stays ignored in a child)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _hush_shutdown() -> None:
    """Once the batch stops early (Ctrl-C), the cluster's shutdown noise is not shown: the
    batch says itself what was kept."""
    known = list(logging.root.manager.loggerDict)  # distributed sets levels on some children
    for name in SHUTDOWN_LOGGERS:
        for logger in [name, *(k for k in known if k.startswith(name + "."))]:
            logging.getLogger(logger).setLevel(logging.CRITICAL + 1)


@contextlib.contextmanager
def client_for(scheduler: str) -> Iterator[Any]:
    """A client of the cluster at `scheduler` (tcp://host:port), or of a LocalCluster of N
    single-threaded worker processes for `local:N`; closed on leaving."""
    local = scheduler.startswith(LOCAL)
    forked = local and importlib.util.find_spec("distributed") and _start_fork_server()
    dask, distributed = _distributed()
    if local:
        workers = int(scheduler.removeprefix(LOCAL) or 1)
        config = dict(LOCAL_WORKER_CONFIG)
        if forked:
            config["distributed.worker.multiprocessing-method"] = "forkserver"
        with _ctrl_c_ignored(), dask.config.set(config):
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


@contextlib.contextmanager
def rows(jobs: list, settings: tuple, scheduler: str) -> Iterator[Iterator[dict[str, Any]]]:
    """An engine's interface (see pool_engine.rows): the rows of the jobs as they finish,
    from the cluster at `scheduler`."""
    with client_for(scheduler) as client:
        finished = run_on_dask(jobs, settings, client)
        try:
            yield finished
        finally:  # its unfinished tasks cancelled (and the noise hushed) while the client is open
            finished.close()


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
    except (KeyboardInterrupt, GeneratorExit):  # Ctrl-C here, or closed early by rows()
        _hush_shutdown()
        raise
    finally:
        if in_flight:
            client.cancel(list(in_flight))
