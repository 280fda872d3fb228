"""rag.compose.scorer: the learned answer-sentence scorer, its features, and composing by it.

The features and the composition are tested on hand-made candidates; the shipped weights
are tested on real sentences with the real model (``embedder``)."""

import numpy as np
import pytest

from rag.compose.selection import SelectionParams, choose
from rag.compose.scorer import DEFAULT_PATH, SCALARS, AnswerScorer, KindHeads, opens_paragraph, scalar_features
from rag.compose.candidates import Candidate


def _cands(*texts, passage=0):
    out, pos = [], 0
    for t in texts:
        out.append(Candidate(passage, pos, pos + len(t), t))
        pos += len(t) + 2  # a blank line between them
    return out


def test_a_sentence_opens_its_paragraph_at_the_start_or_after_a_blank_line():
    text = "First sentence here. Second one.\n\nThird starts a paragraph."
    assert opens_paragraph(text, 0)
    assert not opens_paragraph(text, text.index("Second"))
    assert opens_paragraph(text, text.index("Third"))


def test_scalar_features_are_one_row_per_candidate_in_the_declared_order():
    cands = _cands("Gout is a kind of arthritis that causes pain.", "It often starts in the big toe at night?")
    texts = ["\n\n".join(c.text for c in cands)]
    vectors = np.eye(2, 4, dtype=np.float32)
    q = np.array([1, 0, 0, 0], np.float32)
    feats = scalar_features(cands, texts, vectors @ q, vectors, q, np.array([0.5, 0.0], np.float32))
    assert feats.shape == (2, len(SCALARS))
    row = dict(zip(SCALARS, feats[1]))
    assert row["sim_gap"] == pytest.approx(-1.0)
    assert row["points_back"] == 1.0 and row["asks"] == 1.0
    assert dict(zip(SCALARS, feats[0]))["coverage"] == pytest.approx(0.5)


def test_weights_trained_on_other_features_are_refused_with_a_way_out(tmp_path):
    path = tmp_path / "scorer.npz"
    np.savez(path, scalars=np.array(["sim"]), w1=np.zeros((1, 1)), b1=np.zeros(1), w2=np.zeros(1), b2=0.0,
             mean=np.zeros(1), scale=np.ones(1), support=0.5, answers=0.5, version="old")
    with pytest.raises(ValueError, match="train_ranker"):
        AnswerScorer.load(path)
    assert AnswerScorer.load(tmp_path / "missing.npz") is None


def test_a_saved_scorer_loads_back_and_scores_the_same(tmp_path):
    rng = np.random.default_rng(0)
    kinds = ("cause", "symptoms", "treatment")
    heads = KindHeads(kinds, rng.normal(size=(384, 3)).astype(np.float32), np.zeros(3, np.float32),
                      rng.normal(size=(384, 3)).astype(np.float32), np.zeros(3, np.float32))
    inputs = len(SCALARS) + 1  # the scalar features and the kind agreement
    scorer = AnswerScorer(rng.normal(size=(inputs, 8)).astype(np.float32), np.zeros(8, np.float32),
                          rng.normal(size=8).astype(np.float32), 0.1, np.zeros(inputs, np.float32),
                          np.ones(inputs, np.float32), 0.4, 0.3, "test", heads)
    scorer.save(tmp_path / "s.npz")
    again = AnswerScorer.load(tmp_path / "s.npz")
    q, vecs, scal = rng.normal(size=384), rng.normal(size=(5, 384)), rng.normal(size=(5, len(SCALARS)))
    assert np.allclose(scorer.probabilities(q, vecs, scal), again.probabilities(q, vecs, scal), atol=1e-5)
    assert (again.support, again.answers, again.heads.kinds) == (pytest.approx(0.4), pytest.approx(0.3), kinds)


def test_kind_agreement_is_high_when_the_sentence_answers_the_kind_asked():
    eye = np.eye(384, 2, dtype=np.float32) * 10  # dimension 0 = cause, 1 = treatment
    heads = KindHeads(("cause", "treatment"), eye, np.zeros(2, np.float32), eye, np.zeros(2, np.float32))
    q = np.zeros(384, np.float32)
    q[0] = 1.0  # asks for causes
    sentences = np.zeros((2, 384), np.float32)
    sentences[0, 0] = sentences[1, 1] = 1.0  # a cause sentence, a treatment sentence
    agree = heads.agreement(q, sentences)
    assert agree[0] > 0.9 > 0.1 > agree[1]


def test_a_passage_answers_the_kind_its_sentences_answer_together():
    eye = np.eye(2, dtype=np.float32) * 4
    heads = KindHeads(("cause", "outlook"), eye, np.zeros(2, np.float32), eye, np.zeros(2, np.float32))
    # passage 0: one sentence on the outlook, one that reads like neither; passage 1: on causes
    vectors = np.array([[0.0, 1.0], [0.7, 0.7], [1.0, 0.0]], np.float32)
    agreement = heads.passage_agreement(vectors, [0, 0, 1], {"cause": 0.0, "outlook": 1.0})
    # the ambiguous sentence shares its passage's reading: the outlook
    assert agreement[0] == agreement[1] > 0.8 > 0.2 > agreement[2]
    assert agreement[1] > heads.agreement(vectors[1], vectors[1:2], {"cause": 0.0, "outlook": 1.0})[0]


def test_with_a_floor_a_supporting_sentence_must_score_as_answering():
    cands = _cands("Gout causes sudden pain in a joint, often the big toe.",
                   "Attacks often start at night and can last days.",
                   "The word gout comes from a Latin word for a drop.")
    logits = np.array([2.0, 0.5, -1.0], np.float32)
    loose = SelectionParams(margin=float("inf"))
    units, _ = choose(cands, logits, np.eye(3, dtype=np.float32), loose, 4, 110, floor=0.0)
    assert [i for u in units for i in u] == [0, 1]  # the third scores as not answering
    units, _ = choose(cands, logits, np.eye(3, dtype=np.float32), loose, 4, 110, floor=3.0)
    assert [i for u in units for i in u] == [0]  # the lead always stays


def test_the_shipped_scorer_prefers_the_sentence_that_answers_the_kind_asked(embedder):
    scorer = AnswerScorer.load(DEFAULT_PATH)
    sentences = ["Gout is caused by too much uric acid in the blood, which forms crystals in a joint.",
                 "Gout is treated with medicines that ease the pain and lower uric acid.",
                 "Symptoms of gout include sudden, severe pain, swelling and redness in a joint."]
    cands = _cands(*sentences)
    text = "\n\n".join(sentences)
    vectors = embedder.embed(sentences)
    for question, right in (("what causes gout?", 0), ("how is gout treated?", 1), ("what are the symptoms of gout?", 2)):
        q = embedder.embed([question])[0]
        feats = scalar_features(cands, [text], vectors @ q, vectors, q, np.zeros(3, np.float32))
        assert int(np.argmax(scorer.probabilities(q, vectors, feats))) == right, question
