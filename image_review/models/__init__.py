"""Fitted scorers shipped as small JSON files, and the logistic regression that makes them.

A model file holds the names of its input features, their means and scales (inputs are
standardised), the coefficients and intercept, the probability bands its states are read
from, and how it was made (script, data, cross-validated figures). A model may be joined
with a network (`join`): its logit is then averaged with the network's logit, one of its
inputs (`JoinedModel`; the network is in `convnet.py`), and, where that joined estimate is
at least a floor, with the logit of a logistic head on a pretrained backbone's numbers
(`BackboneOpinion`; the backbone is in `backbone.py`). Applying a model needs numpy only;
fitting uses the same numpy code (iteratively reweighted least squares), so the fitting
script and `image-review eval-screen` need nothing beyond the runtime.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

MODELS = Path(__file__).resolve().parent


class _Scorer:
    """What every model offers beside `features` and `probabilities(rows)`."""

    features: tuple[str, ...]

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def probability(self, features: dict[str, float]) -> float:
        """The probability of one photo's named features."""
        row = np.array([[features[name] for name in self.features]], np.float64)
        return float(self.probabilities(row)[0])


@dataclass(frozen=True)
class LogisticModel(_Scorer):
    """P(positive | features) = 1 / (1 + exp(-(coef . (x - mean) / scale + intercept)))."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float

    def logits(self, rows: np.ndarray) -> np.ndarray:
        """The logit of each row of a (n, features) array."""
        return ((rows - self.mean) / self.scale) @ self.coef + self.intercept

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """The probability of each row of a (n, features) array."""
        return _sigmoid(self.logits(rows))

    def as_dict(self) -> dict[str, object]:
        return {
            "features": list(self.features),
            "mean": [round(float(x), 6) for x in self.mean],
            "scale": [round(float(x), 6) for x in self.scale],
            "coef": [round(float(x), 6) for x in self.coef],
            "intercept": round(float(self.intercept), 6),
        }

    @classmethod
    def from_dict(cls, data: dict) -> LogisticModel:
        return cls(
            features=tuple(data["features"]),
            mean=np.array(data["mean"], np.float64),
            scale=np.array(data["scale"], np.float64),
            coef=np.array(data["coef"], np.float64),
            intercept=float(data["intercept"]),
        )


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))


@dataclass(frozen=True)
class BackboneOpinion:
    """A third opinion asked only where the joined estimate is at least `floor` (it costs
    a backbone run): the joined logit and the head's are then averaged, the head's with
    `weight`. The head is a logistic regression on the backbone's pooled numbers, fitted
    with the penalty `l2`; its logit is the input `input`."""

    head: LogisticModel
    floor: float
    weight: float
    l2: float
    input: str = "backbone_logit"

    def asks(self, probability: np.ndarray) -> np.ndarray:
        """Whether the backbone is asked at this joined probability (each of them)."""
        return probability >= self.floor

    def joined(self, probability: np.ndarray, logit: np.ndarray) -> np.ndarray:
        """The probability once the head's logit is averaged in (where it was asked)."""
        clipped = np.clip(probability, 1e-12, 1 - 1e-12)
        before = np.log(clipped / (1 - clipped))
        return _sigmoid((1 - self.weight) * before + self.weight * logit)

    def as_dict(self) -> dict[str, object]:
        return {
            "floor": self.floor,
            "weight": round(self.weight, 6),
            "l2": self.l2,
            "input": self.input,
            "head": self.head.as_dict(),
        }

    @classmethod
    def from_dict(cls, data: dict) -> BackboneOpinion:
        return cls(
            head=LogisticModel.from_dict(data["head"]),
            floor=float(data["floor"]),
            weight=float(data["weight"]),
            l2=float(data["l2"]),
            input=data["input"],
        )


@dataclass(frozen=True)
class JoinedModel(_Scorer):
    """P = sigmoid((1 - w) * the logistic model's logit + w * a network's logit), where the
    network's logit is the input `network` and w is `network_weight`; with a `backbone`,
    a photo whose features hold the head's logit has it averaged in (`probability`)."""

    numbers: LogisticModel
    network: str  # the input that holds the network's logit
    network_weight: float
    backbone: BackboneOpinion | None = None

    @property
    def features(self) -> tuple[str, ...]:
        """The inputs, in the column order of `probabilities`: the network's last."""
        return (*self.numbers.features, self.network)

    def probabilities(self, rows: np.ndarray) -> np.ndarray:
        """The probability of each row of a (n, features) array."""
        w = self.network_weight
        return _sigmoid((1 - w) * self.numbers.logits(rows[:, :-1]) + w * rows[:, -1])

    def probability(self, features: dict[str, float]) -> float:
        """One photo's probability: the backbone's opinion averaged in when it was asked
        (its logit is among the features)."""
        joined = super().probability(features)
        if self.backbone is None or self.backbone.input not in features:
            return joined
        return float(self.backbone.joined(np.float64(joined), features[self.backbone.input]))


def fit_logistic(
    rows: np.ndarray, labels: np.ndarray, names: tuple[str, ...], l2: float
) -> LogisticModel:
    """L2-penalised logistic regression on standardised features, by Newton steps (IRLS).

    `l2` is the penalty on the coefficients per photo (the intercept is not penalised).
    Deterministic: the same rows give the same model.
    """
    mean = rows.mean(axis=0)
    scale = rows.std(axis=0)
    scale[scale < 1e-9] = 1.0
    design = np.column_stack([(rows - mean) / scale, np.ones(len(rows))])
    target = labels.astype(np.float64)
    penalty = np.full(design.shape[1], l2 * len(rows))
    penalty[-1] = 0.0
    weights = np.zeros(design.shape[1])
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-np.clip(design @ weights, -30, 30)))
        gradient = design.T @ (p - target) + penalty * weights
        hessian = (design * (p * (1 - p))[:, None]).T @ design + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hessian, gradient)
        weights -= step
        if np.abs(step).max() < 1e-10:
            break
    return LogisticModel(names, mean, scale, weights[:-1], float(weights[-1]))


Model = LogisticModel | JoinedModel


@functools.cache
def load_model(name: str) -> tuple[Model, dict]:
    """The model `models/NAME.json` and the rest of its file (bands, provenance)."""
    data = json.loads((MODELS / f"{name}.json").read_text(encoding="utf-8"))
    numbers = LogisticModel.from_dict(data["model"])
    if "join" not in data:
        return numbers, data
    join = data["join"]
    backbone = BackboneOpinion.from_dict(data["backbone"]) if "backbone" in data else None
    return JoinedModel(numbers, join["network"], float(join["network_weight"]), backbone), data


def provenance(name: str) -> dict[str, object]:
    """Which fitted model judged, for the manifest: its file, the data it was fitted on
    and, when it has one, its network file and that file's SHA-256."""
    _, meta = load_model(name)
    out: dict[str, object] = {"file": f"{name}.json", "fitted_on": meta["fit"]["data"]}
    for part in ("network", "backbone"):
        if part in meta:
            out[part] = {key: meta[part][key] for key in ("file", "sha256")}
    return out
