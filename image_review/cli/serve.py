"""`image-review serve`: the local page."""

from __future__ import annotations

from pathlib import Path

import click

from image_review.cli.common import UsageFailure, judging, judging_options
from image_review.i18n import _


@click.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="[default: a free port]")
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@judging_options
def serve(
    folder: Path | None,
    port: int,
    no_browser: bool,
    screen: str,
    strict: bool,
    profile_spec: str,
    policy_file: Path | None,
) -> None:
    """A local page to put a submission together: drop photos, drag each to its view, see
    the verdict change as you go.

    Photos are copied into FOLDER (a new folder under the current one when not given) and
    each view is saved in FOLDER/submission.toml at once, so the command line and the page
    agree. Listens on 127.0.0.1 only; the address printed carries a token every request
    needs. Ctrl-C stops it. Needs the serve extra: pip install 'image-review[serve]'.

    \b
    Example:
        image-review serve ./submission
        image-review serve --no-browser --port 8765 --lang zh-hans
    """
    try:
        from image_review.serve import serve as run_server
    except ImportError:  # pragma: no cover - depends on what is installed
        raise UsageFailure(
            _("image-review serve needs its extra: pip install 'image-review[serve]'")
        ) from None
    profile, policy = judging(profile_spec, policy_file)
    target = folder or _new_folder(Path.cwd())
    if target.exists() and not target.is_dir():
        raise UsageFailure(_("{folder}: not a folder").format(folder=target))

    def announce(address: str) -> None:
        click.echo(_("Photos go to {folder}").format(folder=target.resolve()))
        click.echo(_("Open {address} (Ctrl-C stops)").format(address=address))

    try:
        run_server(target, profile, policy, port, not no_browser, screen, strict, announce)
    except OSError as err:
        raise UsageFailure(
            _("cannot listen on port {port}: {reason}").format(port=port, reason=err.strerror)
        ) from None
    except KeyboardInterrupt:  # stopping the server is how it ends: exit 0, as uvicorn does
        click.echo(_("Stopped."))


def _new_folder(parent: Path) -> Path:
    """`submission`, or `submission-2` ... : the first name not taken."""
    for number in range(1, 1000):
        candidate = parent / ("submission" if number == 1 else f"submission-{number}")
        if not candidate.exists():
            return candidate
    raise UsageFailure(_("no free folder name under {folder}").format(folder=parent))
