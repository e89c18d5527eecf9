"""The review's data: findings, photos, requirements and the review itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from image_review.rules import RULES, UNCOUNTED_CODES
from image_review.views import UNASSIGNED

if TYPE_CHECKING:
    from image_review.views import Profile


@dataclass
class Finding:
    """One thing wrong (or worth knowing) about a photo or the whole submission."""

    code: str
    message: str
    file: str | None = None
    value: float | None = None
    limit: float | None = None
    related: list[str] = field(default_factory=list)  # other files involved (duplicates)

    @property
    def severity(self) -> str:
        return RULES[self.code].severity

    @property
    def kind(self) -> str:
        return RULES[self.code].kind

    @property
    def advice(self) -> str:
        """The message without its leading file name (and its colon, `:` or the full-width
        `：` of Chinese), for where the file is named already."""
        if not self.file:
            return self.message
        for colon in (": ", "："):
            if self.message.startswith(self.file + colon):
                return self.message[len(self.file + colon) :]
        return self.message


@dataclass
class PhotoResult:
    """What the review knows about one photo file."""

    file: str  # relative to the submission, with '/'
    bytes: int
    view: str  # a view id, or 'unassigned'
    view_source: str  # sidecar | folder | filename | content | none
    screen_label: bool = False  # the name or sidecar says the screen is on
    sha256: str | None = None
    format: str | None = None
    width: int | None = None
    height: int | None = None
    orientation: int | None = None
    measures: dict[str, Any] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Readable, without any error finding, and a photo of the unit."""
        return (
            self.measures != {}
            and not self.uncounted
            and not any(f.severity == "error" for f in self.findings)
        )

    @property
    def uncounted(self) -> bool:
        """A finding says it counts for nothing, though it fails nothing (a screenshot)."""
        return any(f.code in UNCOUNTED_CODES for f in self.findings)


@dataclass(frozen=True)
class Pair:
    """Two photos whose fingerprints are close, and how far apart their pictures are
    (policy-free: the judge compares `difference` with the copy limit)."""

    first: str
    second: str
    hash_distance: int
    difference: float  # worst-tile difference after alignment; 0.0 for identical files


# Findings that say a requirement of the shot list again (one that fails, or one to check).
REQUIREMENT_CODES = frozenset(
    {"view-missing", "too-few-photos", "screen-on-missing", "screen-unnamed"}
)


@dataclass
class Requirement:
    """One line of the shot list and whether the submission meets it."""

    id: str  # min_photos | view.<id> | screen_on
    status: str  # pass | fail | warn | not_required
    photos: list[str]
    message: str


@dataclass
class Review:
    """The whole result for one submission folder."""

    path: str
    product: dict[str, Any]
    photos: list[PhotoResult]
    requirements: list[Requirement]
    findings: list[Finding]  # about the submission as a whole (no single file)
    profile: Profile
    lang: str = "en"  # the language of the messages
    checks: dict[str, str] = field(default_factory=dict)  # the seller's [checks] (overrides)
    sidecar: dict[str, Any] | None = None  # the seller's [product] and [views] as written
    ignored: list[str] = field(default_factory=list)  # files that are not photos
    outside_links: list[str] = field(default_factory=list)
    link_loops: list[str] = field(default_factory=list)  # links that never reach a file
    pairs: list[Pair] = field(default_factory=list)  # the copy check's measures
    previews: dict[str, bytes] = field(default_factory=dict)  # file -> small JPEG, if asked

    def all_findings(self) -> list[Finding]:
        """Submission findings first, then each photo's, in photo order."""
        return [*self.findings, *(f for p in self.photos for f in p.findings)]

    def failures(self, strict: bool = False) -> list[str]:
        """What makes the verdict `fail`, in words: the failed requirements, then the
        errors (strict: warnings too) that are not those requirements again."""
        failing = {"error", "warning"} if strict else {"error"}
        bad_status = {"fail", "warn"} if strict else {"fail"}
        out = [r.message for r in self.requirements if r.status in bad_status]
        out += [
            f.message
            for f in self.all_findings()
            if f.severity in failing and f.code not in REQUIREMENT_CODES
        ]
        return list(dict.fromkeys(out))

    def unassigned_photos(self) -> list[PhotoResult]:
        """The photos no view was named for (by the sidecar, a folder or the file name) and
        that could be named for one (not a screenshot)."""
        return [p for p in self.photos if p.view == UNASSIGNED and not p.uncounted]

    def views_without_photo(self) -> list[str]:
        """The required views that fail with no photo at all (ids): to shoot, or to name."""
        shown = {p.view for p in self.photos}
        failed = [
            r.id for r in self.requirements if r.id.startswith("view.") and r.status == "fail"
        ]
        return [view for view in (i.removeprefix("view.") for i in failed) if view not in shown]

    def verdict(self, strict: bool = False) -> str:
        """'fail' when a requirement fails or any finding is an error (or, strict, a warning)."""
        failing = {"error", "warning"} if strict else {"error"}
        bad_status = {"fail", "warn"} if strict else {"fail"}
        if any(r.status in bad_status for r in self.requirements):
            return "fail"
        return "fail" if any(f.severity in failing for f in self.all_findings()) else "pass"
