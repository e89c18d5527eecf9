"""Evaluate the blur and exposure checks on labelled real photos, and choose their limits.

A labels file has the columns `file`, `blur_label` (sharp / blurred / doubtful) and
`exposure_label` (normal / dark / bright), and a column of groups (by default
`source_repo`: photos of one source share cameras, scenes and processing). A labels file
without that column takes it from the `labels.csv` beside it, matched by file name (so
`screen-dev/blur_labels.csv` is grouped by screen-dev's sources). Several labels files
are scored together; each file's photos are in the `images/` folder beside it. Each photo
is decoded from its bytes and measured once, as a review would; the names are never read.

Photos without labels can be looked at too (`unlabelled`): their findings are counted and
listed, not scored: sellers' good photos are what a false finding fails.

Each check's limit comes from a rule applied to labelled photos (`choose_limits`), so the
figures can be cross-validated honestly: the limits are chosen again with one source left
out, and that source is judged with them. The policy's defaults are the limits the rules
choose on quality-dev with screen-dev's blur labels.
"""

from __future__ import annotations

import dataclasses
import hashlib
import math
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from image_review.evaluate import LabelsError, csv_rows
from image_review.imaging import DecodeError, decode, sniff_format
from image_review.measures.quality import measure_quality
from image_review.photo_checks import (
    blur_verdict,
    bright_verdict,
    dark_code,
    measured_softness,
)
from image_review.policy import DEFAULT_POLICY, Policy

SOFT_FALSE = 0.06  # possibly blurry: at most this share of sharp photos (the target is 8%)
DIM_FALSE = 0.015  # possibly too dark: at most this share of normal photos (the target is 2%)
EXPOSURE_MARGIN = 10  # grey levels between the most extreme good photo and a limit
DARK_P50_MARGIN = 5  # the same for the median, which sits closer to black
SOFTNESS_STEP = 0.05  # softness limits in these steps
ERROR_MARGIN = 0.25  # softness between the softest sharp photo and the error's limit


@dataclass(frozen=True)
class QualityLabel:
    """One labelled photo."""

    file: str
    blur: str  # sharp | blurred | doubtful
    exposure: str  # normal | dark | bright
    group: str
    source: str = ""  # the labels file it comes from


def _groups_beside(labels: Path, group_column: str) -> dict[str, str]:
    """File -> group from the `labels.csv` beside a labels file that has no group column."""
    sibling = labels.parent / "labels.csv"
    if sibling == labels or not sibling.is_file():
        return {}
    rows = csv_rows(sibling)
    if not rows or group_column not in rows[0] or "file" not in rows[0]:
        return {}
    return {row["file"]: row[group_column] for row in rows if row[group_column]}


def read_quality_labels(labels: Path, group_column: str = "source_repo") -> list[QualityLabel]:
    """Every row of a quality labels file. Without the group column the groups come from
    the `labels.csv` beside it; a photo with no group at all is its own group."""
    rows = csv_rows(labels)
    if not rows or not {"file", "blur_label", "exposure_label"} <= set(rows[0]):
        raise LabelsError(f"{labels}: needs the columns 'file', 'blur_label', 'exposure_label'")
    groups = {} if group_column in rows[0] else _groups_beside(labels, group_column)
    if group_column not in rows[0] and not groups:
        raise LabelsError(
            f"{labels}: has no column {group_column!r} to group by, nor a labels.csv beside "
            "it that has one"
        )
    out = []
    for number, row in enumerate(rows, start=2):
        blur = (row["blur_label"] or "").strip().lower()
        exposure = (row["exposure_label"] or "").strip().lower()
        where = f"{labels}: line {number}"
        if blur not in ("sharp", "blurred", "doubtful"):
            raise LabelsError(f"{where}: blur_label must be sharp, blurred or doubtful")
        if exposure not in ("normal", "dark", "bright"):
            raise LabelsError(f"{where}: exposure_label must be normal, dark or bright")
        group = row.get(group_column) or groups.get(row["file"]) or row["file"]
        out.append(QualityLabel(row["file"], blur, exposure, group, labels.name))
    return out


def measure_photos(paths: list[Path]) -> tuple[list[dict | None], list[str], list[str]]:
    """The quality measures of each photo (None where it cannot be read), the skipped, and
    the SHA-256 of each photo's bytes ("" where it cannot be read)."""
    measured, skipped, digests = [], [], []
    for path in paths:
        try:
            data = path.read_bytes()
            frame = decode(data, sniff_format(data[:32]) or "", DEFAULT_POLICY.max_pixels)
        except (OSError, DecodeError):
            measured.append(None)
            skipped.append(path.name)
            digests.append("")
            continue
        measured.append(measure_quality(frame.gray))
        digests.append(hashlib.sha256(data).hexdigest())
    return measured, skipped, digests


def disagreements(labels: list[QualityLabel], digests: list[str]) -> list[list[QualityLabel]]:
    """The photos labelled more than once (identical files, under any name) whose labels
    disagree. One labelled sharp in one file and blurred in another is a miss or a false
    alarm at any limit."""
    same: dict[str, list[QualityLabel]] = defaultdict(list)
    for label, digest in zip(labels, digests, strict=True):
        if digest:  # "" where the photo could not be read
            same[digest].append(label)
    return [
        copies
        for copies in same.values()
        if len({(label.blur, label.exposure) for label in copies}) > 1
    ]


@dataclass(frozen=True)
class Check:
    """One finding judged against the labels: which photos should get it, which should
    not (doubtful photos are neither), and whether a policy gives it."""

    code: str
    positive: Callable[[QualityLabel], bool]
    negative: Callable[[QualityLabel], bool]
    fires: Callable[[dict, Policy], bool]
    value: Callable[[dict], float | None]
    limit: Callable[[Policy], str]


def _blur_check(code: str, fires: Callable[[str | None], bool], limit: Callable) -> Check:
    """A blur check: blurred photos should get it, sharp ones not (doubtful: neither)."""
    return Check(
        code,
        lambda label: label.blur == "blurred",
        lambda label: label.blur == "sharp",
        lambda m, policy: fires(blur_verdict(m, policy)),
        measured_softness,
        limit,
    )


def _exposure_check(
    code: str,
    labelled: str,
    verdict: Callable[[dict, Policy], str | None],
    value: str,
    fires: Callable[[str | None], bool],
    limit: Callable,
) -> Check:
    """An exposure check: photos labelled `labelled` (dark or bright) should get it, the
    others (every label is normal, dark or bright) not; `value` is the exposure level shown."""
    return Check(
        code,
        lambda label: label.exposure == labelled,
        lambda label: label.exposure != labelled,
        lambda m, policy: fires(verdict(m["exposure"], policy)),
        lambda m: m["exposure"][value],
        limit,
    )


def _dark_check(code: str, fires: Callable[[str | None], bool], limit: Callable) -> Check:
    """An underexposure check, shown by the brightest tenth (p90)."""
    return _exposure_check(code, "dark", dark_code, "p90", fires, limit)


def _bright_check(code: str, fires: Callable[[str | None], bool]) -> Check:
    """An overexposure check, shown by the mean level."""
    return _exposure_check(
        code, "bright", bright_verdict, "mean", fires, lambda policy: f"{policy.bright_mean:g}"
    )


CHECKS = (
    _blur_check(
        "blurry",
        lambda verdict: verdict == "blurry",
        lambda policy: f"{policy.blur_error_softness:g}",
    ),
    _blur_check(
        "blurry or possibly-",
        lambda verdict: verdict is not None,
        lambda policy: f"{policy.blur_warning_softness:g}",
    ),
    _dark_check(
        "too-dark",
        lambda code: code == "too-dark",
        lambda policy: f"{policy.dark_p90:g}|{policy.dark_p50:g}",
    ),
    _dark_check(
        "too-dark or possibly-",
        lambda code: code is not None,
        lambda policy: f"{policy.dark_warning_p90:g}",
    ),
    _bright_check("overexposed", lambda verdict: verdict == "overexposed"),
    _bright_check("overexposed or possibly-", lambda verdict: verdict is not None),
)


def _ceil_step(value: float, step: float) -> float:
    return round(math.ceil(value / step - 1e-9) * step, 3)


def _allowed(values: list[float], false_share: float) -> int:
    return min(math.floor(false_share * len(values)), len(values) - 1)


def _upper_limit(values: list[float], false_share: float, step: float) -> float:
    """The smallest limit (in steps) with at most `false_share` of these values above it."""
    ordered = sorted(values, reverse=True)
    return _ceil_step(ordered[_allowed(ordered, false_share)], step)


def _lower_limit(values: list[float], false_share: float, step: float) -> float:
    """The largest limit (in steps) with at most `false_share` of these values under it."""
    ordered = sorted(values)
    return step * math.floor(ordered[_allowed(ordered, false_share)] / step)


def choose_limits(labels: list[QualityLabel], measured: list[dict]) -> dict[str, float]:
    """The limits the rules choose on these photos:
    - blur_error_softness (`blurry`): ERROR_MARGIN above every sharp photo's softness;
    - blur_warning_softness (`possibly-blurry`): over at most SOFT_FALSE of them;
    - dark_p90: EXPOSURE_MARGIN below the dimmest normal photo's brightest tenth (p90);
    - dark_p50: DARK_P50_MARGIN below the darkest median of a normal photo whose black is
      not a backdrop;
    - dark_warning_p90 (`possibly-too-dark`): under at most DIM_FALSE of the normal
      photos' p90 (and never under dark_p90);
    - bright_mean: EXPOSURE_MARGIN above the brightest mean of a photo not labelled bright
      that has no shadows either and no white backdrop.
    The backdrop levels and bright_p05 are fixed by design. Exposure limits are multiples
    of 5 away from the good photos; without such photos they stay the defaults."""
    pairs = list(zip(labels, measured, strict=True))
    sharp = [m for label, m in pairs if label.blur == "sharp"]
    softnesses = [s for s in map(measured_softness, sharp) if s is not None]
    normal = [m["exposure"] for label, m in pairs if label.exposure == "normal"]
    lit_medians = [
        e["p50"] for e in normal if (e.get("black_edge") or 0) < DEFAULT_POLICY.black_backdrop_edge
    ]
    shadowless = [
        m["exposure"]["mean"]
        for label, m in pairs
        if label.exposure in ("normal", "dark")
        and m["exposure"]["p05"] > DEFAULT_POLICY.bright_p05
        and (m["exposure"].get("white_edge") or 255) >= DEFAULT_POLICY.white_backdrop_edge
    ]
    default = DEFAULT_POLICY
    dark_p90 = (
        5 * math.floor(min(e["p90"] for e in normal) / 5) - EXPOSURE_MARGIN
        if normal
        else default.dark_p90
    )
    return {
        "blur_error_softness": (
            _upper_limit(softnesses, 0, SOFTNESS_STEP) + ERROR_MARGIN
            if softnesses
            else default.blur_error_softness
        ),
        "blur_warning_softness": (
            _upper_limit(softnesses, SOFT_FALSE, SOFTNESS_STEP)
            if softnesses
            else default.blur_warning_softness
        ),
        "dark_p90": dark_p90,
        "dark_warning_p90": (
            max(_lower_limit([e["p90"] for e in normal], DIM_FALSE, 5), dark_p90)
            if normal
            else default.dark_warning_p90
        ),
        "dark_p50": (
            5 * math.floor(min(lit_medians) / 5) - DARK_P50_MARGIN
            if lit_medians
            else default.dark_p50
        ),
        "bright_mean": (
            5 * math.ceil(max(shadowless) / 5) + EXPOSURE_MARGIN
            if shadowless
            else default.bright_mean
        ),
    }


@dataclass
class CheckResult:
    """One check's answers on every photo it is scored on."""

    check: Check
    labels: list[QualityLabel]
    values: list[float | None]
    fired: list[bool]

    def counts(self, keep: Callable[[QualityLabel], bool] = lambda label: True) -> list[int]:
        """[caught, positives, false alarms, negatives] among the photos `keep` takes."""
        out = [0, 0, 0, 0]
        for label, fired in zip(self.labels, self.fired, strict=True):
            if not keep(label):
                continue
            if self.check.positive(label):
                out[0] += fired
                out[1] += 1
            elif self.check.negative(label):
                out[2] += fired
                out[3] += 1
        return out

    @property
    def balanced_accuracy(self) -> float:
        hit, positives, false, negatives = self.counts()
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
    """Every check with the shipped limits and cross-validated, on labelled photos."""

    photos: int
    groups: int
    group_column: str
    shipped: list[CheckResult]
    cross_validated: list[CheckResult]
    chosen: dict[str, float]  # the limits the rules choose on all these photos
    skipped: list[str] = field(default_factory=list)
    # Photos without labels, with the policy: how many, and (file, code, measures) found.
    unlabelled: int = 0
    unlabelled_findings: list[tuple[str, str, dict]] = field(default_factory=list)
    # The same photo labelled differently (see `disagreements`).
    disagreeing: list[list[QualityLabel]] = field(default_factory=list)


def evaluate_quality(
    labels_paths: list[Path],
    group_column: str = "source_repo",
    policy: Policy = DEFAULT_POLICY,
    unlabelled: Path | None = None,
    images: Path | None = None,
) -> QualityEvaluation:
    """Measure every labelled photo once (from `images`, or the `images/` folder beside its
    labels file); judge it with `policy`, and with the limits chosen without its group
    (grouped cross-validation). Photos of `unlabelled` that no labels file names are judged
    with `policy` and listed."""
    labels: list[QualityLabel] = []
    paths: list[Path] = []
    for labels_path in labels_paths:
        rows = read_quality_labels(labels_path, group_column)
        folder = images or labels_path.parent / "images"
        labels += rows
        paths += [folder / label.file for label in rows]
    measured_all, skipped, digests = measure_photos(paths)
    disagreeing = disagreements(labels, digests)
    kept = [(label, m) for label, m in zip(labels, measured_all, strict=True) if m]
    if not kept:
        raise LabelsError("none of the labelled photos could be read")
    labels, measured = [label for label, _ in kept], [m for _, m in kept]
    held_out: dict[str, Policy] = {}
    for group in {label.group for label in labels}:
        train = [(label, m) for label, m in kept if label.group != group]
        limits = choose_limits([label for label, _ in train], [m for _, m in train])
        held_out[group] = dataclasses.replace(policy, **limits)
    cv_policies = [held_out[label.group] for label in labels]
    result = QualityEvaluation(
        photos=len(labels),
        groups=len(held_out),
        group_column=group_column,
        shipped=[_judge(check, labels, measured, [policy] * len(labels)) for check in CHECKS],
        cross_validated=[_judge(check, labels, measured, cv_policies) for check in CHECKS],
        chosen=choose_limits(labels, measured),
        skipped=skipped,
        disagreeing=disagreeing,
    )
    if unlabelled is not None:
        named = {label.file for label in labels}
        extra = sorted(
            p
            for p in unlabelled.iterdir()
            if p.is_file() and p.name[0] != "." and p.name not in named
        )
        extra_measured, unreadable, _ = measure_photos(extra)
        result.skipped += unreadable
        result.unlabelled = len(extra) - len(unreadable)
        result.unlabelled_findings = [
            (path.name, code, m)
            for path, m in zip(extra, extra_measured, strict=True)
            if m
            for code in quality_codes(m, policy)
        ]
    return result


def quality_codes(measures: dict, policy: Policy) -> list[str]:
    """The blur and exposure findings a review gives a photo with these measures."""
    codes = [blur_verdict(measures, policy)]
    codes.append(dark_code(measures["exposure"], policy))
    codes.append(bright_verdict(measures["exposure"], policy))
    return [code for code in codes if code]


def shown(value: float | None) -> str:
    return "not measurable" if value is None else f"{value:.3f}"


def _rate(hit: int, total: int) -> str:
    return f"{hit:>3}/{total:<3} {hit / max(total, 1):>6.1%}"


def _table(results: list[CheckResult], limits: list[str]) -> list[str]:
    lines = [f"  {'check':26} {'limit':>9}  {'caught':>10}  {'false alarms':>12}  bal.acc"]
    for r, limit in zip(results, limits, strict=True):
        hit, positives, false, negatives = r.counts()
        lines.append(
            f"  {r.check.code:26} {limit:>9}  {_rate(hit, positives)}  {_rate(false, negatives)}"
            f"  {r.balanced_accuracy:.3f}"
        )
    return lines


def _by_source(results: list[CheckResult]) -> list[str]:
    """Per group: caught/positives and false alarms/negatives of each check."""
    groups = sorted({label.group for label in results[0].labels})
    header = "".join(f" {r.check.code[:14]:>16}" for r in results)
    lines = [f"  {'source':44}{header}"]
    for group in groups:
        cells = []
        for r in results:
            hit, positives, false, negatives = r.counts(lambda label, g=group: label.group == g)
            cell = (
                (f"{hit}/{positives}" if positives else "-")
                + " "
                + (f"!{false}/{negatives}" if negatives else "-")
            )
            cells.append(f" {cell:>16}")
        lines.append(f"  {group[:44]:44}" + "".join(cells))
    return lines


def quality_report(result: QualityEvaluation, policy: Policy = DEFAULT_POLICY) -> str:
    """The evaluation as text: per check, caught and false alarms cross-validated and with
    the policy's limits, the same by source, the limits chosen on all photos, every miss
    with its value, and the findings on unlabelled photos."""
    unreadable = f"; unreadable: {', '.join(result.skipped)}" if result.skipped else ""
    lines = [
        f"{result.photos} labelled photos, {result.groups} groups by {result.group_column}"
        f"{unreadable}; doubtful blur labels are left out of the blur figures",
        "",
        "cross-validated (limits chosen again with each group left out):",
    ]
    lines += _table(result.cross_validated, ["varies"] * len(CHECKS))
    lines += ["", "cross-validated, by source (caught/positives, !false alarms/negatives):"]
    lines += _by_source(result.cross_validated)
    sources = sorted({label.source for label in result.cross_validated[0].labels})
    if len(sources) > 1:
        lines += ["", "cross-validated, by labels file (caught/positives, !false alarms):"]
        for source in sources:
            cells = []
            for r in result.cross_validated:
                hit, positives, false, negatives = r.counts(
                    lambda label, s=source: label.source == s
                )
                cells.append(f"{r.check.code} {hit}/{positives} !{false}/{negatives}")
            lines.append(f"  {source}: " + "; ".join(cells))
    lines += ["", "with the policy's limits (in-sample on the photos they were chosen on):"]
    lines += _table(result.shipped, [r.check.limit(policy) for r in result.shipped])
    lines += [
        "",
        "limits the rules choose on these photos: "
        + ", ".join(f"{name} {value:g}" for name, value in result.chosen.items()),
    ]
    if result.disagreeing:
        lines += [
            "",
            "the same photo labelled differently (identical files; sharp against blurred is an "
            "error at any limit):",
        ]
        lines += [
            "  " + " = ".join(f"{c.file} ({c.blur}/{c.exposure}, {c.source})" for c in copies)
            for copies in result.disagreeing
        ]
    for r in result.shipped:
        misses = r.misses()
        if misses:
            lines += ["", f"{r.check.code}: misses with the policy's limits (file, label, value):"]
            lines += [
                f"  {kind:11} {label.file}  {label.blur}/{label.exposure}  {shown(value)}"
                for label, value, kind in sorted(misses, key=lambda miss: miss[1] or 0.0)
            ]
    if result.unlabelled:
        found = result.unlabelled_findings
        counts = Counter(code for _, code, _ in found)
        summary = ", ".join(f"{code} {n}" for code, n in sorted(counts.items())) or "none"
        lines += [
            "",
            f"findings on {result.unlabelled} unlabelled photos with the policy's limits: "
            f"{summary}",
        ]
        lines += [
            f"  {code:20} {name}  detail {shown(m['detail'])} edges {shown(m['edge_width'])} "
            f"mean {m['exposure']['mean']:.0f} p05 {m['exposure']['p05']:.0f} "
            f"p50 {m['exposure']['p50']:.0f} p90 {m['exposure']['p90']:.0f}"
            for name, code, m in found
        ]
    return "\n".join(lines)
