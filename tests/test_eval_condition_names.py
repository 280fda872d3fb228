"""eval.make_condition_names: which condition names the plain-language rewrite keeps whole."""

from eval.make_condition_names import condition_names, spelled_out
from rag.text.plain_words import to_plain


def test_a_name_holding_a_clinical_word_is_kept_unless_the_table_lists_it_whole():
    foci = ["Multiple sclerosis", "Essential Tremor (Benign)", "Pulmonary Fibrosis", "Gout",
            "Nutrition for Early Chronic Kidney Disease in Adults: What to eat"]
    # "pulmonary fibrosis" has reviewed plain words of its own; a long page title is no name
    assert condition_names(foci, listed={"pulmonary fibrosis"}) == ["essential tremor", "multiple sclerosis"]


def test_a_condition_known_by_its_initials_is_spelled_out_by_its_answers():
    text = "Chronic obstructive pulmonary disease, or COPD, is a progressive lung disease."
    assert spelled_out("COPD", text) == "chronic obstructive pulmonary disease"
    assert spelled_out("ARDS", "It is called acute respiratory distress syndrome (ARDS).") == (
        "acute respiratory distress syndrome")
    assert spelled_out("COPD", "COPD is common.") == ""


def test_the_shipped_names_keep_their_words_where_the_same_words_elsewhere_are_made_plain():
    assert to_plain("Multiple sclerosis is studied in multiple trials.") == (
        "Multiple sclerosis is studied in several trials.")
    assert to_plain("Essential tremor is a chronic condition.") == "Essential tremor is a long-lasting condition."
