import json

import numpy as np
import pytest
from conftest import EXAMPLES

from image_review.imaging import decode
from image_review.measures.screen import analyse, band_state
from image_review.models import MODELS, LogisticModel, fit_logistic, load_model


def test_the_screen_model_file_loads_and_matches_the_measured_features():
    model, meta = load_model("screen")
    frame = decode((EXAMPLES.parent / "screens" / "on.jpg").read_bytes(), "JPEG", 10**8)
    assert set(model.features) == set(analyse(frame).features)
    assert len(model.coef) == len(model.mean) == len(model.scale) == len(model.features)
    assert (model.scale > 0).all()
    assert 0 < meta["bands"]["off"] < meta["bands"]["on"] < 1
    assert meta["fit"]["script"] == "scripts/fit_screen_model.py"
    assert {"balanced_accuracy", "precision", "auc"} <= set(meta["fit"]["figures"])


def test_the_model_round_trips_through_json():
    model, _ = load_model("screen")
    again = LogisticModel.from_dict(json.loads(json.dumps(model.as_dict())))
    rows = np.random.default_rng(0).normal(size=(5, len(model.features))) * model.scale + model.mean
    assert np.allclose(again.probabilities(rows), model.probabilities(rows), atol=1e-6)


@pytest.mark.parametrize(
    ("probability", "dark", "state"),
    [(0.99, False, "on"), (0.5, True, "uncertain"), (0.01, True, "off"), (0.01, False, "none")],
)
def test_states_are_bands_of_the_probability(probability, dark, state):
    assert band_state(probability, dark, {"on": 0.8, "off": 0.05}) == state


def test_fit_logistic_learns_a_separable_rule_and_is_deterministic():
    rng = np.random.default_rng(1)
    rows = rng.normal(size=(200, 3))
    labels = rows[:, 0] + 0.2 * rng.normal(size=200) > 0
    first = fit_logistic(rows, labels, ("a", "b", "c"), l2=0.01)
    again = fit_logistic(rows, labels, ("a", "b", "c"), l2=0.01)
    assert np.array_equal(first.coef, again.coef)
    assert abs(first.coef[0]) > 5 * max(abs(first.coef[1]), abs(first.coef[2]))
    predicted = first.probabilities(rows) >= 0.5
    assert (predicted == labels).mean() > 0.9


def test_every_model_file_names_how_it_was_made():
    for path in MODELS.glob("*.json"):
        meta = json.loads(path.read_text("utf-8"))
        assert meta["fit"]["script"] and meta["fit"]["data"] and meta["fit"]["cross_validation"]
