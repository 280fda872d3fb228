"""rag.text.lexical: terms, BM25 ranking, typo tolerance, persistence."""

from rag.text.lexical import LexicalIndex, analyze_query, specificity, terms

TEXTS = [
    "Methotrexate and mycophenolate mofetil suppress the immune system.",
    "Nintedanib slows pulmonary fibrosis in the lungs.",
    "Drugs targeting cytokines like IL-6 or TGF-beta are being evaluated.",
    "Physical therapy keeps joints moving.",
]


def index():
    return LexicalIndex.build([f"c{i}" for i in range(len(TEXTS))], TEXTS)


def test_terms_are_stemmed_without_stop_words_and_split_hyphens():
    assert terms("What are the IL-6 therapies?") == ["il", "6", "il6", "therapi"]


def test_bm25_ranks_the_passage_with_the_rare_term_first():
    idx = index()
    scores = idx.scores(analyze_query(idx, "nintedanib lungs").weighted())
    assert scores.argmax() == 1
    assert 0 < scores.max() <= idx.max_score(analyze_query(idx, "nintedanib lungs").weighted())


def test_misspelled_drug_names_still_match():
    idx = index()
    for typo, row in [("metotrexate", 0), ("nintedinib", 1), ("mycofenolate", 0)]:
        q = analyze_query(idx, typo)
        assert idx.scores(q.weighted()).argmax() == row, typo
        assert q.known_share() > 0.5


def test_an_everyday_word_is_taken_as_meant_not_as_a_typo():
    idx = LexicalIndex.build(["c0"], ["Shortness of breath can come from lung scarring."])
    assert analyze_query(idx, "how do I bake bread").known_share() == 0.0  # not "breath"
    assert analyze_query(idx, "shortnes of breth").known_share() > 0.5  # real typos still match


def test_words_no_passage_has_lower_known_share():
    idx = index()
    assert analyze_query(idx, "is yoga good for me").known_share() < 0.2
    assert analyze_query(idx, "nintedanib fibrosis").known_share() == 1.0


def test_coverage_counts_rare_words_more():
    idx = index()
    q = analyze_query(idx, "nintedanib lungs")
    assert q.coverage(set(terms(TEXTS[1]))) == 1.0
    assert q.coverage(set(terms(TEXTS[3]))) == 0.0
    partial = analyze_query(idx, "does nintedanib help the lungs")  # "help": in no passage
    assert 0.3 < partial.coverage(set(terms(TEXTS[1]))) < 1.0


def test_specificity_separates_everyday_and_technical_words():
    assert specificity("good") < 1.0 < specificity("yoga") < specificity("nintedanib")


def test_index_round_trips_through_a_file_and_checks_its_version(tmp_path):
    idx = index()
    idx.abbreviations = {"il6": "interleukin 6"}
    path = tmp_path / "lex.npz"
    idx.save(path, "v1")
    again = LexicalIndex.load(path, "v1")
    q = analyze_query(idx, "immune system drugs").weighted()
    assert (again.scores(q) == idx.scores(q)).all()
    assert again.abbreviations == {"il6": "interleukin 6"}
    assert LexicalIndex.load(path, "v2") is None
    assert LexicalIndex.load(tmp_path / "missing.npz", "v1") is None


def test_empty_index_scores_nothing():
    idx = LexicalIndex.build([], [])
    assert len(idx.scores({"x": 1.0})) == 0


def test_filler_adverbs_name_no_topic():
    """"what is scleroderma exactly?" is about scleroderma: "exactly", "actually", "basically"
    and the like would otherwise weigh as the rarest word of the question."""
    from rag.text.lexical import terms

    assert terms("what is scleroderma exactly? actually, basically, maybe") == terms("what is scleroderma")
