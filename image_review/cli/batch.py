"""`image-review batch`: many submissions, with a progress line."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from image_review.cli.common import (
    EXIT_FAIL,
    EXIT_INTERRUPTED,
    EXIT_PASS,
    UsageFailure,
    judging,
    judging_options,
)
from image_review.i18n import _, current_language, ngettext


@click.command()
@click.argument("root", type=click.Path(path_type=Path))
@click.option(
    "--out-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where the manifests and summary.csv / summary.jsonl go (not inside ROOT).",
)
@click.option(
    "--jobs",
    type=click.IntRange(min=1),
    help="Worker processes, each single-threaded. [default: the CPU count]",
)
@click.option("--resume", is_flag=True, help="Skip submissions reviewed before, unchanged since.")
@click.option(
    "--scheduler",
    metavar="ADDRESS|local:N",
    help="Run each review as a task on the Dask cluster at ADDRESS (tcp://host:8786), or on "
    "N worker processes started here (local:N). Workers must see ROOT and OUT_DIR at the "
    "same paths. Needs the dask extra.",
)
@click.option(
    "--report",
    is_flag=True,
    help="Also write OUT_DIR/<submission>/report.html and OUT_DIR/index.html.",
)
@judging_options
def batch(
    root: Path,
    out_dir: Path,
    jobs: int | None,
    resume: bool,
    scheduler: str | None,
    report: bool,
    screen: str,
    strict: bool,
    profile_spec: str,
    policy_file: Path | None,
) -> None:
    """Review every submission folder under ROOT.

    Each direct sub-folder of ROOT is one submission (a ROOT with photos directly inside is
    one submission). Writes OUT_DIR/<submission>/review-manifest.json, then
    OUT_DIR/summary.csv and OUT_DIR/summary.jsonl. A broken submission gets the verdict
    `error` with its reason; the batch goes on. Exit code 0 when all pass, 1 when any
    fails or errs, 2 for usage errors, 130 when interrupted (rerun with --resume).

    \b
    Example:
        image-review batch ./submissions --out-dir ./reviews
        image-review batch ./submissions --out-dir ./reviews --resume --jobs 2
        image-review batch /shared/submissions --out-dir /shared/reviews \\
            --scheduler tcp://scheduler.example:8786
    """
    from image_review.batch import BatchError, review_batch
    from image_review.dask_engine import DaskMissing

    profile, policy = judging(profile_spec, policy_file)
    try:
        with _Progress() as progress:
            counts = review_batch(
                root,
                out_dir,
                policy,
                screen,
                strict,
                jobs,
                resume,
                report=report,
                progress=progress.update,
                profile=profile,
                lang=current_language(),
                scheduler=scheduler,
            )
    except (BatchError, DaskMissing) as err:
        raise UsageFailure(str(err)) from None
    except OSError as err:
        raise UsageFailure(f"{err.filename or out_dir}: {err.strerror}") from None
    except KeyboardInterrupt:
        click.echo(
            "\n" + _("Interrupted; finished reviews are kept: rerun with --resume."), err=True
        )
        sys.exit(EXIT_INTERRUPTED)
    text = ngettext(
        "{total} submission: {passed} pass, {failed} fail, {errors} error. Summary: {summary}",
        "{total} submissions: {passed} pass, {failed} fail, {errors} error. Summary: {summary}",
        counts.total,
    )
    if counts.left_out:
        shown = ", ".join(counts.left_out[:5]) + (" ..." if len(counts.left_out) > 5 else "")
        click.echo(
            ngettext(
                "Not reviewed: {count} photo at the top of {root} is in no submission folder "
                "({files}); move it into the folder of its submission",
                "Not reviewed: {count} photos at the top of {root} are in no submission folder "
                "({files}); move each into the folder of its submission",
                len(counts.left_out),
            ).format(count=len(counts.left_out), root=root, files=shown),
            err=True,
        )
    summary = out_dir / "summary.csv"
    click.echo(
        text.format(
            total=counts.total,
            passed=counts.passed,
            failed=counts.failed,
            errors=counts.errors,
            summary=summary,
        ),
        err=True,
    )
    sys.exit(EXIT_PASS if counts.passed == counts.total else EXIT_FAIL)


class _Progress:
    """A one-line progress bar on standard error (count, rate, time left), TTY only."""

    def __init__(self) -> None:
        import time

        self._clock = time.monotonic
        self._start = self._clock()
        self._first_done: int | None = None
        self._shown = sys.stderr.isatty()

    def __enter__(self) -> _Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._shown:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def update(self, done: int, total: int) -> None:
        if self._first_done is None:  # resumed ones do not count towards the rate
            self._first_done, self._start = done, self._clock()
        if not self._shown:
            return
        elapsed = self._clock() - self._start
        rate = (done - self._first_done) / elapsed if elapsed > 0 else 0.0
        left = _("{seconds:.0f}s left").format(seconds=(total - done) / rate) if rate > 0 else "..."
        width = 30
        filled = int(width * done / total) if total else width
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {done}/{total}  {rate:.1f}/s  {left}\033[K")
        sys.stderr.flush()
