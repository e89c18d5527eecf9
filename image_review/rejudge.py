"""Judge a reviewed submission again from its manifest, without reading a photo.

The manifest keeps every policy-free number a review measured (each photo's measures, the
copy check's pairs), the sidecar as the seller wrote it and the other files found, so a
re-judge with another policy or profile gives the manifest a fresh review with the same
options would give. What it cannot do: judge a photo the first review did not decode (too
large for its limits, unreadable); then it says so.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from image_review.i18n import _
from image_review.manifest import SCHEMA_ID
from image_review.model import Finding, Pair, PhotoResult, Review
from image_review.policy import Policy
from image_review.review import Evidence, assess, load_problem
from image_review.sidecar import SIDECAR_NAME, Product, Sidecar
from image_review.submission import PhotoFile
from image_review.views import UNASSIGNED, Profile

DECODE_CODES = frozenset({"unreadable", "pixel-limit"})  # found while decoding the bytes
NEWEST_MEASURE = "edge_width"  # the measure added last: a manifest without it is older


def _older_measures(data: dict) -> bool:
    """Whether a decoded photo of the manifest lacks a measure this version judges."""
    photos = data.get("photos") or []
    return any(
        isinstance(photo, dict)
        and photo.get("measures")
        and NEWEST_MEASURE not in photo["measures"]
        for photo in photos
    )


class ManifestError(ValueError):
    """A manifest that cannot be judged again; the message names the file and why."""


def rejudge(path: str | Path, policy: Policy, profile: Profile, screen: str = "auto") -> Review:
    """The review of the submission a manifest describes, judged with `policy` and
    `profile` from the manifest's measures alone."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise ManifestError(
            _("{file}: cannot read it ({reason})").format(file=path, reason=err.strerror)
        ) from None
    except ValueError as err:
        raise ManifestError(
            _("{file}: not a manifest (not valid JSON: {reason})").format(file=path, reason=err)
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA_ID:
        raise ManifestError(
            _("{file}: not an image-review manifest ({schema})").format(file=path, schema=SCHEMA_ID)
        )
    if (
        "measures" not in data
        or "sidecar" not in data.get("submission", {})
        or _older_measures(data)
    ):
        raise ManifestError(
            _(
                "{file}: written by an older image-review, without the measures a re-judge "
                "needs; review the submission folder again"
            ).format(file=path)
        )
    evidence = evidence_from(data)
    _check_decoded(path, evidence, data["photos"], policy)
    return assess(evidence, policy, profile, screen)


def evidence_from(data: dict[str, Any]) -> Evidence:
    """What the first review read from the folder, as its manifest recorded it."""
    submission = data["submission"]
    files, photos = [], []
    for photo in data["photos"]:
        files.append(PhotoFile(photo["file"], Path(photo["file"]), photo["bytes"], photo["format"]))
        decode_problems = [
            Finding(f["code"], f["message"], f["file"], f.get("value"), f.get("limit"))
            for f in photo["findings"]
            if f["code"] in DECODE_CODES
        ]
        photos.append(
            PhotoResult(
                file=photo["file"],
                bytes=photo["bytes"],
                view=UNASSIGNED,
                view_source="none",
                sha256=photo["sha256"],
                format=photo["format"],
                width=photo["width"],
                height=photo["height"],
                orientation=photo["orientation"],
                measures=photo["measures"],
                findings=[] if photo["measures"] else decode_problems,
            )
        )
    raw = submission["sidecar"]
    sidecar = None
    if raw is not None:
        sidecar = Sidecar(
            product=Product(**raw["product"]),
            views=raw["views"],
            checks=submission.get("checks", {}),
            where=SIDECAR_NAME,
        )
    return Evidence(
        path=submission["path"],
        files=files,
        photos=photos,
        pairs=[
            Pair(*p["files"], p["hash_distance"], p["difference"])
            for p in data["measures"]["pairs"]
        ],
        sidecar=sidecar,
        ignored=submission.get("ignored_files", []),
        outside_links=submission.get("outside_links", []),
        link_loops=submission.get("link_loops", []),
        previews={},
    )


def _check_decoded(path: Path, evidence: Evidence, recorded: list[dict], policy: Policy) -> None:
    """Refuse when the new limits would let a photo be decoded that the first review did
    not decode: only reading it again can judge it."""
    for photo_file, photo, old in zip(evidence.files, evidence.photos, recorded, strict=True):
        if photo.measures:
            continue
        codes = {f["code"]: f for f in old["findings"]}
        pixel = codes.get("pixel-limit")
        was_refused = not photo.findings  # empty, not a photo, or too large: never read
        now_allowed = (was_refused and load_problem(photo_file, policy) is None) or (
            pixel is not None and policy.pixel_cap(photo.format) > (pixel.get("limit") or 0)
        )
        if now_allowed:
            raise ManifestError(
                _(
                    "{file}: {photo} was not decoded by the first review ({codes}) and these "
                    "limits would decode it; review the submission folder again"
                ).format(file=path, photo=photo.file, codes=", ".join(codes) or "-")
            )
