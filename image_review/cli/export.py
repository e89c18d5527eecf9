"""`image-review export`: the upload-ready set."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from image_review.cli.common import EXIT_FAIL, UsageFailure, judging, judging_options
from image_review.i18n import _


@click.command()
@click.argument("submission", type=click.Path(path_type=Path))
@click.option(
    "--to",
    "out",
    required=True,
    type=click.Path(path_type=Path),
    help="The folder to write (it must not exist yet, unless --force); with --zip, OUT.zip.",
)
@click.option("--zip", "as_zip", is_flag=True, help="Write OUT.zip (reproducible) instead.")
@click.option(
    "--naming",
    type=click.Choice(["views", "amazon"]),
    default="views",
    show_default=True,
    help="views: 01-shipping-box.jpg, 02-inner-packaging.jpg ...; amazon: ID.MAIN.jpg, "
    "ID.PT01.jpg ... (MAIN is the front view).",
)
@click.option(
    "--product-id",
    metavar="ID",
    help="The product's ASIN or UPC/EAN, which Amazon matches image files by, for --naming "
    "amazon (a seller SKU cannot be used).",
)
@click.option("--force", is_flag=True, help="Replace OUT; export even when the review fails.")
@judging_options
def export(
    submission: Path,
    out: Path,
    as_zip: bool,
    naming: str,
    product_id: str | None,
    force: bool,
    screen: str,
    strict: bool,
    profile_spec: str,
    policy_file: Path | None,
) -> None:
    """Write the upload-ready photos of SUBMISSION to OUT: one JPEG per view in shot-list
    order, upright, in sRGB, without location or camera metadata, named for the upload.

    The submission is reviewed first; when it fails, nothing is written (exit 1) unless
    --force. Writes OUT/export-manifest.json with each file's source, view, SHA-256 and
    what was changed. The submission folder is only read. Exit code 0 when written, 1 when
    the review fails, 2 for usage errors or a photo that cannot be decoded (then nothing is
    written).

    \b
    Example:
        image-review export ./submission --to ./upload
        image-review export ./submission --to ./upload --zip --naming amazon --product-id B0ABCD1234
    """
    from image_review.export import ExportError, check_product_id, export_target
    from image_review.export import export as run_export
    from image_review.review import review as run_review
    from image_review.sidecar import SidecarError
    from image_review.submission import SubmissionError
    from image_review.terminal import render

    profile, policy = judging(profile_spec, policy_file)
    try:
        code = None
        if naming == "amazon" and product_id is None:
            raise UsageFailure(_("--naming amazon needs --product-id ASIN or UPC/EAN"))
        if naming == "amazon":
            try:
                code = check_product_id(product_id)
            except ExportError as err:
                raise UsageFailure(f"--product-id: {err}") from None
        result = run_review(submission, policy, screen=screen, profile=profile)
        if result.verdict(strict) == "fail" and not force:
            click.echo(render(result, strict, str(submission)), err=True)
            click.echo(
                "\n" + _("The review fails: nothing was written (--force exports anyway)."),
                err=True,
            )
            sys.exit(EXIT_FAIL)
        written, left_out = run_export(
            result, submission, out, naming, code, as_zip, force, policy.max_long_side
        )
    except (ExportError, SubmissionError, SidecarError) as err:
        raise UsageFailure(str(err)) from None
    for item in written:
        click.echo(f"{item.file}  <-  {item.source}  ({', '.join(item.changes)})")
    for item in left_out:
        click.echo(_("left out: {file} ({reason})").format(**item), err=True)
    click.echo(
        _("Wrote {count} photos to {path}").format(
            count=len(written), path=export_target(out, as_zip)
        )
    )
