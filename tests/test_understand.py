"""Understanding a question: what it names that the documents never mention, and what the
patient means by its wording ("say that more simply", "what does X mean?")."""

import pytest

from rag.question.understand import (content_left, index_knows, is_definition_question, is_simpler_request,
                                     named_focus, refers_back, uncovered_phrase)

# A tiny index vocabulary (stems), as rag.text.lexical builds it.
VOCAB = {t: i for i, t in enumerate(
    "scleroderma skin harden tighten transplant stem cell methotrexat mycophenol lung reinfus "
    "rheumatologist specialist care team doctor".split())}
INDEXED = index_knows(VOCAB, lambda stems: {})


def test_a_not_found_reply_names_what_the_documents_lack_not_an_everyday_verb():
    # focus phrases as rag.question.kinds.focus_phrase gives them, best first
    assert named_focus(["rid", "migraine"], INDEXED) == "migraine"
    subject = lambda w: w.lower() in {"scleroderma", "systemic", "sclerosis"}  # noqa: E731
    assert named_focus(["average lifespan", "systemic sclerosis"], INDEXED, subject) == "average lifespan"
    # a phrase the index knows is named only when nothing else is
    assert named_focus(["skin", "fish oil"], INDEXED) == "fish oil"
    assert named_focus(["tight skin"], INDEXED) == "tight skin"


def test_a_not_found_reply_never_names_only_the_libraries_own_subject_or_a_number():
    subject = lambda w: w.lower() == "scleroderma"  # noqa: E731
    assert named_focus(["scleroderma"], INDEXED, subject) == ""
    assert named_focus(["5", "scleroderma"], INDEXED, subject) == ""
    assert named_focus([], INDEXED) == ""
    assert named_focus(["runs"], INDEXED) == ""  # "who runs them", declined: not "about “runs”"
    # "what exactly is scleroderma? ... I didn't catch much of the explanation"
    assert named_focus(["scleroderma", "catch"], INDEXED, subject) == ""


def test_a_remedy_the_documents_never_mention_is_named_as_typed():
    # with the phrase the question is about (rag.question.kinds.focus_phrase), named whole
    assert uncovered_phrase("does CBD oil cure scleroderma", INDEXED, focus="CBD oil") == "CBD oil"
    assert uncovered_phrase("does CBD oil cure scleroderma", INDEXED) == "CBD"


def test_a_question_about_a_known_thing_is_not_declined_for_an_unknown_verb():
    knows_nintedanib = index_knows({**VOCAB, "nintedanib": 99}, lambda stems: {})
    assert uncovered_phrase("will nintedanib reverse the scarring", knows_nintedanib,
                            focus="nintedanib reverse") == ""


def test_a_question_naming_a_known_topic_outside_its_focus_phrase_is_not_declined():
    # "exercise" also cues the kind of question (self-care), so it is not in the focus
    # phrase "stiff hands"; it is still what the question is about, and the documents know it
    knows_exercise = index_knows({**VOCAB, "exercis": 99}, lambda stems: {})
    assert uncovered_phrase("does exercise help with stiff hands?", knows_exercise, focus="stiff hands") == ""
    # when the documents know neither, the remedy asked about is what they don't cover
    assert uncovered_phrase("does exercise help with stiff hands?", INDEXED, focus="stiff hands") == "exercise"
    # an everyday word beside it is no topic of its own
    assert uncovered_phrase("do people get stiff hands?", index_knows({**VOCAB, "peopl": 99}, lambda s: {}),
                            focus="stiff hands") == "stiff hands"


def test_a_topic_the_kind_words_name_is_declined_when_no_document_mentions_it():
    # "diet" hints at a self-care question, so it is outside the focus phrase ("scleroderma"),
    # yet it is what the question is about
    assert uncovered_phrase("can diet help scleroderma?", INDEXED, focus="scleroderma") == "diet"
    knows_diet = index_knows({**VOCAB, "diet": 99}, lambda stems: {})
    assert uncovered_phrase("can diet help scleroderma?", knows_diet, focus="scleroderma") == ""


def test_a_name_is_declined_even_beside_a_known_word():
    # "Clinic" is indexed (from "clinical"), but "Mayo" names a place the documents never do
    knows_clinic = index_knows({**VOCAB, "clinic": 99}, lambda stems: {})
    assert uncovered_phrase("is the Mayo Clinic a good place for this", knows_clinic,
                            focus="the Mayo Clinic") == "Mayo Clinic"


def test_a_named_place_is_named_whole():
    assert uncovered_phrase("is the Mayo Clinic a good place for this", INDEXED) == "Mayo Clinic"


def test_another_disease_is_named_without_the_verb_after_it():
    assert uncovered_phrase("does lupus turn into scleroderma", INDEXED) == "lupus"


def test_everyday_words_of_a_paraphrase_never_count():
    # "hard" and "tight" are everyday words; the documents say "hardening" and "tightening"
    assert uncovered_phrase("why does my skin get so hard and tight", INDEXED) == ""
    assert uncovered_phrase("what kind of doctors should be on my care team", INDEXED) == ""


def test_words_that_only_say_what_kind_of_answer_is_wanted_never_count():
    assert uncovered_phrase("what is the prognosis and life expectancy", INDEXED) == ""
    assert uncovered_phrase("what are the side effects of methotrexate", INDEXED) == ""


def test_a_word_inside_a_longer_indexed_word_is_known():
    # "infusion" is the inside of "reinfused": the documents speak of it
    assert uncovered_phrase("how long does the infusion take", INDEXED) == ""


def test_a_typo_the_index_repairs_is_known():
    repaired = index_knows(VOCAB, lambda stems: {"methotrexat": 0.8} if stems == ["metotrex"] else {})
    assert uncovered_phrase("is metotrexate safe", repaired) == ""



# --- what the patient means -----------------------------------------------------------------------

@pytest.mark.parametrize("q", ["What does fibrosis mean?", "what is HSCT", "define fibrosis", "fibrosis meaning?"])
def test_definition_questions_are_recognised(q):
    assert is_definition_question(q)


def test_a_question_about_what_a_treatment_does_for_me_is_not_a_definition_question():
    assert not is_definition_question("my doctor wants me on mycophenolate, will it help?")


@pytest.mark.parametrize("q", ["say that more simply", "Can you explain that in plain words?",
                               "I don't understand", "what does that mean?"])
def test_requests_to_say_it_more_simply_point_back_at_the_last_answer(q):
    assert is_simpler_request(q) and not content_left(q) and refers_back(q)


def test_a_simpler_request_that_names_a_topic_is_about_that_topic():
    assert is_simpler_request("explain nintedanib more simply") and content_left("explain nintedanib more simply")
    assert not refers_back("explain nintedanib more simply")
    assert not is_simpler_request("is the transplant a simple procedure?")


def test_a_topic_cue_word_names_its_topic_however_everyday_it_is():
    # "expensive", "insurance", "smoking" are everyday English, and still what is asked
    for question, topic in (("is methotrexate expensive", "expensive"), ("is smoking worse for scleroderma", "smoking"),
                            ("will my insurance pay for it", "insurance")):
        assert uncovered_phrase(question, INDEXED) == topic
    # ...and beside a medicine the documents know: the question is about the wine, or the food
    assert uncovered_phrase("can I still have a glass of wine while on methotrexate?", INDEXED,
                            focus="glass of wine", others=("methotrexate",)) == "wine"
    assert uncovered_phrase("and what should I eat?", INDEXED, focus="") == "eat"


def test_a_word_rare_in_english_is_declined_though_known_words_stand_beside_it():
    # "pirfenidone" is no everyday verb that "lung disease" explains: a thing of its own
    knows_lungs = index_knows({**VOCAB, "lung": 99, "diseas": 99}, lambda stems: {})
    assert uncovered_phrase("is pirfenidone used for lung disease", knows_lungs,
                            focus="pirfenidone", others=("lung disease",)) == "pirfenidone"
    # an everyday word beside a known topic still isn't ("will nintedanib reverse the scarring")
    knows_nintedanib = index_knows({**VOCAB, "nintedanib": 99}, lambda stems: {})
    assert uncovered_phrase("will nintedanib reverse the scarring", knows_nintedanib, focus="nintedanib reverse") == ""


def test_a_slip_of_an_everyday_word_is_not_taken_for_a_rare_name():
    from rag.question.understand import misspelt_everyday

    assert misspelt_everyday("diffrence") and misspelt_everyday("ocupational")
    assert not misspelt_everyday("pirfenidone") and not misspelt_everyday("sauna")
    knows_therapy = index_knows({**VOCAB, "therapi": 99, "physic": 99}, lambda stems: {})
    assert uncovered_phrase("whats the diffrence between physical therapy and others", knows_therapy,
                            focus="diffrence", others=("physical therapy",)) == ""


def test_an_everyday_word_is_never_known_as_a_slip_for_an_indexed_one():
    from rag.text.lexical import LexicalIndex  # the real index and its typo expansion
    lexical = LexicalIndex.build(["a", "b"], ["Scleroderma hardens the skin.", "Methotrexate is used to ensure control."])
    indexed = index_knows(lexical.vocab, lexical.expand)
    assert indexed("sclerodema")  # a slip the index explains
    assert not indexed("insurance")  # "insur" is one edit from "ensur", but meant as typed
    assert uncovered_phrase("will my insurance cover methotrexate", indexed,
                            focus="insurance cover methotrexate") == "insurance"


def test_a_place_the_question_asks_about_is_declined_by_name_in_any_case():
    assert uncovered_phrase("is there a scleroderma trial in chicago", INDEXED, focus="scleroderma") == "chicago"
    assert uncovered_phrase("which hospital in London is best for scleroderma", INDEXED, focus="hospital") == "London"
    assert uncovered_phrase("are there transplant trials in new york?", INDEXED, focus="transplant") == "new york"


def test_a_place_in_the_story_around_the_question_is_not_what_it_asks():
    assert uncovered_phrase("I live in london, what is scleroderma?", INDEXED, focus="london") == ""
    assert uncovered_phrase("my mum in chicago has scleroderma. does the skin harden?", INDEXED,
                            focus="skin") == ""
    # a lower-case word that is also a place is the word ("a trip to reading"? no: "reading" is left out)
    assert uncovered_phrase("is it ok to do some reading in bed", INDEXED, focus="reading") == ""


def test_a_place_the_documents_name_is_covered():
    knows_london = index_knows({**VOCAB, "london": 99}, lambda stems: {})
    assert uncovered_phrase("is there a scleroderma clinic in london", knows_london, focus="scleroderma clinic") == ""


def test_get_rid_of_says_how_it_is_asked_never_what_it_is_about():
    # "rid" is not what the documents lack: the decline names the migraine instead
    assert uncovered_phrase("how do i get rid of a migraine", INDEXED, focus="rid") == ""
    assert named_focus(["rid", "migraine"], INDEXED) == "migraine"


def test_a_place_name_that_is_also_an_everyday_or_medical_word_is_the_word():
    assert uncovered_phrase("can i switch to oral methotrexate", INDEXED, focus="oral methotrexate") != "oral"
    assert uncovered_phrase("is there a scleroderma trial near boston", INDEXED, focus="scleroderma") == "boston"


def test_every_placing_word_of_the_asking_clause_is_read():
    assert uncovered_phrase("is there a scleroderma trial in my area near boston", INDEXED,
                            focus="scleroderma trial") == "boston"


def test_a_place_is_read_in_a_clause_asked_as_patients_type_it():
    assert uncovered_phrase("whats a good scleroderma clinic in toronto", INDEXED, focus="scleroderma clinic") == "toronto"


def test_who_does_research_and_how_long_ahead_are_asking_not_topics():
    # "scientists" and "long term" say what kind of answer is wanted, not what is missing
    assert uncovered_phrase("are scientists working on new treatments?", INDEXED) == ""
    assert named_focus(["term"], INDEXED) == ""
