"""The review of one submission, `init` (its submission.toml template) and `schema`."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from image_review.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    LANG_OPTION,
    POLICY_OPTION,
    PROFILE_OPTION,
    SCREEN_OPTION,
    STRICT_OPTION,
    UsageFailure,
    check_target,
    judging,
    write_output,
)
from image_review.i18n import _


@click.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option(
    "--out",
    metavar="PATH|-",
    help="Where to write the manifest JSON; '-' for standard output. "
    "[default: SUBMISSION/review-manifest.json]",
)
@SCREEN_OPTION
@STRICT_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="What to print: a readable summary, or the manifest JSON.",
)
@click.option("--quiet", "-q", is_flag=True, help="Print nothing; use the exit code.")
@PROFILE_OPTION
@POLICY_OPTION
@LANG_OPTION
@click.option(
    "--report",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write a self-contained HTML report (photos in a grid of the views).",
)
@click.option(
    "--contact-sheet",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the grid as one JPEG, for a ticket or a chat.",
)
def review(
    submission: Path,
    out: str | None,
    screen: str,
    strict: bool,
    output_format: str,
    quiet: bool,
    profile_spec: str,
    policy_file: Path | None,
    report: Path | None,
    contact_sheet: Path | None,
) -> None:
    """Review one SUBMISSION folder and write its manifest.

    Exit code 0: the submission passes (warnings allowed); 1: it fails; 2: usage error or
    the folder cannot be read.

    \b
    Example:
        image-review ./submission
        image-review ./submission --screen yes --strict
        image-review ./submission --profile renewed-au
        image-review ./submission --lang zh-hans --report 报告.html
        image-review ./submission --out - | jq .summary
        image-review ./submission --report report.html --contact-sheet sheet.jpg
    """
    if screen != "no":
        from image_review.measures.screen import read_networks_in_background

        read_networks_in_background()
    from image_review.manifest import dumps
    from image_review.review import review as run_review
    from image_review.sidecar import SidecarError
    from image_review.submission import MANIFEST_NAME, SubmissionError
    from image_review.terminal import render

    target = submission / MANIFEST_NAME if out is None else out
    outputs = [(report, "--report"), (contact_sheet, "--contact-sheet")]
    if target != "-" and out is not None:
        outputs.append((Path(target), "--out"))
    for path, option in outputs:
        if path is not None:
            check_target(path, option)
    profile, policy = judging(profile_spec, policy_file)
    try:
        result = run_review(
            submission,
            policy,
            screen=screen,
            previews=bool(report or contact_sheet),
            profile=profile,
        )
    except (SubmissionError, SidecarError) as err:
        raise UsageFailure(str(err)) from None
    manifest = dumps(result, strict)
    if report or contact_sheet:
        from image_review.contact_sheet import render_contact_sheet
        from image_review.report import render_report

        if report:
            write_output(report, render_report(result, strict).encode("utf-8"), "--report")
        if contact_sheet:
            write_output(contact_sheet, render_contact_sheet(result), "--contact-sheet")
    if target == "-":
        sys.stdout.write(manifest)
    else:
        write_output(Path(target), manifest.encode("utf-8"), "--out" if out is not None else None)
        if output_format == "json" and not quiet:
            sys.stdout.write(manifest)
    if output_format == "text" and not quiet:
        click.echo(render(result, strict, str(submission)), err=target == "-")
        if target != "-":
            click.echo("\n" + _("Manifest: {path}").format(path=target), err=target == "-")
    sys.exit(EXIT_PASS if result.verdict(strict) == "pass" else EXIT_FAIL)


@click.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Replace an existing submission.toml.")
@PROFILE_OPTION
@LANG_OPTION
def init(submission: Path, force: bool, profile_spec: str) -> None:
    """Write a submission.toml template into SUBMISSION, views guessed from the file names.

    \b
    Example:
        image-review init ./submission
        image-review init ./submission --force
        image-review init ./submission --profile renewed-au
    """
    from image_review.sidecar import SIDECAR_NAME
    from image_review.submission import SubmissionError
    from image_review.template import sidecar_template

    target = submission / SIDECAR_NAME
    if target.exists() and not force:
        raise UsageFailure(
            _("{path} already exists; use --force to replace it").format(path=target)
        )
    profile, _policy = judging(profile_spec, None)
    try:
        text = sidecar_template(submission, profile)
    except SubmissionError as err:
        raise UsageFailure(str(err)) from None
    write_output(target, text.encode("utf-8"), "init")
    click.echo(
        _("Wrote {path}: check the guessed views, then run: image-review {folder}").format(
            path=target, folder=submission
        )
    )


@click.command()
def schema() -> None:
    """Print the JSON Schema of the review manifest.

    \b
    Example:
        image-review schema > manifest.schema.json
    """
    from image_review.manifest import schema_text

    click.echo(schema_text(), nl=False)
