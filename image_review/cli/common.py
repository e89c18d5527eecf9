"""What every command shares: the options, loading the profile and the policy, the exit
codes, and turning the library's errors into one-line usage errors (exit 2)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click

from image_review.i18n import LANGUAGES, _, language_from_environment, set_language

EXIT_PASS, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C, as shells report SIGINT

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


def judging(profile_spec: str, policy_file: Path | None):
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


def check_target(path: Path, option: str) -> None:
    """Refuse, before any work, an output whose folder does not exist (none is created)."""
    folder = path.parent
    if not folder.is_dir():
        raise UsageFailure(
            _(
                "{option} {path}: the folder {folder} does not exist; create it first or give "
                "{option} a path in an existing folder"
            ).format(option=option, path=path, folder=folder)
        )


def write_output(path: Path, data: bytes, option: str | None) -> None:
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


def judging_options(command: Callable) -> Callable:
    """The options of every command that judges a submission, in this order: --screen,
    --strict, --profile, --policy, --lang."""
    for option in reversed(
        (SCREEN_OPTION, STRICT_OPTION, PROFILE_OPTION, POLICY_OPTION, LANG_OPTION)
    ):
        command = option(command)
    return command
