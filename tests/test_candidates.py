"""rag.compose.candidates: which sentences of the retrieved passages may be quoted."""

from rag.compose.candidates import candidates
from rag.schema import Chunk, Passage


def passage(text: str) -> Passage:
    chunk = Chunk(chunk_id="c1", doc_id="d.md", title="Gout", location="Paragraph 1", text=text,
                  start=0, end=len(text), source_start=0, source_end=len(text), ordinal=0)
    return Passage(chunk, 0.5, dense=0.5, lexical=0.5)


def test_lines_that_only_point_elsewhere_are_never_quoted():
    text = ("Check out the information here. Also, see \"Key Words\" related to gout. "
            "For more information, visit the arthritis pages of this site. "
            "More on: Resources for Health Professionals: Treatment of gout and other forms of arthritis. "
            "(For more information, go to \"How Is Gout Diagnosed?\" in this health topic.) "
            "Gout is a form of arthritis that causes sudden pain and swelling in the joints. "
            "See a doctor the same day if a joint is hot, red and swollen.")
    quoted = [c.text for c in candidates([passage(text)])]
    assert quoted == ["Gout is a form of arthritis that causes sudden pain and swelling in the joints.",
                      "See a doctor the same day if a joint is hot, red and swollen."]


def test_source_lines_with_a_web_address_are_never_quoted():
    text = "Gout is a form of arthritis that causes sudden joint pain. Source: https://example.org/gout today."
    assert [c.text for c in candidates([passage(text)])] == [
        "Gout is a form of arthritis that causes sudden joint pain."]


def test_a_lead_in_whose_list_is_not_in_the_passage_is_never_quoted():
    text = ("Children can have Wilson disease for years before any signs occur. "
            "People with Wilson disease may have")
    assert [c.text for c in candidates([passage(text)])] == [
        "Children can have Wilson disease for years before any signs occur."]


def test_a_line_that_breaks_off_at_a_comma_is_never_quoted():
    text = ("After paranasal sinus cancer has been diagnosed,\n"
            "Paranasal sinus cancer is a disease in which cancer cells form in the tissues of the sinuses.")
    assert [c.text for c in candidates([passage(text)])] == [
        "Paranasal sinus cancer is a disease in which cancer cells form in the tissues of the sinuses."]


def test_a_heading_in_title_case_without_a_colon_is_never_quoted():
    text = ("Signs and Symptoms of Anemia\n"
            "The most common symptom of all types of anemia is fatigue (tiredness).\n"
            "Reducing or stopping the destruction of red blood cells")
    assert [c.text for c in candidates([passage(text)])] == [
        "The most common symptom of all types of anemia is fatigue (tiredness).",
        "Reducing or stopping the destruction of red blood cells"]
    # the same words inside a line are a sentence's
    inline = "Signs and Symptoms of Anemia Vary Widely Between People. Fatigue is the most common one."
    assert len(candidates([passage(inline)])) == 2


def test_lines_after_an_announcement_are_its_list_though_they_lost_their_bullets():
    text = ("The goals of treating hemolytic anemia include:\n\n"
            "Reducing or stopping the destruction of red blood cells\n\n"
            "Increasing the red blood cell count to an acceptable level\n\n"
            "Treatment will depend on the type, cause, and severity of the anemia.")
    found = candidates([passage(text)])
    assert [(c.text, c.lead_in, c.list_item) for c in found] == [
        ("The goals of treating hemolytic anemia include", True, False),
        ("Reducing or stopping the destruction of red blood cells", False, True),
        ("Increasing the red blood cell count to an acceptable level", False, True),
        ("Treatment will depend on the type, cause, and severity of the anemia.", False, False)]
    assert found[0].group == found[1].group == found[2].group >= 0 and found[3].group == -1


def test_a_list_of_whole_statements_with_no_lead_in_is_read_as_sentences():
    """"Points to remember" ("- NASH can occur in children.  - Fatigue can occur at any stage of
    NASH.") is a run of statements, each about something else: no list to tell whole."""
    text = ("- Nonalcoholic steatohepatitis (NASH) is fat in the liver, with inflammation and damage.\n"
            "- People who have NASH may feel well and may not know that they have a liver disease.\n"
            "- Fatigue can occur at any stage of NASH.\n"
            "- No specific therapies for NASH exist.")
    found = candidates([passage(text)])
    assert len(found) == 4 and all(not c.list_item and c.group == -1 for c in found)
    # announced, its items are a list whatever they say
    options = ("Symptoms of the disease may include:\n- Constant tiredness, all day long.\n- Weight loss.\n"
               "- Weakness that lasts for many weeks.")
    assert [c.list_item for c in candidates([passage(options)])] == [False, True, True, True]
    # labelled, its items are the options ("Biologic agents: ...") however they are written
    labelled = ("- Immunosuppressive agents: Drugs are often used to calm the immune system.\n"
                "- Biologic agents: Rituximab and tocilizumab target signals in the body.\n"
                "- Antifibrotic agents: Nintedanib is a medicine that slows scarring.")
    assert [c.list_item for c in candidates([passage(labelled)])] == [True, True, True]
    bare = "- Constant tiredness\n- Weight loss and weakness\n- Pain in the upper right part of the belly."
    assert [c.list_item for c in candidates([passage(bare)])] == [True, True, True]
