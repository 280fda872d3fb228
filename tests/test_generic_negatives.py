"""eval.generic_negatives: sentences that name a condition and a kind of answer but answer
nothing, written as training negatives for the cross-encoder."""

import random

from eval.generic_negatives import FRAMES, KIND_NOUNS, generic_sentence
from eval.train_cross_encoder import groups


def test_a_generic_sentence_names_the_condition_and_the_kind_asked():
    rng = random.Random(3)
    for _ in range(20):
        text = generic_sentence("Gout", "treatment", rng, own_kind=1.0)
        assert "Gout" in text and any(noun in text for noun in KIND_NOUNS["treatment"])
        assert text[0].isupper() and text.endswith(".")


def test_the_same_seed_writes_the_same_sentences():
    assert [generic_sentence("Gout", "symptoms", random.Random(5)) for _ in range(3)] == \
           [generic_sentence("Gout", "symptoms", random.Random(5)) for _ in range(3)]
    assert len(set(FRAMES)) == len(FRAMES) >= 20


def test_training_groups_get_a_generic_negative_only_when_asked():
    import numpy as np
    from rag.compose.candidates import Candidate
    from eval.ranker_data import Example

    texts = ["Gout is treated with medicines that lower uric acid."] + [f"Other sentence {i}." for i in range(9)]
    cands = [Candidate(0, i, i + 1, t) for i, t in enumerate(texts)]
    labels = np.array([1] + [0] * 9, np.float32)
    ex = Example("How is gout treated?", "treatment", "NIDDK", "Gout", np.zeros(384, np.float32), cands, [],
                 np.zeros((10, 384), np.float32), np.zeros((10, 12), np.float32), labels, labels.copy())
    plain = groups([ex], random.Random(1))
    assert plain[0][1][0] == texts[0] and all(t in texts for t in plain[0][1])
    mixed = groups([ex] * 50, random.Random(1), generic_share=1.0)
    assert all(g[1][0] == texts[0] and g[1][-1] not in texts and "Gout" in g[1][-1] for g in mixed)
