"""The submission.toml template that `image-review init` writes: views guessed from the
names, the screen photo and whether the product has a screen from a lit screen seen in
the pixels."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from image_review.i18n import _, current_language
from image_review.imaging import DecodeError, decode
from image_review.policy import DEFAULT_POLICY
from image_review.sidecar import SIDECAR_NAME
from image_review.submission import PhotoFile, assign_views, discover
from image_review.terminal import second_label_language
from image_review.views import SCREEN_ON, UNASSIGNED, Profile, load_profile

CATEGORY_LIST = "phone, tablet, laptop, monitor, tv, watch, camera, console, e-reader, other"


def _comment(text: str) -> list[str]:
    """A TOML comment of several lines, each under 90 columns (CJK characters take two)."""
    width = 86 if text.isascii() else 43
    return ["# " + line for line in textwrap.wrap(text, width)]


def _header(has_screen: str) -> str:
    lines = [
        "# "
        + _("{file}: what image-review should know about this submission (UTF-8).").format(
            file=SIDECAR_NAME
        ),
        "# " + _("Every key is optional; a line starting with # is a comment."),
        "",
        "[product]",
        '# name = "iPhone 12, 64 GB, blue"',
        f'# category = "phone"   # {CATEGORY_LIST}',
        has_screen,
        "",
        "[views]",
        "# " + _('view = "file" or ["file", "file"], relative to this folder.'),
        *_comment(
            _(
                "Guessed from the file and folder names: correct what is wrong, fill in what "
                "is missing."
            )
        ),
        "",
    ]
    return "\n".join(lines)


def _checks() -> str:
    return "\n".join(
        [
            "",
            "[checks]",
            *_comment(
                _(
                    "Only when the tool's estimate is wrong: if the screen_on photo does show the "
                    "screen lit but the review says it could not confirm it, uncomment this line "
                    "(a reviewer may look)."
                )
            ),
            '# screen_on = "confirmed"',
            "",
        ]
    )


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def _lit(photos: list[PhotoFile], packaging: set[str]) -> list[str]:
    """The photos (not of the packaging) in which a lit screen is detected."""
    from image_review.measures.screen import measure_screen

    lit = []
    for photo in photos:
        if photo.rel in packaging or photo.format is None:
            continue
        try:
            frame = decode(photo.path.read_bytes(), photo.format, DEFAULT_POLICY.max_pixels)
        except (OSError, DecodeError):
            continue
        if measure_screen(frame)["state"] == "on":
            lit.append(photo.rel)
    return lit


def sidecar_template(folder: Path, profile: Profile | None = None) -> str:
    """The template text for `folder`, with every photo either placed or listed as unplaced,
    in the views of `profile`. A photo in which a lit screen is seen fills `screen_on` when
    no name says it, and sets `has_screen`."""
    profile = profile or load_profile()
    photos = discover(folder).photos
    assigned, _findings = assign_views(photos, None, profile)
    packaging = {rel for rel, a in assigned.items() if not profile.is_product(a.view)}
    lit = _lit(photos, packaging)
    has_screen = (
        "has_screen = true     # " + _("a lit screen was seen in {file}").format(file=lit[0])
        if lit
        else "# has_screen = true   # "
        + _("true or false: say it, or the review warns that it does not know")
    )
    lines = [_header(has_screen)]
    lang, second = current_language(), second_label_language()
    placed = set()
    for view in profile.all_views:
        files = [p.rel for p in photos if assigned[p.rel].view == view]
        if view == SCREEN_ON:
            files += [p.rel for p in photos if assigned[p.rel].screen_label and p.rel not in files]
            if not files and lit:
                files = lit[:1]  # detected, not named: the comment asks to check it
        placed.update(files)
        label, chinese = profile.label(view, lang), profile.label(view, second)
        names = label if chinese == label else f"{label} / {chinese}"
        if not files:
            how = profile.view(view).how(lang)
            lines.append(f'# {view} = ""   # {names}: {how}')
        elif len(files) == 1:
            detected = " " + _("(a lit screen was seen in it: check)") if files[0] in lit else ""
            line = f"{view} = {_toml_string(files[0])}   # {names}{detected}"
            lines.append(line)
        else:
            listed = ", ".join(_toml_string(f) for f in files)
            lines.append(f"{view} = [{listed}]   # {names}")
    unplaced = [p.rel for p in photos if assigned[p.rel].view == UNASSIGNED and p.rel not in placed]
    if unplaced:
        lines += [
            "",
            "# " + _("Photos with no view yet (add each to the line of the view it shows):"),
        ]
        lines += [f"#   {_toml_string(rel)}" for rel in unplaced]
    return "\n".join([*lines, _checks()])
