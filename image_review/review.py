"""review(folder, policy) -> Review: the one orchestration function.

discover -> assign views -> for each photo: read once, decode once, measure, judge ->
duplicates -> requirements. Pixels are dropped as soon as a photo is measured; only a
256-pixel grey thumbnail per photo is kept for the copy check (and a small JPEG preview
when a report is asked for).
"""

from __future__ import annotations

import hashlib
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from image_review.imaging import UNLIMITED, DecodeBudget, DecodeError, decode
from image_review.judge import (
    PACKAGING_VIEWS,
    judge_requirements,
    mark_duplicates,
    photo_findings,
    screen_state,
    unassigned_finding,
)
from image_review.measures import measure
from image_review.measures.fingerprint import thumbnail
from image_review.model import Finding, PhotoResult, Review
from image_review.policy import DEFAULT_POLICY, Policy
from image_review.sidecar import Sidecar, read_sidecar
from image_review.submission import (
    Assignment,
    Discovery,
    PhotoFile,
    SubmissionError,
    assign_views,
    discover,
    nested_submissions,
)
from image_review.views import SCREEN_ON, UNASSIGNED

SCREEN_CHOICES = ("auto", "yes", "no")


def review(
    folder: str | Path,
    policy: Policy = DEFAULT_POLICY,
    screen: str = "auto",
    threads: int | None = None,
    previews: bool = False,
) -> Review:
    """Review one submission folder.

    `screen` says whether the product has a display: `yes`, `no`, or `auto` (the sidecar's
    product facts, else a photo named or detected as showing the screen on). `threads`
    photos are decoded and measured at once (default: the CPU count; the codecs and OpenCV
    release the GIL). With `previews`, the review keeps a small JPEG of each photo for
    reports, made from the same decode.
    Raises SubmissionError when the folder cannot be read or holds several submissions (a
    batch root), SidecarError for a broken sidecar.
    """
    if screen not in SCREEN_CHOICES:
        raise ValueError(f"screen must be one of {SCREEN_CHOICES}, not {screen!r}")
    folder = Path(folder)
    found = discover(folder)
    nested = nested_submissions(found, folder)
    if nested:
        raise SubmissionError(
            f"{folder}: its sub-folders {', '.join(nested)} look like separate submissions "
            "(each with its own photos or submission.toml), not one; review them all with "
            f"`image-review batch {folder} --out-dir DIR`, or one with "
            f"`image-review {folder / nested[0]}`"
        )
    sidecar = read_sidecar(folder)
    assignments, findings = assign_views(found.photos, sidecar)
    findings += _discovery_findings(found)

    budget = DecodeBudget(policy.decode_budget_pixels)

    def one(photo_file: PhotoFile) -> Examined:
        assignment = assignments[photo_file.rel]
        return examine(photo_file, assignment, policy, screen != "no", previews, budget)

    workers = max(1, min(threads or os.cpu_count() or 1, len(found.photos)))
    if workers == 1:
        examined = [one(p) for p in found.photos]
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            examined = list(pool.map(one, found.photos))
    photos = [e.result for e in examined]
    thumbs = {e.result.file: e.thumb for e in examined if e.thumb is not None}
    mark_duplicates(photos, thumbs, policy, threads=workers)
    has_screen = _has_screen(screen, sidecar, photos)
    checks = sidecar.checks if sidecar else {}
    requirements, requirement_findings = judge_requirements(
        photos, policy, has_screen, screen_confirmed=checks.get("screen_on") == "confirmed"
    )
    product = sidecar.product.as_dict() if sidecar else {"name": None, "category": None}
    product["has_screen"] = has_screen
    return Review(
        path=folder.resolve().name,
        product=product,
        photos=photos,
        requirements=requirements,
        findings=findings + requirement_findings,
        checks=dict(checks),
        previews={e.result.file: e.preview for e in examined if e.preview is not None},
    )


@dataclass
class Examined:
    """One photo's result, plus what later steps need from its pixels (None: not decoded)."""

    result: PhotoResult
    thumb: np.ndarray | None = None  # for the copy check
    preview: bytes | None = None  # a small JPEG for reports, when asked


def examine(
    photo_file: PhotoFile,
    assignment: Assignment,
    policy: Policy,
    detect_screen: bool = True,
    preview: bool = False,
    budget: DecodeBudget = UNLIMITED,
) -> Examined:
    """Read, decode, measure and judge one photo (and make its preview when asked).

    A photo whose name says no view but which shows a lit screen becomes `screen_on`
    (view_source `content`).
    """
    result = PhotoResult(
        file=photo_file.rel,
        bytes=photo_file.size,
        view=assignment.view,
        view_source=assignment.source,
        screen_label=assignment.screen_label,
        format=photo_file.format,
    )
    problem = _load_problem(photo_file, policy)
    if problem is not None:
        result.findings.append(problem)
        return Examined(result)
    try:
        data = photo_file.path.read_bytes()
    except OSError as err:
        problem = DecodeError("unreadable", f"the file cannot be read ({err.strerror})")
        result.findings.append(_decode_finding(result.file, problem, policy))
        return Examined(result)
    result.sha256 = hashlib.sha256(data).hexdigest()
    try:
        frame = decode(data, photo_file.format or "", policy.max_pixels, budget)
    except DecodeError as err:
        result.findings.append(_decode_finding(result.file, err, policy))
        return Examined(result)
    del data
    result.width, result.height, result.orientation = frame.width, frame.height, frame.orientation
    thumb = thumbnail(frame.gray)
    result.measures = measure(frame, thumb, detect_screen)
    result.findings = photo_findings(result, policy)
    if assignment.view == UNASSIGNED and screen_state(result) == "on":
        result.view, result.view_source = SCREEN_ON, "content"
    elif assignment.view == UNASSIGNED:
        result.findings.append(unassigned_finding(result, assignment.hint))
    return Examined(result, thumb, preview_jpeg(frame.bgr) if preview else None)


PREVIEW_LONG_SIDE = 360


def preview_jpeg(bgr: np.ndarray) -> bytes:
    """A small JPEG of the upright analysis pixels, for reports and contact sheets."""
    h, w = bgr.shape[:2]
    scale = min(1.0, PREVIEW_LONG_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()


def _load_problem(photo_file: PhotoFile, policy: Policy) -> Finding | None:
    """A finding that stops the photo from being read at all, or None."""
    rel = photo_file.rel
    if photo_file.size == 0:
        return Finding(
            "empty-file", f"{rel}: the file is empty (0 bytes); copy the photo again", rel
        )
    if photo_file.format is None:
        suffix = Path(rel).suffix or "no extension"
        return Finding(
            "unsupported-format",
            f"{rel}: named like a photo ({suffix}) but its bytes are not a JPEG, PNG, HEIC, "
            "WebP, GIF, TIFF or BMP image; export the photo again as JPEG",
            rel,
        )
    if photo_file.size > policy.max_file_bytes:
        return Finding(
            "file-too-large",
            f"{rel}: {photo_file.size / 2**20:.0f} MiB is over the "
            f"{policy.max_file_bytes / 2**20:.0f} MiB limit; export a smaller JPEG",
            rel,
            value=photo_file.size,
            limit=policy.max_file_bytes,
        )
    return None


def _decode_finding(rel: str, err: DecodeError, policy: Policy) -> Finding:
    if err.code == "pixel-limit":
        return Finding(
            err.code,
            f"{rel}: {err.detail}; it was not decoded. Resize it to a normal photo size",
            rel,
            limit=policy.max_pixels,
        )
    return Finding(
        err.code,
        f"{rel}: {err.detail}; copy the original again from the phone or re-export it as JPEG",
        rel,
    )


def _discovery_findings(found: Discovery) -> list[Finding]:
    findings = [
        Finding(
            "link-outside",
            f"{rel} is a link to a place outside the submission folder; it was not followed. "
            "Copy the photo into the folder instead",
            rel,
        )
        for rel in found.outside_links
    ]
    if found.ignored:
        shown = ", ".join(found.ignored[:5]) + (" ..." if len(found.ignored) > 5 else "")
        findings.append(
            Finding(
                "ignored-files",
                f"{len(found.ignored)} file(s) that are not photos were skipped: {shown}",
                related=found.ignored,
            )
        )
    return findings


def _has_screen(screen: str, sidecar: Sidecar | None, photos: list[PhotoResult]) -> bool | None:
    """Whether the product has a display: the option, the sidecar, else the photos."""
    if screen != "auto":
        return screen == "yes"
    known = sidecar.product.screen_known() if sidecar else None
    if known is not None:
        return known
    shown = any(
        p.screen_label or (p.usable and screen_state(p) == "on" and p.view not in PACKAGING_VIEWS)
        for p in photos
    )
    return True if shown else None
