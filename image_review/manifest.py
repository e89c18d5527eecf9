"""Review -> JSON manifest (schema `image-review/manifest/v1`), and its JSON Schema.

The same folder gives a byte-identical manifest: fixed key order, '/' paths relative to the
submission, rounded numbers, no timestamps.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

from image_review import __version__
from image_review.atomic import write_atomic
from image_review.model import Finding, Pair, PhotoResult, Review
from image_review.models import provenance

SCHEMA_ID = "image-review/manifest/v1"


def finding_dict(finding: Finding) -> dict[str, Any]:
    """One finding as JSON: value and limit only where a number was judged."""
    out: dict[str, Any] = {
        "code": finding.code,
        "severity": finding.severity,
        "kind": finding.kind,
        "file": finding.file,
        "message": finding.message,
    }
    if finding.value is not None:
        out["value"] = finding.value
    if finding.limit is not None:
        out["limit"] = finding.limit
    if finding.related:
        out["related"] = list(finding.related)
    return out


def _photo_dict(photo: PhotoResult) -> dict[str, Any]:
    return {
        "file": photo.file,
        "sha256": photo.sha256,
        "bytes": photo.bytes,
        "format": photo.format,
        "width": photo.width,
        "height": photo.height,
        "orientation": photo.orientation,
        "view": photo.view,
        "view_source": photo.view_source,
        "screen_label": photo.screen_label,
        "usable": photo.usable,
        "measures": photo.measures,
        "findings": [finding_dict(f) for f in photo.findings],
    }


def summary(review: Review, strict: bool = False) -> dict[str, Any]:
    """Counts a person or a batch summary reads first."""
    findings = review.all_findings()
    status = {r.id: r.status for r in review.requirements}
    return {
        "strict": strict,
        "photos": len(review.photos),
        "usable_photos": sum(p.usable for p in review.photos),
        "unassigned": len(review.unassigned_photos()),
        "views_missing": [
            r.id.removeprefix("view.")
            for r in review.requirements
            if r.id.startswith("view.") and r.status == "fail"
        ],
        "screen_on": status.get("screen_on"),
        "errors": sum(f.severity == "error" for f in findings),
        "warnings": sum(f.severity == "warning" for f in findings),
        "infos": sum(f.severity == "info" for f in findings),
    }


def to_dict(review: Review, strict: bool = False) -> dict[str, Any]:
    """The whole manifest as plain data, keys in contract order."""
    return {
        "schema": SCHEMA_ID,
        "tool": {
            "name": "image-review",
            "version": __version__,
            "models": {"screen": provenance("screen")},
        },
        "profile": {"name": review.profile.name, "sha256": review.profile.sha256},
        "lang": review.lang,
        "submission": {
            "path": review.path,
            "product": review.product,
            "checks": review.checks,
            "sidecar": review.sidecar,
            "ignored_files": review.ignored,
            "outside_links": review.outside_links,
            "link_loops": review.link_loops,
        },
        "verdict": review.verdict(strict),
        "summary": summary(review, strict),
        "requirements": [
            {"id": r.id, "status": r.status, "photos": r.photos, "message": r.message}
            for r in review.requirements
        ],
        "photos": [_photo_dict(p) for p in review.photos],
        "findings": [finding_dict(f) for f in review.all_findings()],
        "measures": {"pairs": [_pair_dict(p) for p in review.pairs]},
    }


def _pair_dict(pair: Pair) -> dict[str, Any]:
    return {
        "files": [pair.first, pair.second],
        "hash_distance": pair.hash_distance,
        "difference": pair.difference,
    }


def dumps(review: Review, strict: bool = False) -> str:
    """The manifest as JSON text (UTF-8, not ASCII-escaped, newline at the end)."""
    return json.dumps(to_dict(review, strict), ensure_ascii=False, indent=2) + "\n"


def write_manifest(review: Review, path: Path, strict: bool = False) -> None:
    """Write the manifest atomically (temporary file, then rename)."""
    write_atomic(path, dumps(review, strict).encode("utf-8"))


def schema_text() -> str:
    """The manifest's JSON Schema, as shipped in the package."""
    return resources.files("image_review").joinpath("manifest.schema.json").read_text("utf-8")
