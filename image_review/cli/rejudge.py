"""`image-review rejudge`: judge manifests again, without the photos."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from image_review.cli.common import (
    EXIT_FAIL,
    EXIT_PASS,
    EXIT_USAGE,
    UsageFailure,
    judging,
    judging_options,
    write_output,
)
from image_review.i18n import _


@click.command()
@click.argument("manifests", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option(
    "--out",
    metavar="PATH|-",
    help="Where to write the new manifest of a single MANIFEST; '-' for standard output.",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write each new manifest to OUT_DIR/<folder of its MANIFEST>/review-manifest.json.",
)
@judging_options
def rejudge(
    manifests: tuple[Path, ...],
    out: str | None,
    out_dir: Path | None,
    screen: str,
    strict: bool,
    profile_spec: str,
    policy_file: Path | None,
) -> None:
    """Judge reviewed submissions again from their MANIFESTS, with another policy or
    profile, without reading a photo (the measures in a manifest are policy-free).

    The new manifest is the one a fresh review with the same options would write. A photo
    the first review did not decode cannot be judged anew: that manifest is refused with
    the reason and the others go on. Exit code 0 when every submission passes, 1 when any
    fails, 2 when a manifest was refused or for usage errors.

    \b
    Example:
        image-review rejudge ./submission/review-manifest.json --policy strict.toml --out -
        image-review rejudge reviews/*/review-manifest.json --profile renewed-au \\
            --out-dir ./rejudged
    """
    from image_review.manifest import dumps
    from image_review.rejudge import ManifestError
    from image_review.rejudge import rejudge as run_rejudge
    from image_review.sidecar import SidecarError
    from image_review.submission import MANIFEST_NAME
    from image_review.terminal import verdict_word

    if (out is None) == (out_dir is None) or (out is not None and len(manifests) > 1):
        raise UsageFailure(
            _("give --out PATH|- for one manifest, or --out-dir DIR for one or more")
        )
    targets = (
        [out] if out is not None else [out_dir / m.parent.name / MANIFEST_NAME for m in manifests]
    )
    if len(set(targets)) < len(targets):
        raise UsageFailure(_("--out-dir: two manifests are in folders of the same name"))
    profile, policy = judging(profile_spec, policy_file)
    passed, refused = True, 0
    for manifest, target in zip(manifests, targets, strict=True):
        try:
            result = run_rejudge(manifest, policy, profile, screen)
        except (ManifestError, SidecarError) as err:  # say it, go on with the others
            click.echo(_("Error: {problem}").format(problem=err), err=True)
            refused += 1
            continue
        text = dumps(result, strict)
        passed &= result.verdict(strict) == "pass"
        if target == "-":
            sys.stdout.write(text)
            continue
        target = Path(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_output(target, text.encode("utf-8"), "--out" if out is not None else "--out-dir")
        verdict = verdict_word(result.verdict(strict))
        click.echo(f"{result.path}: {verdict}  -> {target}", err=True)
    if refused:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_PASS if passed else EXIT_FAIL)
