"""`batch --scheduler`: the same batch as tasks of a real Dask LocalCluster (no mocks)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import EXAMPLES, copy_example, manifest_times

from image_review.batch import review_batch
from image_review.cli import cli

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    """Two single-threaded worker processes, shared by the tests of this module."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as local:
        yield local


@pytest.fixture
def root(tmp_path):
    base = tmp_path / "in"
    for name in ("complete-phone", "missing-views", "duplicate", "blurry", "corrupt"):
        copy_example(EXAMPLES / name, base / name)
    copy_example(EXAMPLES / "complete-phone", base / "broken")
    (base / "broken" / "submission.toml").write_text("[views\n")  # raises: an error row
    return base


@pytest.fixture
def twelve(tmp_path) -> Path:
    """A root of 12 copies of the complete example: long enough to act on mid-run."""
    base = tmp_path / "in"
    for i in range(12):
        copy_example(EXAMPLES / "complete-phone", base / f"s{i:02d}")
    return base


def files_of(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_dask_writes_the_same_bytes_as_the_built_in_pool(root, tmp_path, cluster):
    review_batch(root, tmp_path / "pool", jobs=2, report=True)
    counts = review_batch(root, tmp_path / "dask", report=True, scheduler=cluster.scheduler_address)
    assert (counts.passed, counts.failed, counts.errors) == (1, 4, 1)
    pool, dask = files_of(tmp_path / "pool"), files_of(tmp_path / "dask")
    assert sorted(pool) == sorted(dask) and "index.html" in dask
    assert pool == dask
    broken = json.loads((tmp_path / "dask" / "broken" / "summary-row.json").read_text())
    assert broken["row"]["verdict"] == "error" and "submission.toml" in broken["row"]["reason"]


def test_resume_on_dask_reviews_only_what_changed(root, tmp_path, cluster):
    out = tmp_path / "out"
    review_batch(root, out, scheduler=cluster.scheduler_address)
    stamps = manifest_times(out)
    (root / "blurry" / "03_top.jpg").unlink()
    done = []
    review_batch(
        root,
        out,
        resume=True,
        scheduler=cluster.scheduler_address,
        progress=lambda d, t: done.append((d, t)),
    )
    after = manifest_times(out)
    changed = sorted(name for name in stamps if after[name] != stamps[name])
    assert changed == ["blurry"]
    assert done[0] == (5, 6) and done[-1] == (6, 6)  # progress fed as results arrive


def test_at_most_two_tasks_a_worker_are_on_the_cluster(twelve, tmp_path, cluster):
    """A root is never submitted at once: at most 2 unfinished tasks a worker are on the
    scheduler (a finished one is released a moment later)."""
    held = []

    def unfinished(dask_scheduler) -> int:
        return sum(task.state != "memory" for task in dask_scheduler.tasks.values())

    with distributed.Client(cluster) as client:

        def progress(done: int, total: int) -> None:
            held.append(client.run_on_scheduler(unfinished))

        counts = review_batch(
            twelve, tmp_path / "out", scheduler=cluster.scheduler_address, progress=progress
        )
    assert counts.passed == 12 and len(held) == 13
    assert 0 < max(held) <= 2 * 2


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_an_interrupt_hushes_the_clusters_shutdown_tracebacks(twelve, tmp_path, cluster):
    """After Ctrl-C, distributed and tornado may log a traceback of their own while the
    cancelled tasks wind down (seen once in CI): their loggers are silenced, not the batch.
    The tasks still on the cluster are cancelled before the client closes (not later, by
    the garbage collector, on a closed client: Python printed that traceback)."""
    import logging

    from image_review.dask_engine import SHUTDOWN_LOGGERS

    names = [*SHUTDOWN_LOGGERS, "tornado.application", "distributed.client"]  # own levels
    levels = {name: logging.getLogger(name).level for name in names}

    def interrupt(done: int, total: int) -> None:
        if done:  # the first row is in, the rest are on the cluster
            raise KeyboardInterrupt

    try:
        with pytest.raises(KeyboardInterrupt):
            review_batch(
                twelve, tmp_path / "out", scheduler=cluster.scheduler_address, progress=interrupt
            )
        assert all(logging.getLogger(name).getEffectiveLevel() > logging.CRITICAL for name in names)
    finally:
        for name, level in levels.items():
            logging.getLogger(name).setLevel(level)


def test_a_killed_worker_loses_no_submission(twelve, tmp_path):
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as local,
        distributed.Client(local) as client,
    ):
        pids = client.run(os.getpid)
        killed = threading.Event()

        def progress(done: int, total: int) -> None:
            if done >= 2 and not killed.is_set():
                killed.set()
                os.kill(next(iter(pids.values())), signal.SIGKILL)  # mid-run

        counts = review_batch(
            twelve, tmp_path / "out", scheduler=local.scheduler_address, progress=progress
        )
    assert killed.is_set()
    assert counts.passed == 12
    rows = (tmp_path / "out" / "summary.jsonl").read_text().splitlines()
    assert len(rows) == 12 and all(json.loads(r)["verdict"] == "pass" for r in rows)


def test_without_the_extra_it_says_what_to_install(root, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    result = CliRunner().invoke(
        cli, ["batch", str(root), "--out-dir", str(tmp_path / "o"), "--scheduler", "local:2"]
    )
    assert result.exit_code == 2
    assert "pip install 'image-review[dask]'" in result.output and "Traceback" not in result.output


def test_a_bad_address_is_a_usage_error(root, tmp_path):
    result = CliRunner().invoke(
        cli, ["batch", str(root), "--out-dir", str(tmp_path / "o"), "--scheduler", "nowhere"]
    )
    assert result.exit_code == 2 and "tcp://host:port or local:N" in result.output


def test_help_and_the_built_in_pool_do_not_import_dask(root, tmp_path):
    code = (
        "import sys; from image_review.cli import cli\n"
        "from image_review.batch import review_batch\n"
        f"review_batch({str(root)!r}, {str(tmp_path / 'o')!r}, jobs=1)\n"
        "assert 'distributed' not in sys.modules and 'dask' not in sys.modules, 'imported'\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_local_workers_start_imported_with_their_settings():
    """local:N workers are forked from a server that imported the review, carry the
    environment measured for it, ignore Ctrl-C, and leave a variable the user set alone."""
    code = (
        "import os, signal, sys\n"
        "from image_review.dask_engine import client_for\n"
        "def state():\n"
        "    return (os.environ.get('MALLOC_ARENA_MAX'), os.environ.get('OMP_NUM_THREADS'),\n"
        "            'MALLOC_TRIM_THRESHOLD_' in os.environ, 'image_review.job' in sys.modules,\n"
        "            signal.getsignal(signal.SIGINT) == signal.SIG_IGN)\n"
        "with client_for('local:2') as client:\n"
        "    print(sorted(set(client.run(state).values())))\n"
    )
    env = {**os.environ, "OMP_NUM_THREADS": "3"}
    env.pop("MALLOC_TRIM_THRESHOLD_", None)
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=env, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[('1', '3', False, True, True)]"


def test_ctrl_c_cancels_the_tasks_and_resume_finishes(twelve, tmp_path):
    import time

    out = tmp_path / "out"
    command = [sys.executable, "-m", "image_review", "batch", str(twelve), "--out-dir", str(out)]
    command += ["--scheduler", "local:2"]
    process = subprocess.Popen(command, start_new_session=True, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and not list(out.glob("*/summary-row.json")):
        time.sleep(0.1)
    os.killpg(process.pid, signal.SIGINT)  # as a terminal sends it: to the whole group
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 130, stderr
    assert "Interrupted" in stderr and "Traceback" not in stderr
    assert not [p for p in out.rglob("*") if ".tmp" in p.name]  # nothing half-written
    resumed = subprocess.run([*command, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert len((out / "summary.jsonl").read_text().splitlines()) == 12
