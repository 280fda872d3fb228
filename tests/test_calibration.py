"""rag.compose.confidence: the answer / not-found model is fitted, not guessed."""

import numpy as np

from rag.compose.confidence import DEFAULT_PATH, FEATURES, ConfidenceModel, fit, model_from


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


def test_sample_weights_count_like_repeated_samples():
    rng = np.random.default_rng(1)
    X = rng.normal(0.5, 0.2, (30, 2))
    y = (X[:, 0] + rng.normal(0, 0.1, 30) > 0.5).astype(float)
    twice = np.ones(30)
    twice[:5] = 2.0
    w1, b1 = fit(X, y, l2=0.1, sample_weight=twice)
    w2, b2 = fit(np.vstack([X, X[:5]]), np.concatenate([y, y[:5]]), l2=0.1)
    assert np.allclose(w1, w2) and abs(b1 - b2) < 1e-6


def test_a_chosen_threshold_is_folded_into_the_bias():
    rng = np.random.default_rng(2)
    X = rng.normal(0.5, 0.2, (60, 1))
    y = (X[:, 0] > 0.5).astype(float)
    raw = model_from(X, y, ("a",), l2=0.1)
    shifted = model_from(X, y, ("a",), l2=0.1, threshold=0.3)
    for a in (0.3, 0.45, 0.6):
        assert (raw({"a": a}) >= 0.3) == (shifted({"a": a}) >= 0.5)


# --- the MedQuAD calibration (eval.calibrate_medquad) ----------------------------------------

MEDQUAD_LIKE = [  # focus, question, answer: a pool in MedQuAD's shape
    ("Gout", "What are the symptoms of Gout ?",
     "Gout usually causes sudden attacks of severe pain, swelling, redness and warmth in a joint, "
     "most often the big toe. Attacks often start at night and can last for days."),
    ("Gout", "What causes Gout ?",
     "Gout happens when uric acid builds up in the blood and forms sharp crystals in a joint."),
    ("Shingles", "What are the symptoms of Shingles ?",
     "Shingles causes a painful, blistering rash on one side of the body, often in a band around "
     "the waist. Before the rash appears, the skin may tingle, itch or burn."),
    ("Shingles", "How to prevent Shingles ?",
     "A vaccine lowers the chance of getting shingles and of long-lasting nerve pain after it."),
    ("Glaucoma", "What is (are) Glaucoma ?",
     "Glaucoma is a group of eye diseases that damage the optic nerve and can lead to vision loss "
     "and blindness. It often has no symptoms at first."),
    ("Celiac Disease", "What is (are) Celiac Disease ?",
     "Celiac disease is an immune disorder in which eating gluten, a protein in wheat, barley and "
     "rye, damages the lining of the small intestine."),
]


def _rows(table):
    return [{"id": f"q{i}", "focus": f, "question": q, "answer": a} for i, (f, q, a) in enumerate(table)]


def test_left_out_foci_are_left_out_whole():
    from eval.calibrate_medquad import medquad_sample

    sample = medquad_sample(_rows(MEDQUAD_LIKE), pool=3, questions=6, seed=0)
    pooled = {c.group for c in sample.cases if c.label == 1}
    absent = {c.group for c in sample.cases if c.label == 0}
    indexed = {r["id"] for r in sample.documents}
    assert pooled and absent and not pooled & absent
    assert all(c.id in indexed for c in sample.cases if c.label == 1)
    by_focus = {r["id"]: r["focus"].lower() for r in _rows(MEDQUAD_LIKE)}
    assert not {by_focus[i] for i in indexed} & absent


def test_each_domain_and_label_gets_its_share_of_the_weight():
    from eval.calibrate_medquad import Case, domain_weights

    cases = ([Case(f"m{i}", "q", i % 2, "medquad", "f") for i in range(100)]
             + [Case(f"s{i}", "q", int(i < 3), "ssc", "g") for i in range(10)])
    w = domain_weights(cases, ssc_share=0.5, balance_labels=True)
    ssc = np.array([c.domain == "ssc" for c in cases])
    pos = np.array([c.label == 1 for c in cases])
    assert abs(w[ssc].sum() - w[~ssc].sum()) < 1e-9
    assert abs(w[ssc & pos].sum() - w[ssc & ~pos].sum()) < 1e-9


def test_the_committed_model_declines_an_absent_focus_and_answers_a_present_one(fresh_pipeline, tmp_path):
    import json

    docs = tmp_path / "pool.jsonl"
    docs.write_text("".join(json.dumps({"id": r["id"], "title": r["focus"], "text": r["answer"]}) + "\n"
                            for r in _rows(MEDQUAD_LIKE)))
    pipeline = fresh_pipeline()
    pipeline.ingest([docs])
    present = pipeline.ask("What are the symptoms of shingles?")
    absent = pipeline.ask("What are the symptoms of Meniere's disease?")
    assert present.kind == "answered" and "rash" in present.answer
    assert absent.kind == "not_found", absent.confidence
