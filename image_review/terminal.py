"""The short text a person reads after a review: the shot list, then what to fix."""

from __future__ import annotations

import unicodedata

import click

from image_review.i18n import _, current_language, ngettext
from image_review.model import REQUIREMENT_CODES, Review
from image_review.rules import BROKEN_FILE_CODES
from image_review.views import SCREEN_ON, UNASSIGNED

_STATUS_COLOUR = {"pass": "green", "fail": "red", "warn": "yellow", "not_required": None}
_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def status_words() -> dict[str, str]:
    """A requirement's status as a person reads it, in the current language."""
    return {"pass": _("ok"), "fail": _("FAIL"), "warn": _("check"), "not_required": _("n/a")}


def verdict_word(verdict: str) -> str:
    """PASS or FAIL, in the current language."""
    return _("PASS") if verdict == "pass" else _("FAIL")


def severity_word(severity: str) -> str:
    """error, warning or info, in the current language."""
    return {"error": _("error"), "warning": _("warning"), "info": _("info")}[severity]


def screen_word(has_screen: bool | None) -> str:
    """Whether the product has a screen: yes, no or unknown, in the current language."""
    return {True: _("yes"), False: _("no"), None: _("unknown")}[has_screen]


def second_label_language() -> str:
    """The Chinese shown beside each view: the reader's script, simplified by default."""
    lang = current_language()
    return lang if lang.startswith("zh") else "zh-hans"


def _columns(text: str) -> int:
    """Width in terminal columns (CJK characters take two)."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _pad(text: str, width: int) -> str:
    return text + " " * max(0, width - _columns(text))


_SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}
FILES_SHOWN = 4


def render(review: Review, strict: bool = False, folder: str | None = None) -> str:
    """Verdict line, one row per requirement, each problem once (errors first, the same
    finding on several photos on one line), then the one next step (ANSI styled).
    `folder` is how the user named the submission, for the commands suggested."""
    verdict = review.verdict(strict)
    usable = sum(p.usable for p in review.photos)
    screen = screen_word(review.product.get("has_screen"))
    lines = [
        click.style(
            f"{review.path}: {verdict_word(verdict)}",
            bold=True,
            fg="green" if verdict == "pass" else "red",
        )
        + "  "
        + photo_counts(len(review.photos), usable, screen),
        "",
    ]
    names = [r.id.removeprefix("view.") for r in review.requirements]
    second = second_label_language()
    labels = [review.profile.label(n, second) if n != "min_photos" else "" for n in names]
    name_width = max(16, *map(len, names))
    label_width = max(12, *map(_columns, labels))
    words = status_words()
    for req, name, label in zip(review.requirements, names, labels, strict=True):
        status = click.style(_pad(words[req.status], 8), fg=_STATUS_COLOUR[req.status])
        shows_files = req.status == "pass" and req.id not in ("min_photos", SCREEN_ON)
        detail = ", ".join(req.photos) if shows_files else req.message
        lines.append(f"  {status} {name:<{name_width}} {_pad(label, label_width)} {detail}")
    problems = grouped_findings(review, folder or review.path)
    if problems:
        findings = review.all_findings()
        lines += [
            "",
            _(
                "To fix or check ({count} lines; in all {errors} errors and {warnings} "
                "warnings, as the manifest and the batch count them):"
            ).format(
                count=len(problems),
                errors=sum(f.severity == "error" for f in findings),
                warnings=sum(f.severity == "warning" for f in findings),
            ),
        ]
        for severity, code, text in problems:
            tag = click.style(_pad(severity_word(severity), 7), fg=_SEVERITY_STYLE[severity])
            lines.append(f"  {tag} {code:<20} {text}")
    next_line = click.style(_("Next: "), bold=True) + next_step(review, strict, folder)
    lines += ["", next_line]
    return "\n".join(lines)


def photo_counts(photos: int, usable: int, screen: str) -> str:
    """`(9 photos, 8 usable; screen: yes)`, in the current language."""
    text = ngettext(
        "({count} photo, {usable} usable; screen: {screen})",
        "({count} photos, {usable} usable; screen: {screen})",
        photos,
    )
    return text.format(count=photos, usable=usable, screen=screen)


def _photos(n: int) -> str:
    return ngettext("{count} photo", "{count} photos", n).format(count=n)


def grouped_findings(review: Review, folder: str) -> list[tuple[str, str, str]]:
    """(severity, code, text) of each problem not already in the shot list, errors first;
    one finding on several photos is one line that names them."""
    groups: dict[tuple[str, str, str], list[str]] = {}
    for finding in review.all_findings():
        if finding.code in REQUIREMENT_CODES:  # a row of the shot list
            continue
        key = (finding.severity, finding.code, finding.advice)
        groups.setdefault(key, []).append(finding.file or "")
    out = []
    for (severity, code, text), files in groups.items():
        if code == UNASSIGNED and len(files) > 1:
            text = _(
                "{count} photos have no view: {files}; rename each after the view it shows "
                "(front.jpg, 正面.jpg) or list them with `image-review init {folder}`"
            ).format(count=len(files), files=_names(files), folder=folder)
        elif len(files) > 1:
            named = _("{file}: {message}").format(file=_photos(len(files)), message=_names(files))
            text = _("{file}: {message}").format(file=named, message=text)
        elif files[0]:
            text = _("{file}: {message}").format(file=files[0], message=text)
        out.append((severity, code, text))
    return sorted(out, key=lambda problem: _SEVERITY_ORDER[problem[0]])


def _names(files: list[str]) -> str:
    shown = ", ".join(files[:FILES_SHOWN])
    return shown if len(files) <= FILES_SHOWN else f"{shown} … {files[-1]}"


def _screen_to_shoot(review: Review) -> bool:
    """Whether the screen-on photo is missing with no photo to rename or check: it is to
    be shot, with the views that have no photo."""
    files = {p.file for p in review.photos}
    return any(
        f.code == "screen-on-missing" and not files & set(f.related) for f in review.findings
    )


def next_step(
    review: Review, strict: bool = False, folder: str | None = None, findings_below: bool = False
) -> str:
    """The one thing to do now (on a page, `findings_below`: the warnings come after it)."""
    folder = folder or review.path
    failures = review.failures(strict)
    unassigned = review.unassigned_photos()
    missing = [r for r in review.requirements if r.id.startswith("view.") and r.status == "fail"]
    problems = grouped_findings(review, folder)
    broken = [text for _severity, code, text in problems if code in BROKEN_FILE_CODES]
    if broken:  # naming cannot fix a file that is not a usable photo
        return broken[0]
    if not review.photos and review.ignored:  # photos pasted into a document, say
        return ngettext(
            "no photo in {folder}: its {count} file is not a photo ({files}); put the photos "
            "themselves in the folder (JPEG, HEIC or PNG files), not in a document",
            "no photo in {folder}: its {count} files are not photos ({files}); put the photos "
            "themselves in the folder (JPEG, HEIC or PNG files), not in a document",
            len(review.ignored),
        ).format(folder=folder, count=len(review.ignored), files=_names(review.ignored))
    if unassigned and missing:
        return _(
            "tell the tool which photo shows which view: run `image-review init {folder}`, "
            "check the views it guessed in {folder}/submission.toml, then review again"
        ).format(folder=folder)
    errors = [text for severity, _code, text in problems if severity == "error"]
    if errors:
        return errors[0]
    empty = [review.profile.view(view) for view in review.views_without_photo()]
    if empty and _screen_to_shoot(review):
        empty.append(review.profile.screen)
    if empty:  # say which views to shoot, not only that the count is short
        lang = current_language()
        views = _("; ").join(
            _("{view} ({how})").format(view=view.label(lang), how=view.how(lang)) for view in empty
        )
        return ngettext(
            "photograph the missing view, then review again: {views}",
            "photograph the {count} missing views, then review again: {views}",
            len(empty),
        ).format(count=len(empty), views=views)
    if failures:
        return failures[0]
    if any(f.severity == "warning" for f in review.all_findings()):
        if findings_below:
            return _("it passes; read the warnings below before you upload the photos")
        return _("it passes; read the warnings above before you upload the photos")
    return _("it passes: upload the photos")
