"""The short text a person reads after a review: the shot list, then what to fix."""

from __future__ import annotations

import unicodedata

import click

from image_review.model import REQUIREMENT_CODES, Review
from image_review.views import SCREEN_ON, UNASSIGNED

_STATUS_STYLE = {
    "pass": ("ok", "green"),
    "fail": ("FAIL", "red"),
    "warn": ("check", "yellow"),
    "not_required": ("n/a", None),
}
_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


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
    screen = {True: "yes", False: "no", None: "unknown"}[review.product.get("has_screen")]
    lines = [
        click.style(
            f"{review.path}: {verdict.upper()}",
            bold=True,
            fg="green" if verdict == "pass" else "red",
        )
        + f"  ({_count(len(review.photos), 'photo')}, {usable} usable; screen: {screen})",
        "",
    ]
    names = [r.id.removeprefix("view.") for r in review.requirements]
    labels = [review.profile.label(n, "zh-hans") if n != "min_photos" else "" for n in names]
    name_width = max(16, *map(len, names))
    label_width = max(12, *map(_columns, labels))
    for req, name, label in zip(review.requirements, names, labels, strict=True):
        word, colour = _STATUS_STYLE[req.status]
        status = click.style(f"{word:<8}", fg=colour)
        shows_files = req.status == "pass" and req.id not in ("min_photos", SCREEN_ON)
        detail = ", ".join(req.photos) if shows_files else req.message
        lines.append(f"  {status} {name:<{name_width}} {_pad(label, label_width)} {detail}")
    problems = grouped_findings(review, folder or review.path)
    if problems:
        lines += ["", f"To fix or check ({len(problems)}):"]
        for severity, code, text in problems:
            tag = click.style(f"{severity:<7}", fg=_SEVERITY_STYLE[severity])
            lines.append(f"  {tag} {code:<20} {text}")
    lines += ["", click.style("Next: ", bold=True) + next_step(review, strict, folder)]
    return "\n".join(lines)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


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
            text = (
                f"{_count(len(files), 'photo')} have no view: {_names(files)}; rename each "
                "after the view it shows (front.jpg, 正面.jpg) or list them with "
                f"`image-review init {folder}`"
            )
        elif len(files) > 1:
            text = f"{_count(len(files), 'photo')}: {_names(files)}: {text}"
        elif files[0]:
            text = f"{files[0]}: {text}"
        out.append((severity, code, text))
    return sorted(out, key=lambda problem: _SEVERITY_ORDER[problem[0]])


def _names(files: list[str]) -> str:
    shown = ", ".join(files[:FILES_SHOWN])
    return shown if len(files) <= FILES_SHOWN else f"{shown} … {files[-1]}"


def next_step(review: Review, strict: bool = False, folder: str | None = None) -> str:
    """The one thing to do now."""
    folder = folder or review.path
    failures = review.failures(strict)
    unassigned = [p for p in review.photos if p.view == UNASSIGNED]
    missing = [r for r in review.requirements if r.id.startswith("view.") and r.status == "fail"]
    if unassigned and missing:
        return (
            f"tell the tool which photo shows which view: run `image-review init {folder}`, "
            f"check the views it guessed in {folder}/submission.toml, then review again"
        )
    errors = [text for severity, _, text in grouped_findings(review, folder) if severity == "error"]
    if errors or failures:
        return (errors or failures)[0]
    if any(f.severity == "warning" for f in review.all_findings()):
        return "it passes; read the warnings above before you upload the photos"
    return "it passes: upload the photos"
