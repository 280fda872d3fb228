"""Emergencies said in Spanish, French, Portuguese, Chinese and Arabic: their commonest wording.

Chest pain, trouble breathing, stroke signs and thoughts of suicide are recognised in their
commonest wording in these languages (``other_language_category``); the language found
picks a one-line translation of "call your emergency number now" (``OTHER_LANGUAGES``).

Left out: other emergencies and other wordings in languages other than English; the English
rules (``rag.safety.emergency_english``), which are tried first
(``rag.safety.emergency_rules``).
"""

from __future__ import annotations

import re

from rag.safety.emergency_english import ALWAYS_URGENT, _rx
from rag.safety.emergency_reading import READ_CHARS
from rag.text.lexical import fold


# The commonest ways to say chest pain, can't breathe, stroke signs and thoughts of suicide in
# Spanish, French, Portuguese, Chinese (simplified) and Arabic: (language, category, pattern),
# tried after the English rules, on text folded the same way (lower-case, accents dropped:
# "no puedo respirar", "n'arrive pas a respirer", "nao consigo respirar"; Chinese and Arabic
# letters are kept, Arabic hamza seats folded, so each Arabic pattern is folded too). These
# read the text before long words are cut: Chinese has no spaces between words. The language
# picks the one-line translation of "call your emergency number" (``urgent_<language>`` in
# prompts/messages.toml). Suicide is always urgent; the others unless asked as a question
# with no one named ("¿qué es el dolor de pecho?" is answered with the notice).
def _folded_rx(pattern: str) -> re.Pattern:
    return _rx(fold(pattern))


OTHER_LANGUAGES = ("es", "fr", "pt", "zh", "ar")

_LANGUAGE_RULES: list[tuple[str, str, re.Pattern]] = [
    # Spanish
    ("es", "self_harm", _rx(r"""
        suicidarme | suicidio | (?<!no\s)quiero\s+morir\w* | (?<!no\s)quiero\s+matarme | (?<!no\s)me\s+quiero\s+(?:matar|morir)
      | matarme | quitarme\s+la\s+vida | no\s+quiero\s+(?:seguir\s+)?vivir | acabar\s+con\s+mi\s+vida | ganas\s+de\s+morir\w*
    """)),
    ("es", "chest_pain", _rx(r"""
        dolor\s+(?:\w+\s+){0,2}(?:de|en\s+el|en\s+mi)\s+pecho | dolor\s+toracico | me\s+duele\s+(?:\w+\s+){0,2}el\s+pecho
      | (?:presion|opresion)\s+en\s+el\s+pecho | pecho\s+me\s+(?:duele|aprieta) | infarto | ataque\s+(?:al|del)\s+corazon
    """)),
    ("es", "breathing", _rx(r"""
        no\s+(?:puedo|puede)\s+respirar | me\s+falta\s+(?:el\s+)?(?:aire|aliento) | le\s+falta\s+el\s+aire | (?:me|le)\s+cuesta\s+(?:mucho\s+)?respirar
      | me\s+ahogo | se\s+ahoga | (?:dificultad|problemas)\s+para\s+respirar | no\s+me\s+entra\s+(?:el\s+)?aire
    """)),
    ("es", "collapse", _rx(r"""
        (?:cara|boca)\s+(?:\w+\s+){0,3}(?:caida|torcida|paralizada|colgando|dormida|adormecida|chueca)
      | se\s+(?:me|le)\s+(?:cayo|cae|torcio|tuerce|durmio)\s+(?:la\s+mitad\s+de\s+)?(?:la\s+)?(?:cara|boca)
      | (?:debilidad|adormecimiento|entumecimiento|hormigueo|paralisis)\s+(?:\w+\s+){0,3}(?:un|el)\s+lado | (?:un|el)\s+lado\s+del\s+cuerpo
      | de\s+repente\s+(?:\w+\s+){0,4}(?:debil\w*|dormid\w*|adormecid\w*|sin\s+fuerza)
      | no\s+(?:puedo|puede)\s+(?:mover|levantar)\s+(?:el|la|mi|su)\s+(?:brazo|pierna)
      | (?:hablo|habla)\s+(?:muy\s+)?(?:raro|mal|arrastrando|enredad\w*) | arrastr\w+\s+las\s+palabras | no\s+(?:puedo|puede)\s+hablar
      | no\s+(?:encuentro|encuentra)\s+las\s+palabras | derrame\s+cerebral | ictus
    """)),
    # French
    ("fr", "self_harm", _rx(r"""
        me\s+suicider | suicidaire | je\s+veux\s+mourir | envie\s+de\s+mourir | me\s+tuer | mettre\s+fin\s+a\s+mes\s+jours
      | (?:je\s+)?ne\s+veux\s+plus\s+vivre | en\s+finir\s+avec\s+(?:la\s+vie|tout)
    """)),
    ("fr", "chest_pain", _rx(r"""
        douleurs?\s+(?:\w+\s+){0,2}(?:a|dans)\s+la\s+poitrine | douleurs?\s+(?:\w+\s+)?thoracique\w* | mal\s+(?:a|dans)\s+la\s+poitrine
      | (?:oppression|serrement|pression)\s+(?:\w+\s+){0,2}poitrine | poitrine\s+(?:me\s+)?(?:serre|fait\s+mal|brule)
      | crise\s+cardiaque | infarctus
    """)),
    ("fr", "breathing", _rx(r"""
        n'?(?:arrive|parviens|arrivons)\s+(?:plus|pas)\s+a\s+respirer | ne\s+(?:peux|peut)\s+(?:plus|pas)\s+respirer
      | j'?etouffe | (?:du\s+)?mal\s+a\s+respirer | manque\s+d'?air | suffoqu\w*
    """)),
    ("fr", "collapse", _rx(r"""
        (?:visage|bouche)\s+(?:\w+\s+){0,3}(?:paralys\w*|tordu\w*|de\s+travers|affaiss\w*|tombe\w*|engourdi\w*)
      | (?:faiblesse|engourdissement|paralysie)\s+(?:\w+\s+){0,3}(?:d'?un|du)\s+(?:seul\s+)?cote
      | (?:bras|jambe)\s+(?:\w+\s+){0,3}(?:paralys\w*|ne\s+bouge\s+plus)
      | n'?(?:arrive|arrivons)\s+(?:plus|pas)\s+a\s+(?:parler|trouver\s+(?:mes|ses|les)\s+mots)
      | (?:parle|parole)\s+(?:\w+\s+){0,2}(?:difficilement|bizarrement|pateuse|confuse|mal) | \bavc\b | attaque\s+cerebrale
    """)),
    # Portuguese
    ("pt", "self_harm", _rx(r"""
        (?:me\s+)?suicidar | suicidio | (?<!nao\s)quero\s+morrer | me\s+matar | tirar\s+(?:a\s+)?minha\s+(?:propria\s+)?vida
      | nao\s+quero\s+mais\s+viver | acabar\s+com\s+(?:a\s+)?minha\s+vida
    """)),
    ("pt", "chest_pain", _rx(r"""
        dor\s+(?:\w+\s+){0,2}(?:no|em\s+meu|no\s+meu)\s+peito | dor\s+toracica | (?:aperto|pressao)\s+no\s+peito
      | peito\s+(?:\w+\s+)?(?:doendo|doi|apertado) | ataque\s+cardiaco
    """)),
    ("pt", "breathing", _rx(r"""
        nao\s+(?:consigo|consegue|posso)\s+respirar | falta\s+de\s+ar | (?:me\s+)?falta\s+o\s+ar
      | dificuldade\s+(?:para|de|em)\s+respirar | sufoc\w+
    """)),
    ("pt", "collapse", _rx(r"""
        (?:rosto|boca)\s+(?:\w+\s+){0,3}(?:caid[oa]|tort[oa]|paralisad[oa]|dormente)
      | (?:fraqueza|dormencia|formigamento|paralisia)\s+(?:\w+\s+){0,3}(?:de\s+um|num|em\s+um)\s+lado
      | (?:braco|perna)\s+(?:\w+\s+){0,3}(?:paralisad[oa]|nao\s+mexe)
      | nao\s+(?:consigo|consegue)\s+(?:falar|levantar\s+o\s+braco|mexer\s+o\s+braco)
      | fala\s+(?:\w+\s+){0,2}(?:enrolada|arrastada|embolada) | \bavc\b | derrame
    """)),
    # Chinese (simplified)
    ("zh", "self_harm", _rx(r"(?<!不)想死 | 自杀 | 不想活 | 轻生 | 结束(?:自己的)?生命")),
    ("zh", "chest_pain", _rx(r"""
        胸(?:口|部)?(?:很|非常|好|特别|有点|剧烈|突然)?(?:痛|疼|闷|发紧|压迫) | 心口(?:很|好)?(?:痛|疼) | 心脏病发作 | 心梗
    """)),
    ("zh", "breathing", _rx(r"喘不(?:过|上)气 | 呼吸困难 | (?:无法|不能|没法)呼吸 | 透不过气 | 窒息")),
    ("zh", "collapse", _rx(r"""
        (?:脸|嘴)(?:突然|有点)?(?:歪|斜) | 口眼歪斜 | 半边(?:脸|身体?).{0,3}(?:麻|无力|动不了)
      | (?:一侧|一边).{0,4}(?:无力|麻木|动不了) | 突然.{0,6}(?:手臂|胳膊|腿).{0,3}(?:无力|没力气|抬不起来|麻木)
      | (?:手臂|胳膊)抬不起来 | 说话.{0,2}(?:不清|含糊|困难) | 口齿不清 | 中风 | 脑卒中
    """)),
    # Arabic (folded: hamza seats dropped, so each pattern is folded as the text is)
    ("ar", "self_harm", _folded_rx(r"""
        (?<!لا\s)أريد\s+أن\s+أموت | انتحار | أنتحر | أقتل\s+نفسي | قتل\s+نفسي | لا\s+أريد\s+(?:أن\s+)?(?:أعيش|العيش) | أتمنى\s+الموت
      | إنهاء\s+حياتي
    """)),
    ("ar", "chest_pain", _folded_rx(r"""
        (?:ألم|آلام|وجع)\s+(?:\w+\s+){0,2}(?:في\s+|ب)?(?:ال)?صدر | صدري\s+(?:\w+\s+){0,2}(?:يؤلمني|يوجعني) | نوبة\s+قلبية | ذبحة
    """)),
    ("ar", "breathing", _folded_rx(r"""
        لا\s+(?:أستطيع|أقدر|يمكنني)\s+(?:أن\s+)?(?:التنفس|أتنفس) | صعوبة\s+(?:في\s+)?التنفس | ضيق\s+(?:في\s+)?(?:التنفس|النفس)
      | أختنق | اختناق
    """)),
    ("ar", "collapse", _folded_rx(r"""
        (?:وجهي|وجهه|وجهها|الوجه|فمي)\s+(?:\w+\s+){0,2}(?:مائل|متدل\w*|تدلى|مشلول|منحرف|اعوج)
      | (?:ارتخاء|تدلي|شلل|ميلان)\s+(?:في\s+)?(?:الوجه|وجهي|نصف)
      | (?:ضعف|تنميل|خدر)\s+(?:\w+\s+){0,3}(?:جانب\s+واحد|نصف\s+الجسم|أحد\s+الجانبين)
      | لا\s+(?:أستطيع|أقدر)\s+(?:الكلام|التكلم|أن\s+أتكلم) | (?:ثقل|صعوبة)\s+(?:في\s+)?(?:الكلام|النطق)
      | جلطة\s+(?:دماغية|في\s+الدماغ) | سكتة\s+دماغية
    """)),
]

# Someone named (I, my, a loved one) or now; a question mark or a question word.
_OTHER_PERSONAL = _folded_rx(r"""
    \b(?:yo|me|mi|mis|tengo|estoy|siento|ahora|je|j'|moi|mon|ma|mes|maintenant|eu|meu|minha|tenho|estou|sinto|agora
        |ella|il|elle|ele|ela)\b | 我 | 现在 | 他 | 她
  | أنا | عندي | لدي | الآن | أشعر | أستطيع | أريد | صدري | وجهي | ذراعي | أمي | أبي | زوجي | زوجتي
""")
_OTHER_QUESTION = _folded_rx(r"""
    [?？؟¿] | 吗 | 什么 | 为什么 | 怎么 | ^\s*(?:que|qu'|como|comment|pourquoi|por\s*que|o\s+que|هل|ما|كيف|لماذا)\b
""")


def _other_read(text: str) -> str:
    """What the other-language rules read: ``rules_read`` without cutting long words."""
    if len(text) > 2 * READ_CHARS:
        text = f"{text[:READ_CHARS]} \n {text[-READ_CHARS:]}"
    return fold(text)


def other_language_category(text: str, focus_start: int = 0) -> tuple[str | None, str | None, str | None]:
    """(language, emergency category or None, symptom asked about in general or None) by the
    other-language rules alone; (None, None, None) when none matches after ``focus_start``."""
    head, tail = _other_read(text[:focus_start]), _other_read(text[focus_start:])
    t, start = head + tail, len(head)
    for language, category, rx in _LANGUAGE_RULES:
        if not any(m.end() > start for m in rx.finditer(t)):
            continue
        if category in ALWAYS_URGENT or _OTHER_PERSONAL.search(t) or not _OTHER_QUESTION.search(t):
            return language, category, None
        return language, None, category
    return None, None, None
