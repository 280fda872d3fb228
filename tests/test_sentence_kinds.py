"""What a document sentence can answer, read by its cues."""

from rag.compose.sentence_kinds import asked_cues, in_context, kind_strength, kinds_answered
from rag.text.sentences import about_earlier, points_back

NAMES_RISKS = ("Patients undergoing stem cell transplantation may experience side effects such as "
               "infections, low blood counts and gastrointestinal complications.")
SAYS_RISKY = "It is important to note that the procedure is not without risks."


def test_a_sentence_naming_several_risks_answers_a_risk_question_more_squarely():
    assert kind_strength(NAMES_RISKS, "risks") > kind_strength(SAYS_RISKY, "risks")
    assert "risks" in kinds_answered(NAMES_RISKS)


def test_the_questions_own_word_counts_most_for_a_yes_no_question():
    asked = asked_cues("is there a cure", "outlook")
    curative = "The transplant holds promise as a potential curative therapy for severe disease."
    remission = "The transplant can induce remission and improve long-term outcomes."
    assert kind_strength(curative, "outlook", asked, own_word=2.0) > kind_strength(remission, "outlook", asked, 2.0)


def test_topic_words_are_not_asking_words():
    # "lungs" is what the question is about, not what kind of answer it wants
    assert asked_cues("does scleroderma affect the lungs", "symptoms") == frozenset()


def test_a_sentence_that_points_back_is_read_after_the_one_before():
    before = "Autologous stem cell transplantation is a new treatment."
    assert points_back("It can also cause infections.")
    assert points_back("Examples are methotrexate and cyclophosphamide.")
    assert in_context("It can also cause infections.", before).startswith(before)
    assert not points_back("Patients may experience infections.")


def test_a_subject_named_again_by_a_definite_noun_is_about_the_sentence_before():
    assert about_earlier("The procedure involves collecting stem cells.")
    assert not points_back("The procedure involves collecting stem cells.")


def test_the_section_heading_says_what_a_passage_is_about():
    assert in_context("Drugs such as methotrexate are used.", None, "Pharmacological treatments") \
        == "Pharmacological treatments: Drugs such as methotrexate are used."


def test_the_textbook_shape_of_a_definition_counts_as_a_cue_of_its_own():
    from rag.compose.sentence_kinds import cue_strength

    assert cue_strength("Hemochromatosis is the most common form of iron overload disease.", "definition") == 2
    assert cue_strength("Narcolepsy is a chronic brain disorder.", "definition") == 2
    # not a short name before "is", nor "is" without "a/an/the/one of"
    assert cue_strength("This is because narcolepsy is fairly rare.", "definition") == 0
    assert cue_strength("The complication most often associated with hemochromatosis is liver damage.",
                        "definition") == 0
    # what it is beats how common it is: "a condition in which ..." is the definition
    assert cue_strength("Kidney dysplasia is a condition in which the kidneys do not develop normally.",
                        "definition") > cue_strength("Kidney dysplasia is a common condition.", "definition")
    # a long name with its short one: "Chronic obstructive pulmonary disease, or COPD, is ..."
    assert cue_strength("Chronic obstructive pulmonary disease, or COPD, is a progressive lung disease.",
                        "definition") > cue_strength("COPD is a major cause of death and illness.", "definition")


def test_what_the_subject_causes_is_its_effect_not_its_cause():
    from rag.compose.sentence_kinds import tells_effects_of
    from rag.text.lexical import terms

    ards = frozenset(terms("ARDS"))
    assert tells_effects_of("ARDS causes the lungs to become stiff.", ards)
    assert not tells_effects_of("Many conditions can injure the lungs and lead to ARDS.", ards)
    assert not tells_effects_of("ARDS is caused by an injury to the lungs.", ards)
    # leading to something, or being a cause of it, is an effect too
    assert tells_effects_of("ARDS can lead to scarring of the lungs.", ards)
    assert tells_effects_of("ARDS is a major cause of death in intensive care units.", ards)
    assert tells_effects_of("ARDS results in low oxygen levels in the blood.", ards)
    assert not tells_effects_of("ARDS happens when fluid builds up in the air sacs and causes stiffness.", ards)
    # what leads to the subject, though the subject's words open the sentence, is its cause
    hepatitis = frozenset(terms("autoimmune hepatitis"))
    assert not tells_effects_of("A combination of autoimmunity, environmental triggers, and a genetic "
                                "predisposition can lead to autoimmune hepatitis.", hepatitis)
    # another thing causing it is its cause
    flu = frozenset(terms("viral gastroenteritis"))
    assert not tells_effects_of("Four types of viruses cause most cases of viral gastroenteritis.", flu)


def test_a_cause_being_researched_is_no_cause_told():
    from rag.compose.sentence_kinds import studies_the_cause

    assert studies_the_cause("Research is ongoing on the causes of narcolepsy and new ways to treat it.")
    assert studies_the_cause("Scientists are studying what causes the disease.")
    assert not studies_the_cause("Researchers think that certain factors may work together to cause narcolepsy.")
    assert not studies_the_cause("Most cases are caused by a gene change.")
