"""rag.calibration: the answer / not-found model is fitted, not guessed."""

import numpy as np

from rag.calibration import DEFAULT_PATH, FEATURES, ConfidenceModel, fit, model_from


def test_fit_separates_separable_data_deterministically():
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(0.7, 0.05, (40, 2)), rng.normal(0.3, 0.05, (40, 2))])
    y = np.array([1.0] * 40 + [0.0] * 40)
    w1, b1 = fit(X, y, l2=0.1)
    w2, b2 = fit(X, y, l2=0.1)
    assert (w1 == w2).all() and b1 == b2
    m = model_from(X, y, ("a", "b"), l2=0.1)
    assert m({"a": 0.75, "b": 0.75}) > 0.9 and m({"a": 0.25, "b": 0.25}) < 0.1


def test_model_round_trips(tmp_path):
    m = ConfidenceModel({"sentence_top": 2.0}, -1.0, {"fitted": True})
    m.save(tmp_path / "c.json")
    again = ConfidenceModel.load(tmp_path / "c.json")
    assert again({"sentence_top": 0.5}) == m({"sentence_top": 0.5})
    assert ConfidenceModel.load(tmp_path / "missing.json").info == {"fitted": False}


def test_the_committed_model_was_fitted_on_questions():
    m = ConfidenceModel.load(DEFAULT_PATH)
    assert m.info["fitted"] and m.info["positives"] > 30 and m.info["negatives"] > 30
    assert set(m.weights) == set(FEATURES)
