"""eval.patient_pages: which conditions become libraries, and how results are tabled
(pure: synthetic rows, no MedQuAD file, no model)."""

from eval.patient_pages import LEAST_TYPES, PATIENT_QUESTIONS, choose_conditions, report


def _rows(focus, source, qtypes):
    return [{"focus": focus, "source": source, "qtype": q, "question": f"{q} of {focus}?", "answer": f"{focus} {q}."}
            for q in qtypes]


def test_only_patient_sites_with_enough_kinds_of_answer_become_libraries():
    many = list(PATIENT_QUESTIONS)[:LEAST_TYPES]
    rows = (_rows("Gout", "NIDDK", many) + _rows("Thymoma", "CancerGov", many[:LEAST_TYPES - 1])
            + _rows("Some gene", "GHR", many))  # GHR writes for geneticists, not patients
    chosen = choose_conditions(rows, 10, seed=1)
    assert [key for key, _ in chosen] == [("NIDDK", "Gout")]
    assert len(chosen[0][1]) == LEAST_TYPES


def test_the_table_gives_the_pipeline_and_the_naive_answerer_side_by_side():
    results = [{"qtype": "symptoms", "led": True, "naive": False, "declined": False},
               {"qtype": "symptoms", "led": False, "naive": True, "declined": True},
               {"qtype": "treatment", "led": True, "naive": True, "declined": False}]
    lines = report(results)
    assert "| all | 3 | 0.67 | 0.67 | 0.33 |" in lines
    assert "| symptoms | 2 | 0.50 | 0.50 | 0.50 |" in lines
    assert "| treatment | 1 | 1.00 | 1.00 | 0.00 |" in lines
