"""The short text a person reads after a review: the shot list, then what to fix."""

from __future__ import annotations

import unicodedata

import click

from image_review.model import Review
from image_review.views import SCREEN_ON, VIEW_LABELS

_STATUS_STYLE = {
    "pass": ("ok", "green"),
    "fail": ("FAIL", "red"),
    "warn": ("check", "yellow"),
    "not_required": ("n/a", None),
}
_SEVERITY_STYLE = {"error": "red", "warning": "yellow", "info": "cyan"}


def _pad(text: str, width: int) -> str:
    """Pad to a width in terminal columns (CJK characters take two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(0, width - columns)


def render(review: Review, strict: bool = False) -> str:
    """Verdict line, one row per requirement, then every finding with its fix (ANSI styled)."""
    verdict = review.verdict(strict)
    usable = sum(p.usable for p in review.photos)
    screen = {True: "yes", False: "no", None: "unknown"}[review.product.get("has_screen")]
    lines = [
        click.style(
            f"{review.path}: {verdict.upper()}",
            bold=True,
            fg="green" if verdict == "pass" else "red",
        )
        + f"  ({len(review.photos)} photos, {usable} usable; screen: {screen})",
        "",
    ]
    for req in review.requirements:
        word, colour = _STATUS_STYLE[req.status]
        name = req.id.removeprefix("view.")
        label = VIEW_LABELS.get(name, ("", ""))[1]
        status = click.style(f"{word:<8}", fg=colour)
        shows_files = req.status == "pass" and req.id not in ("min_photos", SCREEN_ON)
        detail = ", ".join(req.photos) if shows_files else req.message
        lines.append(f"  {status} {name:<16} {_pad(label, 12)} {detail}")
    findings = review.all_findings()
    if findings:
        lines += ["", f"Findings ({len(findings)}):"]
        for finding in findings:
            tag = click.style(f"{finding.severity:<7}", fg=_SEVERITY_STYLE[finding.severity])
            lines.append(f"  {tag} {finding.code:<20} {finding.message}")
    return "\n".join(lines)
