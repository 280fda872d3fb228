"""rag.text.message: the asking sentences of a long message, and retrieval with them."""

from rag.text.message import question_part


def test_a_story_then_a_question_gives_the_question():
    msg = ("My mother was diagnosed last spring and we have read a lot online. "
           "What are the treatments for scleroderma? Thank you.")
    assert question_part(msg) == "What are the treatments for scleroderma?"


def test_questions_without_a_question_mark_are_found_too():
    msg = "I have had tight skin on my hands for a year. Tell me about skin treatments."
    assert question_part(msg) == "Tell me about skin treatments."


def test_a_single_question_a_statement_or_only_questions_have_no_separate_part():
    assert question_part("What are the treatments for scleroderma?") is None
    assert question_part("My hands hurt in the cold. My fingers turn white.") is None
    assert question_part("Is it contagious? Can my children catch it?") is None


def test_a_question_inside_a_story_finds_what_the_question_alone_finds(corpus_pipeline):
    question = "What are the side effects of mycophenolate?"
    story = ("My sister was started on a new medicine at her last clinic visit and she has been "
             "feeling sick to her stomach since. We are both worried and the clinic is closed "
             f"until Monday. {question}")
    alone = [p.chunk.chunk_id for p in corpus_pipeline.search(question, 3).passages]
    wrapped = [p.chunk.chunk_id for p in corpus_pipeline.search(story, 3).passages]
    assert wrapped[0] == alone[0]
    whole = corpus_pipeline.retriever()._search(story, 3, "hybrid")  # the story alone, unassisted
    assert max(p.score for p in corpus_pipeline.search(story, 3).passages) >= max(p.score for p in whole.passages)
