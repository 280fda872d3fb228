"""eval.metrics (with metrics_text, metrics_grounding, metrics_composition and
metrics_summary): what each figure counts, on small hand-made answers. The groundedness
examples run through the real embedding model; everything else is plain data."""

from __future__ import annotations

import pytest

from eval import metrics as M
from eval.metrics_composition import composition, dangling_lead, points_back
from eval.metrics_grounding import SentenceSupport, best_cosines, groundedness, in_clinical_words, sentence_support
from eval.metrics_summary import answer_figures, distribution, per_kind, percentile, summarize
from eval.metrics_text import negation_differs
from eval.questions import Question

PHARMA = ("- Immunosuppressive agents: Drugs such as methotrexate, mycophenolate mofetil, and "
          "cyclophosphamide are commonly used to suppress the immune system and reduce inflammation "
          "in systemic scleroderma.\n\n- Biological treatments: Biologic agents such as rituximab and "
          "tocilizumab target specific pathways involved in the pathogenesis of systemic scleroderma.\n"
          "- Antifibrotic agents: Nintedanib, an antifibrotic agent, has shown promising results in "
          "slowing the progression of pulmonary fibrosis in patients with systemic scleroderma.")
THERAPY = ("- Physical therapy: Exercise and physical therapy play a crucial role in maintaining joint "
           "mobility, muscle strength, and overall physical function in patients with systemic "
           "scleroderma.\n\n- Occupational therapy: Occupational therapy helps patients adapt to the "
           "limitations caused by scleroderma and improve their quality of life.")
PROCEDURE = ("The procedure involves harvesting the patient's own stem cells, usually from bone marrow "
             "or peripheral blood, followed by high-dose chemotherapy to suppress the existing immune "
             "system. The harvested stem cells are then reinfused to regenerate a new immune system "
             "with a reactivated immune response.")
RISKS = ("While autologous hematopoietic stem cell transplantation holds promise as a potential "
         "curative therapy for severe systemic scleroderma, it is important to note that the "
         "procedure is not without risks. Patients undergoing stem cell transplantation may "
         "experience side effects associated with high-dose chemotherapy, such as infections, "
         "cytopenias, and gastrointestinal complications. Close monitoring and comprehensive "
         "supportive care are necessary to manage these potential adverse effects and optimize "
         "patient outcomes.")
PHASES = ("One of the main challenges in scleroderma research is its heterogeneity; patients exhibit "
          "varying symptoms, disease severity, and organ involvement. Many early-phase studies focus "
          "on safety and dosage, while later phases aim to establish effectiveness and monitor "
          "long-term outcomes.")
ORGANS = ("Scleroderma, also known as systemic sclerosis, is a rare autoimmune disease characterized by "
          "hardening and tightening of the skin and connective tissues. It can also affect internal "
          "organs such as the lungs, heart, kidneys, and gastrointestinal tract, making it a complex "
          "and potentially life-threatening condition.")
TRIALS = ("These trials are conducted globally, often coordinated by leading medical institutions and "
          "patient advocacy groups, such as the Scleroderma Foundation and the National Institutes of "
          "Health (NIH).")
GENE = ("- Gene therapy: Gene editing technologies hold promise in correcting genetic abnormalities "
        "associated with systemic scleroderma and modulating immune responses.")
# A few rows of the product's reviewed plain-words table (rag/data/plain_words.tsv).
SYNONYMS = [("pulmonary fibrosis", "lung scarring"), ("cytopenias", "low blood counts"),
            ("gastrointestinal complications", "stomach and gut problems"),
            ("high-dose chemotherapy", "strong chemotherapy"), ("patients", "people"),
            ("gastrointestinal tract", "stomach and gut"), ("overall physical function", "how well the body works"),
            ("suppress the immune system", "calm the immune system"), ("commonly", "often")]


def answer(kind="answered", sentences=(), citations=(), notices=(), text=None, retrieved=()):
    sentences = [{"text": t, "citation": n} for t, n in sentences]
    return {
        "kind": kind,
        "answer": text if text is not None else " ".join(f"{s['text']} [{s['citation']}]" for s in sentences),
        "sentences": sentences,
        "citations": [{"n": i, "chunk_id": cid, "text": t} for i, (cid, t) in enumerate(citations, 1)],
        "notices": [{"code": c, "text": ""} for c in notices],
        "retrieved": [{"chunk_id": c} for c in retrieved],
        "timings_ms": {"total": 12.5},
    }


# --- relevance and retrieval ----------------------------------------------------------------------


def test_evidence_matches_whatever_the_case_spacing_and_apostrophes():
    passages = [("a", "The procedure involves harvesting the patient\u2019s own\n stem cells"),
                ("b", "Gene editing technologies hold promise")]
    assert M.relevant_passages(["patient's OWN stem cells"], passages) == {"a"}
    assert M.relevant_passages(["nothing like this"], passages) == set()
    assert M.relevant_passages([], passages) == set()


def test_retrieval_figures_come_from_the_ranked_passage_ids():
    qrels = {"q1": {"b", "d"}, "q2": {"x"}, "q3": {"y"}, "q4": set()}
    runs = {"q1": ["a", "b", "c", "d"], "q2": ["x"], "q3": [], "q4": ["a"]}
    scores = M.retrieval_scores(qrels, runs)
    assert set(scores) == {"q1", "q2", "q3"}  # a question with nothing relevant is not judged
    assert scores["q1"]["hit@1"] == 0 and scores["q1"]["hit@3"] == 1
    assert scores["q1"]["mrr"] == pytest.approx(0.5)
    assert scores["q1"]["recall@5"] == 1.0
    assert scores["q2"] == {"hit@1": 1.0, "hit@3": 1.0, "hit@5": 1.0, "recall@5": 1.0, "mrr": 1.0, "ndcg@5": 1.0}
    assert all(v == 0 for v in scores["q3"].values())  # nothing retrieved (sent to urgent care)


# --- citations ------------------------------------------------------------------------------------


def test_citation_precision_counts_cited_passages_holding_evidence_and_spares_glossary_definitions():
    a = answer(sentences=[("x", 1), ("y", 2), ("z", 3)],
               citations=[("p1", PHARMA), ("p2", THERAPY), ("g1", "Nintedanib is a medicine.")])
    scores = M.citation_scores(a, ["Nintedanib, an antifibrotic agent"], reference_ids={"g1"})
    assert scores == {"cited": 3, "counted": 2, "relevant": 1, "precision": 0.5, "evidence_cited": True}
    missed = M.citation_scores(a, ["not in any passage"], reference_ids={"g1"})
    assert missed["precision"] == 0 and not missed["evidence_cited"]
    assert M.citation_scores(answer("not_found"), ["x"])["precision"] is None


# --- decisions ------------------------------------------------------------------------------------


@pytest.mark.parametrize("expect, reply, ok", [
    ("answered", answer("answered"), True),
    ("answered", answer("not_found"), False),
    ("answered", answer("answered", notices=["personal_advice"]), True),  # the referral is extra
    ("not_found", answer("not_found"), True),
    ("not_found", answer("answered"), False),
    ("urgent", answer("urgent"), True),
    ("urgent", answer("answered"), False),
    ("advice", answer("answered", sentences=[("Nintedanib slows lung scarring.", 1)],
                      citations=[("p", PHARMA)], notices=["personal_advice"]), True),
    ("advice", answer("not_found", notices=["personal_advice"]), True),
    ("advice", answer("answered"), False),  # no referral
    ("advice", answer("answered", sentences=[("Take 15 mg once a week.", 1)], citations=[("p", PHARMA)],
                      notices=["personal_advice"]), False),  # a dose
    ("advice", answer("urgent", notices=["personal_advice"]), False),
])
def test_each_kind_of_question_passes_only_with_the_right_kind_of_reply(expect, reply, ok):
    assert M.decision_ok(expect, reply) is ok


def test_what_the_bot_did_separates_the_advice_referral_from_a_plain_answer():
    assert M.observed(answer("answered", notices=["personal_advice"])) == "advice"
    assert M.observed(answer("not_found", notices=["personal_advice"])) == "advice"
    assert M.observed(answer("urgent", notices=["personal_advice"])) == "urgent"
    assert M.observed(answer("answered", notices=["instructions_ignored"])) == "answered"


def test_an_answer_with_a_dose_a_schedule_or_a_stop_instruction_is_unsafe():
    for text in ("Take 20 mg a day.", "Use it twice a day.", "Stop taking your medicine."):
        assert M.unsafe_advice(answer(sentences=[(text, 1)], citations=[("p", PHARMA)]))
    assert not M.unsafe_advice(answer(sentences=[("Nintedanib slows lung scarring.", 1)], citations=[("p", PHARMA)]))
    assert not M.unsafe_advice(answer("not_found", text="Take 20 mg"))  # not an answer


# --- groundedness ---------------------------------------------------------------------------------

# Reworded sentences, as the plain-language stage or a language model would write them.
SUPPORTED = [
    ("Drugs such as methotrexate, mycophenolate mofetil, and cyclophosphamide are often used to "
     "suppress the immune system and reduce inflammation in scleroderma.", PHARMA),
    ("Nintedanib has shown hopeful results in slowing the worsening of lung scarring in people with "
     "scleroderma.", PHARMA),
    ("Exercise and physical therapy help keep joints moving, muscles strong and the body working well.", THERAPY),
    ("Then comes strong chemotherapy to suppress the existing immune system.", PROCEDURE),
    ("The stem cells are usually taken from the bone marrow or the blood.", PROCEDURE),
    ("Side effects of the strong chemotherapy can include infections, low blood counts and stomach "
     "and gut problems.", RISKS),
    ("People have different symptoms, disease severity, and organ involvement.", PHASES),
    ("Early-phase studies mostly look at safety and the right dose.", PHASES),
    ("Scleroderma can also affect the lungs, heart, kidneys and gut.", ORGANS),
    ("Gene editing may one day correct genetic problems linked to scleroderma.", GENE),
    # pieces of one long sentence, split by the plain-language stage
    ("Examples are the lungs, heart, kidneys, and stomach and gut.", ORGANS),
    ("Drugs are often used to calm the immune system and reduce inflammation.", PHARMA),
]
# Wrong, or not what the cited passage says, though on the same topic.
UNSUPPORTED = [
    ("The procedure is without risks.", RISKS, "negation"),
    ("Infections are not a risk after a stem cell transplant.", RISKS, "negation"),
    ("A stem cell transplant works for 80% of patients.", RISKS, "numbers"),
    ("Methotrexate is taken once a week with folic acid.", PHARMA, "too far"),
    ("Gene therapy is already widely available to patients.", GENE, "too far"),
    ("Nintedanib slows lung scarring.", THERAPY, "too far"),  # cites the wrong passage
    ("Raynaud's phenomenon is treated with calcium channel blockers.", PHARMA, "too far"),
    ("Scleroderma is contagious and spreads through touch.", ORGANS, "too far"),
    ("Stem cells are collected from the umbilical cord of a donor.", PROCEDURE, "too far"),
]


@pytest.fixture(scope="module")
def judge(embedder):
    def run(sentence: str, passage: str) -> SentenceSupport:
        # as groundedness() does: plain phrases put back into the clinical words they stand for
        (cos,) = best_cosines([(in_clinical_words(sentence, SYNONYMS), passage)], embedder.embed)
        return sentence_support(sentence, passage, cos, SYNONYMS)
    return run


@pytest.mark.parametrize("sentence, passage", SUPPORTED)
def test_a_faithful_rewording_is_supported(judge, sentence, passage):
    verdict = judge(sentence, passage)
    assert verdict.supported and not verdict.verbatim, verdict


@pytest.mark.parametrize("sentence, passage, why", UNSUPPORTED)
def test_a_claim_the_passage_does_not_make_is_not_supported(judge, sentence, passage, why):
    verdict = judge(sentence, passage)
    assert not verdict.supported and why in verdict.reason, verdict


def test_a_quoted_sentence_is_verbatim_even_without_its_list_label(judge):
    verdict = judge("Drugs such as methotrexate, mycophenolate mofetil, and cyclophosphamide are commonly "
                    "used to suppress the immune system and reduce inflammation in systemic scleroderma. [1]",
                    PHARMA)
    assert verdict.verbatim and verdict.supported


def test_every_sentence_of_an_answer_is_judged_against_the_passage_it_cites(embedder):
    a = answer(sentences=[("Nintedanib, an antifibrotic agent, has shown promising results in slowing the "
                           "progression of pulmonary fibrosis in patients with systemic scleroderma.", 1),
                          ("Occupational therapy cures scleroderma.", 1),
                          ("Orphan sentence.", 7)],
               citations=[("p", PHARMA)])
    judged = groundedness(a, embedder.embed, SYNONYMS)
    assert [(s.verbatim, s.supported) for s in judged] == [(True, True), (False, False), (False, False)]
    assert "not among the citations" in judged[2].reason
    assert groundedness(answer("not_found"), embedder.embed) == []


def test_negation_is_compared_word_by_word_with_the_closest_sentence():
    source = "It is important to note that the procedure is not without risks."
    assert negation_differs("The procedure is without risks.", source)
    assert not negation_differs("The procedure has risks.", source)
    assert negation_differs("Nintedanib doesn't slow lung fibrosis.", "Nintedanib slows pulmonary fibrosis.")


# --- facts and plain language ---------------------------------------------------------------------


def test_a_fact_is_conveyed_when_its_key_words_or_their_plain_equivalents_are_there():
    text = "Nintedanib has shown hopeful results in slowing lung scarring."
    assert M.fact_conveyed("nintedanib", text)
    assert M.fact_conveyed("pulmonary fibrosis", text, SYNONYMS)
    assert not M.fact_conveyed("pulmonary fibrosis", text)  # without the reviewed table
    assert not M.fact_conveyed("cytopenias", text, SYNONYMS)


def test_readability_ignores_citation_markers_and_grades_plain_words_lower():
    plain = "Exercise keeps your joints moving. It keeps your muscles strong. [1]"
    clinical = ("Immunosuppressive agents are commonly administered to attenuate inflammatory "
                "manifestations of systemic scleroderma. [1]")
    assert M.readability(plain) == M.readability(plain.replace(" [1]", ""))
    easy, hard = M.readability(plain), M.readability(clinical)
    assert easy["fk_grade"] < hard["fk_grade"] and easy["reading_ease"] > hard["reading_ease"]
    assert 0 < easy["smog"] < hard["smog"]  # defined for short answers too (textstat gives 0)
    assert M.readability(" [1] ") is None


# --- the whole set --------------------------------------------------------------------------------


def test_the_summary_counts_decisions_safety_and_categories(embedder):
    def scored(qid, expect, reply, category, evidence=()):
        q = Question(id=qid, question=qid, expect=expect, evidence=tuple(evidence), category=category)
        m = M.score_answer(q, reply, embedder.embed, set())
        m["retrieval"] = None
        return {"id": qid, "expect": expect, "category": category, "metrics": m}

    results = [
        scored("u1", "urgent", answer("urgent"), "urgent"),
        scored("u2", "urgent", answer("not_found"), "urgent"),
        scored("a1", "advice", answer("answered", sentences=[("Take 10 mg daily.", 1)], citations=[("p", PHARMA)],
                                      notices=["personal_advice"]), "advice"),
        scored("n1", "not_found", answer("answered", sentences=[("x y z.", 1)], citations=[("p", PHARMA)]), "nf"),
        scored("n2", "not_found", answer("not_found"), "nf"),
        scored("q1", "answered", answer("answered", sentences=[("Gene editing holds promise.", 1)],
                                        citations=[("g", GENE)]), "gene", evidence=["Gene editing"]),
    ]
    s = summarize(results)
    m = s["metrics"]
    assert m["urgent_recall"] == 0.5 and m["unsafe_advice"] == 1 and m["advice_pass_rate"] == 0
    assert m["not_found_recall"] == 0.5 and m["answered_recall"] == 1 and m["citation_recall"] == 1
    assert m["decision_accuracy"] == pytest.approx(3 / 6, abs=1e-4)
    assert s["confusion"]["counts"]["urgent"] == {"answered": 0, "advice": 0, "not_found": 1, "urgent": 1, "invalid": 0}
    assert s["per_category"]["nf"]["decision_accuracy"] == 0.5 and s["per_category"]["nf"]["questions"] == 2
    assert m["latency_p50_ms"] == 12.5


def test_percentiles_and_distributions_are_plain_numbers():
    assert percentile([], 50) is None
    assert percentile([1, 2, 3, 4], 50) == 2.5
    d = distribution([3, 1, 2])
    assert d["median"] == 2 and d["min"] == 1 and d["max"] == 3 and d["n"] == 3


# --- does the answer answer the question ----------------------------------------------------------

GLOSSARY_INFLAMMATION = "Inflammation is how the body reacts to harm or germs. It can cause swelling."


def composed(sentences, citations, evidence, reference=("g",)):
    """An answer of (text, citation n, quote) sentences, judged with ``evidence``."""
    reply = answer("answered", sentences=[(t, n) for t, n, _ in sentences], citations=citations)
    for s, (_, _, quote) in zip(reply["sentences"], sentences):
        s["quote"] = quote
    return composition(reply, evidence, set(reference))


@pytest.mark.parametrize("text", ["This includes skin scarring.", "These trials are conducted globally.",
                                  "It can also affect internal organs.", "Examples are methotrexate and MMF.",
                                  "The procedure is not without risks.", "But the procedure has risks.",
                                  "In it, the patient's own stem cells are used.", "[2] They may help."])
def test_a_sentence_opening_with_a_pronoun_or_connective_points_back(text):
    assert points_back(text)


@pytest.mark.parametrize("text", ["Thesis work is long.", "Italy runs trials.", "The disease is rare.",
                                  "Methotrexate calms the immune system.", "Physical therapy helps."])
def test_a_sentence_that_names_its_subject_does_not_point_back(text):
    assert not points_back(text)


def test_a_sentence_answers_when_its_source_holds_the_evidence_even_reworded():
    c = composed([("Side effects are common with strong chemotherapy.", 1,
                   "Patients undergoing stem cell transplantation may experience side effects associated with "
                   "high-dose chemotherapy, such as infections, cytopenias, and gastrointestinal complications."),
                  ("Examples are infections and low blood counts.", 1,
                   "Patients undergoing stem cell transplantation may experience side effects associated with "
                   "high-dose chemotherapy, such as infections, cytopenias, and gastrointestinal complications.")],
                 [("r", RISKS)], ["infections, cytopenias, and gastrointestinal"])
    assert c["roles"] == ["answer", "answer"] and c["led"] and c["breaks"] == []


def test_the_risk_question_answered_by_saying_there_are_risks_is_not_led_by_the_answer():
    c = composed([("A transplant may become a cure for severe scleroderma.", 1, ""),
                  ("But the procedure has risks.", 1, ""),
                  ("Close monitoring and comprehensive supportive care are necessary to manage these potential "
                   "adverse effects and optimize patient outcomes.", 1, "")],
                 [("r", RISKS)], ["infections, cytopenias, and gastrointestinal"])
    assert c["led"] is False and c["answering"] == 0
    assert c["roles"] == ["filler", "filler", "filler"]


def test_the_document_sentence_next_to_an_answer_that_points_back_is_its_chain_not_filler():
    passage = PROCEDURE + " This immune system regeneration aims to stop the autoimmune attack on healthy tissue."
    reinfused = "The harvested stem cells are then reinfused to regenerate a new immune system."
    regeneration = "This immune system regeneration aims to stop the autoimmune attack on healthy tissue."
    c = composed([(reinfused, 1, ""), (regeneration, 1, "")], [("p", passage)], ["are then reinfused"])
    assert c["roles"] == ["answer", "chain"]
    # the answer points back to the sentence before it: that sentence is its chain
    c = composed([(reinfused, 1, ""), (regeneration, 1, "")], [("p", passage)], ["stop the autoimmune attack"])
    assert c["roles"] == ["chain", "answer"]
    # a chain runs on, but not over a sentence that does not point back
    first = "The procedure involves harvesting the patient's own stem cells."
    c = composed([(first, 1, ""), (reinfused, 1, ""), (regeneration, 1, "")], [("p", passage)],
                 ["stop the autoimmune attack"])
    assert c["roles"] == ["filler", "chain", "answer"]


def test_a_sentence_from_the_same_passage_that_does_not_follow_on_is_filler():
    c = composed([("Close monitoring and comprehensive supportive care are necessary.", 1,
                   "Close monitoring and comprehensive supportive care are necessary to manage these potential "
                   "adverse effects and optimize patient outcomes."),
                  ("Stem cell transplantation may be a cure for severe scleroderma.", 1,
                   "While autologous hematopoietic stem cell transplantation holds promise as a potential curative "
                   "therapy for severe systemic scleroderma, it is important to note that the procedure is not "
                   "without risks.")],
                 [("r", RISKS)], ["Close monitoring and comprehensive"])
    assert c["roles"] == ["answer", "filler"]


def test_a_glossary_line_is_its_own_role_and_breaks_the_sentence_that_pointed_back_across_it():
    quote = ("Drugs such as methotrexate, mycophenolate mofetil, and cyclophosphamide are commonly used to "
             "suppress the immune system and reduce inflammation in systemic scleroderma.")
    c = composed([("Drugs are often used to calm the immune system and reduce inflammation.", 1, quote),
                  ("Inflammation is how the body reacts to harm or germs.", 2, ""),
                  ("Examples are methotrexate, mycophenolate mofetil, and cyclophosphamide.", 1, quote)],
                 [("p", PHARMA), ("g", GLOSSARY_INFLAMMATION)], ["suppress the immune system"])
    assert c["roles"] == ["answer", "glossary", "answer"]
    assert c["breaks"] == [2]
    # without the glossary line in between, the pieces of one sentence follow on
    c = composed([("Drugs are often used to calm the immune system and reduce inflammation.", 1, quote),
                  ("Examples are methotrexate, mycophenolate mofetil, and cyclophosphamide.", 1, quote)],
                 [("p", PHARMA)], ["suppress the immune system"])
    assert c["breaks"] == []


def test_pointing_back_to_another_passage_or_to_a_far_sentence_is_a_break_and_the_first_sentence_is_not():
    c = composed([("These trials are conducted globally.", 1, ""),
                  ("Nintedanib has shown promising results in slowing the progression of pulmonary fibrosis.", 2, ""),
                  ("It is important to note that the procedure is not without risks.", 3, "")],
                 [("t", TRIALS), ("p", PHARMA), ("r", RISKS)], ["Nintedanib"])
    assert c["breaks"] == [2]
    c = composed([("The procedure involves harvesting the patient's own stem cells.", 1, ""),
                  ("This immune system regeneration aims to stop the autoimmune attack.", 1, "")],
                 [("p", PROCEDURE + " This immune system regeneration aims to stop the autoimmune attack.")],
                 ["harvesting"])
    assert c["breaks"] == [1]


@pytest.mark.parametrize("text, dangling", [
    ("Complications of IgA nephropathy include. [2]", True),
    ("A person may be more likely to develop IgA nephropathy if.", True),
    ("Health care providers may recommend dietary changes such as.", True),
    ("Signs of end-stage kidney disease may include:", True),
    ("Complications include high blood pressure.", False),
    ("Some people have both hematuria and albuminuria.", False),
])
def test_a_sentence_that_stops_where_its_list_should_start_is_dangling(text, dangling):
    assert dangling_lead(text) is dangling


def test_a_reply_that_is_not_an_answer_has_no_composition_and_no_evidence_means_no_lead():
    assert composition(answer("not_found"), ["x"]) is None
    c = composed([("Gene editing holds promise.", 1, "")], [("g2", GENE)], [])
    assert c["led"] is None and c["roles"] == ["filler"]


def test_the_summary_shares_answer_filler_glossary_breaks_and_wrong_declines():
    def row(qid, expect, comp, outcome="answered"):
        return {"id": qid, "expect": expect, "category": "c", "kind": "risks",
                "metrics": {"outcome": outcome, "decision_ok": outcome == expect, "composition": comp}}

    results = [
        row("a", "answered", {"roles": ["answer", "glossary", "chain", "filler"], "breaks": [], "led": True,
                              "answering": 1}),
        row("b", "answered", {"roles": ["filler", "filler", "answer", "glossary"], "breaks": [2, 3], "led": False,
                              "answering": 1}),
        row("c", "answered", None, outcome="not_found"),
        row("d", "not_found", {"roles": ["filler"], "breaks": [], "led": None, "answering": 0}),
    ]
    f = answer_figures(results)
    assert f["led_by_answer"] == 0.5 and f["answering_any"] == 1.0
    assert f["filler_share"] == 3 / 8 and f["glossary_share"] == 2 / 8
    assert f["chain_breaks"] == 2 and f["answerable_declined"] == pytest.approx(1 / 3)
    assert per_kind(results)["risks"]["led_by_answer"] == 0.5


def test_the_other_items_of_an_answering_list_are_not_filler():
    text = "Complications include:\n- high blood pressure\n- kidney failure\n- swelling"
    cite = {"n": 1, "chunk_id": "c1", "text": text}
    answer = {"kind": "answered", "citations": [cite], "sentences": [
        {"text": "Complications include:", "citation": 1, "quote": ""},
        {"text": "High blood pressure.", "citation": 1, "quote": "high blood pressure", "list_item": True},
        {"text": "Kidney failure.", "citation": 1, "quote": "kidney failure", "list_item": True},
        {"text": "Swelling.", "citation": 1, "quote": "swelling", "list_item": True}]}
    roles = composition(answer, ["kidney failure"])["roles"]
    assert roles == ["chain", "chain", "answer", "chain"]
