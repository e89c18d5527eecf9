"""The `image-review` command: parse, call the library, print, set the exit code.

Heavy modules (OpenCV, numpy, Pillow) are imported inside the commands, so `--help` and
`--version` answer at once.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from image_review import __version__
from image_review.i18n import (
    LANGUAGES,
    _,
    current_language,
    language_from_environment,
    ngettext,
    set_language,
)

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


SCREEN_OPTION = click.option(
    "--screen",
    type=click.Choice(["auto", "yes", "no"]),
    default="auto",
    show_default=True,
    help="Does the product have a display? auto: from submission.toml, else the photos.",
)
STRICT_OPTION = click.option("--strict", is_flag=True, help="Warnings fail a submission too.")
POLICY_OPTION = click.option(
    "--policy",
    "policy_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="A TOML file of thresholds that replace the defaults.",
)


def _choose_language(ctx: click.Context, param: click.Parameter, value: str | None) -> None:
    set_language(value or language_from_environment())


LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(LANGUAGES, case_sensitive=False),
    callback=_choose_language,
    expose_value=False,
    is_eager=True,
    help="The language of the messages, the report and the sheet. "
    "[default: from the locale (LANG, LC_ALL), else en]",
)
PROFILE_OPTION = click.option(
    "--profile",
    "profile_spec",
    metavar="NAME|FILE",
    default="renewed",
    show_default=True,
    help="The shot list: a built-in profile (renewed: the 8 views; renewed-au: the 10 of "
    "Amazon Australia) or a profile TOML file.",
)


def _judging(profile_spec: str, policy_file: Path | None):
    """The profile and the policy (the profile's fields, then the policy file's), or a
    one-line usage error."""
    from image_review.policy import PolicyError, load_policy
    from image_review.views import ProfileError, load_profile

    try:
        profile = load_profile(profile_spec)
        return profile, load_policy(policy_file, profile)
    except (ProfileError, PolicyError) as err:
        raise UsageFailure(str(err)) from None


IMAGES_OPTION = click.option(
    "--images",
    type=click.Path(path_type=Path),
    help="Folder of the photos the labels name. [default: the labels file's folder/images]",
)


class UsageFailure(click.ClickException):
    """A one-line error that exits with code 2 (usage, unreadable folder, broken sidecar)."""

    exit_code = EXIT_USAGE


class DefaultGroup(click.Group):
    """A group whose first argument, when it is not a command name, goes to `review`."""

    default_command = "review"

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "--version"):
            args = [self.default_command, *args]
        return super().parse_args(ctx, args)


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


@cli.command()
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
            _check_target(path, option)
    profile, policy = _judging(profile_spec, policy_file)
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
            _write(report, render_report(result, strict).encode("utf-8"), "--report")
        if contact_sheet:
            _write(contact_sheet, render_contact_sheet(result), "--contact-sheet")
    if target == "-":
        sys.stdout.write(manifest)
    else:
        _write(Path(target), manifest.encode("utf-8"), "--out" if out is not None else None)
        if output_format == "json" and not quiet:
            sys.stdout.write(manifest)
    if output_format == "text" and not quiet:
        click.echo(render(result, strict, str(submission)), err=target == "-")
        if target != "-":
            click.echo("\n" + _("Manifest: {path}").format(path=target), err=target == "-")
    sys.exit(EXIT_PASS if result.verdict(strict) == "pass" else EXIT_FAIL)


def _check_target(path: Path, option: str) -> None:
    """Refuse, before any work, an output whose folder does not exist (none is created)."""
    folder = path.parent
    if not folder.is_dir():
        raise UsageFailure(
            _(
                "{option} {path}: the folder {folder} does not exist; create it first or give "
                "{option} a path in an existing folder"
            ).format(option=option, path=path, folder=folder)
        )


def _write(path: Path, data: bytes, option: str | None) -> None:
    """Write atomically; `option` names where the path came from (None: the default
    manifest path)."""
    from image_review.atomic import write_atomic

    try:
        write_atomic(path, data)
    except OSError as err:
        if option is None:
            raise UsageFailure(
                _(
                    "cannot write the manifest {path} ({reason}); make the folder writable or "
                    "choose another place with --out PATH"
                ).format(path=path, reason=err.strerror)
            ) from None
        raise UsageFailure(
            _(
                "{option} {path}: cannot write it ({reason}); make {folder} writable or give "
                "{option} another path"
            ).format(option=option, path=path, reason=err.strerror, folder=path.parent)
        ) from None


@cli.command()
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
    profile, _policy = _judging(profile_spec, None)
    try:
        text = sidecar_template(submission, profile)
    except SubmissionError as err:
        raise UsageFailure(str(err)) from None
    _write(target, text.encode("utf-8"), "init")
    click.echo(
        _("Wrote {path}: check the guessed views, then run: image-review {folder}").format(
            path=target, folder=submission
        )
    )


@cli.command()
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
@SCREEN_OPTION
@STRICT_OPTION
@PROFILE_OPTION
@POLICY_OPTION
@LANG_OPTION
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

    profile, policy = _judging(profile_spec, policy_file)
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
        sys.exit(130)
    text = ngettext(
        "{total} submission: {passed} pass, {failed} fail, {errors} error. Summary: {summary}",
        "{total} submissions: {passed} pass, {failed} fail, {errors} error. Summary: {summary}",
        counts.total,
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


@cli.command()
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
@SCREEN_OPTION
@STRICT_OPTION
@PROFILE_OPTION
@POLICY_OPTION
@LANG_OPTION
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
    profile, policy = _judging(profile_spec, policy_file)
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
        _write(target, text.encode("utf-8"), "--out" if out is not None else "--out-dir")
        verdict = verdict_word(result.verdict(strict))
        click.echo(f"{result.path}: {verdict}  -> {target}", err=True)
    if refused:
        sys.exit(EXIT_USAGE)
    sys.exit(EXIT_PASS if passed else EXIT_FAIL)


@cli.command()
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
@SCREEN_OPTION
@STRICT_OPTION
@PROFILE_OPTION
@POLICY_OPTION
@LANG_OPTION
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

    profile, policy = _judging(profile_spec, policy_file)
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


@cli.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False, path_type=Path))
@click.option("--port", type=click.IntRange(0, 65535), default=0, help="[default: a free port]")
@click.option("--no-browser", is_flag=True, help="Print the address; do not open a browser.")
@SCREEN_OPTION
@STRICT_OPTION
@PROFILE_OPTION
@POLICY_OPTION
@LANG_OPTION
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
    profile, policy = _judging(profile_spec, policy_file)
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


@cli.command(name="eval-screen")
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


@cli.command(name="eval-quality")
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


@cli.command()
def schema() -> None:
    """Print the JSON Schema of the review manifest.

    \b
    Example:
        image-review schema > manifest.schema.json
    """
    from image_review.manifest import schema_text

    click.echo(schema_text(), nl=False)


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
