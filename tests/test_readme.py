"""The README describes the product it ships with: the patients' section speaks of the
scleroderma documents in corpus/, not of another library's subject."""

from rag.settings import PROJECT_ROOT


def section(title: str) -> str:
    text = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    start = text.index(title)
    end = text.find("\n### ", start + len(title))
    return text[start:end]


def test_the_patients_section_takes_its_examples_from_the_shipped_documents():
    patients = section("### Patients: the chat")
    assert "IgA" not in patients and "nephropathy" not in patients
    assert "scleroderma" in patients.lower()
