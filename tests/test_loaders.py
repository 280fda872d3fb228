"""rag.indexing.loaders: every supported format loads with provenance; every bad input is refused
by name with a reason."""

import io
import json

import pytest

from rag.indexing.loaders import LoadError, PdfLimits, discover, iter_jsonl_documents, load_bytes, load_file, SourceFile
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


def bomb_pdf(pages: int, inflated_bytes: int) -> bytes:
    """A small PDF whose every page is one compressed content stream that inflates to
    ``inflated_bytes`` of shown text (the same word over and over) -- a decompression bomb."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

    packer = zlib.compressobj(9)
    word, piece = b"Raynaud ", b"Raynaud " * 125_000  # 1 MB
    packed = packer.compress(b"BT /F1 12 Tf 72 720 Td (")
    for _ in range(inflated_bytes // len(piece)):
        packed += packer.compress(piece)
    packed += packer.compress(b") Tj ET") + packer.flush()
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    w = PdfWriter()
    for _ in range(pages):
        page = w.add_blank_page(612, 792)
        stream = StreamObject()
        stream._data = packed  # already compressed: written as is, marked FlateDecode
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream[NameObject("/Length")] = NumberObject(len(packed))
        page[NameObject("/Contents")] = w._add_object(stream)
        page[NameObject("/Resources")] = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


def test_a_pdf_that_inflates_hugely_is_refused_at_the_cap_by_name_with_that_reason():
    data = bomb_pdf(pages=3, inflated_bytes=20_000_000)  # 3 x 20 MB of text from a small file
    assert len(data) < 200_000
    with pytest.raises(LoadError) as err:
        load_bytes(data, "bomb.pdf")  # the default limits (settings) apply: refused at the cap
    assert err.value.name == "bomb.pdf"
    assert "inflates past 10 MB" in err.value.reason
    assert "no text layer" not in err.value.reason


def test_a_pdf_over_the_text_limit_is_refused_naming_the_limit():
    limits = PdfLimits(max_pages=100, max_stream_bytes=10_000_000, max_text_chars=2_000)
    data = bomb_pdf(pages=2, inflated_bytes=1_000_000)  # 1 MB a page: under the stream cap
    with pytest.raises(LoadError) as err:
        load_bytes(data, "long.pdf", pdf_limits=limits)
    assert "more than 2,000 characters of text by page 1 of 2" in err.value.reason
    ok = pdf_bytes(["Nintedanib slows the decline of lung function in scleroderma."] * 2)
    assert load_bytes(ok, "fine.pdf", pdf_limits=limits).metadata["pages"] == 2


def test_a_pdf_with_too_many_pages_is_refused_before_its_pages_are_read():
    limits = PdfLimits(max_pages=2, max_stream_bytes=10_000_000, max_text_chars=1_000_000)
    data = pdf_bytes(["Skin thickening is the hallmark of systemic sclerosis."] * 3)
    with pytest.raises(LoadError) as err:
        load_bytes(data, "thick.pdf", pdf_limits=limits)
    assert "3 pages; the limit is 2" in err.value.reason


def shared_content_pdf(pages: int, content: bytes, forms: dict[bytes, bytes] | None = None) -> bytes:
    """A small PDF whose ``pages`` pages all draw one compressed content stream, written
    once (pypdf parses it again for every page), optionally with form XObjects the content
    can draw with ``/name Do``."""
    import zlib

    from pypdf import PdfWriter
    from pypdf.generic import DictionaryObject, NameObject, NumberObject, StreamObject

    def packed(data: bytes, **entries) -> StreamObject:
        stream = StreamObject()
        stream._data = zlib.compress(data, 9)  # written as is, marked FlateDecode
        stream[NameObject("/Filter")] = NameObject("/FlateDecode")
        stream[NameObject("/Length")] = NumberObject(len(stream._data))
        stream.update({NameObject(k): v for k, v in entries.items()})
        return stream

    w = PdfWriter()
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    resources = DictionaryObject({NameObject("/Font"): DictionaryObject({NameObject("/F1"): font})})
    if forms:
        resources[NameObject("/XObject")] = DictionaryObject({
            NameObject("/" + name.decode()): w._add_object(packed(
                body, **{"/Type": NameObject("/XObject"), "/Subtype": NameObject("/Form"), "/Resources": resources}))
            for name, body in forms.items()})
    shared = w._add_object(packed(content))
    for _ in range(pages):
        page = w.add_blank_page(612, 792)
        page[NameObject("/Contents")] = shared
        page[NameObject("/Resources")] = resources
    out = io.BytesIO()
    w.write(out)
    return out.getvalue()


STRAY = b"BT /F1 12 Tf 72 720 Td (x) Tj ET\n"  # one character of text
LINES = b"123456.789 123456.789 m 98765.4321 98765.4321 l S\n"  # a line drawn, no text


def test_a_small_pdf_whose_pages_all_draw_one_huge_stream_is_refused_by_its_second_page():
    # The probe's file: 1,000 pages sharing one 9.5 MB content stream, one character of
    # text. The bulk here is an inline image, quick to parse, so the default limits can be
    # tried at full size in a second; with drawing instructions it took 14 minutes.
    bulk = b"BI /W 1 /H 1 /CS /G /BPC 8 ID " + b"\x00" * 9_500_000 + b" EI\n"
    data = shared_content_pdf(1_000, STRAY + bulk)
    assert len(data) < 250_000, "a small file, as the probe's 168 KB"
    with pytest.raises(LoadError) as err:
        load_bytes(data, "probe.pdf")  # the default limits (settings) apply
    assert err.value.name == "probe.pdf"
    assert err.value.reason.startswith("this PDF asks for far more work than its text needs (by "
                                       "page 2 of 1,000 its pages hold 19 MB of drawing "
                                       "instructions for 1 character of text)")
    assert "it was not read" in err.value.reason and "text version" in err.value.reason


def test_a_stream_of_drawing_instructions_counts_once_for_each_page_that_draws_it():
    limits = PdfLimits(max_pages=1_000, max_stream_bytes=10_000_000, max_text_chars=1_000_000,
                       free_content_bytes=500_000, content_bytes_per_char=500)
    data = shared_content_pdf(1_000, STRAY + LINES * 4_000)  # 200 KB of lines a page
    with pytest.raises(LoadError) as err:
        load_bytes(data, "lines.pdf", pdf_limits=limits)
    assert "far more work than its text needs (by page 3 of 1,000" in err.value.reason


def test_past_the_total_a_pdf_is_refused_however_much_text_it_has():
    limits = PdfLimits(max_pages=1_000, max_stream_bytes=10_000_000, max_text_chars=1_000_000,
                       max_content_bytes=1_000_000, free_content_bytes=1_000_000)
    text = b"BT /F1 12 Tf 72 720 Td (" + b"Nintedanib slows lung fibrosis. " * 60 + b") Tj ET\n"
    data = shared_content_pdf(1_000, text + LINES * 4_000)
    with pytest.raises(LoadError) as err:
        load_bytes(data, "heavy.pdf", pdf_limits=limits)
    assert "(by page 5 of 1,000 its pages hold more than 1.0 MB of drawing instructions to " \
           "read, the limit)" in err.value.reason


def test_a_page_past_the_readers_own_cap_on_instructions_is_refused_in_the_same_words():
    from pypdf import apply_configuration

    data = shared_content_pdf(1, STRAY + LINES * 1_000)  # 6,000 tokens
    with apply_configuration(stream_parsing_work_maximum_count=1_000), pytest.raises(LoadError) as err:
        load_bytes(data, "dense.pdf")
    assert err.value.reason.startswith("this PDF asks for far more work than its text needs (one "
                                       "of its pages holds more drawing instructions than the "
                                       "reader takes at once)")


def test_forms_drawn_over_and_over_are_stopped_by_the_clock_inside_the_page():
    from rag.indexing.pdf import PdfRefused, read_pdf

    class Clock:  # one second passes at every look
        def __init__(self):
            self.looks = 0

        def __call__(self) -> float:
            self.looks += 1
            return float(self.looks)

    form = STRAY + LINES * 1_000  # 3,000 instructions each time it is drawn
    data = shared_content_pdf(1, b"/Fm0 Do\n" * 5_000, forms={b"Fm0": form})
    clock = Clock()
    limits = PdfLimits(max_pages=10, max_stream_bytes=10_000_000, max_text_chars=1_000_000, max_seconds=5)
    with pytest.raises(PdfRefused) as err:
        read_pdf(data, limits, clock=clock)
    assert "(reading its text took more than 5 seconds, by page 1 of 1)" in err.value.reason
    assert clock.looks < 10, "stopped at once, not after the 5,000 forms"


def test_pages_that_repeat_an_earlier_page_are_not_passages_again():
    data = pdf_bytes(["Skin care for scleroderma: moisturise twice a day.", "x", "x",
                      "Skin care for scleroderma:   moisturise twice a day.", "x",
                      "Raynaud attacks ease when the hands are kept warm."])
    doc = load_bytes(data, "repeats.pdf")
    assert [s.page for s in doc.spans] == [1, 2, 6]
    assert doc.text.count("moisturise") == 1 and doc.metadata["pages"] == 6


def test_a_thousand_pages_of_one_stray_character_are_one_passage_at_most():
    limits = PdfLimits(max_pages=1_000, max_stream_bytes=10_000_000, max_text_chars=1_000_000)
    first = pdf_bytes(["Hand exercises keep the fingers moving in scleroderma."])
    junk = shared_content_pdf(200, STRAY)
    from pypdf import PdfReader, PdfWriter

    w = PdfWriter(clone_from=PdfReader(io.BytesIO(first)))
    w.append(PdfReader(io.BytesIO(junk)))
    out = io.BytesIO()
    w.write(out)
    doc = load_bytes(out.getvalue(), "junk.pdf", pdf_limits=limits)
    assert [s.page for s in doc.spans] == [1, 2] and doc.metadata["pages"] == 201


def test_the_pdf_limits_live_in_the_settings_with_descriptions():
    from rag.settings import Settings

    fields = Settings.model_fields
    for name in ("pdf_max_pages", "pdf_max_stream_mb", "pdf_max_text_chars"):
        assert fields[name].description
    s = Settings(pdf_max_pages=5, pdf_max_stream_mb=2, pdf_max_text_chars=9_000)
    assert PdfLimits.from_settings(s) == PdfLimits(5, 2_000_000, 9_000)


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
