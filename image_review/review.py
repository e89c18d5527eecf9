"""review(folder, policy) -> Review: the one orchestration function.

discover -> assign views -> for each photo: read once, decode once, measure, judge ->
duplicates -> requirements. Pixels are dropped as soon as a photo is measured; only a
256-pixel grey thumbnail per photo is kept for the copy check (and a small JPEG preview
when a report is asked for).
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from image_review.i18n import _, current_language
from image_review.imaging import UNLIMITED, DecodeBudget, DecodeError, decode, pixel_limit
from image_review.judge import (
    judge_duplicates,
    judge_requirements,
    mark_extra_photos,
    shows_lit_screen,
    surely_lit,
    unassigned_finding,
)
from image_review.measures import measure
from image_review.measures.fingerprint import hamming, thumbnail, tile_difference
from image_review.model import Finding, Pair, PhotoResult, Review
from image_review.photo_checks import is_screenshot, photo_findings
from image_review.policy import DEFAULT_POLICY, MAX_HASH_DISTANCE, MAX_TILE_LIMIT, Policy
from image_review.sidecar import Sidecar, read_sidecar
from image_review.submission import (
    Assignment,
    PhotoFile,
    SubmissionError,
    assign_views,
    discover,
    is_camera_raw,
    nested_submissions,
    views_named,
)
from image_review.views import SCREEN_ON, UNASSIGNED, Profile, load_profile

SCREEN_CHOICES = ("auto", "yes", "no")


def review(
    folder: str | Path,
    policy: Policy = DEFAULT_POLICY,
    screen: str = "auto",
    threads: int | None = None,
    previews: bool = False,
    profile: Profile | None = None,
) -> Review:
    """Review one submission folder against a profile's shot list (default: renewed).

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
    profile = profile or load_profile()
    return assess(
        observe(folder, policy, screen != "no", threads, previews, profile), policy, profile, screen
    )


@dataclass
class Evidence:
    """What a review reads from a folder before judging anything, and all a re-judge needs:
    each photo's file facts and measures (views not assigned yet; a photo that could not be
    decoded carries that finding), the copy check's pairs, the sidecar, the other files."""

    path: str
    files: list[PhotoFile]
    photos: list[PhotoResult]
    pairs: list[Pair]
    sidecar: Sidecar | None
    ignored: list[str]
    outside_links: list[str]
    link_loops: list[str]
    previews: dict[str, bytes]


def observe(
    folder: str | Path,
    policy: Policy = DEFAULT_POLICY,
    detect_screen: bool = True,
    threads: int | None = None,
    previews: bool = False,
    profile: Profile | None = None,
) -> Evidence:
    """Read and measure every photo of a folder once (see `review`); no judging."""
    folder = Path(folder)
    found = discover(folder)
    nested = nested_submissions(found, folder, profile)
    if nested:
        raise SubmissionError(
            _(
                "{folder}: its sub-folders {folders} look like separate submissions (each "
                "with its own photos or submission.toml), not one; review them all with "
                "`image-review batch {folder} --out-dir DIR`, or one with "
                "`image-review {first}`"
            ).format(folder=folder, folders=", ".join(nested), first=folder / nested[0])
        )
    sidecar = read_sidecar(folder)
    budget = DecodeBudget(policy.decode_budget_pixels)

    def one(photo_file: PhotoFile) -> Examined:
        return examine(photo_file, policy, detect_screen, previews, budget)

    workers = max(1, min(threads or os.cpu_count() or 1, len(found.photos)))
    examined, pairs = _examine_all(found.photos, one, workers)
    return Evidence(
        path=folder.resolve().name,
        files=found.photos,
        photos=[e.result for e in examined],
        pairs=pairs,
        sidecar=sidecar,
        ignored=found.ignored,
        outside_links=found.outside_links,
        link_loops=found.link_loops,
        previews={e.result.file: e.preview for e in examined if e.preview is not None},
    )


def assess(evidence: Evidence, policy: Policy, profile: Profile, screen: str = "auto") -> Review:
    """Judge what `observe` measured (or a manifest recorded): assign the views in the
    profile's words, find each photo's problems, the copies, and the requirements."""
    assignments, findings = assign_views(evidence.files, evidence.sidecar, profile)
    findings += _discovery_findings(evidence)
    files = {f.rel: f for f in evidence.files}
    photos = [
        _judge_photo(photo, files[photo.file], assignments[photo.file], policy, screen != "no")
        for photo in evidence.photos
    ]
    decoded = {p.file for p in photos if p.measures}
    pairs = [p for p in evidence.pairs if {p.first, p.second} <= decoded]
    judge_duplicates(photos, pairs, policy)
    not_photos = views_named(evidence.ignored, profile)
    has_screen = _has_screen(screen, evidence.sidecar, photos, profile, SCREEN_ON in not_photos)
    checks = evidence.sidecar.checks if evidence.sidecar else {}
    requirements, requirement_findings = judge_requirements(
        photos,
        policy,
        profile,
        has_screen,
        screen_confirmed=checks.get("screen_on") == "confirmed",
        not_photos=not_photos,
    )
    mark_extra_photos(photos, requirements)
    sidecar = evidence.sidecar
    product = sidecar.product.as_dict() if sidecar else {"name": None, "category": None}
    product["has_screen"] = has_screen
    return Review(
        path=evidence.path,
        product=product,
        photos=photos,
        requirements=requirements,
        findings=findings + requirement_findings,
        profile=profile,
        lang=current_language(),
        checks=dict(checks),
        sidecar=sidecar.as_dict() if sidecar else None,
        ignored=list(evidence.ignored),
        outside_links=list(evidence.outside_links),
        link_loops=list(evidence.link_loops),
        pairs=pairs,
        previews=evidence.previews,
    )


def _judge_photo(
    measured: PhotoResult,
    photo_file: PhotoFile,
    assignment: Assignment,
    policy: Policy,
    screen_possible: bool = True,
) -> PhotoResult:
    """A judged copy of one measured photo (without the screen's measures when the user
    says the product has no screen). A photo whose name says no view but whose screen is
    near-certainly lit (screen_unnamed_probability) becomes `screen_on` (view_source
    `content`); a less sure one stays unassigned."""
    measures = dict(measured.measures)
    if not screen_possible:
        measures.pop("screen", None)
    photo = dataclasses.replace(
        measured,
        view=assignment.view,
        view_source=assignment.source,
        screen_label=assignment.screen_label,
        measures=measures,
        findings=list(measured.findings),
    )
    refused = load_problem(photo_file, policy, named=assignment.view != UNASSIGNED)
    over_limit = _pixel_problem(photo, policy)
    if refused or over_limit:  # as if never decoded (a re-judge with other limits)
        photo.measures, photo.findings = {}, [refused or over_limit]
        photo.width = photo.height = photo.orientation = None
        if refused:
            photo.sha256 = None
        return photo
    if not photo.measures:  # not decoded: its finding says why
        return photo
    photo.findings += photo_findings(photo, policy)
    if assignment.view != UNASSIGNED or is_screenshot(photo):  # a screenshot counts for none
        return photo
    if surely_lit(photo, policy):
        photo.view, photo.view_source = SCREEN_ON, "content"
    else:
        photo.findings.append(unassigned_finding(photo, assignment.hint))
    return photo


def _examine_all(
    photos: list[PhotoFile], one: Callable[[PhotoFile], Examined], workers: int
) -> tuple[list[Examined], list[Pair]]:
    """Examine the photos in `workers` threads, and compare each photo with the ones
    examined before it as soon as it is done: the copy check runs in the threads the last
    photos leave idle, not after them. Pairs come sorted by their files' names (the photos'
    order). On an error or Ctrl-C the photos not started yet are dropped, not waited for."""
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending = [pool.submit(one, photo) for photo in photos]
        done: list[Examined] = []
        comparisons = []
        try:
            for future in as_completed(pending):
                newcomer = future.result()
                comparisons += [pool.submit(_compare, c) for c in _candidates(done, newcomer)]
                done.append(newcomer)
            pairs = [comparison.result() for comparison in comparisons]
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise
    pairs.sort(key=lambda pair: (pair.first, pair.second))
    return [future.result() for future in pending], pairs


def measure_pairs(examined: list[Examined], newcomer: Examined) -> list[Pair]:
    """The pairs of `newcomer` with the other decoded photos that are the same file, or
    whose fingerprints are within MAX_HASH_DISTANCE, with the aligned difference of their
    pictures (policy-free: any policy up to those limits can be judged from it)."""
    others = [e for e in examined if e is not newcomer]
    return [_compare(candidate) for candidate in _candidates(others, newcomer)]


def _candidates(others: list[Examined], newcomer: Examined) -> list[tuple[Examined, Examined, int]]:
    """(first, second, hash distance) of each pair of `newcomer` with one of `others` close
    enough to compare, both decoded, the two in file order."""
    if newcomer.thumb is None:
        return []
    candidates = []
    for other in others:
        if other.thumb is None:
            continue
        a, b = sorted((other, newcomer), key=lambda e: e.result.file)
        distance = hamming(a.result.measures["dhash"], b.result.measures["dhash"])
        if a.result.sha256 == b.result.sha256 or distance <= MAX_HASH_DISTANCE:
            candidates.append((a, b, distance))
    return candidates


def _compare(candidate: tuple[Examined, Examined, int]) -> Pair:
    """The pair with its aligned difference (0 for the same file)."""
    a, b, distance = candidate
    if a.result.sha256 == b.result.sha256:
        difference = 0.0
    else:
        difference = round(tile_difference(a.thumb, b.thumb, settled_above=MAX_TILE_LIMIT), 4)
    return Pair(a.result.file, b.result.file, distance, difference)


@dataclass
class Examined:
    """One photo's result, plus what later steps need from its pixels (None: not decoded)."""

    result: PhotoResult
    thumb: np.ndarray | None = None  # for the copy check
    preview: bytes | None = None  # a small JPEG for reports, when asked


def examine(
    photo_file: PhotoFile,
    policy: Policy,
    detect_screen: bool = True,
    preview: bool = False,
    budget: DecodeBudget = UNLIMITED,
) -> Examined:
    """Read, decode and measure one photo (and make its preview when asked). A file that
    must not or cannot be decoded gets no measures; a decode error is its finding."""
    result = PhotoResult(
        file=photo_file.rel,
        bytes=photo_file.size,
        view=UNASSIGNED,
        view_source="none",
        format=photo_file.format,
    )
    if load_problem(photo_file, policy) is not None:
        return Examined(result)
    try:
        data = photo_file.path.read_bytes()
    except OSError as err:
        problem = DecodeError(
            "unreadable", _("the file cannot be read ({reason})").format(reason=err.strerror)
        )
        result.findings.append(_decode_finding(result.file, problem))
        return Examined(result)
    result.sha256 = hashlib.sha256(data).hexdigest()
    try:
        fmt = photo_file.format or ""
        frame = decode(data, fmt, policy.pixel_cap(fmt), budget)
    except DecodeError as err:
        result.findings.append(_decode_finding(result.file, err))
        return Examined(result)
    del data
    result.width, result.height, result.orientation = frame.width, frame.height, frame.orientation
    thumb = thumbnail(frame.gray)
    result.measures = measure(frame, thumb, detect_screen)
    return Examined(result, thumb, preview_jpeg(frame.bgr) if preview else None)


PREVIEW_LONG_SIDE = 360


def preview_jpeg(bgr: np.ndarray) -> bytes:
    """A small JPEG of the upright analysis pixels, for reports and contact sheets."""
    h, w = bgr.shape[:2]
    scale = min(1.0, PREVIEW_LONG_SIDE / max(h, w))
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    small = cv2.resize(bgr, size, interpolation=cv2.INTER_AREA)
    return cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])[1].tobytes()


def _pixel_problem(photo: PhotoResult, policy: Policy) -> Finding | None:
    """The pixel-limit finding of a measured photo over this policy's limit (a re-judge
    with a lower limit), else None."""
    if not photo.measures:
        return None
    width, height = photo.width or 0, photo.height or 0
    if (photo.orientation or 1) >= 5:  # stored on its side: the header says so
        width, height = height, width
    err = pixel_limit(width, height, policy.pixel_cap(photo.format))
    return _decode_finding(photo.file, err) if err else None


def load_problem(photo_file: PhotoFile, policy: Policy, named: bool = True) -> Finding | None:
    """A finding that stops the photo from being read at all, or None. A camera raw file
    is not read: an error when it is `named` for a view, else a note (it counts for none,
    and the JPEG the camera saved beside it is reviewed)."""
    rel = photo_file.rel
    if photo_file.size == 0:
        return Finding(
            "empty-file",
            _("{file}: the file is empty (0 bytes); copy the photo again").format(file=rel),
            rel,
        )
    if is_camera_raw(rel):
        if named:
            code, message = (
                "unsupported-format",
                _(
                    "{file}: a camera raw file, which the upload does not take; export it as JPEG, "
                    "or name the JPEG the camera saved beside it for this view"
                ),
            )
        else:
            code, message = (
                "camera-raw-extra",
                _(
                    "{file}: a camera raw file, which the upload does not take; it counts for no "
                    "view (send the JPEG the camera saved beside it)"
                ),
            )
        return Finding(code, message.format(file=rel), rel)
    if photo_file.format is None:
        suffix = Path(rel).suffix or _("no extension")
        return Finding(
            "unsupported-format",
            _(
                "{file}: named like a photo ({suffix}) but its bytes are not a JPEG, PNG, HEIC, "
                "WebP, GIF, TIFF or BMP image; export the photo again as JPEG"
            ).format(file=rel, suffix=suffix),
            rel,
        )
    if photo_file.size > policy.max_file_bytes:
        return Finding(
            "file-too-large",
            _(
                "{file}: {size:.0f} MiB is over the {limit:.0f} MiB limit; export a smaller JPEG"
            ).format(file=rel, size=photo_file.size / 2**20, limit=policy.max_file_bytes / 2**20),
            rel,
            value=photo_file.size,
            limit=policy.max_file_bytes,
        )
    return None


def _decode_finding(rel: str, err: DecodeError) -> Finding:
    if err.code == "pixel-limit":
        return Finding(
            err.code,
            _("{file}: {problem}; it was not decoded. Resize it to a normal photo size").format(
                file=rel, problem=err.detail
            ),
            rel,
            limit=err.limit,
        )
    if err.code == "unsupported-format":  # the detail says what to do
        return Finding(err.code, _("{file}: {problem}").format(file=rel, problem=err.detail), rel)
    return Finding(
        err.code,
        _(
            "{file}: {problem}; copy the original again from the phone or re-export it as JPEG"
        ).format(file=rel, problem=err.detail),
        rel,
    )


def _discovery_findings(evidence: Evidence) -> list[Finding]:
    ignored = evidence.ignored
    loops = [
        Finding(
            "link-loop",
            _(
                "{file} is a link that leads back to itself (a loop, directly or through "
                "other links); it was not followed. Put the photo itself in the folder"
            ).format(file=rel),
            rel,
        )
        for rel in evidence.link_loops
    ]
    findings = loops + [
        Finding(
            "link-outside",
            _(
                "{file} is a link to a place outside the submission folder; it was not "
                "followed. Copy the photo into the folder instead"
            ).format(file=rel),
            rel,
        )
        for rel in evidence.outside_links
    ]
    if ignored:
        shown = ", ".join(ignored[:5]) + (" ..." if len(ignored) > 5 else "")
        findings.append(
            Finding(
                "ignored-files",
                _("{count} file(s) that are not photos were skipped: {files}").format(
                    count=len(ignored), files=shown
                ),
                related=list(ignored),
            )
        )
    return findings


def _has_screen(
    screen: str,
    sidecar: Sidecar | None,
    photos: list[PhotoResult],
    profile: Profile,
    screen_file: bool = False,
) -> bool | None:
    """Whether the product has a display: the option, the sidecar, else the photos, or a
    `screen_file` that is not a photo but is named as showing the screen on (a video)."""
    if screen != "auto":
        return screen == "yes"
    known = sidecar.product.screen_known() if sidecar else None
    if known is not None:
        return known
    shown = any(p.screen_label or shows_lit_screen(p, profile) for p in photos)
    return True if shown or screen_file else None
