"""rag.indexing.chunking: passages keep their provenance and never cross a section."""

from rag.indexing.chunking import chunk_document, chunk_id, embedding_text
from rag.indexing.loaders import discover, load_bytes, load_file
from tests.conftest import CORPUS


def corpus_docs():
    return [load_file(s) for s in discover([CORPUS])[0]]


def test_chunk_text_is_exactly_the_document_slice_and_maps_to_the_file():
    for doc in corpus_docs():
        raw = (CORPUS / doc.doc_id).read_text()
        for c in chunk_document(doc, 600, 120):
            assert doc.text[c.start:c.end] == c.text
            source = " ".join(raw[c.source_start:c.source_end].split())
            assert " ".join(c.text.split())[:40] in source.replace("a nd", "and")


def test_passages_stay_inside_one_section_and_name_it():
    doc = next(d for d in corpus_docs() if d.doc_id.startswith("scleroderma-treatment"))
    spans = [(s.start, s.end, s.label) for s in doc.spans]
    for c in chunk_document(doc, 300, 60):
        inside = [label for a, b, label in spans if a <= c.start and c.end <= b]
        assert inside == [c.section]
        assert c.location.startswith(c.section or "Paragraph")


def test_size_is_respected_and_ids_are_stable():
    doc = corpus_docs()[0]
    a = chunk_document(doc, 300, 60)
    b = chunk_document(doc, 300, 60)
    assert [c.chunk_id for c in a] == [c.chunk_id for c in b]
    assert len({c.chunk_id for c in a}) == len(a)
    assert all(len(c.text) <= 300 for c in a)
    assert [c.ordinal for c in a] == list(range(len(a)))


def test_chunk_id_depends_on_document_and_text():
    assert chunk_id("a", "x") != chunk_id("b", "x") != chunk_id("a", "y")


def test_pdf_passages_carry_their_page():
    from tests.test_loaders import pdf_bytes

    doc = load_bytes(pdf_bytes(["First page text about therapy options.", "Second page on trials."]), "x.pdf")
    chunks = chunk_document(doc, 600, 0)
    assert [(c.page, c.location) for c in chunks] == [(1, "Page 1"), (2, "Page 2")]


def test_embedding_text_adds_the_section_label():
    doc = load_bytes(b"# T\n\n## Fibrosis\nFibrosis means thick scar-like tissue forms.", "g.md")
    (c,) = chunk_document(doc)
    assert embedding_text(c) == "Fibrosis: Fibrosis means thick scar-like tissue forms."


def test_passages_end_at_paragraph_breaks_with_nothing_repeated():
    paragraphs = [f"Paragraph {i} says one thing about hand care and warm gloves in winter." for i in range(12)]
    doc = load_bytes("\n\n".join(paragraphs).encode(), "p.txt")
    chunks = chunk_document(doc, 300, 120)
    assert len(chunks) > 1
    assert " ".join(c.text.replace("\n\n", " ") for c in chunks) == " ".join(paragraphs)  # no overlap
    assert all(c.text.startswith("Paragraph") and c.text.endswith("winter.") for c in chunks)


def test_only_a_paragraph_longer_than_a_passage_is_cut_inside_with_overlap():
    long = " ".join(f"Sentence {i} is about breathing tests and the lungs." for i in range(20))
    doc = load_bytes(f"Short opening paragraph.\n\n{long}\n\nShort closing paragraph.".encode(), "l.txt")
    chunks = chunk_document(doc, 200, 60)
    assert chunks[0].text == "Short opening paragraph."
    assert chunks[-1].text == "Short closing paragraph."
    inside = chunks[1:-1]
    assert len(inside) > 2 and all(len(c.text) <= 200 for c in inside)
    assert all(a.end > b.start for a, b in zip(inside, inside[1:]))  # neighbours share sentences
    assert all(c.text.startswith("Sentence") and c.text.endswith(".") for c in inside)
