"""The developer commands `eval-screen` and `eval-quality`: the estimates against
labelled photos."""

from __future__ import annotations

from pathlib import Path

import click

from image_review.cli.common import IMAGES_OPTION, POLICY_OPTION, UsageFailure


@click.command(name="eval-screen")
@click.argument("labels", type=click.Path(path_type=Path))
@IMAGES_OPTION
@click.option(
    "--outlines",
    type=click.Path(path_type=Path),
    help="CSV of hand-drawn screen outlines (columns file, outline): also report how well "
    "each quad drawn on a photo called on sits on it.",
)
@click.option(
    "--shipped",
    is_flag=True,
    help="Score the shipped model as it is (for photos it was not fitted on) instead of "
    "cross-validating.",
)
@click.option(
    "--group-by",
    default="group",
    show_default=True,
    help="Labels column whose groups are left out one at a time in cross-validation "
    "(photos of one scene or source); without it each photo is its own group.",
)
def eval_screen(
    labels: Path, images: Path | None, outlines: Path | None, shipped: bool, group_by: str
) -> None:
    """Measure the lit-screen model against LABELS.csv (columns file, screen_on, and
    optionally subject and group).

    screen_on is yes, no or na (no display in view; counts as not on). The detector sees
    the pixels only, never the file names. By default the model is fitted again with one
    group left out at a time and each photo is scored by the model that never saw its
    group (grouped cross-validation); --shipped scores the shipped model as it is. Prints
    the figures at the model's bands, the states by subject, and every miss with its
    probability. With --outlines, each quad drawn on a photo called on is compared with
    its outline (intersection over union, IoU); the outline is four corners
    "x y x y x y x y" in percent of the width and height.

    \b
    Example:
        image-review eval-screen ../shared/datasets/screen-dev/labels.csv \\
            --outlines benchmarks/screen-dev-outlines.csv
        image-review eval-screen new-photos/labels.csv --shipped
    """
    from image_review.evaluate import LabelsError, evaluate_screen, screen_report

    try:
        result = evaluate_screen(
            labels, images or labels.parent / "images", outlines, shipped, group_by
        )
    except LabelsError as err:
        raise UsageFailure(str(err)) from None
    click.echo(screen_report(result))


@click.command(name="eval-quality")
@click.argument("labels", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--images",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder of the photos (default: the images/ folder beside each labels file).",
)
@click.option(
    "--group-by",
    default="source_repo",
    show_default=True,
    help="Labels column whose groups are left out one at a time in cross-validation (a "
    "labels file without it takes it from the labels.csv beside it).",
)
@click.option(
    "--unlabelled",
    type=click.Path(file_okay=False, path_type=Path),
    help="A folder of photos (sellers' photos): those no labels file names are judged with "
    "the policy, and their findings counted and listed.",
)
@POLICY_OPTION
def eval_quality(
    labels: tuple[Path, ...],
    images: Path | None,
    group_by: str,
    unlabelled: Path | None,
    policy_file: Path | None,
) -> None:
    """Measure the blur and exposure checks against one or more LABELS.csv files (columns
    file, blur_label, exposure_label and a group column).

    blur_label is sharp, blurred or doubtful (left out of blur scoring); exposure_label is
    normal, dark or bright. Each photo is measured once from its bytes, never by its name.
    Prints, per check, how many photos it catches and how many it flags wrongly: with the
    limits chosen again leaving one group out at a time (grouped cross-validation), also
    by source and by labels file, and with the policy's limits; then the limits chosen on
    all the photos, and every miss with its measured value.

    \b
    Example:
        image-review eval-quality ../shared/datasets/quality-dev/labels.csv \\
            ../shared/datasets/screen-dev/blur_labels.csv \\
            --unlabelled ../shared/datasets/screen-dev/images
    """
    from image_review.evaluate import LabelsError
    from image_review.evaluate_quality import evaluate_quality, quality_report
    from image_review.policy import PolicyError, load_policy

    try:
        policy = load_policy(policy_file)
        result = evaluate_quality(list(labels), group_by, policy, unlabelled, images)
    except (LabelsError, PolicyError) as err:
        raise UsageFailure(str(err)) from None
    click.echo(quality_report(result, policy))
