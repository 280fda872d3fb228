"""Composing an answer: the lead first, chains kept together, lists as lists.

Pure tests over hand-made candidates and scores: no model, no store."""

import numpy as np

from rag.compose.selection import SelectionParams, choose
from rag.compose.candidates import Candidate

PARAMS = SelectionParams()


def _cands(*texts, passage=0, list_items=()):
    out, pos = [], 0
    for i, t in enumerate(texts):
        out.append(Candidate(passage, pos, pos + len(t), t, i in list_items, group=0 if i in list_items else -1))
        pos += len(t) + 1
    return out


def _orthogonal(n):
    return np.eye(n, dtype=np.float32)  # no two sentences say the same thing


def test_the_sentence_that_answers_the_kind_of_question_leads():
    cands = _cands("The transplant may become a possible cure for severe disease.",
                   "Patients may have side effects such as infections and low blood counts.")
    scores = np.array([0.7, 0.6], dtype=np.float32)
    cues = np.array([0.0, 1.0], dtype=np.float32)  # the second names the risks
    units, lists = choose(cands, scores, _orthogonal(2), PARAMS, 4, 110, cues=cues, kind="risks")
    assert units[0] == [1] and not lists


def test_a_sentence_that_points_back_comes_right_after_the_one_it_points_to():
    cands = _cands("Stem cell transplantation is a new treatment for severe disease.",
                   "It can cause infections and low blood counts in some patients.")
    cands.insert(1, Candidate(1, 0, 60, "Clinical trials test new treatments in people who volunteer."))
    # "It can cause..." is the best answer; the sentence it points to must come right before
    scores = np.array([0.2, 0.5, 0.9], dtype=np.float32)
    units, _ = choose(cands, scores, _orthogonal(3), SelectionParams(margin=1.0), 4, 110)
    flat = [i for u in units for i in u]
    assert flat.index(0) + 1 == flat.index(2)


def test_a_sentence_whose_only_link_is_the_subject_is_not_used():
    cands = _cands("Scleroderma is also known as systemic sclerosis by many doctors.",
                   "Collagen building up causes the skin to harden over time.")
    scores = np.array([0.9, 0.8], dtype=np.float32)
    units, _ = choose(cands, scores, _orthogonal(2), PARAMS, 4, 110, on_topic=[False, True])
    assert [i for u in units for i in u] == [1]


def test_a_broad_question_about_options_is_answered_with_the_whole_list():
    cands = _cands("Immunosuppressive agents: drugs that calm the immune system are used.",
                   "Biologic agents: rituximab and tocilizumab target specific signals.",
                   "Antifibrotic agents: nintedanib slows lung scarring in some people.",
                   list_items=(0, 1, 2))
    scores = np.array([0.5, 0.9, 0.4], dtype=np.float32)
    units, lists = choose(cands, scores, _orthogonal(3), PARAMS, 4, 110, kind="treatment")
    assert lists == {0} and units == [[0, 1, 2]]  # every item, in the document's order


def test_a_question_naming_one_item_is_not_answered_with_the_list():
    cands = _cands("Immunosuppressive agents: methotrexate calms the immune system well.",
                   "Biologic agents: rituximab and tocilizumab target specific signals.",
                   list_items=(0, 1))
    scores = np.array([0.9, 0.3], dtype=np.float32)
    units, lists = choose(cands, scores, _orthogonal(2), PARAMS, 4, 110, kind="treatment",
                            on_topic=[True, False])
    assert not lists and units[0] == [0]


def test_an_item_of_an_announced_list_brings_the_announcement_and_the_other_items():
    cands = [Candidate(0, 0, 30, "Complications of the disease include", lead_in=True, group=0),
             Candidate(0, 31, 50, "high blood pressure", list_item=True, group=0),
             Candidate(0, 51, 70, "swelling of the legs", list_item=True, group=0),
             Candidate(0, 71, 140, "Most people live with the disease for many years without trouble.")]
    scores = np.array([0.3, 0.4, 0.9, 0.2], dtype=np.float32)
    units, lists = choose(cands, scores, _orthogonal(4), PARAMS, 4, 110, kind="symptoms")
    assert units[0] == [0, 1, 2] and 0 in lists


def test_a_personal_advice_question_quotes_no_amount_at_all():
    """Any question: no sentence telling the reader to dose or stop a medicine. A personal-
    advice question: not even an amount that is no instruction."""
    from rag.compose.extract import quotable

    cands = _cands("Stop all of your medicines today and take 100 mg every day.",
                   "Kidney disease is likely when albumin is greater than 30 mg per gram.",
                   "Methotrexate calms the immune system in scleroderma.")
    assert quotable(cands) == [False, True, True]
    assert quotable(cands, advice=True) == [False, False, True]


def test_a_sentence_a_page_repeats_word_for_word_is_told_once():
    from rag.compose.selection import SelectionParams, choose
    from rag.compose.candidates import Candidate

    text = "Being overweight increases the risk of gout."
    cands = [Candidate(0, 0, len(text), text), Candidate(1, 0, len(text), text),
             Candidate(1, 50, 90, "Drinking alcohol also raises the risk.")]
    vectors = np.array([[1, 0, 0], [0.6, 0.8, 0], [0, 0, 1]], np.float32)  # other contexts, other vectors
    units, _ = choose(cands, np.array([0.9, 0.89, 0.88], np.float32), vectors, SelectionParams(), 4, 110)
    told = [cands[i].text for u in units for i in u]
    assert told.count(text) == 1 and "Drinking alcohol also raises the risk." in told


def test_an_item_a_list_repeats_is_told_once():
    from rag.compose.selection import SelectionParams, choose
    from rag.compose.candidates import Candidate

    head, item = "These risk factors are associated with gout:", "Being overweight raises the risk."
    cands = [Candidate(0, 0, 44, head, lead_in=True, group=1), Candidate(0, 45, 80, item, list_item=True, group=1),
             Candidate(0, 81, 116, item, list_item=True, group=1),
             Candidate(0, 117, 150, "Drinking alcohol raises it too.", list_item=True, group=1)]
    vectors = np.eye(4, dtype=np.float32)
    units, _ = choose(cands, np.array([0.9, 0.8, 0.8, 0.7], np.float32), vectors, SelectionParams(), 4, 110)
    told = [cands[i].text for u in units for i in u]
    assert told.count(item) == 1 and "Drinking alcohol raises it too." in told


def test_a_sentence_is_on_topic_through_its_documents_title():
    from rag.compose.extract import topical
    from rag.text.lexical import QueryTerm, QueryTerms, stem

    # "what research is being done for cephalic disorders?", kind words left out
    asked = QueryTerms(tuple(QueryTerm(w, {stem(w): 1.0}, 3.0) for w in ("cephalic", "disorders")))
    cands = _cands("Researchers are examining how the neural tube forms early in life.",
                   "Check the list of trials now accepting patients with ovarian cancer.")
    no_cues = np.zeros(2, np.float32)
    assert topical(cands, [None, None], asked, frozenset(), no_cues) == [False, False]
    titled = topical(cands, [None, None], asked, frozenset(), no_cues, ["Cephalic Disorders", "Ovarian Cancer"])
    assert titled == [True, False]
    # a title word that is the library's own subject links nothing
    subject = frozenset({stem("disorders")})
    assert topical(cands, [None, None], asked, subject, no_cues, ["Disorders of children"] * 2) == [False, False]


def test_with_supports_a_supporting_sentence_stays_only_if_marked_and_the_one_it_points_to_comes_along():
    cands = _cands("Stem cell transplantation is a new treatment for severe disease.",
                   "It can cause infections and low blood counts in some patients.")
    cands += [Candidate(1, 0, 50, "Clinical trials are often run by large hospitals."),
              Candidate(2, 0, 55, "Transplant patients stay in hospital for several weeks.")]
    scores = np.array([0.9, 0.8, 0.85, 0.7], dtype=np.float32)
    params = SelectionParams(margin=1.0)
    everything, _ = choose(cands, scores, _orthogonal(4), params, 4, 110)
    assert sorted(i for u in everything for i in u) == [0, 1, 2, 3]
    units, _ = choose(cands, scores, _orthogonal(4), params, 4, 110, supports=[False, True, False, False])
    # the lead needs no mark; "It can cause..." is marked; the trials sentence is not
    assert [i for u in units for i in u] == [0, 1]


def test_an_everyday_word_links_no_sentence_to_the_question():
    from rag.compose.extract import topical
    from rag.text.lexical import QueryTerm, QueryTerms, specificity, stem

    # "what signs should i look out for?", its kind word ("signs") left out: "look" remains
    asked = QueryTerms((QueryTerm("look", {stem("look"): 1.0}, 3.0, specificity("look")),))
    cands = _cands("A doctor uses a slit lamp to look for rings in the eyes.",
                   "Signs and symptoms include tiredness and yellow skin.")
    assert topical(cands, [None, None], asked, frozenset(), np.zeros(2, np.float32)) == [True, True]
    # a word that names something still does ("heart" is everyday, but a topic)
    heart = QueryTerms((QueryTerm("heart", {stem("heart"): 1.0}, 3.0, specificity("heart")),))
    cands = _cands("It can affect the heart.", "Signs and symptoms include tiredness.")
    assert topical(cands, [None, None], heart, frozenset(), np.zeros(2, np.float32)) == [True, False]


def test_in_the_rules_ranking_a_lone_everyday_word_covers_only_its_own_small_share():
    from rag.compose.extract import EVERYDAY_OWED, local_coverage
    from rag.text.lexical import QueryTerm, QueryTerms, specificity, stem

    asked = QueryTerms((QueryTerm("look", {stem("look"): 1.0}, 3.0, specificity("look"), 3.0),))
    cands = _cands("A doctor uses a slit lamp to look for rings in the eyes.",
                   "Signs and symptoms include tiredness and yellow skin.")
    fitted = local_coverage(cands, asked)  # the share the fitted decision reads: the whole question
    ranked = local_coverage(cands, asked, EVERYDAY_OWED)
    assert fitted[0] == 1.0 and fitted[1] == 0.0
    assert 0.0 < ranked[0] < 0.8 and ranked[1] == 0.0


def test_an_announced_list_answers_as_one_with_its_items():
    from rag.compose.extract import Extraction
    from rag.schema import AnswerSentence

    listed = Extraction([AnswerSentence("Complications of IgA nephropathy include", 1),
                         AnswerSentence("high blood pressure", 1, list_item=True),
                         AnswerSentence("long-lasting kidney failure over time", 1, list_item=True)], [], {})
    assert [s.text for s in listed.leading()] == ["Complications of IgA nephropathy include", "high blood pressure",
                                                  "long-lasting kidney failure over time"]
    chained = Extraction([AnswerSentence("Scleroderma can affect the lungs.", 1),
                          AnswerSentence("It can also affect the kidneys.", 1),
                          AnswerSentence("Treatment helps.", 2)], [], {})
    assert len(chained.leading()) == 2
    alone = Extraction([AnswerSentence("Treatment helps.", 2), AnswerSentence("Most people do well.", 2)], [], {})
    assert [s.text for s in alone.leading()] == ["Treatment helps."]


def test_in_a_bare_list_of_statements_the_item_that_says_what_was_asked_comes_first():
    cands = _cands("Hemochromatosis is the most common form of iron overload disease.",
                   "Too much iron in the body causes hemochromatosis.",
                   "It mainly affects people of Northern European descent.",
                   list_items=(0, 1, 2))
    scores = np.array([0.6, 0.9, 0.4], dtype=np.float32)
    cues = np.array([0.0, 0.8, 0.0], dtype=np.float32)  # "causes": the cause kind's cue
    units, lists = choose(cands, scores, _orthogonal(3), PARAMS, 4, 110, kind="cause", cues=cues)
    assert lists == {0} and units == [[1, 0, 2]]


def test_in_a_bare_list_the_item_that_says_more_of_what_was_asked_comes_first():
    # "genetic" is a cause cue too, but "caused by an inherited mutation" says more of it
    cands = _cands("Wilson disease is a genetic disease that prevents the body from removing copper.",
                   "Normally, the liver filters extra copper.",
                   "Wilson disease is caused by an inherited mutation in the ATP7B gene.",
                   list_items=(0, 1, 2))
    scores = np.array([0.6, 0.4, 0.9], dtype=np.float32)
    cues = np.array([0.33, 0.0, 1.0], dtype=np.float32)
    units, lists = choose(cands, scores, _orthogonal(3), PARAMS, 4, 110, kind="cause", cues=cues)
    assert lists == {0} and units[0][0] == 2
    # the first item keeps its place when the best one says no more of it
    units, _ = choose(cands, scores, _orthogonal(3), PARAMS, 4, 110, kind="cause", cues=np.full(3, 0.33, np.float32))
    assert units[0][0] == 0


def test_no_kind_but_a_definition_leads_with_what_the_thing_is_when_a_sentence_answers_it():
    cands = _cands("Scleroderma is a rare autoimmune disease with hardening of the skin.",
                   "A stem cell transplant has shown the ability to improve skin scarring.")
    scores = np.array([0.9, 0.7], dtype=np.float32)
    cues = np.array([0.0, 0.33], dtype=np.float32)  # "improve": a benefit cue
    units, _ = choose(cands, scores, _orthogonal(2), PARAMS, 4, 110, kind="benefit", cues=cues)
    assert units[0] == [1]
    # asked what it is, the definition leads
    units, _ = choose(cands, scores, _orthogonal(2), PARAMS, 4, 110, kind="definition", cues=np.zeros(2, np.float32))
    assert units[0] == [0]


def test_a_lead_that_only_names_its_class_brings_the_sentence_saying_what_the_class_is():
    cands = _cands("Hemolytic anemia is a type of anemia.",
                   "The term anemia refers to a condition in which the blood has too few red blood cells.",
                   "People of all ages can get it, and some types run in families.")
    # the sentence about anemia is not on the topic (hemolytic anemia) and scores far lower
    scores = np.array([0.9, 0.3, 0.5], dtype=np.float32)
    units, _ = choose(cands, scores, _orthogonal(3), PARAMS, 4, 110, on_topic=[True, False, True],
                      kind="definition")
    assert units[0] == [0, 1]
    # a lead that says more than its class stands alone
    cands = _cands("Hemolytic anemia is a type of anemia in which red blood cells are destroyed early.",
                   "The term anemia refers to a condition in which the blood has too few red blood cells.")
    units, _ = choose(cands, np.array([0.9, 0.3], dtype=np.float32), _orthogonal(2), PARAMS, 4, 110,
                      on_topic=[True, False], kind="definition")
    assert units == [[0]]


def test_the_librarys_subject_is_no_cue_in_its_own_name():
    from rag.compose.extract import without_name
    from rag.compose.sentence_kinds import kind_strength

    unnamed = without_name("Autoimmune Hepatitis")
    named_only = "Autoimmune hepatitis is a serious condition that may worsen over time if not treated."
    assert kind_strength(named_only, "cause") > 0  # "autoimmune" is a cause's cue ...
    assert kind_strength(unnamed(named_only), "cause") == 0  # ... but not in the name of what is asked about
    cause = "A combination of environmental triggers and a genetic predisposition can lead to autoimmune hepatitis."
    assert kind_strength(unnamed(cause), "cause") > 0
    assert without_name("")(named_only) == named_only


def test_a_lead_in_is_never_told_without_its_items():
    """"Sometimes surgery may be used to treat" announces a list; when its one item (three
    glued together) is longer than an answer may be, neither is told."""
    long_item = " ".join(["pregnant women who cannot take the medicines and other people"] * 20)
    cands = [Candidate(0, 0, 38, "Sometimes surgery may be used to treat", lead_in=True, group=0),
             Candidate(0, 39, 39 + len(long_item), long_item, list_item=True, group=0),
             Candidate(1, 0, 70, "People with Graves disease have three treatment options in all.")]
    scores = np.array([0.9, 0.5, 0.8], dtype=np.float32)
    units, lists = choose(cands, scores, _orthogonal(3), PARAMS, 4, 40, kind="treatment")
    assert units == [[2]] and not lists
