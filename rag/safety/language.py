"""Is this message written in English, the only language the documents and the answerer read?

``reads_english`` guesses from how common each word is in English and in the languages
patients here most often write in otherwise (Spanish, French, Portuguese, German, Italian),
by wordfreq's frequency lists (offline, shipped in its package), and treats a message mostly
in another script (Chinese, Arabic, Cyrillic...) as not English. Emergencies are checked
before this, in every language triage knows (``rag.safety.emergency_rules``).

Left out: naming the language in the reply, and mixed messages (a message counts as English
unless another language clearly wins).
"""

from __future__ import annotations

import re

from wordfreq import zipf_frequency

OTHER_LANGUAGES = ("es", "fr", "pt", "de", "it")
MARGIN = 1.0  # mean Zipf frequency by which another language must beat English
MIN_WORDS = 3  # shorter messages ("hola") are left to the pipeline
MAX_WORDS = 40  # enough to tell; a long message is read by its first words
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)


def reads_english(text: str) -> bool:
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in letters) < 0.5 * len(letters):
        return False  # mostly another script
    words = [w.lower() for w in _WORD.findall(text)][:MAX_WORDS]
    if len(words) < MIN_WORDS:
        return True

    def mean(lang: str) -> float:
        return sum(zipf_frequency(w, lang) for w in words) / len(words)

    english = mean("en")
    return all(mean(lang) < english + MARGIN for lang in OTHER_LANGUAGES)
