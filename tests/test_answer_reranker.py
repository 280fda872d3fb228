"""rag.compose.reranker: the cross-encoder that rereads the learned scorer's best sentences.

The shipped int8 model is read from the repository and run for real; the questions and
sentences are about conditions of no committed corpus."""

import numpy as np
import pytest

from rag.compose.reranker import DEFAULT_DIR, Reranker, nudged
from rag.pipeline import Pipeline, load_reranker

from tests.conftest import make_settings


@pytest.fixture(scope="module")
def reranker():
    r = Reranker.load()
    assert r is not None, f"the reranker ships in {DEFAULT_DIR}"
    return r


def test_the_sentence_that_answers_outranks_ones_that_only_share_the_words(reranker):
    cases = [
        ("What are the symptoms of gout?",
         "Gout usually causes sudden, severe pain, redness and swelling in one joint, often the big toe.",
         ["Gout is treated with medicines that ease the pain and lower uric acid.",
          "Gout is more common in men and in people who drink alcohol."]),
        ("How is celiac disease diagnosed?",
         "Doctors diagnose celiac disease with a blood test for certain antibodies and a biopsy of the small intestine.",
         ["Celiac disease is treated by following a gluten-free diet for life.",
          "Celiac disease runs in families."]),
        ("What causes shingles?",
         "Shingles is caused by the varicella-zoster virus, the same virus that causes chickenpox, waking up years later.",
         ["Shingles can be very painful and may last three to five weeks.",
          "A vaccine lowers the chance of getting shingles."]),
    ]
    for question, answering, others in cases:
        scores = reranker.logits(question, [*others, answering])
        assert int(np.argmax(scores)) == len(others), question


def test_only_the_scorers_best_allowed_sentences_are_reread_and_they_stay_above_the_rest(reranker):
    sentences = [f"Sentence number {i} about kidney stones and how they form." for i in range(20)]
    small = np.linspace(2.0, -2.0, 20).astype(np.float32)
    allowed = [i != 0 for i in range(20)]  # the best one may not be quoted
    out = reranker.rescore("how do kidney stones form?", sentences, small, allowed)
    reread = [i for i in range(1, 20)][:reranker.top]
    assert out[0] < min(out[reread]), "a sentence that may not be quoted is never reread"
    rest = [i for i in range(20) if i not in reread]
    assert max(out[rest]) < min(out[reread])
    assert list(np.argsort(-out[rest], kind="stable")) == list(range(len(rest))), "the rest keep the scorer's order"


def test_probabilities_are_calibrated_logits(reranker):
    logits = reranker.logits("what is asthma?", ["Asthma is a disease that inflames and narrows the airways."])
    a, b = reranker.calibration
    assert reranker.probabilities("what is asthma?", ["Asthma is a disease that inflames and narrows the airways."]) \
        == pytest.approx(1 / (1 + np.exp(-(a * logits + b))), rel=1e-5)
    assert 0 < reranker.support < 1 and 0 < reranker.answers < 1


def test_a_missing_model_is_none_and_asking_for_it_says_how_to_get_it(tmp_path, monkeypatch):
    assert Reranker.load(tmp_path) is None
    monkeypatch.setattr(Reranker, "load", classmethod(lambda cls, *a, **k: None))
    with pytest.raises(RuntimeError, match="train_cross_encoder"):
        load_reranker(make_settings(tmp_path, answer_scorer="reranked"))
    assert load_reranker(make_settings(tmp_path, answer_scorer="rules")) is None


def test_the_reranked_pipeline_leads_with_the_sentence_that_answers(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "gout.md").write_text(
        "# Gout\n\nGout is a common kind of arthritis. It is more common in men than in women. "
        "Gout usually causes sudden, severe pain, redness and swelling in one joint, often the big toe. "
        "Doctors treat gout with medicines that ease the pain and lower uric acid.\n", encoding="utf-8")
    pipe = Pipeline(make_settings(tmp_path / "store", corpus_dir=docs, answer_scorer="reranked"), embedder=embedder)
    pipe.ingest()
    answer = pipe.ask("what does gout feel like", finish=False)
    assert answer.kind == "answered"
    assert "pain, redness and swelling" in answer.sentences[0].text


def test_under_the_rules_the_model_nudges_only_their_best_allowed_sentences():
    rules = np.array([0.9, 0.8, 0.7, 0.6, 0.5], np.float32)
    read: list[list[int]] = []

    def probabilities(idx):
        read.append(list(idx))
        return np.array([0.0 if i == 1 else 1.0 for i in idx], np.float32)

    out = nudged(rules, probabilities, top=3, weight=0.3, allowed=[False, True, True, True, True])
    assert read == [[1, 2, 3]], "the rules' best three that may be quoted, best first"
    assert out[0] == rules[0] and out[4] == rules[4], "a sentence not read keeps its score"
    assert out[1] == pytest.approx(0.8) and out[2] == pytest.approx(1.0) and out[3] == pytest.approx(0.9)
    assert int(np.argmax(np.where([False, True, True, True, True], out, -np.inf))) == 2, \
        "the model moved the lead from the sentence it reads as not answering"
    assert np.array_equal(nudged(rules, probabilities, top=3, weight=0.0), rules), "weight 0: the rules alone"


def test_the_rules_chooser_reads_the_model_only_when_its_weight_is_set(tmp_path, embedder):
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "gout.md").write_text(
        "# Gout\n\nGout is a common kind of arthritis. "
        "Gout usually causes sudden, severe pain, redness and swelling in one joint, often the big toe.\n",
        encoding="utf-8")
    for weight, consulted in ((0.0, False), (0.3, True)):
        pipe = Pipeline(make_settings(tmp_path / f"store-{weight}", corpus_dir=docs, rerank_weight=weight),
                        embedder=embedder)
        pipe.ingest()
        answer = pipe.ask("what does gout feel like", finish=False)
        assert "pain, redness and swelling" in answer.sentences[0].text
        assert ("reranker" in pipe.__dict__) is consulted, "loaded on first use, only when it is read"


def test_a_pair_read_before_is_taken_from_the_cache_with_the_same_logit(reranker, monkeypatch):
    question = "what causes shingles?"
    sentences = ["Shingles is caused by the varicella-zoster virus.", "A vaccine lowers the chance of shingles."]
    first = reranker.logits(question, sentences)
    runs = []
    real_read = reranker.read
    monkeypatch.setattr(reranker, "read", lambda q, s: runs.append(list(s)) or real_read(q, s))
    again = reranker.logits(question, [sentences[1], "Shingles can last three to five weeks.", sentences[0]])
    assert runs == [["Shingles can last three to five weeks."]], "only the pair never read goes to the model"
    assert again[0] == first[1] and again[2] == first[0]
    assert again[1] == pytest.approx(real_read(question, ["Shingles can last three to five weeks."])[0], abs=1e-4)


def test_support_is_the_probability_of_the_rules_best_few_and_zero_for_the_rest(reranker):
    sentences = ["Gout usually causes sudden, severe pain and swelling in one joint, often the big toe.",
                 "The library opens at nine on Tuesdays."] + [f"Filler sentence {i} about the weather." for i in range(14)]
    scores = np.linspace(1.0, 0.0, len(sentences)).astype(np.float32)
    support = reranker.best_few_probabilities("what are the symptoms of gout?", sentences, scores)
    assert support[0] == pytest.approx(reranker.probabilities("what are the symptoms of gout?", sentences[:1])[0])
    assert support[0] > reranker.support > support[1]
    assert not support[reranker.top:].any(), "sentences the rules ranked below their best few are not read"
