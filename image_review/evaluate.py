"""Evaluate (and refit) the lit-screen model on a labelled folder of photos.

The labels file has the columns `file` and `screen_on` (yes / no / na), and optionally
`subject` (phone, laptop, ...) and `group` (photos of one scene or source). The detector
sees the pixels alone: each photo is read from its bytes, never by its name.

Two ways to score:
- cross-validated (the default; without a group column each photo is its own group): the
  model is fitted again, leaving one group out at a time, with the shipped model's inputs
  and penalty, and each photo is scored by the model that never saw its group. Its network
  input comes from a network that never saw the photo either: the network file holds one
  network per training fold (`models/convnet.py`). These are the figures for the photos
  the shipped model was fitted on.
- shipped: the shipped model as it is, for photos it has never seen.

An optional outlines file (columns `file` and `outline`: four corners as percent of the
width and height) holds hand-drawn screen outlines; each quad drawn on a photo called `on`
is compared with it by intersection over union.
"""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import cv2
import numpy as np

from image_review.imaging import DecodeError, decode, sniff_format
from image_review.measures.screen import NETWORK, NETWORK_INPUT, analyse, band_state, lit_quad
from image_review.models import (
    BackboneOpinion,
    JoinedModel,
    LogisticModel,
    Model,
    fit_logistic,
    load_model,
)
from image_review.models.backbone import backbone_features
from image_review.models.convnet import load_network, photo_digest
from image_review.policy import DEFAULT_POLICY

SUBJECTS = ("phone", "laptop", "tablet", "monitor/TV", "watch", "other")
QUAD_MATCH = 0.5  # intersection over union at which a quad outlines the screen
QUAD_INSIDE = 0.8  # share of a quad's area within the outline at which it lies on the screen
QUARTER_TURNS = (cv2.ROTATE_90_CLOCKWISE, cv2.ROTATE_90_COUNTERCLOCKWISE)


class LabelsError(ValueError):
    """A labels file that cannot be used (missing columns, unknown values, missing photos)."""


@dataclass(frozen=True)
class Label:
    """One labelled photo."""

    file: str
    truth: str  # yes | no | na
    subject: str  # one of SUBJECTS
    group: str

    @property
    def on(self) -> bool:
        return self.truth == "yes"


@dataclass
class ScreenData:
    """Labelled photos as the model sees them: one row of inputs per readable photo."""

    labels: list[Label]
    names: tuple[str, ...]  # the model inputs, in column order
    rows: np.ndarray  # (photos, inputs)
    quads: list[np.ndarray | None]  # the lit-screen quad, as fractions of width and height
    unseen_network: np.ndarray  # each photo's network logit from a network that never saw it
    backbone: np.ndarray  # (photos, backbone numbers): the backbone's pooled numbers
    turned: np.ndarray  # (photos, 2, backbone numbers): the same, photo turned a quarter each way
    skipped: list[str] = field(default_factory=list)

    @property
    def truth(self) -> np.ndarray:
        return np.array([label.on for label in self.labels])

    def columns(self, names: tuple[str, ...], unseen: bool = False) -> np.ndarray:
        """The inputs `names`, in that order; `unseen`: the network's from networks that
        never saw the photo (what models are fitted and cross-validated on)."""
        rows = self.rows.copy()
        if unseen:
            rows[:, self.names.index(NETWORK_INPUT)] = self.unseen_network
        return rows[:, [self.names.index(name) for name in names]]

    @property
    def dark_display(self) -> np.ndarray:
        """Whether a dark display-shaped region was seen in each photo (an input too)."""
        return self.rows[:, self.names.index("dark_display")] > 0


def csv_rows(path: Path) -> list[dict[str, str]]:
    """The rows of a CSV file with a header (UTF-8, with or without a byte-order mark)."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            return list(csv.DictReader(handle))
    except OSError as err:
        raise LabelsError(f"{path}: cannot be read ({err.strerror})") from None


def _subject(word: str) -> str:
    word = word.strip().lower()
    if word in ("monitor", "tv"):
        return "monitor/TV"
    return word if word in SUBJECTS else "other"


def read_labels(labels: Path, group_column: str = "group") -> list[Label]:
    """Every row; `na` (no display in view) counts as not on. Without the group column
    each photo is its own group."""
    rows = csv_rows(labels)
    if not rows or not {"file", "screen_on"} <= set(rows[0]):
        raise LabelsError(f"{labels}: needs the columns 'file' and 'screen_on'")
    if group_column != "group" and group_column not in rows[0]:
        raise LabelsError(f"{labels}: has no column {group_column!r} to group by")
    out = []
    for number, row in enumerate(rows, start=2):
        value = (row["screen_on"] or "").strip().lower()
        if value not in ("yes", "no", "na"):
            raise LabelsError(f"{labels}: line {number}: screen_on must be yes, no or na")
        group = row.get(group_column) or row["file"]
        out.append(Label(row["file"], value, _subject(row.get("subject") or ""), group))
    return out


def read_outlines(outlines: Path) -> dict[str, np.ndarray]:
    """file: its screen outline, four (x, y) corners as fractions of the width and height."""
    out = {}
    for number, row in enumerate(csv_rows(outlines), start=2):
        try:
            corners = np.array([float(x) for x in (row.get("outline") or "").split()])
        except ValueError:
            corners = np.array([])
        if corners.size != 8 or not ((corners >= 0) & (corners <= 100)).all():
            raise LabelsError(
                f"{outlines}: line {number}: outline must be 8 numbers from 0 to 100 "
                "(x y of four corners, percent of the width and height)"
            )
        out[row.get("file") or ""] = corners.reshape(4, 2) / 100
    return out


def overlap(quad: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    """Intersection over union of two convex quads, and the share of `quad` inside `truth`."""
    quad, truth = (cv2.convexHull(q.astype(np.float32)) for q in (quad, truth))
    shared, _ = cv2.intersectConvexConvex(quad, truth)
    area = cv2.contourArea(quad)
    union = area + cv2.contourArea(truth) - shared
    return (float(shared / union) if union > 0 else 0.0, float(shared / area) if area else 0.0)


def load_screen_data(labels: list[Label], images: Path) -> ScreenData:
    """Decode every labelled photo (from its bytes) and compute the model's inputs."""
    kept, rows, quads, unseen, pooled, turned, skipped = [], [], [], [], [], [], []
    names: tuple[str, ...] = ()
    networks = load_network(NETWORK)
    for label in labels:
        try:
            data = (images / label.file).read_bytes()
            frame = decode(data, sniff_format(data[:32]) or "", 100_000_000)
        except (OSError, DecodeError):
            skipped.append(label.file)
            continue
        seen = analyse(frame)
        names = names or tuple(sorted(seen.features))
        rows.append([seen.features[name] for name in names])
        quads.append(lit_quad(seen))
        shipped = seen.features[NETWORK_INPUT]
        unseen.append(networks.unseen_logit(frame.bgr, photo_digest(data), shipped))
        pooled.append(backbone_features(frame.bgr))
        turned.append([backbone_features(cv2.rotate(frame.bgr, way)) for way in QUARTER_TURNS])
        kept.append(label)
    if not kept:
        raise LabelsError(f"{images}: none of the labelled photos could be read")
    return ScreenData(
        kept,
        names,
        np.array(rows, np.float64),
        quads,
        np.array(unseen),
        np.array(pooled),
        np.array(turned),
        skipped,
    )


def cross_validated(data: ScreenData, model: Model, l2: float) -> np.ndarray:
    """Each photo's probability from a model whose logistic parts (the numbers' and the
    backbone head's) were fitted without its group (leave one group out), and whose
    network input comes from a network that never saw the photo."""
    numbers = model.numbers if isinstance(model, JoinedModel) else model
    backbone = model.backbone if isinstance(model, JoinedModel) else None
    rows, truth = data.columns(numbers.features, unseen=True), data.truth
    every_input = data.columns(model.features, unseen=True)
    groups = np.array([label.group for label in data.labels])
    out = np.zeros(len(rows))
    for group in sorted(set(groups)):
        held = groups == group
        fitted = fit_logistic(rows[~held], truth[~held], numbers.features, l2)
        scorer = replace(model, numbers=fitted) if isinstance(model, JoinedModel) else fitted
        out[held] = scorer.probabilities(every_input[held])
        if backbone is not None:
            head = fit_backbone_head(data, ~held, backbone.head.features, backbone.l2)
            out[held] = _with_backbone(out[held], data.backbone[held], replace(backbone, head=head))
    return out


def fit_backbone_head(
    data: ScreenData, chosen: np.ndarray, names: tuple[str, ...], l2: float
) -> LogisticModel:
    """The backbone's head fitted on the `chosen` photos and on each of them turned a
    quarter both ways (a phone shot sideways is the same photo; in grouped CV this lifted
    balanced accuracy from 0.785 to 0.807 and steadied the verdict on turned copies)."""
    truth = data.truth[chosen]
    rows = np.vstack([data.backbone[chosen], *data.turned[chosen].transpose(1, 0, 2)])
    return fit_logistic(rows, np.tile(truth, 1 + len(QUARTER_TURNS)), names, l2)


def _with_backbone(
    probabilities: np.ndarray, pooled: np.ndarray, backbone: BackboneOpinion
) -> np.ndarray:
    """The probabilities once the backbone is asked where they reach its floor."""
    joined = backbone.joined(probabilities, backbone.head.logits(pooled))
    return np.where(backbone.asks(probabilities), joined, probabilities)


def shipped_probabilities(data: ScreenData, model: Model) -> np.ndarray:
    """Each photo's probability from the shipped model as it is."""
    probabilities = model.probabilities(data.columns(model.features))
    if isinstance(model, JoinedModel) and model.backbone is not None:
        return _with_backbone(probabilities, data.backbone, model.backbone)
    return probabilities


@dataclass
class ScreenEvaluation:
    """The probability and state of every photo, against its label."""

    labels: list[Label]
    probabilities: np.ndarray
    states: list[str]
    how: str  # how the probabilities were made: cross-validated or shipped
    skipped: list[str] = field(default_factory=list)
    # file: (intersection over union, share of the quad inside the outline)
    quad_overlaps: dict[str, tuple[float, float]] = field(default_factory=dict)

    def _count(self, truth: bool, said_on: bool) -> int:
        return sum(
            label.on is truth and (state == "on") is said_on
            for label, state in zip(self.labels, self.states, strict=True)
        )

    tp = property(lambda self: self._count(True, True))
    fn = property(lambda self: self._count(True, False))
    fp = property(lambda self: self._count(False, True))
    tn = property(lambda self: self._count(False, False))

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def specificity(self) -> float:
        return self.tn / (self.tn + self.fp) if self.tn + self.fp else 0.0

    @property
    def balanced_accuracy(self) -> float:
        return (self.recall + self.specificity) / 2

    @property
    def lit_called_off(self) -> int:
        """Lit screens measured `off`: each would fail a seller who named that photo."""
        return sum(
            label.on and state == "off"
            for label, state in zip(self.labels, self.states, strict=True)
        )

    def passing_unnamed(self, limit: float) -> tuple[int, int, int]:
        """(photos from `limit`, of them truly lit, lit photos in all): what an unnamed
        photo proves at that probability."""
        pairs = zip(self.labels, self.probabilities, strict=True)
        chosen = [label.on for label, p in pairs if p >= limit]
        return len(chosen), sum(chosen), sum(label.on for label in self.labels)

    def by_subject(self) -> dict[str, dict[tuple[str, str], int]]:
        """subject: {(truth, state): photos}."""
        table: dict[str, Counter] = {subject: Counter() for subject in SUBJECTS}
        for label, state in zip(self.labels, self.states, strict=True):
            table[label.subject][(label.truth, state)] += 1
        return {subject: dict(counts) for subject, counts in table.items() if counts}

    def by_group(self, smallest: int) -> dict[str, tuple[int, int, float, float]]:
        """group: (photos, lit, recall of `on`, specificity) for groups of at least
        `smallest` photos, the largest first."""
        sizes = Counter(label.group for label in self.labels)
        table = {}
        for group, size in sizes.most_common():
            if size < smallest:
                break
            pairs = [
                (label.on, state == "on")
                for label, state in zip(self.labels, self.states, strict=True)
                if label.group == group
            ]
            lit = [said for on, said in pairs if on]
            dark = [not said for on, said in pairs if not on]
            recall = sum(lit) / len(lit) if lit else float("nan")
            specificity = sum(dark) / len(dark) if dark else float("nan")
            table[group] = (size, len(lit), recall, specificity)
        return table

    def misses(self) -> list[tuple[Label, float, str]]:
        """Photos whose `on` / not-on answer is wrong, the worst first."""
        wrong = [
            (label, float(p), state)
            for label, p, state in zip(self.labels, self.probabilities, self.states, strict=True)
            if label.on is not (state == "on")
        ]
        return sorted(wrong, key=lambda miss: -abs(miss[1] - miss[0].on))

    @property
    def quads_outlining(self) -> int:
        """Quads that outline the screen: IoU with the hand-drawn outline >= QUAD_MATCH."""
        return sum(iou >= QUAD_MATCH for iou, _ in self.quad_overlaps.values())

    @property
    def quads_inside(self) -> int:
        """Quads lying on the screen: at least QUAD_INSIDE of their area within the outline."""
        return sum(inside >= QUAD_INSIDE for _, inside in self.quad_overlaps.values())


def evaluate_screen(
    labels: Path,
    images: Path,
    outlines: Path | None = None,
    shipped: bool = False,
    group_column: str = "group",
) -> ScreenEvaluation:
    """Score every labelled photo, cross-validated by group unless `shipped`."""
    drawn = read_outlines(outlines) if outlines else {}
    data = load_screen_data(read_labels(labels, group_column), images)
    model, meta = load_model("screen")
    if shipped:
        probabilities = shipped_probabilities(data, model)
    else:
        probabilities = cross_validated(data, model, meta["fit"]["l2"])
    states = [
        band_state(float(p), bool(dark), meta["bands"])
        for p, dark in zip(probabilities, data.dark_display, strict=True)
    ]
    how = "shipped model" if shipped else f"cross-validated, leaving one {group_column} out"
    result = ScreenEvaluation(data.labels, probabilities, states, how, data.skipped)
    for label, state, quad in zip(data.labels, states, data.quads, strict=True):
        if state == "on" and quad is not None and label.file in drawn:
            result.quad_overlaps[label.file] = overlap(quad, drawn[label.file])
    return result


STATES = ("on", "uncertain", "off", "none")
GROUP_SHOWN = 20  # the report's figures by group: groups of this many photos or more


def _unnamed_line(result: ScreenEvaluation) -> str:
    """What passes the screen requirement as an unnamed photo, at the policy's limit."""
    limit = DEFAULT_POLICY.screen_unnamed_probability
    chosen, lit, all_lit = result.passing_unnamed(limit)
    return (
        f"unnamed photos counted (probability >= {limit:g}, screen_unnamed_probability): "
        f"{chosen}, of them lit {lit} (precision {lit / max(chosen, 1):.3f}, target >= 0.98; "
        f"{chosen - lit} false PASS), {lit / max(all_lit, 1):.1%} of lit screens"
    )


def screen_report(result: ScreenEvaluation) -> str:
    """The evaluation as text: figures at the bands, states by subject, misses, quads."""
    _, meta = load_model("screen")
    bands = meta["bands"]
    lit = result.tp + result.fn
    lines = [
        f"{len(result.labels)} photos, {lit} lit; {result.how}",
        f"bands: on >= {bands['on']:.2f}, off < {bands['off']:.2f} (with a dark display "
        "in view), uncertain between",
        "",
        "                 said on   said not on",
        f"  truly on       {result.tp:>7}   {result.fn:>11}",
        f"  truly not on   {result.fp:>7}   {result.tn:>11}",
        "",
        f"precision          {result.precision:.3f}",
        f"recall             {result.recall:.3f}",
        f"specificity        {result.specificity:.3f}",
        f"balanced accuracy  {result.balanced_accuracy:.3f}",
        f"lit screens measured off: {result.lit_called_off} of {lit}"
        f" ({result.lit_called_off / max(lit, 1):.1%})",
        _unnamed_line(result),
        "",
        "states by subject (truth: on / uncertain / off / none)",
    ]
    for subject, counts in result.by_subject().items():
        cells = [
            f"{truth} " + "/".join(str(counts.get((truth, state), 0)) for state in STATES)
            for truth in ("yes", "no", "na")
            if any(counts.get((truth, state)) for state in STATES)
        ]
        lines.append(f"  {subject:11} " + "   ".join(cells))
    groups = result.by_group(GROUP_SHOWN)
    if groups:
        lines += ["", f"groups of {GROUP_SHOWN} photos or more (recall of on, specificity):"]
        for group, (size, lit, recall, specificity) in groups.items():
            figures = []
            if lit:
                figures.append(f"recall {recall:.3f}")
            if size > lit:
                figures.append(f"specificity {specificity:.3f}")
            if lit and size > lit:
                figures.append(f"balanced accuracy {(recall + specificity) / 2:.3f}")
            lines.append(f"  {group}  {size} photos, {lit} lit: {', '.join(figures)}")
    misses = result.misses()
    if misses:
        lines += ["", "misses, worst first (file, subject, truth, state, probability lit):"]
        lines += [
            f"  {label.file}  {label.subject}  {label.truth}  {state}  {p:.3f}"
            for label, p, state in misses
        ]
    if result.quad_overlaps:
        overlaps = sorted(result.quad_overlaps.items(), key=lambda item: item[1])
        middle = overlaps[len(overlaps) // 2][1][0]
        lines += [
            "",
            f"quads of the {len(overlaps)} outlined photos called on:",
            f"  lie on the screen ({QUAD_INSIDE:.0%} of the quad inside)   {result.quads_inside}",
            f"  outline the screen (IoU >= {QUAD_MATCH})            {result.quads_outlining}",
            f"  median IoU                                 {middle:.2f}",
        ]
        lines += [
            f"  {name}  IoU {iou:.2f}  inside {inside:.0%}"
            for name, (iou, inside) in overlaps
            if iou < QUAD_MATCH or inside < QUAD_INSIDE
        ]
    if result.skipped:
        lines += ["", f"skipped (missing or unreadable): {', '.join(result.skipped)}"]
    return "\n".join(lines)
