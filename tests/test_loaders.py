"""rag.loaders: every supported format loads with provenance; every bad input is refused
by name with a reason."""

import io
import json

import pytest

from rag.loaders import LoadError, discover, iter_jsonl_documents, load_bytes, load_file, SourceFile
from tests.conftest import CORPUS


def pdf_bytes(pages: list[str], title: str | None = None, password: str | None = None) -> bytes:
    """A real PDF with a text layer, one string per page (reportlab), optionally encrypted
    with pypdf."""
    from reportlab.lib.pagesizes import letter
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=letter)
    if title:
        c.setTitle(title)
    for text in pages:
        y = 740
        for line in text.split("\n"):
            c.drawString(72, y, line)
            y -= 14
        c.showPage()
    c.save()
    data = buf.getvalue()
    if password:
        from pypdf import PdfReader, PdfWriter

        w = PdfWriter(clone_from=PdfReader(io.BytesIO(data)))
        w.encrypt(password)
        out = io.BytesIO()
        w.write(out)
        data = out.getvalue()
    return data


def test_the_corpus_loads_with_titles_and_sections():
    docs = {s.doc_id: load_file(s) for s in discover([CORPUS])[0]}
    review = docs["scleroderma-treatment-review.txt"]
    trials = docs["scleroderma-clinical-trials-overview.txt"]
    assert trials.title == "The Scleroderma clinical trials overview"
    assert review.title == "Scleroderma treatment review"  # no title line: from the file name
    labels = [s.label for s in review.spans]
    assert "Stem cell transplantation in systemic scleroderma" in labels
    assert "Conclusion" in labels
    assert "thickening and improving" in trials.text  # the split word is mended


def test_markdown_title_sections_and_front_matter():
    md = b"---\ntitle: Glossary\n---\n# Ignored heading\n\n## Fibrosis\nFibrosis means scarring of tissue.\n"
    doc = load_bytes(md, "glossary.md")
    assert doc.title == "Glossary"
    assert [s.label for s in doc.spans] == ["Fibrosis"]


def test_pdf_pages_are_kept():
    data = pdf_bytes(["Page one talks about methotrexate use.", "Page two is about nintedanib for lungs."],
                     title="Drug notes")
    doc = load_bytes(data, "notes.pdf")
    assert doc.title == "Drug notes"
    assert [(s.label, s.page) for s in doc.spans] == [("Page 1", 1), ("Page 2", 2)]
    assert "nintedanib" in doc.text[doc.spans[1].start:doc.spans[1].end]


def test_pdf_with_empty_password_is_read():
    data = pdf_bytes(["Readable text about rituximab therapy here."], password="")
    assert "rituximab" in load_bytes(data, "open.pdf").text


@pytest.mark.parametrize("name,data,reason", [
    ("locked.pdf", pdf_bytes(["Secret text about treatment options."], password="s3cret"), "password"),
    ("broken.pdf", b"%PDF-1.4\n1 0 obj <<>> garbage \x00\x01 not a pdf", "damaged"),
    ("fake.pdf", b"just some text pretending", "not a PDF"),
    ("scanned.pdf", pdf_bytes(["", ""]), "no text layer"),
    ("empty.pdf", b"", "empty"),
    ("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary"),
    ("latin1.txt", "Sclérodermie et traitement: café".encode("latin-1"), "not UTF-8"),
    ("blank.md", b"   \n\n  ", "empty"),
    ("tiny.txt", b"Hi.", "no readable text"),
    ("slides.pptx", b"PK\x03\x04", "unsupported"),
])
def test_bad_inputs_are_refused_with_a_clear_reason(name, data, reason):
    with pytest.raises(LoadError) as err:
        load_bytes(data, name)
    assert err.value.name == name
    assert reason.lower() in err.value.reason.lower()


def test_truncated_pdf_is_damaged():
    data = pdf_bytes(["Text about gene therapy research."])
    with pytest.raises(LoadError) as err:
        load_bytes(data[: len(data) // 3], "cut.pdf")
    assert "damaged" in err.value.reason or "no text" in err.value.reason


def test_discover_reports_unsupported_files_and_skips_hidden(tmp_path):
    (tmp_path / "a.txt").write_text("Some text about scleroderma treatment.")
    (tmp_path / "b.docx").write_bytes(b"PK")
    (tmp_path / ".hidden.txt").write_text("hidden")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "c.md").write_text("# C\n\nMore text about trials here.")
    found, problems = discover([tmp_path, tmp_path / "missing"])
    assert [s.doc_id for s in found] == ["a.txt", "sub/c.md"]
    assert {p.name for p in problems} == {"b.docx", str(tmp_path / "missing")}


def test_unreadable_file_is_reported(tmp_path):
    with pytest.raises(LoadError):
        load_file(SourceFile(tmp_path / "gone.txt", "gone.txt"))


def test_jsonl_documents_and_bad_lines(tmp_path):
    f = tmp_path / "docs.jsonl"
    f.write_text("\n".join([
        json.dumps({"id": "d1", "title": "One", "text": "Nintedanib slows lung fibrosis in some people."}),
        "{not json",
        json.dumps({"id": "d2"}),
        json.dumps({"id": "d3", "text": "short"}),
    ]))
    items = list(iter_jsonl_documents(f))
    docs = [i for i in items if not isinstance(i, LoadError)]
    errors = [i for i in items if isinstance(i, LoadError)]
    assert [d.doc_id for d in docs] == ["d1"] and docs[0].title == "One"
    assert [e.name for e in errors] == ["docs.jsonl line 2", "docs.jsonl line 3", "d3"]


def test_links_that_leave_the_folder_are_reported_and_not_followed(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("Some text about scleroderma treatment.")
    (folder / "same-as-a.txt").symlink_to(folder / "a.txt")  # stays inside: followed
    (tmp_path / "private.txt").write_text("A file next to the folder, not part of it.")
    (folder / "notes.txt").symlink_to(tmp_path / "private.txt")
    (folder / "passwd.txt").symlink_to("/etc/passwd")
    (folder / "etc").symlink_to("/etc")
    found, problems = discover([folder])
    assert [s.doc_id for s in found] == ["a.txt", "same-as-a.txt"]
    refused = {p.name: p.reason for p in problems}
    assert set(refused) == {"notes.txt", "passwd.txt", "etc"}
    assert all("outside the folder" in reason for reason in refused.values())
