"""The `image-review` command: parse, call the library, print, set the exit code.

Each group of commands is a module of this package (review.py: review, init and schema;
batch.py; rejudge.py; export.py; serve.py; evaluate.py: eval-screen and eval-quality);
common.py holds the shared options and turns the library's errors into one-line usage
errors. Heavy modules (OpenCV, numpy, Pillow) are imported inside the commands, so `--help`
and `--version` answer at once.
"""

from __future__ import annotations

import os
import sys

import click

from image_review import __version__
from image_review.cli import batch, evaluate, export, rejudge, review, serve
from image_review.cli.common import EXIT_INTERRUPTED, EXIT_USAGE
from image_review.i18n import _


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command name, goes to `review`."""

    default_command = "review"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> object:
        """Run the command; Ctrl-C exits 130 with one line, not click's "Aborted!" and 1,
        which a script would read as a failed submission (batch says more of its own)."""
        try:
            return super().invoke(ctx)
        except KeyboardInterrupt:
            click.echo("\n" + _("Interrupted; no output file is left half-written."), err=True)
            ctx.exit(EXIT_INTERRUPTED)


@click.group(cls=DefaultGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="image-review")
def cli() -> None:
    """Check the photo set of an Amazon Renewed application.

    A submission is one folder of photos of one sample unit: the shipping box, the inner
    packaging, the product's top, bottom and four sides, and its screen switched on.

    \b
    Example:
        image-review ./submission            review a folder (the default command)
        image-review ./submission --out -    manifest JSON on standard output
        image-review init ./submission       write a submission.toml template
        image-review rejudge M.json --out -  judge a manifest again with other limits
        image-review export ./submission --to ./upload   the upload-ready JPEGs
        image-review serve ./submission      a local page to drop photos into the views
        image-review schema                  print the manifest's JSON Schema
    """


for command in (
    review.review,
    review.init,
    batch.batch,
    rejudge.rejudge,
    export.export,
    serve.serve,
    evaluate.eval_screen,
    evaluate.eval_quality,
    review.schema,
):
    cli.add_command(command)


def _fewer_malloc_arenas() -> None:
    """On glibc, two malloc arenas instead of one per thread: the codecs' large buffers,
    freed by one thread and reused by another, otherwise stay in the process (measured:
    a 9-photo HEIC review peaks at 208 MB instead of 284 MB, at the same speed)."""
    import contextlib
    import ctypes

    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to tune
            ctypes.CDLL(None).mallopt(-8, 2)  # M_ARENA_MAX, looked up in the process itself


def main() -> None:
    """Console entry point: no traceback reaches the user unless IMAGE_REVIEW_DEBUG is set."""
    _fewer_malloc_arenas()
    try:
        cli(standalone_mode=True)
    except Exception as err:  # a bug: say so in one line, keep the details for a report
        if os.environ.get("IMAGE_REVIEW_DEBUG"):
            raise
        click.echo(
            f"Error: internal error ({type(err).__name__}: {err}); "
            "rerun with IMAGE_REVIEW_DEBUG=1 and report the traceback",
            err=True,
        )
        sys.exit(EXIT_USAGE)
