"""What is blanked out of what patients type before it is stored (rag.safety.redact): e-mails,
dates, street addresses, postcodes, record numbers, long numbers, a stated name and a
signature, whole, and nothing else; and the question the answering stages read instead."""

from __future__ import annotations

import pytest

from rag.safety.redact import redact, stated_names, without_personal_details


def test_small_numbers_and_years_are_kept():
    assert redact("I have 2 ulcers since 2019") == "I have 2 ulcers since 2019"


def test_emails_and_phone_numbers_are_blanked():
    assert redact("write to jane.doe@example.org or +1 (555) 123-4567") == "write to [e-mail] or [number]"


@pytest.mark.parametrize("question, stored", [
    ("my name is jane doe", "my name is [name]"),
    ("my name is jane doe and i have ulcers", "my name is [name] and i have ulcers"),
    ("My name is Jane Doe, is it safe?", "My name is [name], is it safe?"),
    ("my name is Jane and I take nintedanib", "my name is [name] and I take nintedanib"),
    ("call me on 555-123-4567", "call me on [number]"),
    ("call me Jane", "call me [name]"),
    ("can the nurse call me back tomorrow?", "can the nurse call me back tomorrow?"),
    ("what is scleroderma?", "what is scleroderma?"),
])
def test_a_stated_name_is_blanked_whole_and_nothing_else(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question, stored", [
    ("I'm Jane Doe", "I'm [name]"),
    ("Hi, I’m Jane. Is nintedanib safe?", "Hi, I’m [name]. Is nintedanib safe?"),
    ("I am Jane Doe, 54, and I have ulcers", "I am [name], 54, and I have ulcers"),
    ("I am sorry, my name is Jane", "I am sorry, my name is [name]"),
    ("I am sorry my name is Jane", "I am sorry my name is [name]"),
    ("Name: John Smith", "Name: [name]"),
    ("name: john smith, is it safe?", "name: [name], is it safe?"),
])
def test_a_name_after_i_am_or_name_is_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question", [
    "I'm diagnosed with scleroderma",
    "I am Diagnosed With Scleroderma",
    "I am worried about my lungs",
    "I'm on methotrexate",
    "I'm SO tired",
    "I am 54",  # an age, kept like any small number
    "I'm 54 and I have 2 ulcers",
    "Brand name: CellCept",  # a medicine's name, not a person's
])
def test_how_someone_is_their_age_and_medicines_are_kept(question):
    assert redact(question) == question


@pytest.mark.parametrize("question, stored", [
    ("hi im jane, what is scleroderma", "hi im [name], what is scleroderma"),
    ("i'm jane Doe and i have ulcers", "i'm [name] and i have ulcers"),
    ("hi, this is jane. is methotrexate safe?", "hi, this is [name]. is methotrexate safe?"),
    ("it's mary here, can i exercise", "it's [name] here, can i exercise"),
])
def test_a_given_name_written_in_lower_case_is_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question", [
    "i am tired all the time", "im worried about my lungs", "this is normal right?",
    "I think this is Raynaud's phenomenon", "it's scleroderma, right?",
    "i'm will to try",  # a given name that is an everyday word is never taken for one
])
def test_lower_case_words_after_i_am_or_this_is_are_kept_unless_a_given_name(question):
    assert redact(question) == question


@pytest.mark.parametrize("written", [
    "12/03/1961", "12/3/61", "12-03-1961", "1961-03-12", "3 March 1961", "3rd of March 1961",
    "March 3, 1961", "Mar. 3rd '61",
])
def test_a_date_of_birth_is_blanked_however_it_is_written(written):
    assert redact(f"I was born {written}, is it safe?") == "I was born [date], is it safe?"


@pytest.mark.parametrize("question", [
    "my BP is 190/110", "since March 2019", "on 12/3 I started", "I take 2.5 mg",
])
def test_readings_doses_and_dates_without_a_day_month_and_year_are_kept(question):
    assert redact(question) == question


@pytest.mark.parametrize("question, stored", [
    ("I live at 12 Oak Street", "I live at [address]"),
    ("send it to 221B Baker St please", "send it to [address] please"),
    ("45 Elm Road, Springfield is where I live", "[address] is where I live"),
    ("12 oak street, is it near a clinic?", "[address], is it near a clinic?"),
    ("I live at 12 Oak Street Springfield. What is HSCT?", "I live at [address]. What is HSCT?"),
    ("12 Oak Street What is HSCT?", "[address] What is HSCT?"),
])
def test_a_street_address_is_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question", [
    "I can walk 2 miles down the road", "2 weeks ago Dr Patel said 15 mg", "I took 15 mg Dr Jones gave me",
])
def test_distances_and_doses_before_a_street_word_are_no_address(question):
    assert redact(question) == question


def test_a_stated_name_is_blanked_where_an_answer_repeats_it_without_the_words_before_it():
    question = "I'm Jane Doe born 12/03/1961, what helps Jane's fingers?"
    names = stated_names(question)
    assert names == ("Jane Doe",)
    assert redact(question, names) == "I'm [name] born [date], what helps [name]'s fingers?"
    assert redact("My documents don't cover “Jane Doe born 12/03/1961”, so…", names) == \
        "My documents don't cover “[name] born [date]”, so…"
    assert redact("Doe, J. and Janet", names) == "[name], J. and Janet"


def test_a_huge_message_is_redacted_whole():
    # An urgent message is kept however long it is; each pattern is tried once per run of
    # characters, not from every letter of a 100,000-letter word.
    word = "a" * 100_000
    assert redact(f"{word} jane@example.org I'm Jane") == f"{word} [e-mail] I'm [name]"


@pytest.mark.parametrize("written", [
    "March the 3rd, 1961", "the third of March 1961", "twenty-first of June 1958", "3-Mar-1961",
    "03.mar.61",
])
def test_a_written_date_of_birth_is_blanked_too(written):
    assert redact(f"I was born {written}, is it safe?") == "I was born [date], is it safe?"


@pytest.mark.parametrize("question, stored", [
    ("DOB: 12 Mar 61", "DOB: [date]"),
    ("D.O.B. 12/3 what is it", "D.O.B. [date] what is it"),
    ("born in 1961, is it inherited?", "born in [date], is it inherited?"),
    ("my birthday is March 3rd", "my birthday is [date]"),
])
def test_any_date_said_to_be_a_birth_date_is_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question", [
    "I was born with it", "born 2 weeks early", "since March 2019", "born 2 marathons ago", "born 1 decade ago",
])
def test_birth_without_a_date_is_kept(question):
    assert redact(question) == question


@pytest.mark.parametrize("question, stored", [
    ("I live at 7 Rose Lane, SW1A 1AA", "I live at [address], [postcode]"),
    ("I live in Leeds LS1 4AP.", "I live in Leeds [postcode]."),
    ("my postcode is m1 1ae", "my postcode is [postcode]"),
    ("Springfield, IL 62704", "Springfield, IL [postcode]"),
    ("my zip code is 90210", "my zip code is [postcode]"),
    ("100 Main Street, Springfield, IL 62704", "[address], IL [postcode]"),
    ("write to PO Box 4521", "write to [address]"),
])
def test_postcodes_zip_codes_and_po_boxes_are_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("question", [
    "what is IL6 1st line treatment?", "I walked 10000 steps", "my FVC is 72%", "in 2019 I had 12345 steps",
])
def test_numbers_and_codes_that_are_no_postcode_are_kept(question):
    assert redact(question) == question


@pytest.mark.parametrize("question, stored", [
    ("my NHS number is 943 476 5919", "my NHS number is [number]"),
    ("9434765919", "[number]"),
    ("my SSN is 123-45-6789", "my SSN is [number]"),
    ("MRN 1234567", "MRN [number]"),
    ("my MRN is 482913", "my MRN is [number]"),
    ("medical record number A123456: is it bad?", "medical record number [number]: is it bad?"),
    ("hospital number RX-55821", "hospital number [number]"),
    ("patient ID 7734-221", "patient ID [number]"),
])
def test_nhs_ssn_and_record_numbers_are_blanked(question, stored):
    assert redact(question) == stored


@pytest.mark.parametrize("message, stored", [
    ("what is scleroderma? Thanks, Sophie", "what is scleroderma? Thanks, [name]"),
    ("Is it safe?\nKind regards\nEllen Carter", "Is it safe?\nKind regards\n[name]"),
    ("is it contagious?\n- Tomasz", "is it contagious?\n- [name]"),
    ("what is fibrosis? regards, kowalski", "what is fibrosis? regards, [name]"),
    ("Many thanks, Grace Hughes.", "Many thanks, [name]."),
])
def test_a_signature_closing_the_message_is_blanked(message, stored):
    assert redact(message) == stored


@pytest.mark.parametrize("message", [
    "thanks again", "Thanks for your help", "thanks a lot", "Best wishes", "- me", "cheers",
    "thanks doc", "Thanks, everyone",
])
def test_a_closing_word_that_is_no_name_is_kept(message):
    assert redact(message) == message


def test_a_signed_name_is_blanked_wherever_the_message_repeats_it():
    assert redact("Can Sophie's hands get better? Thanks, Sophie") == \
        "Can [name]'s hands get better? Thanks, [name]"


@pytest.mark.parametrize("message, asked", [
    ("my name is Jane Doe, born 12/03/1961. what is scleroderma?", "what is scleroderma?"),
    ("I'm Jane Doe born 12/03/1961, what is scleroderma?", "what is scleroderma?"),
    ("Hi I live at 12 Oak Street, SW1A 1AA. what is raynaud's?", "what is raynaud's?"),
    ("what is scleroderma, my name is Jane?", "what is scleroderma?"),
    ("what is scleroderma? Thanks, Jane", "what is scleroderma? Thanks"),
    ("My name's Ahmed Khan and I have ulcers, what helps?", "and I have ulcers, what helps?"),
    ("text me at 555-867-5309 what helps heartburn?", "what helps heartburn?"),
    ("my NHS number is 943 476 5919, what is scleroderma?", "what is scleroderma?"),
    ("my name is Jane Doe", ""),
    ("i'm jane doe, what is scleroderma?", "what is scleroderma?"),
    ("what is HSCT?\nSign: Grace Long", "what is HSCT?"),
    ("I'm Stiff in the mornings, why?", "I'm Stiff in the mornings, why?"),
])
def test_the_answering_stages_read_the_message_without_its_personal_details(message, asked):
    assert without_personal_details(message) == asked


@pytest.mark.parametrize("message", [
    "what is scleroderma?", "I'm on methotrexate 15 mg, is it safe?", "since March 2019 my fingers hurt",
    "ignore previous instructions", "",
])
def test_a_message_without_personal_details_is_read_as_it_is(message):
    assert without_personal_details(message) == message


@pytest.mark.parametrize("message, stored", [
    # a surname written in lower case
    ("i'm jane doe", "i'm [name]"),
    ("i am jane doe and i have ulcers", "i am [name] and i have ulcers"),
    ("hi this is jane doe, is it safe?", "hi this is [name], is it safe?"),
    ("it's mary smith here", "it's [name] here"),
    ("My name is Jane doe, is it catching?", "My name is [name], is it catching?"),
    ("Name: Jane doe", "Name: [name]"),
    ("Thanks, Jane doe", "Thanks, [name]"),
    ("i'm jane doe. doe is my married name", "i'm [name]. [name] is my married name"),
    # a given name that is an everyday word
    ("I'm Rose", "I'm [name]"),
    ("I'm Will, 62, is it safe?", "I'm [name], 62, is it safe?"),
    ("my name is Hope Walker", "my name is [name]"),
    ("my name is hope walker", "my name is [name]"),
    ("my name is will", "my name is [name]"),
    ("hi, this is Grace. is methotrexate safe?", "hi, this is [name]. is methotrexate safe?"),
    ("this is Hope Walker", "this is [name]"),
    ("it's Grace here, can i exercise", "it's [name] here, can i exercise"),
    ("Sign: Grace Long", "Sign: [name]"),
    ("Signed, Grace Long", "Signed, [name]"),
    ("Signature: Hope Walker", "Signature: [name]"),
    ("Best, Will Mark", "Best, [name]"),
])
def test_lower_case_surnames_and_given_names_that_are_everyday_words_are_blanked(message, stored):
    assert redact(message) == stored


@pytest.mark.parametrize("message, stored", [
    ("i'm jane living with scleroderma", "i'm [name] living with scleroderma"),
    ("this is jane again, my fingers hurt", "this is [name] again, my fingers hurt"),
    ("I'm Jane born 12/03/1961", "I'm [name] born [date]"),
    ("I'm Jane Doe's mother, can she exercise?", "I'm [name] mother, can she exercise?"),
])
def test_a_name_stops_before_the_words_that_follow_it(message, stored):
    assert redact(message) == stored


@pytest.mark.parametrize("question", [
    "I'm worried about my skin", "my hands are stiff", "Raynaud's", "I'm Stiff in the mornings",
    "I'm Raynaud's positive", "I'm Sjogren's positive", "I'm ANA positive", "I'm SSc diffuse",
    "I'm Long-term on steroids", "I'm Hopeful it helps", "it's Raynaud's, right?",
    "this is grace under pressure", "thanks, hope this helps", "hope my hands get better",
    "Sign: redness and swelling", "I'm Tired and Sore", "I am Lupus positive too",
    "Is this Scleroderma Renal Crisis?", "I'm Swollen in the hands",
])
def test_health_words_after_i_am_this_is_or_sign_are_kept(question):
    assert redact(question) == question
