"""rag.safety.language: telling an English message from one the bot cannot read."""

import pytest

from rag.safety.language import reads_english


@pytest.mark.parametrize("message", ["qué medicamentos hay para la esclerodermia",
                                     "quels sont les traitements de la sclérodermie",
                                     "o que é esclerodermia e como tratar", "什么是硬皮病", "ما هو تصلب الجلد"])
def test_another_language_or_script_is_not_read_as_english(message):
    assert not reads_english(message)


@pytest.mark.parametrize("message", ["what is scleroderma", "wat is mycofenolate for", "my doctor said i have SSc, what now?",
                                     "what does nintedanib do? gracias", "hola", "MMF scleroderma"])
def test_english_misspelt_short_or_with_a_foreign_word_is_read(message):
    assert reads_english(message)
