"""The question-kind model: what kind of question a patient asks, and what it is about.

Uses the committed model (rag/data/question_kinds.npz, fitted by ``python -m eval.train_kinds``)
and the real embedding model. The held-out patient questions
(tests/data/question_kinds_patient.jsonl) were written before any model was fitted and are
never trained on.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.question.kinds import (MEDQUAD_KINDS, QUESTION_KINDS, KindModel, focus_phrase,
                                is_yes_no, rule_kind)

HELD_OUT = Path(__file__).parent / "data" / "question_kinds_patient.jsonl"
TRAIN = Path(__file__).resolve().parent.parent / "rag" / "data" / "question_kinds_train.jsonl"

# measured 0.929 (130/140) on the committed model by python -m eval.train_kinds (hand rules 0.914);
# the floor sits a few points below so a retrain that loses ground fails here.
HELD_OUT_FLOOR = 0.89


def read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def model() -> KindModel:
    return KindModel.load()


@pytest.fixture(scope="module")
def classify(model, embedder):
    def run(*questions: str) -> list[str]:
        return [g.kind for g in model.predict(embedder.embed(list(questions)), list(questions))]
    return run


@pytest.fixture(scope="module")
def held_out() -> list[dict]:
    return read(HELD_OUT)


def test_the_kinds_and_the_medquad_mapping_agree():
    assert len(set(QUESTION_KINDS)) == len(QUESTION_KINDS) == 17
    assert set(MEDQUAD_KINDS.values()) <= set(QUESTION_KINDS)
    assert KindModel.load().kinds == QUESTION_KINDS


def test_held_out_questions_are_never_in_the_training_file(held_out):
    trained = {r["question"].strip().lower() for r in read(TRAIN)}
    assert not trained & {r["question"].strip().lower() for r in held_out}
    assert len(held_out) >= 120
    assert {r["kind"] for r in held_out} == set(QUESTION_KINDS)


def test_held_out_patient_accuracy_stays_above_the_floor(classify, held_out):
    predicted = classify(*[r["question"] for r in held_out])
    right = sum(p == r["kind"] for p, r in zip(predicted, held_out))
    assert right / len(held_out) >= HELD_OUT_FLOOR, f"{right}/{len(held_out)}"


def test_the_model_beats_the_hand_rules_on_held_out_patients(classify, held_out):
    predicted = classify(*[r["question"] for r in held_out])
    model_right = sum(p == r["kind"] for p, r in zip(predicted, held_out))
    rules_right = sum(rule_kind(r["question"]) == r["kind"] for r in held_out)
    assert model_right > rules_right


@pytest.mark.parametrize("question, kind", [
    ("what are the risks of a stem cell transplant", "risks"),
    ("is there a cure", "outlook"),
    ("what treatments are there", "treatment"),
    ("my rheumatologist wants to start me on mycophenolate, what does it actually do?", "how_it_works"),
    ("will I die from this", "outlook"),
    ("does methotrexate help skin", "benefit"),
    ("is the transplant dangerous", "risks"),
    ("What are the symptoms of Scleroderma ?", "symptoms"),
    ("how many people get systemic sclerosis", "frequency"),
    ("are there any clinical trials I could join", "trial"),
])
def test_specification_cases(classify, question, kind):
    assert classify(question) == [kind]


def test_a_care_team_question_is_about_treatment_or_self_care(classify):
    # documented choice: who treats the disease is part of how it is treated
    assert classify("what kind of doctors should be on my care team")[0] in ("treatment", "self_care")


def test_guesses_carry_a_probability_for_every_kind(model, embedder):
    q = ["how is scleroderma diagnosed"]
    guess, = model.predict(embedder.embed(q), q)
    assert set(guess.scores) == set(QUESTION_KINDS)
    assert abs(sum(guess.scores.values()) - 1) < 1e-4
    assert 0 < guess.confidence <= 1
    assert model.predict(embedder.embed([]), []) == []


def test_a_batch_is_read_as_each_question_alone(model, embedder, held_out):
    # (its speed is measured, not asserted: prediction is one small matrix product)
    texts = [r["question"] for r in held_out][:40]
    vectors = embedder.embed(texts)
    batch = [g.kind for g in model.predict(vectors, texts)]
    assert batch == [model.predict(v[None, :], [t])[0].kind for t, v in zip(texts, vectors)]


@pytest.mark.parametrize("question, expected", [
    ("is there a cure", True),
    ("Does methotrexate help skin?", True),
    ("hi, can I exercise with this?", True),
    ("my doctor wants me on MMF, is it safe?", True),
    ("what are the side effects of prednisone", False),
    ("how long does the transplant take", False),
    ("why does my skin get hard", False),
])
def test_yes_no_questions_open_with_an_auxiliary_verb(question, expected):
    assert is_yes_no(question) is expected


@pytest.mark.parametrize("question, kind", [
    ("what are the side effects of methotrexate", "risks"),
    ("how common is scleroderma", "frequency"),
    ("is scleroderma inherited", "cause"),
    ("bosentan vs sildenafil for ulcers", "comparison"),
    ("hello", "other"),
    # asking what a word means is a definition, whatever the word
    ("what does remission mean", "definition"),
    ("what do you mean by remission", "definition"),
    # "what are they ..." asks what people do, not what a thing is
    ("what are they still trying to figure out", "research"),
    # how a condition makes you feel is its symptoms; how a medicine does, its side effects
    ("how will it make me feel", "symptoms"),
    ("how does it feel", "symptoms"),
    ("how will methotrexate make me feel", "risks"),
    ("will it make me feel sick", "risks"),
    # whether it works is its benefit; how it works, its mechanism
    ("does the stem cell transplant actually work", "benefit"),
    ("how does nintedanib work", "how_it_works"),
])
def test_hand_rules_read_the_obvious_cues(question, kind):
    assert rule_kind(question) == kind


@pytest.mark.parametrize("question, best", [
    ("does CBD oil cure scleroderma", "CBD oil"),
    ("is the Mayo Clinic a good place for this", "the Mayo Clinic"),
    ("what are the risks of a stem cell transplant", "stem cell transplant"),
    ("my rheumatologist wants to start me on mycophenolate, what does it actually do?", "mycophenolate"),
    ("What are the treatments for Adult Acute Lymphoblastic Leukemia ?", "Adult Acute Lymphoblastic Leukemia"),
    ("how long do people live with systemic sclerosis", "systemic sclerosis"),
    ("is IL-6 blocking safe for my lungs?", "IL-6 blocking"),
    # a kind of therapy is named by the word before "therapy"
    ("what is occupational therapy", "occupational therapy"),
    ("is gene therapy safe", "gene therapy"),
])
def test_focus_phrase_finds_what_the_question_is_about(question, best):
    assert focus_phrase(question)[0] == best


def test_focus_phrase_keeps_every_topic_best_first():
    assert focus_phrase("does methotrexate help the skin or the lungs") == ["methotrexate", "skin", "lungs"]
    assert focus_phrase("what is it") == []


def test_a_word_for_a_treatment_in_general_names_no_focus():
    # "is there a medicine for it" asks how it is treated; it does not ask about a thing called "medicine"
    assert focus_phrase("is there a medicine for it") == []
    assert focus_phrase("is CBD a good medicine for scleroderma") == ["CBD", "scleroderma"]


def test_focus_phrase_leaves_out_words_that_only_stress_the_question():
    assert focus_phrase("what is narcolepsy exactly?") == ["narcolepsy"]
    assert focus_phrase("what does it basically do") == []
