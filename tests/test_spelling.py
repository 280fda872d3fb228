"""rag.question.spelling: a misspelt word in the question is replaced by the known word meant, before
anything else reads the question; words the bot knows, everyday English, abbreviations,
numbers and real names the documents do not mention are kept as typed.

The vocabularies are built from the real corpus (corpus/*.txt and corpus/glossary.md), with
and without the reviewed word lists in rag/data/; a few tests use a sentence or two of their
own to show one rule on its own."""

from pathlib import Path

import pytest

from rag.question.spelling import Correction, Vocabulary, correct, max_edits

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


@pytest.fixture(scope="module")
def documents() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
    return texts + [(CORPUS / "glossary.md").read_text(encoding="utf-8")]


@pytest.fixture(scope="module")
def vocabulary(documents) -> Vocabulary:
    """What the bot knows: the documents, plus the medicine, abbreviation and lay-term lists."""
    return Vocabulary.from_texts(documents)


@pytest.fixture(scope="module")
def documents_only(documents) -> Vocabulary:
    """Only the documents' own words."""
    return Vocabulary.from_texts(documents, word_lists=False)


def corrected(question: str, vocabulary: Vocabulary) -> str:
    return correct(question, vocabulary).corrected


# --- what is corrected ----------------------------------------------------------------------


@pytest.mark.parametrize("typo", ["sclerodema", "scleroderm", "sclerodoma"])
def test_misspellings_of_scleroderma_are_corrected(documents_only, typo):
    assert corrected(f"what is {typo}", documents_only) == "what is scleroderma"


@pytest.mark.parametrize("typo, meant", [
    ("mycofenolate", "mycophenolate"),
    ("metotrexate", "methotrexate"),
    ("rituximub", "rituximab"),
    ("nintedamib", "nintedanib"),
    ("tocilizamab", "tocilizumab"),
])
def test_misspelt_medicine_names_are_corrected_to_the_documents_spelling(documents_only, typo, meant):
    assert corrected(f"is {typo} safe", documents_only) == f"is {meant} safe"


@pytest.mark.parametrize("typo", ["raynards", "raynauds", "Raynauds"])
def test_raynauds_is_corrected_to_the_name_with_its_apostrophe(vocabulary, typo):
    # The abbreviation list spells out "rp" as "Raynaud phenomenon": the bot knows the name.
    assert corrected(f"my {typo} is worse in winter", vocabulary) == "my Raynaud's is worse in winter"


def test_a_name_is_written_as_the_documents_write_it(documents):
    vocabulary = Vocabulary.from_texts(documents + ["Cold fingers may be Raynaud's phenomenon."],
                                       word_lists=False)
    assert corrected("what helps raynards", vocabulary) == "what helps Raynaud's"


def test_without_a_capital_in_the_texts_the_correction_follows_the_patients_case():
    vocabulary = Vocabulary.from_texts([], extra=["raynaud"], word_lists=False)
    assert corrected("raynauds and cold", vocabulary) == "raynaud's and cold"


def test_a_capital_first_letter_is_kept(documents_only):
    assert corrected("Sclerodema and Metotrexate", documents_only) == "Scleroderma and Methotrexate"


def test_an_apostrophe_s_after_a_misspelt_word_is_kept(documents_only):
    assert corrected("my mum\u2019s sclerodema's course", documents_only) == "my mum\u2019s scleroderma's course"


def test_each_part_of_a_hyphenated_word_is_corrected_on_its_own(documents_only):
    assert corrected("mycofenolate-mofetil", documents_only) == "mycophenolate-mofetil"


@pytest.mark.parametrize("typo, meant", [("wat", "what"), ("Wat", "What"), ("u", "you"),
                                         ("ur", "your"), ("pls", "please")])
def test_short_chat_spellings_are_written_out(documents_only, typo, meant):
    assert corrected(f"{typo} sclerodema", documents_only) == f"{meant} scleroderma"


def test_a_swapped_pair_of_letters_counts_as_one_edit(documents_only):
    assert corrected("whta is nintedanib", documents_only) == "what is nintedanib"


def test_a_common_misspelling_is_fixed_to_the_much_more_common_word(documents_only):
    assert corrected("thier treatmant", documents_only) == "their treatment"


def test_of_equally_close_words_the_one_frequent_in_the_documents_wins():
    assert corrected("sxin", Vocabulary.from_texts(["skin skin skin shin"], word_lists=False)) == "skin"
    assert corrected("sxin", Vocabulary.from_texts(["shin shin shin skin"], word_lists=False)) == "shin"


def test_the_edit_budget_grows_with_the_words_length():
    assert [max_edits(n) for n in (4, 6, 7, 10, 11, 20)] == [1, 1, 2, 2, 3, 3]


# --- what is kept ---------------------------------------------------------------------------


@pytest.mark.parametrize("n", [0, 1, 2])
def test_the_documents_own_text_is_left_unchanged(documents_only, documents, n):
    assert correct(documents[n], documents_only) == Correction(documents[n], documents[n])


@pytest.mark.parametrize("word", ["stiff", "tight", "pee", "kids", "cost", "yoga", "insurance",
                                  "hands", "Mayo"])
def test_everyday_english_words_are_taken_as_meant(documents_only, word):
    assert not correct(f"{word} and scleroderma", documents_only).changed


@pytest.mark.parametrize("word", ["colds", "itches"])
def test_an_everyday_word_with_an_ending_is_taken_as_meant_though_rarer_than_a_near_word(documents_only, word):
    # "colds" is rarer in English than "holds", one letter away: still a cold, plus an "s"
    assert not correct(f"will i catch {word} more easily", documents_only).changed


@pytest.mark.parametrize("word", ["CBD", "ibuprofen", "Mayo", "humira", "tacrolimus", "pirfenidone"])
def test_real_names_the_documents_do_not_mention_are_kept_so_the_bot_can_say_so(documents_only, word):
    assert not documents_only.known(word)
    assert not correct(f"does {word} help scleroderma", documents_only).changed


def test_a_real_word_is_not_turned_into_a_similar_word_of_the_documents():
    vocabulary = Vocabulary.from_texts(["Prednisone can help. A reflex test."], word_lists=False)
    assert not correct("is prednisolone like it", vocabulary).changed
    assert not correct("acid reflux", vocabulary).changed


@pytest.mark.parametrize("typo, meant", [("pregant", "pregnant"), ("stirct", "strict"), ("pregnat", "pregnant")])
def test_a_slip_of_an_everyday_word_the_documents_never_use_is_read_as_that_word(documents_only, typo, meant):
    assert not documents_only.known(meant)
    assert corrected(f"why are the {typo} rules", documents_only) == f"why are the {meant} rules"


@pytest.mark.parametrize("word", ["kemo", "pirfenidone", "xeljanz", "adalimumab"])
def test_no_everyday_word_stands_in_for_a_word_that_is_not_one_slip_from_it_alone(documents_only, word):
    assert not correct(f"does {word} help", documents_only).changed


def test_a_word_a_list_prefix_allows_is_kept_unless_one_slip_from_a_word_of_the_texts():
    vocabulary = Vocabulary.from_texts(["Chemotherapy and prednisone are used."], word_lists=False,
                                       extra=["chemo*", "prednis*"])
    assert corrected("why chemotheraphy", vocabulary) == "why chemotherapy"
    assert not correct("is prednisolone like it", vocabulary).changed


@pytest.mark.parametrize("word", ["SSc", "HSCT", "MMF", "SCLERODEMA"])
def test_abbreviations_and_words_in_capitals_are_kept(documents_only, word):
    assert not correct(f"what about {word}", documents_only).changed


@pytest.mark.parametrize("question", ["b12 for nintedamib2", "2024 dose", "IL-6 and covid-19"])
def test_numbers_and_words_joined_to_digits_are_kept(documents_only, question):
    assert not correct(question, documents_only).changed


@pytest.mark.parametrize("word", ["cbd", "ssc", "ild"])
def test_words_shorter_than_four_letters_are_kept(documents_only, word):
    assert corrected(f"{word} sclerodema", documents_only) == f"{word} scleroderma"


# --- read beside the neighbouring words (rag.question.word_pairs) --------------------------


@pytest.mark.parametrize("typed, meant", [("wat is a stem cel transplant", "what is a stem cell transplant"),
                                          ("who runs the clinical trails", "who runs the clinical trials"),
                                          ("hte sclerodema", "the scleroderma")])
def test_a_short_or_real_word_is_corrected_where_the_documents_write_its_neighbour_beside_the_word_meant(
        documents_only, typed, meant):
    assert corrected(typed, documents_only) == meant


@pytest.mark.parametrize("question", ["i went hiking on the trails", "my hands are stiff and tight",
                                      "does the transplant help my skn", "cel"])
def test_without_a_content_word_beside_it_that_the_documents_pair_with_the_word_meant_it_is_kept(
        documents_only, question):
    assert not correct(question, documents_only).changed


def test_a_neighbour_the_documents_write_once_beside_the_word_is_not_enough():
    once = Vocabulary.from_texts(["Stem cell research. Clinical trials. Clinical trials."], word_lists=False)
    assert corrected("stem cel", once) == "stem cel"
    assert corrected("clinical trails", once) == "clinical trials"
    twice = Vocabulary.from_texts(["Stem cell research. Stem cell banks."], word_lists=False)
    assert corrected("stem cel", twice) == "stem cell"


def test_whats_without_its_apostrophe_is_acceptable(documents_only):
    assert corrected("whats sclerodema", documents_only) == "whats scleroderma"


def test_a_plural_of_a_known_word_is_not_a_misspelling():
    vocabulary = Vocabulary.from_texts(["Nintedanib is an antifibrotic."], word_lists=False)
    assert not correct("are there other antifibrotics", vocabulary).changed


def test_words_in_web_and_email_addresses_are_kept(documents_only):
    question = "see www.sclerodema.org or write to sclerodema@example.com"
    assert not correct(question, documents_only).changed


def test_a_60000_letter_word_is_returned_unchanged(documents_only):
    question = "is " + "a" * 60_000 + " sclerodema"
    assert correct(question, documents_only).corrected == "is " + "a" * 60_000 + " scleroderma"
    assert correct("s" * 60_000, documents_only) == Correction("s" * 60_000, "s" * 60_000)


# --- the result -----------------------------------------------------------------------------


def test_only_the_misspelt_words_spans_change_and_spacing_and_punctuation_are_kept(documents_only):
    question = "  Is  sclerodema,\tlike... metotrexate?!\n(rituximub) "
    assert corrected(question, documents_only) == "  Is  scleroderma,\tlike... methotrexate?!\n(rituximab) "


def test_changes_list_each_correction_once_in_the_order_first_met(documents_only):
    result = correct("metotrexate or sclerodema; sclerodema again, metotrexate", documents_only)
    assert result.original == "metotrexate or sclerodema; sclerodema again, metotrexate"
    assert result.corrected == "methotrexate or scleroderma; scleroderma again, methotrexate"
    assert result.changes == (("metotrexate", "methotrexate"), ("sclerodema", "scleroderma"))
    assert result.changed


def test_a_question_with_nothing_to_correct_comes_back_as_it_was(documents_only):
    result = correct("Can nintedanib slow lung fibrosis?", documents_only)
    assert result == Correction("Can nintedanib slow lung fibrosis?", "Can nintedanib slow lung fibrosis?")
    assert not result.changed and result.changes == ()


# --- the vocabulary -------------------------------------------------------------------------


def test_the_vocabulary_knows_the_documents_words_in_any_case(documents_only):
    assert documents_only.known("Nintedanib") and documents_only.known("scleroderma")
    assert not documents_only.known("sclerodema")


def test_the_vocabulary_knows_extra_terms_and_the_reviewed_word_lists(documents):
    vocabulary = Vocabulary.from_texts(documents, extra=["Raynaud's phenomenon"])
    assert vocabulary.known("Raynaud's") and vocabulary.known("phenomenon")
    assert vocabulary.known("ibuprofen")  # rag/data/medicines.tsv
    assert vocabulary.known("prednisolone")  # "prednis*": any ending is a medicine of the list
    assert not Vocabulary.from_texts(documents, word_lists=False).known("ibuprofen")


def test_a_medicine_the_list_knows_is_never_corrected_to_another(vocabulary):
    assert not correct("prednisolone or ibuprofen", vocabulary).changed
