"""rag.search.kind_passages: a passage that answers the asked kind is among those handed on."""

from rag.compose.sentence_kinds import answers_kind
from rag.schema import Chunk, Passage
from rag.search.kind_passages import OPENING_WORDS, topic_stems, with_kind_passages
from rag.text.lexical import opens_on, terms

TOPIC = frozenset(terms("narcolepsy"))


def passage(n: int, text: str, score: float) -> Passage:
    chunk = Chunk(chunk_id=f"c{n}", doc_id="d.md", title="Narcolepsy", location=f"Paragraph {n}", text=text,
                  start=0, end=len(text), source_start=0, source_end=len(text), ordinal=n)
    return Passage(chunk, score, dense=score, lexical=score)


RANKED = [
    passage(1, "Narcolepsy symptoms usually begin during the teen years. This is because of hormones.", 0.74),
    passage(2, "Narcolepsy has no cure. Medicines can relieve many of its symptoms.", 0.72),
    passage(3, "Children who have narcolepsy may be sleepy. Narcolepsy (NAR-ko-lep-se) is a disorder "
               "that causes periods of extreme daytime sleepiness.", 0.66),
    passage(4, "Sleep studies are done at a sleep center.", 0.60),
]


def test_a_definition_below_the_cut_takes_the_last_place():
    kept = with_kind_passages(RANKED, 2, "definition", TOPIC, answers_kind)
    assert [p.chunk.chunk_id for p in kept] == ["c1", "c3"]


def test_nothing_moves_when_the_top_already_defines_it():
    kept = with_kind_passages(RANKED, 3, "definition", TOPIC, answers_kind)
    assert [p.chunk.chunk_id for p in kept] == ["c1", "c2", "c3"]


def test_other_kinds_and_questions_naming_nothing_keep_the_ranking():
    assert [p.chunk.chunk_id for p in with_kind_passages(RANKED, 2, "symptoms", TOPIC, answers_kind)] == ["c1", "c2"]
    assert [p.chunk.chunk_id for p in with_kind_passages(RANKED, 2, "definition", frozenset(), answers_kind)] == ["c1", "c2"]


def test_the_defining_sentence_must_open_on_the_topic():
    # "... is a disorder" about something else, the topic named late, defines something else
    assert not opens_on("A common sleep disorder seen by doctors in children and teens is narcolepsy.", TOPIC,
                        OPENING_WORDS)
    assert opens_on("Narcolepsy is a disorder.", TOPIC, OPENING_WORDS)


def test_topic_stems_are_the_stems_the_question_words_match():
    from rag.text.lexical import QueryTerms, QueryTerm
    qt = QueryTerms((QueryTerm("narcolepsy", {"narcolepsi": 1.0}, 2.0, 3.0),))
    assert topic_stems(qt) == frozenset({"narcolepsi"})


LYMPHOMA = [
    passage(1, "Different types of treatment are available for children with lymphoma.", 0.70),
    passage(2, "The main types of lymphoma are Hodgkin lymphoma and non-Hodgkin lymphoma.", 0.68),
    passage(3, "Certain factors affect prognosis (chance of recovery) and treatment options.", 0.60),
]


def test_an_outlook_question_keeps_a_passage_that_names_the_outlook():
    topic = frozenset(terms("lymphoma"))
    kept = with_kind_passages(LYMPHOMA, 2, "outlook", topic, answers_kind, "will i get better?")
    assert [p.chunk.chunk_id for p in kept] == ["c1", "c3"]


def test_only_a_question_about_keeping_it_from_happening_promotes_a_prevention():
    ranked = [passage(1, "Gout attacks often start at night.", 0.7),
              passage(2, "Doctors treat gout with medicines.", 0.6),
              passage(3, "You can help prevent gout attacks by drinking less alcohol.", 0.5)]
    topic = frozenset(terms("gout"))
    asked = with_kind_passages(ranked, 2, "self_care", topic, answers_kind, "can i stop it from happening?")
    assert [p.chunk.chunk_id for p in asked] == ["c1", "c3"]
    diet = with_kind_passages(ranked, 2, "self_care", topic, answers_kind, "what should i eat?")
    assert [p.chunk.chunk_id for p in diet] == ["c1", "c2"]


def test_how_it_is_found_or_treated_is_promoted_when_said_of_the_topic():
    topic = frozenset(terms("pernicious anemia"))
    ranked = [passage(1, "The term pernicious means deadly.", 0.7),
              passage(2, "Pernicious anemia is a type of anemia.", 0.6),
              passage(3, "Your doctor will diagnose pernicious anemia based on your medical history and tests.", 0.5),
              passage(4, "Doctors diagnose many illnesses with blood tests.", 0.4)]
    kept = with_kind_passages(ranked, 2, "diagnosis", topic, answers_kind, "how do they know i have it?")
    assert [p.chunk.chunk_id for p in kept] == ["c1", "c3"]
    # said of something else, it is not an answer
    assert with_kind_passages(ranked[:2] + ranked[3:], 2, "diagnosis", topic, answers_kind)[1].chunk.chunk_id == "c2"
