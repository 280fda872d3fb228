"""Citation markers and numbers (rag/text/citations.py): "[n]" read and removed the same way
everywhere, passages numbered in the order an answer first cites them, and numbers kept
1..k when sentences are dropped or put in front."""

from rag.text.citations import Numbering, cited_first, marker_numbers, only_cited, strip_markers
from rag.schema import AnswerSentence, Chunk, Citation, Passage, answer_text


def chunk(text, n=0):
    return Chunk(chunk_id=f"doc-{n}", doc_id="doc.txt", title="Doc", location=f"paragraph {n + 1}", text=text,
                 start=0, end=len(text), source_start=0, source_end=len(text), ordinal=n)


A, B, C = chunk("Exercise helps. It keeps joints moving.", 0), chunk("Skin care helps.", 1), chunk("Rest.", 2)


def test_markers_are_removed_with_the_space_before_them():
    assert strip_markers("Exercise helps [1]. It keeps joints moving. [2]") == "Exercise helps. It keeps joints moving."
    assert strip_markers("Drugs help [1, 3] and [ 2 ].") == "Drugs help and."
    assert strip_markers("Stage [IV] stays.") == "Stage [IV] stays."


def test_an_answer_written_with_markers_reads_back_its_numbers():
    sentences = [AnswerSentence("Exercise helps.", 2), AnswerSentence("Skin care helps.", 1)]
    assert marker_numbers(answer_text(sentences)) == (2, 1)
    assert marker_numbers("It helps [1, 3]. It is rare [2][1].") == (1, 3, 2, 1)
    assert marker_numbers("No markers, 15 mg.") == ()


def test_passages_are_numbered_in_the_order_first_cited_with_the_spans_used():
    numbering = Numbering([Passage(A, 0.9), Passage(B, 0.8), Passage(C, 0.7)])
    assert [numbering.cite(1, (0, 16)), numbering.cite(0, (16, 39)), numbering.cite(1), numbering.cite(0, (0, 15))] \
        == [1, 2, 1, 2]
    citations = numbering.citations()
    assert [(c.n, c.chunk.chunk_id) for c in citations] == [(1, "doc-1"), (2, "doc-0")]
    assert citations[1].highlights == ((0, 15), (16, 39)) and citations[1].score == 0.9


def test_citations_no_sentence_uses_go_and_the_rest_are_numbered_again():
    citations = [Citation(1, A, 0.9), Citation(2, B, 0.8), Citation(3, C, 0.7)]
    sentences = [AnswerSentence("Exercise helps.", 1, quote="Exercise helps!"), AnswerSentence("Rest.", 3)]
    kept, cites = only_cited(sentences, citations)
    assert [(s.text, s.citation, s.quote) for s in kept] == [("Exercise helps.", 1, "Exercise helps!"),
                                                          ("Rest.", 2, "")]
    assert [(c.n, c.chunk.chunk_id) for c in cites] == [(1, "doc-0"), (2, "doc-2")]


def test_sentences_put_in_front_take_the_first_numbers():
    sentences, citations = cited_first([AnswerSentence("Rest.", 1)], [Citation(1, C, 0.0)],
                                       [AnswerSentence("Exercise helps.", 1), AnswerSentence("Skin care helps.", 2)],
                                       [Citation(1, A, 0.9), Citation(2, B, 0.8)])
    assert [(s.text, s.citation) for s in sentences] == [("Rest.", 1), ("Exercise helps.", 2), ("Skin care helps.", 3)]
    assert [(c.n, c.chunk.chunk_id) for c in citations] == [(1, "doc-2"), (2, "doc-0"), (3, "doc-1")]
