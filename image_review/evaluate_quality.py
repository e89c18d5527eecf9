"""Evaluate the blur and exposure checks on labelled real photos, and choose their limits.

The labels file has the columns `file`, `blur_label` (sharp / blurred / doubtful) and
`exposure_label` (normal / dark / bright), and a column of groups (by default
`source_repo`: photos of one source share cameras, scenes and processing). Each photo is
decoded from its bytes and measured once, as a review would; the names are never read.

A folder of photos known to be sharp can join (`also_sharp`): they count as sharp photos,
one more group, and say nothing about exposure. Sellers' good photos are what a false
`blurry` fails, so the blur limits are chosen on them too.

Each check's limit comes from a rule applied to labelled photos (`choose_limits`), so the
figures can be cross-validated honestly: the limits are chosen again with one group left
out, and that group is judged with them. The policy's defaults are the limits the rules
choose on quality-dev with screen-dev as the sharp folder.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from image_review.evaluate import LabelsError, csv_rows
from image_review.imaging import DecodeError, decode, sniff_format
from image_review.judge import blur_verdict, bright_verdict, is_too_dark
from image_review.measures.quality import measure_quality
from image_review.policy import DEFAULT_POLICY, Policy

BLURRY_FALSE = 0.03  # blurry: at most this share of sharp photos below the limit
SOFT_FALSE = 0.08  # possibly blurry: at most this share
EXPOSURE_MARGIN = 10  # grey levels between the most extreme good photo and a limit
DETAIL_STEP = 0.005
UNLABELLED = "unlabelled"  # the exposure of a photo from the also-sharp folder


@dataclass(frozen=True)
class QualityLabel:
    """One labelled photo."""

    file: str
    blur: str  # sharp | blurred | doubtful
    exposure: str  # normal | dark | bright | unlabelled
    group: str


def read_quality_labels(labels: Path, group_column: str = "source_repo") -> list[QualityLabel]:
    """Every row of a quality labels file; without the group column each photo is its own
    group."""
    rows = csv_rows(labels)
    if not rows or not {"file", "blur_label", "exposure_label"} <= set(rows[0]):
        raise LabelsError(f"{labels}: needs the columns 'file', 'blur_label', 'exposure_label'")
    if group_column not in rows[0]:
        raise LabelsError(f"{labels}: has no column {group_column!r} to group by")
    out = []
    for number, row in enumerate(rows, start=2):
        blur = (row["blur_label"] or "").strip().lower()
        exposure = (row["exposure_label"] or "").strip().lower()
        where = f"{labels}: line {number}"
        if blur not in ("sharp", "blurred", "doubtful"):
            raise LabelsError(f"{where}: blur_label must be sharp, blurred or doubtful")
        if exposure not in ("normal", "dark", "bright"):
            raise LabelsError(f"{where}: exposure_label must be normal, dark or bright")
        out.append(QualityLabel(row["file"], blur, exposure, row[group_column] or row["file"]))
    return out


def measure_photos(paths: list[Path]) -> tuple[list[dict | None], list[str]]:
    """The quality measures of each photo (None where it cannot be read) and the skipped."""
    measured, skipped = [], []
    for path in paths:
        try:
            data = path.read_bytes()
            frame = decode(data, sniff_format(data[:32]) or "", DEFAULT_POLICY.max_pixels)
        except (OSError, DecodeError):
            measured.append(None)
            skipped.append(path.name)
            continue
        measured.append(measure_quality(frame.gray))
    return measured, skipped


@dataclass(frozen=True)
class Check:
    """One finding judged against the labels: which photos should get it, which should
    not (doubtful photos are neither), and whether a policy gives it."""

    code: str
    positive: Callable[[QualityLabel], bool]
    negative: Callable[[QualityLabel], bool]
    fires: Callable[[dict, Policy], bool]
    value: Callable[[dict], float | None]
    limit: Callable[[Policy], float]


def _blur_check(code: str, fires: Callable[[str | None], bool], limit: str) -> Check:
    """A blur check: blurred photos should get it, sharp ones not (doubtful: neither)."""
    return Check(
        code,
        lambda label: label.blur == "blurred",
        lambda label: label.blur == "sharp",
        lambda m, policy: fires(blur_verdict(m, policy)),
        lambda m: m["detail"],
        lambda policy: getattr(policy, limit),
    )


def _bright_check(code: str, fires: Callable[[str | None], bool]) -> Check:
    """An overexposure check: photos labelled bright should get it, normal and dark not."""
    return Check(
        code,
        lambda label: label.exposure == "bright",
        lambda label: label.exposure in ("normal", "dark"),
        lambda m, policy: fires(bright_verdict(m["exposure"], policy)),
        lambda m: m["exposure"]["mean"],
        lambda policy: policy.bright_mean,
    )


CHECKS = (
    _blur_check("blurry", lambda verdict: verdict == "blurry", "min_detail"),
    _blur_check("blurry or possibly-", lambda verdict: verdict is not None, "soft_detail"),
    Check(
        "too-dark",
        lambda label: label.exposure == "dark",
        lambda label: label.exposure in ("normal", "bright"),
        lambda m, policy: is_too_dark(m["exposure"], policy),
        lambda m: m["exposure"]["p90"],
        lambda policy: policy.dark_p90,
    ),
    _bright_check("overexposed", lambda verdict: verdict == "overexposed"),
    _bright_check("overexposed or possibly-", lambda verdict: verdict is not None),
)


def _detail_limit(details: list[float], false_share: float) -> float:
    """The largest limit (in DETAIL_STEP steps) with at most `false_share` of these sharp
    photos' details below it."""
    values = np.sort(np.array(details))
    allowed = math.floor(false_share * len(values))
    ceiling = values[allowed] if allowed < len(values) else 1.0
    return round(math.floor(ceiling / DETAIL_STEP) * DETAIL_STEP, 3)


def choose_limits(labels: list[QualityLabel], measured: list[dict]) -> dict[str, float]:
    """The limits the rules choose on these photos:
    - min_detail / soft_detail: the largest with at most BLURRY_FALSE / SOFT_FALSE of the
      sharp photos flagged;
    - dark_p90: EXPOSURE_MARGIN below the dimmest normal photo's brightest tenth (p90);
    - bright_mean: EXPOSURE_MARGIN above the brightest mean of a photo not labelled bright
      that has no shadows either (p05 above bright_p05, a fixed design value).
    Exposure limits are rounded to multiples of 5 away from the good photos; without such
    photos they stay the defaults."""
    pairs = list(zip(labels, measured, strict=True))
    sharp = [m["detail"] for label, m in pairs if label.blur == "sharp" and m["detail"] is not None]
    normal_p90 = [m["exposure"]["p90"] for label, m in pairs if label.exposure == "normal"]
    shadowless = [
        m["exposure"]["mean"]
        for label, m in pairs
        if label.exposure in ("normal", "dark") and m["exposure"]["p05"] > DEFAULT_POLICY.bright_p05
    ]
    return {
        "min_detail": _detail_limit(sharp, BLURRY_FALSE),
        "soft_detail": _detail_limit(sharp, SOFT_FALSE),
        "dark_p90": (
            5 * math.floor(min(normal_p90) / 5) - EXPOSURE_MARGIN
            if normal_p90
            else DEFAULT_POLICY.dark_p90
        ),
        "bright_mean": (
            5 * math.ceil(max(shadowless) / 5) + EXPOSURE_MARGIN
            if shadowless
            else DEFAULT_POLICY.bright_mean
        ),
    }


@dataclass
class CheckResult:
    """One check's answers on every photo it is scored on."""

    check: Check
    labels: list[QualityLabel]
    values: list[float | None]
    fired: list[bool]

    def _count(self, positive: bool, fired: bool) -> int:
        """On the labelled photos (the also-sharp folder is counted apart)."""
        test = self.check.positive if positive else self.check.negative
        return sum(
            test(label) and f is fired and label.exposure != UNLABELLED
            for label, f in zip(self.labels, self.fired, strict=True)
        )

    @property
    def caught(self) -> tuple[int, int]:
        return self._count(True, True), self._count(True, True) + self._count(True, False)

    @property
    def false_alarms(self) -> tuple[int, int]:
        return self._count(False, True), self._count(False, True) + self._count(False, False)

    def false_alarms_in(self, group: str) -> tuple[int, int]:
        """(flagged, photos) among the negatives of one group."""
        negatives = [
            fired
            for label, fired in zip(self.labels, self.fired, strict=True)
            if label.group == group and self.check.negative(label)
        ]
        return sum(negatives), len(negatives)

    @property
    def balanced_accuracy(self) -> float:
        (hit, positives), (false, negatives) = self.caught, self.false_alarms
        return (hit / max(positives, 1) + 1 - false / max(negatives, 1)) / 2

    def misses(self) -> list[tuple[QualityLabel, float | None, str]]:
        """Photos the check got wrong: (label, measured value, missed | false alarm)."""
        out = []
        for label, value, fired in zip(self.labels, self.values, self.fired, strict=True):
            if self.check.positive(label) and not fired:
                out.append((label, value, "missed"))
            elif self.check.negative(label) and fired:
                out.append((label, value, "false alarm"))
        return out


def _judge(
    check: Check, labels: list[QualityLabel], measured: list[dict], policies: list[Policy]
) -> CheckResult:
    return CheckResult(
        check,
        labels,
        [check.value(m) for m in measured],
        [check.fires(m, policy) for m, policy in zip(measured, policies, strict=True)],
    )


@dataclass
class QualityEvaluation:
    """Every check with the shipped limits and cross-validated, on one labelled set."""

    photos: int
    groups: int
    group_column: str
    shipped: list[CheckResult]
    cross_validated: list[CheckResult]
    chosen: dict[str, float]  # the limits the rules choose on all these photos
    skipped: list[str] = field(default_factory=list)
    sharp_group: str | None = None  # the group of the also-sharp folder
    # The also-sharp photos that get a finding with the policy: (file, code, measures).
    sharp_findings: list[tuple[str, str, dict]] = field(default_factory=list)


def evaluate_quality(
    labels_path: Path,
    images: Path,
    group_column: str = "source_repo",
    policy: Policy = DEFAULT_POLICY,
    also_sharp: Path | None = None,
) -> QualityEvaluation:
    """Measure every labelled photo (and every photo of `also_sharp`) once; judge it with
    `policy`, and with the limits chosen without its group (grouped cross-validation)."""
    labels = read_quality_labels(labels_path, group_column)
    paths = [images / label.file for label in labels]
    sharp_group = None
    if also_sharp is not None:
        sharp_group = f"{'/'.join(also_sharp.resolve().parts[-2:])} (sharp)"
        extra = sorted(p for p in also_sharp.iterdir() if p.is_file() and p.name[0] != ".")
        labels += [QualityLabel(p.name, "sharp", UNLABELLED, sharp_group) for p in extra]
        paths += extra
    measured_all, skipped = measure_photos(paths)
    kept = [(label, m) for label, m in zip(labels, measured_all, strict=True) if m]
    if not kept:
        raise LabelsError(f"{images}: none of the labelled photos could be read")
    labels, measured = [label for label, _ in kept], [m for _, m in kept]
    held_out: dict[str, Policy] = {}
    for group in {label.group for label in labels}:
        train = [(label, m) for label, m in kept if label.group != group]
        limits = choose_limits([label for label, _ in train], [m for _, m in train])
        held_out[group] = dataclasses.replace(policy, **limits)
    cv_policies = [held_out[label.group] for label in labels]
    return QualityEvaluation(
        photos=len(labels),
        groups=len(held_out),
        group_column=group_column,
        shipped=[_judge(check, labels, measured, [policy] * len(labels)) for check in CHECKS],
        cross_validated=[_judge(check, labels, measured, cv_policies) for check in CHECKS],
        chosen=choose_limits(labels, measured),
        skipped=skipped,
        sharp_group=sharp_group,
        sharp_findings=[
            (label.file, code, m)
            for label, m in kept
            if label.group == sharp_group
            for code in quality_codes(m, policy)
        ],
    )


def quality_codes(measures: dict, policy: Policy) -> list[str]:
    """The blur and exposure findings a review gives a photo with these measures."""
    codes = [blur_verdict(measures, policy)]
    codes.append("too-dark" if is_too_dark(measures["exposure"], policy) else None)
    codes.append(bright_verdict(measures["exposure"], policy))
    return [code for code in codes if code]


def shown(value: float | None) -> str:
    return "not measurable" if value is None else f"{value:.3f}"


def _line(result: CheckResult, limit: str) -> str:
    (hit, positives), (false, negatives) = result.caught, result.false_alarms
    recall, false_rate = hit / max(positives, 1), false / max(negatives, 1)
    return (
        f"  {result.check.code:26} {limit:>8}  {hit:>3}/{positives:<3} {recall:>6.1%}"
        f"  {false:>3}/{negatives:<3} {false_rate:>6.1%}  {result.balanced_accuracy:.3f}"
    )


def _table(results: list[CheckResult], limits: list[str], sharp_group: str | None) -> list[str]:
    lines = [f"  {'check':26} {'limit':>8}  {'caught':>10}  {'false alarms':>12}  bal.acc"]
    lines += [_line(r, limit) for r, limit in zip(results, limits, strict=True)]
    if sharp_group:
        for r in results[:2]:  # the blur checks
            flagged, photos = r.false_alarms_in(sharp_group)
            lines.append(f"    {r.check.code} also flags {flagged}/{photos} of {sharp_group}")
    return lines


def quality_report(result: QualityEvaluation, policy: Policy = DEFAULT_POLICY) -> str:
    """The evaluation as text: per check, caught and false alarms cross-validated and with
    the policy's limits, the limits chosen on all photos, every miss with its value, and
    the findings on the also-sharp photos."""
    unreadable = f"; unreadable: {', '.join(result.skipped)}" if result.skipped else ""
    lines = [
        f"{result.photos} photos, {result.groups} groups by {result.group_column}{unreadable}; "
        "the figures are on the labelled photos, the sharp folder's apart",
        "",
        "cross-validated (limits chosen again with each group left out):",
    ]
    lines += _table(result.cross_validated, ["varies"] * len(CHECKS), result.sharp_group)
    lines += ["", "with the policy's limits (in-sample on the photos they were chosen on):"]
    limits = [f"{r.check.limit(policy):g}" for r in result.shipped]
    lines += _table(result.shipped, limits, result.sharp_group)
    lines += [
        "",
        "limits the rules choose on these photos: "
        + ", ".join(f"{name} {value:g}" for name, value in result.chosen.items()),
    ]
    for r in result.shipped:
        misses = [miss for miss in r.misses() if miss[0].group != result.sharp_group]
        if misses:
            lines += ["", f"{r.check.code}: misses with the policy's limits (file, label, value):"]
            lines += [
                f"  {kind:11} {label.file}  {label.blur}/{label.exposure}  {shown(value)}"
                for label, value, kind in sorted(misses, key=lambda miss: miss[1] or 0.0)
            ]
    if result.sharp_group:
        lines += ["", f"findings on the photos of {result.sharp_group} with the policy's limits:"]
        lines += [
            f"  {code:20} {name}  detail {shown(m['detail'])} mean {m['exposure']['mean']:.0f} "
            f"p05 {m['exposure']['p05']:.0f} p90 {m['exposure']['p90']:.0f}"
            for name, code, m in result.sharp_findings
        ]
    return "\n".join(lines)
