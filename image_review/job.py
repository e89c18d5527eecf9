"""One submission of a batch: review it, write its outputs (manifest, report) and its
summary row beside them, and return the row. Both engines, the built-in process pool
(pool_engine.py) and Dask (dask_engine.py), run `review_one`; batch.py only dispatches
and gathers, so the outputs do not depend on the engine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from image_review.atomic import write_atomic
from image_review.i18n import _, language, ngettext
from image_review.model import Review
from image_review.policy import Policy
from image_review.submission import MANIFEST_NAME, SubmissionError
from image_review.views import Profile

SUMMARY_FIELDS = (
    "submission",
    "verdict",
    "photos",
    "missing_views",
    "errors",
    "warnings",
    "screen_on",
    "reason",
)
REPORT_NAME = "report.html"
ROW_NAME = "summary-row.json"  # beside each manifest: the row and the input state it is for


@dataclass(frozen=True)
class Job:
    """One submission to review."""

    name: str
    folder: Path
    out: Path  # OUT/<name>/


def input_state(folder: Path) -> str:
    """A digest of every file's name, size and modification time under the folder."""
    digest = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            if name == MANIFEST_NAME:
                continue
            path = Path(dirpath, name)
            try:
                stat = path.stat()
            except OSError:
                continue
            rel = path.relative_to(folder).as_posix()
            digest.update(f"{rel}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode("utf-8", "replace"))
    return digest.hexdigest()


def settings_digest(
    policy: Policy, screen: str, strict: bool, profile: Profile | None, lang: str
) -> str:
    """A digest of everything besides the photos that decides a submission's outputs."""
    settings = {
        "policy": dataclasses.asdict(policy),
        "screen": screen,
        "strict": strict,
        "profile": profile.sha256 if profile else None,
        "lang": lang,
    }
    return hashlib.sha256(json.dumps(settings, sort_keys=True).encode()).hexdigest()


def reviewed_before(job: Job, state: str, report: bool) -> bool:
    """Whether this submission was reviewed before from the same input and settings (with
    its report)."""
    try:
        saved = json.loads((job.out / ROW_NAME).read_text("utf-8"))
    except (OSError, ValueError):
        return False
    outputs = [MANIFEST_NAME, REPORT_NAME] if report else [MANIFEST_NAME]
    if saved.get("row", {}).get("verdict") == "error":
        outputs = []  # nothing was written for it but its row
    return saved.get("input_state") == state and all((job.out / o).is_file() for o in outputs)


def review_one(
    job: Job,
    policy: Policy,
    screen: str,
    strict: bool,
    report: bool = False,
    profile: Profile | None = None,
    lang: str = "en",
) -> dict[str, Any]:
    """Review one submission in `lang`, write its manifest (and report) and its row; never
    raises for bad input."""
    with language(lang):  # a worker process starts in English
        return _reviewed(job, policy, screen, strict, report, profile, lang)


def _reviewed(
    job: Job,
    policy: Policy,
    screen: str,
    strict: bool,
    report: bool,
    profile: Profile | None,
    lang: str,
) -> dict[str, Any]:
    from image_review.manifest import summary, write_manifest
    from image_review.review import review
    from image_review.sidecar import SidecarError

    state = input_state(job.folder) + settings_digest(policy, screen, strict, profile, lang)
    job.out.mkdir(parents=True, exist_ok=True)
    try:
        result = review(
            job.folder, policy, screen=screen, threads=1, previews=report, profile=profile
        )
    except (SubmissionError, SidecarError, OSError) as err:
        row = {**empty_row(job.name), "verdict": "error", "reason": str(err)}
    except Exception as err:  # a bug must not stop the other submissions
        reason = _("internal error ({kind}: {problem}); please report it").format(
            kind=type(err).__name__, problem=err
        )
        row = {**empty_row(job.name), "verdict": "error", "reason": reason}
    else:
        write_manifest(result, job.out / MANIFEST_NAME, strict)
        if report:
            from image_review.report import render_report

            write_atomic(job.out / REPORT_NAME, render_report(result, strict).encode("utf-8"))
        counts = summary(result, strict)
        row = {
            "submission": job.name,
            "verdict": result.verdict(strict),
            "photos": counts["photos"],
            "missing_views": ";".join(counts["views_missing"]),
            "errors": counts["errors"],
            "warnings": counts["warnings"],
            "screen_on": counts["screen_on"],
            "reason": _reason(result, strict, str(job.folder)),
        }
    saved = {"input_state": state, "row": row}
    write_atomic(job.out / ROW_NAME, json.dumps(saved, ensure_ascii=False).encode("utf-8"))
    return row


REASONS_SHOWN = 3


def _reason(result: Review, strict: bool, folder: str) -> str:
    """The first few failures in words, and how many more. When required views have no
    photo while photos with no view wait, that comes first as one step: name them."""
    failures = result.failures(strict)
    unnamed = len(result.unassigned_photos())
    empty = result.views_without_photo()
    if unnamed and empty:
        step = ngettext(
            "{count} photo has no view, and {views} required views have no photo named: "
            "name it with `image-review init {folder}` or on the page (`image-review serve "
            "{folder}`)",
            "{count} photos have no view, and {views} required views have no photo named: "
            "name them with `image-review init {folder}` or on the page (`image-review serve "
            "{folder}`)",
            unnamed,
        ).format(count=unnamed, views=len(empty), folder=folder)
        waiting = {r.message for r in result.requirements if r.id.removeprefix("view.") in empty}
        failures = [step, *(f for f in failures if f not in waiting)]
    shown = _("; ").join(failures[:REASONS_SHOWN])  # "；" in Chinese
    more = len(failures) - REASONS_SHOWN
    if more <= 0:
        return shown
    return _("{reasons}; and {count} more (see its report)").format(reasons=shown, count=more)


def empty_row(name: str) -> dict[str, Any]:
    return {field: "" for field in SUMMARY_FIELDS} | {"submission": name}


def saved_row(job: Job) -> dict[str, Any]:
    try:
        return json.loads((job.out / ROW_NAME).read_text("utf-8"))["row"]
    except (OSError, ValueError, KeyError):
        return {**empty_row(job.name), "verdict": "error", "reason": _("not reviewed")}
