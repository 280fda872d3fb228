"""rag.text.cleaning: cleaning extracted text, titles, headings and sentences."""

from rag.text.cleaning import clean_text, find_headings, looks_like_title, split_sentences


def test_hard_wrapped_lines_become_one_paragraph():
    raw = "Systemic scleroderma is\na chronic autoimmune\ndisease.\n\nNext paragraph."
    assert clean_text(raw).text == "Systemic scleroderma is a chronic autoimmune disease.\n\nNext paragraph."


def test_every_kept_character_maps_back_to_the_original():
    raw = " While  autologous  stem\n cells are\n\nharvested,\nthey  are  kept."
    c = clean_text(raw)
    for i, ch in enumerate(c.text):
        if not ch.isspace():
            assert raw[c.source_offsets[i]] == ch
    assert len(c.source_offsets) == len(c.text) + 1


def test_word_split_across_blank_line_is_mended():
    raw = "It helps reduce skin thickening a\n\nnd improving organ function, and more."
    assert "thickening and improving" in clean_text(raw).text


def test_split_fragment_that_is_a_real_word_is_joined_with_a_space():
    raw = "Drugs such as\n\nmethotrexate are used. Such drugs work."
    assert "such as methotrexate" in clean_text(raw).text


def test_hyphen_at_line_end_is_removed_only_for_known_words():
    text = clean_text("An immuno-\nsuppressive drug is immunosuppressive. A well-\nknown one.").text
    assert "An immunosuppressive drug" in text
    assert "well-known" in text


def test_title_line_stays_separate_from_long_paragraph_lines():
    raw = "A short title\n" + "Long paragraph sentence that goes on. " * 10 + "\nSecond paragraph here."
    text = clean_text(raw).text
    assert text.startswith("A short title\n")


def test_list_items_keep_their_own_lines():
    text = clean_text("Treatments:\n- Physical therapy: exercise\nhelps.\n- Occupational therapy.").text
    assert "\n- Physical therapy: exercise helps.\n- Occupational therapy." in text


def test_headings_are_short_lines_ending_in_a_colon_or_in_capitals():
    text = "INTRODUCTION:\n\nSome text here.\n\n1. Pharmacological treatments:\n\n- Item: words, more words: here."
    labels = [h.label for h in find_headings(text)]
    assert labels == ["Introduction", "Pharmacological treatments"]


def test_markdown_headings():
    hs = find_headings("# Title\n\n## Fibrosis\nFibrosis means scarring.", markdown=True)
    assert [(h.label, h.level) for h in hs] == [("Title", 1), ("Fibrosis", 2)]


def test_title_detection():
    assert looks_like_title("The Scleroderma clinical trials overview", "Body text.")
    assert not looks_like_title("Systemic scleroderma, a complex disease characterized by", "x")
    assert not looks_like_title("This is a sentence.", "More.")


def test_sentences_respect_abbreviations_decimals_and_list_numbers():
    text = "Dr. Smith gave 2.5 mg, e.g. with food. The U.S. FDA agreed!\n1. Heading: Then another one? Yes."
    got = [text[a:b] for a, b in split_sentences(text)]
    assert got == ["Dr. Smith gave 2.5 mg, e.g. with food.", "The U.S. FDA agreed!",
                   "1. Heading: Then another one?", "Yes."]


def test_sentence_offsets_can_be_shifted():
    assert split_sentences("One here. Two there.", offset=10) == [(10, 19), (20, 30)]


def test_a_title_is_read_in_the_parts_it_is_written_in():
    from rag.text.cleaning import title_parts

    assert title_parts("Parasites - African Trypanosomiasis (also known as Sleeping Sickness)") == [
        "Parasites", "African Trypanosomiasis", "Sleeping Sickness"]
    assert title_parts("Scleroderma: skin care") == ["Scleroderma", "skin care"]
    assert title_parts("Cystic Fibrosis") == ["Cystic Fibrosis"]
