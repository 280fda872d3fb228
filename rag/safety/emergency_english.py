"""The English emergency rules: regular expressions for the wording of an emergency that is exact.

``SYMPTOMS`` is one rule per urgent category, run on folded text (lower-case, ASCII quotes)
whose misspelt symptom words are repaired first (``rag.safety.emergency_reading``): chest
pain, trouble breathing, a racing heart with faintness, fainting or stroke signs (a face
drooping or lopsided, one side weak or numb, slurred or garbled speech, words that won't
come), thoughts of suicide said directly or indirectly, an overdose, and scleroderma's own
emergencies: renal crisis (a very high blood-pressure reading, a new severe headache,
blurred vision, confusion, much less urine, sudden swelling), a finger or toe turning black
or staying white for hours, an infected ulcer, coughing or vomiting blood, black stools, a
swollen hard belly with vomiting, food stuck so water won't go down, a fever on
immune-lowering medicines (those marked ``fever`` in ``rag/data/medicines.tsv``), an
allergic reaction after an infusion or injection.

``urgent_category_en``: talk of suicide or an overdose is always urgent (``ALWAYS_URGENT``);
other symptoms when the person describes them as happening (first person, "right now", a
reading) or names them with no question around them. A general question about a symptom
("can scleroderma cause chest pain?") is returned as the symptom asked about.

Left out: other languages (``rag.safety.emergency_languages``), the two together
(``rag.safety.emergency_rules``), and severity the words do not carry ("my hands are
swollen" is not escalated, "suddenly swollen" is).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from rag.safety.emergency_reading import known_words, repair_typos, rules_read
from rag.text import wordlists

MEDICINES_PATH = wordlists.path_of("medicines")

_F = re.I | re.X | re.S


def _rx(pattern: str) -> re.Pattern:
    return re.compile(pattern, _F)


# A fever is an emergency on these: treatments and blood counts that lower the body's
# defences, here, and the medicines marked ``fever`` in rag/data/medicines.tsv.
_LOWERED_DEFENCES = r"""(?:hsct|bmt|asct|stem\s+cells?|neutropeni\w*|low\s+white|immun\w*\s*suppress\w*
  | immune\s+system\s+(?:is\s+)?(?:suppressed|low|weak\w*|down) | immune[\s-]lowering)"""
_FEVERISH = r"""(?:fever\w*|chills|rigou?rs|shiver\w*|shivery|shak\w+\s+(?:chills|uncontroll\w*|all\s+over)
  | (?:high|a)\s+temp\w* | temp\w*\s+(?:of\s+|is\s+|at\s+|was\s+)?(?:3[89]|10[0-6])\b | hot\s+and\s+(?:shivery|cold))"""
_REACTION = r"(?:swell\w*|swollen|puff\w*|wheez\w*|hives|itch\w*\s+all\s+over|(?:throat|chest)\s+(?:feels\s+)?tight\w*)"
_GIVEN = r"(?:infusion|injection|shot|drip|jab|rituximab|iloprost|tocilizumab|cyclophosphamide|first\s+dose)"
_DIGIT = r"(?:fingers?|fingertips?|finger\s+tips?|toes?|digits?|knuckles?|thumbs?)"

# Stroke signs in patients' words (the collapse rule; it comes before renal crisis, so a
# drooping face or slurred speech with a sudden headache or confusion is read as a stroke):
# a face drooping, dropped or lopsided, one side of the face numb; an arm or leg weak or numb
# on one side, or suddenly; speech slurred or garbled, words that won't come. An arm weak
# "after the gym" is not one of them: one side, "suddenly", or another sign is needed.
_STROKE = r"""
      | (?:one|left|right|other)\s+side\s+of\s+(?:my|her|his|their|the)\s+(?:face|mouth|body)\W+(?:\w+\W+){0,4}?
          (?:droop\w*|dropp?\w*|fall\w*|fell|sag\w*|slid\w*|slipp\w*|numb\w*|weak\w*|lopsided|crooked|paraly[sz]\w*|dead|tingl\w*|heavy|frozen|won'?t\s+move)
      | half\s+(?:of\s+)?(?:my|her|his|the)\s+(?:face|body)\W+(?:\w+\W+){0,3}?(?:droop\w*|dropp?\w*|numb\w*|weak\w*|sag\w*|paraly[sz]\w*|dead|won'?t\s+move)
      | (?:face|mouth|smile)\s+(?:is\s+|has\s+|looks\s+|has\s+gone\s+|gone\s+|went\s+|suddenly\s+|all\s+)*(?:droop\w*|lopsided|crooked|sagg\w*|uneven|twisted)
      | (?:face|mouth|smile)\s+(?:\w+\s+){0,3}(?:droop\w*|dropp\w*|sagg\w*|slipp\w*|fallen|numb)\s+(?:on\s+)?(?:one|the\s+(?:left|right))\s+side
      | (?:arm|leg|hand)\s+(?:and\s+(?:\w+\s+)?(?:arm|leg|hand)\s+)?on\s+(?:one|the\s+(?:left|right))\s+side\s+(?:\w+\s+){0,3}(?:weak\w*|numb\w*|dead|limp|heavy|paraly[sz]\w*|won'?t\s+move)
      | sudden\w*\s+(?:\w+\s+){0,4}(?:weak|numb)\w*\s+(?:in\s+|on\s+)?(?:my|her|his|the|one)\s+(?:left\s+|right\s+)?(?:arm|leg|face|side)
      | (?:arm|leg|face)\s+(?:\w+\s+){0,3}sudden\w*\s+(?:\w+\s+){0,2}(?:weak|numb|dead|limp|heavy|paraly[sz]\w*)
      | sudden\w*\W+(?:\w+\W+){0,5}?(?:arm|leg|side|face)\s+(?:\w+\s+){0,3}(?:weak|numb|dead|limp|heavy|paraly[sz])\w*
      | (?:left|right)\s+(?:arm|leg)\s+(?:\w+\s+){0,3}(?:limp|dead|paraly[sz]\w*|won'?t\s+move|gave\s+way)
      | (?:can'?t|cannot|unable\s+to)\s+(?:lift|raise)\s+(?:my|her|his|their)\s+(?:left\s+|right\s+)?(?:arm|leg)
      | (?:arm|leg)\s+(?:\w+\s+){0,3}(?:weak|numb)\w*\W+.{0,60}?(?:face|mouth|speech|talk\w*|words|[sb]lurr\w*)
          \W+(?:\w+\W+){0,3}?(?:droop\w*|dropp\w*|numb\w*|lopsided|crooked|[sb]lurr\w*|garbled|jumbled|wrong|funny|strange)
      | [sb]lurr(?:ing|ed|s)\s+(?:\w+\s+)?(?:words|speech|talk\w*|everything) | garbled | jumbled\s+(?:up\s+)?(?:words|speech)
      | (?:speech|words|talking|voice)\s+(?:\w+\s+){0,3}(?:[sb]lurr\w*|garbled|jumbled|muddled|mixed\s+up|coming\s+out\s+(?:all\s+)?(?:wrong|funny|strange|jumbled))
      | (?:can'?t|cannot|unable\s+to|struggling\s+to)\s+find\s+(?:my|the|her|his|any)\s+words
      | (?:can'?t|cannot)\s+(?:talk|speak)\b(?!\s+(?:to|about|with|english|spanish|french|much|for))
      | (?:think|signs?\s+of|symptoms?\s+of)\s+(?:\w+\s+){0,3}(?:a\s+)?(?:mini[\s-]?)?stroke\b(?!\s+of)
      | (?:is|am|i'm|was)\s+(?:having|had)\s+a\s+(?:mini[\s-]?)?stroke\b(?!\s+of) | \btia\b
"""

# Each symptom rule: (category, pattern). Patterns run on folded text (lowercase, ASCII
# quotes) after common misspellings of symptom words are repaired (``repair_typos``). The
# first rule that matches names the category, so the more specific come first.
_RULES: list[tuple[str, re.Pattern | None]] = [
    ("self_harm", _rx(r"""
        suicid\w* | kill(?:ing)?\s+my\s?self | end(?:ing)?\s+(?:my|it)\s+(?:life|all) | take\s+my\s+(?:own\s+)?life
      | (?<!n't\s)(?<!not\s)(?<!nt\s)(?:want|wanna|wish|going|plan(?:ning)?)\s+(?:to\s+)?(?:die|be\s+dead) | better\s+off\s+dead
      | (?:don'?t|do\s+not|no\s+longer)\s+want\s+to\s+(?:live|be\s+alive|be\s+here|wake\s+up|go\s+on)
      | no\s+(?:reason|point)\s+(?:to|in)\s+(?:live|living|going\s+on|carrying\s+on|being\s+alive|anything)
      | (?:don'?t|can'?t|do\s+not|cannot)\s+see\s+(?:the\s+|any\s+)?(?:point|reason)\s+(?:of|in|to)\s+(?:going\s+on|living|carrying\s+on|life|anything|being)
      | what'?s\s+the\s+point\s+(?:of|in)\s+(?:going\s+on|living|carrying\s+on|being\s+alive|life)
      | (?:hurt|harm|cut|cutting)\s+my\s?self | self[-\s]?harm\w*
      | can'?t\s+go\s+on\s+(?:anymore|any\s+more|like\s+this|living) | not\s+worth\s+living
      | better\s+off\s+(?:without\s+me|if\s+i\s+(?:was|were)(?:n'?t|\s+not)?\s+(?:gone|dead|around|here))
      | (?:saving|saved|stockpil\w*|hoard\w*)\s+(?:up\s+)?(?:my\s+|all\s+my\s+)?(?:pills|meds|medicines?|tablets)
      | no\s*(?:one|body)\s+would\s+(?:miss|care|notice) | (?:i'?m|i\s+am)\s+(?:just\s+)?a\s+burden\s+to
      | end\s+it\b(?!\s+(?:early|there|soon|with\s+(?:the|my)\s+(?:drug|medicine|treatment)))
      | end(?:ing)?\s+things | (?:go\s+to\s+sleep|sleep)\s+and\s+(?:not|never)\s+wake\s+up
      | disappear\s+(?:forever|for\s+good|for\s+ever) | giv(?:e|ing)\s+up\s+on\s+(?:life|living|everything)
      | (?:had|have)\s+enough\s+of\s+(?:life|living|everything) | want\s+(?:it\s+all|everything)\s+to\s+(?:stop|end)
      | can'?t\s+do\s+this\s+any\s*more | (?:life|living)\s+(?:is\s*n'?t|is\s+not|isn'?t|is\s+no\s+longer)\s+worth\s+(?:it|living)
      | (?:overdose|od)\s+on\s+purpose
      | (?:take|taking|swallow\w*)\s+(?:all|every|the\s+whole|a\s+bunch|a\s+handful)\s+(?:of\s+)?(?:my\s+|the\s+|these\s+)?(?:pills|meds|tablets|medicines?|bottle) | wish\s+i\s+(?:was|were)\s+(?:dead|never\s+born)
    """)),
    ("overdose", _rx(r"""
        overdos\w* | took\s+(?:too\s+many|too\s+much|a\s+double|double|twice|extra)\b
      | (?:accidentally|by\s+accident|by\s+mistake)\s+(?:took|taken|swallowed|had)
      | (?:took|taken|swallowed)\b.{0,60}\b(?:by\s+(?:accident|mistake)|accidentally)
      | (?:child|toddler|kid|baby|son|daughter|grand\w+|dog)\s+(?:\w+\s+){0,2}(?:swallowed|ate|took|got\s+into)\s+(?:some\s+of\s+|a\s+few\s+of\s+|one\s+of\s+)?(?:my|her|his|the|our)\s+(?:\w+\s+)?(?:pills|tablets|meds|medicines?|capsules)
    """)),
    ("allergic_reaction", _rx(rf"""
        (?:throat|tongue|lips?)\W+(?:\w+\W+){{0,3}}(?:swell\w*|swollen|closing|puff\w*|thick\w*)
      | anaphyla\w* | allergic\s+reaction\s+(?:right\s+)?now | (?:having|had)\s+an?\s+(?:bad\s+|severe\s+)?allergic\s+reaction
      | {_REACTION}\W+.{{0,80}}{_GIVEN} | {_GIVEN}\W+.{{0,80}}{_REACTION}
    """)),
    ("food_stuck", _rx(r"""
        (?:food|meat|something|piece|bit|pill|tablet|chicken|bread|steak)\W+(?:\w+\W+){0,6}stuck\W+(?:\w+\W+){0,10}(?:can'?t|cannot|unable\s+to|won'?t)\s+(?:even\s+)?(?:swallow|get|keep)
      | (?:can'?t|cannot|unable\s+to)\s+(?:even\s+)?swallow\s+(?:even\s+)?(?:water|my\s+(?:own\s+)?(?:spit|saliva)|saliva|liquids?|anything)
      | (?:can'?t|cannot)\s+(?:even\s+)?(?:get|keep)\s+(?:even\s+)?(?:water|liquids?|my\s+spit)\s+down
      | (?:even\s+)?water\s+(?:\w+\s+){0,3}(?:comes?|coming|came)\s+(?:straight\s+)?back\s+up
    """)),
    ("heart_rhythm", _rx(r"""
        (?:heart|pulse|heartbeat|heart\s+beat)\W+(?:\w+\W+){0,4}(?:racing|pounding|beating\s+(?:\w+\s+)?fast|fast|flutter\w*|skipp\w*|irregular|going\s+(?:\w+\s+)?fast|at\s+1[3-9]\d|1[4-9]\d|2\d\d)
          \W+(?:\w+\W+){0,8}?(?:faint\w*|dizzy|light\s*-?\s*headed|pass(?:ing)?\s+out|black\w*\s+out|collaps\w*)
      | (?:faint\w*|dizzy|light\s*-?\s*headed)\W+(?:\w+\W+){0,6}(?:heart|pulse)\W+(?:\w+\W+){0,3}(?:racing|pounding|fast|flutter\w*|irregular)
    """)),
    ("chest_pain", _rx(r"""
        (?:chest|heart)\s+(?:pain|pains|pressure|tightness|hurts?|hurting|squeez\w*|crush\w*|ache)
      | (?:pain|pressure|tightness|crushing|squeezing|ache|tight\s+feeling|heaviness)\s+(?:in|on|across)\s+(?:my|the|his|her)\s+chest
      | heart\s+attack | chest\s+(?:feels|is)\s+(?:tight|heavy|crushed)
      | (?:sitting|weight|elephant)\s+(?:\w+\s+){0,3}on\s+my\s+chest
    """)),
    ("breathing", _rx(r"""
        (?:can'?t|cannot|can\s+not|unable\s+to|struggl\w+\s+to|hard\s+to|trouble|difficult\w*|hardly)\s+(?:to\s+)?breath\w*
      | can'?t\s+(?:get|catch)\s+(?:my|a)\s+breath | gasping | choking | suffocat\w*
      | (?:severe|sudden\w*|very|extreme\w*)\s+short(?:ness)?\s+(?:of\s+)?breath
      | (?:short|out)\s+of\s+breath\s+(?:\w+\s+){0,3}(?:at\s+rest|rest\w*|sitting|lying|suddenly|all\s+of\s+a\s+sudden|doing\s+nothing)
      | breathless\w*\s+(?:\w+\s+){0,3}(?:at\s+rest|rest\w*|sitting|lying|suddenly|doing\s+nothing)
      | (?:get|catch)\s+my\s+breath\s+(?:\w+\s+){0,3}(?:sitting|rest\w*|lying|still)
      | (?:lips|face|fingertips|mouth)\W+(?:\w+\W+){0,4}(?:blue|bluish)
      | (?:really|very|so|extremely|severely|badly)\s+short\s+of\s+breath | can'?t\s+(?:finish|complete|say)\s+(?:a\s+)?(?:sentence|full\s+sentence)
      | too\s+(?:breathless|out\s+of\s+breath|short\s+of\s+breath)\s+to | drowning
    """)),
    ("collapse", _rx(r"""
        faint(?:ed|ing)\b | pass(?:ed|ing)\s+out | blacked\s+out | los(?:t|ing)\s+consciousness | unconscious | unresponsive
      | collaps(?:ed|ing)\b | not\s+respond\w* | won'?t\s+wake\s+up | (?:had|having)\s+a\s+fit\b
      | seizure | convuls\w*
      | face\s+(?:is\s+)?droop\w* | slurr\w+\s+(?:speech|words) | speech\s+(?:is\s+|was\s+|sounds\s+)?slurr\w* | (?:weak|numb)\w*\s+(?:on\s+)?one\s+side | having\s+a\s+stroke
      | droop\w*\s+(?:on\s+)?one\s+side
      | can'?t\s+(?:talk|speak)\s+(?:properly|clearly|right|straight) | can'?t\s+get\s+(?:my|her|his|the)\s+words\s+out
      | (?:can'?t|cannot|unable\s+to)\s+move\s+(?:her|his|my|their)\s+(?:\w+\s+)?(?:arm|leg|side|face|hand)
    """ + _STROKE)),
    ("renal_crisis", _rx(r"""
        (?:blood\s*pressure|bp)\s*(?:is|was|of|at|reading|readings|went|shot|up\s+to|:)?\s*(?:up\s+to\s+|at\s+|over\s+|about\s+|around\s+)?(?:1[89]\d|2\d\d)\s*(?:/|over)\s*\d{2,3}
      | \b(?:1[89]\d|2\d\d)\s*(?:/|over)\s*(?:1[0-4]\d|9\d)\b
      | (?:very|really|super|dangerously|extremely|sky|suddenly|crazy|way|so)\W*high\s+(?:blood\s*pressure|bp)
      | (?:blood\s*pressure|bp|pressure\s+readings?)\W+(?:\w+\W+){0,5}?(?:sky(?:rocket\w*|\s*high)|through\s+the\s+roof|(?:very|really|dangerously|extremely|crazy|so|suddenly|way|super)\s+(?:\w+\s+)?high|spik\w+|shot\s+up|gone\s+(?:right\s+|way\s+)?up|jumped)
      | (?:sudden|severe|worst|terrible|horrible|pounding|splitting|blinding|awful|excruciating|massive|new\s+severe|new\s+bad)\s+(?:\w+\s+){0,2}head\s*aches?
      | (?:bad|new|strong)\s+(?:\w+\s+){0,2}headache.{0,80}(?:blood\s*pressure|bp|vision|blurr\w*|confus\w*|seiz\w*)
      | (?:blood\s*pressure|bp).{0,80}(?:bad|sudden|severe|worst|terrible|pounding|splitting|blinding)\s+(?:\w+\s+){0,2}headache
      | (?:blood\s*pressure|bp)\s+(?:is\s+|was\s+|has\s+gone\s+|gone\s+)?(?:way|really|very|so|right)\s+up
      | (?:blood\s*pressure|bp)\s+(?:is\s+|was\s+)?(?:high|up) .{0,80} (?:head|vision|blurr\w*|confus\w*|see)
      | (?:head\w*|vision|blurr\w*|confus\w*) .{0,80} (?:blood\s*pressure|bp)\s+(?:is\s+|was\s+)?(?:high|up)
      | head\s+(?:is\s+)?(?:pounding|killing\s+me|splitting|exploding|really\s+hurts) .{0,80} (?:blood\s*pressure|bp|vision|blurr\w*|double|see)
      | (?:blood\s*pressure|bp|vision|blurr\w*|double|see) .{0,80} head\s+(?:is\s+)?(?:pounding|killing\s+me|splitting|exploding|really\s+hurts)
      | (?:vision|eyesight|eyes)\s+(?:\w+\s+){0,3}(?:blurr\w*|fuzzy|double|gone\s+(?:funny|weird|strange|blurry))
      | (?:seeing|see)\s+double | (?:can'?t|cannot)\s+see\s+(?:properly|clearly|well|straight)
      | everything\s+(?:is\s+|looks\s+)?(?:blurry|blurred|fuzzy)
      | (?:is|are|am|i'm|seems?|gone|very|really|suddenly|so|acting\s+\w+\s+and)\s+(?:\w+\s+)?confused
          (?!\s+(?:about|by|with|as|what|which|why|how|whether|if|on|over|regarding|between))
      | not\s+making\s+(?:any\s+)?sense | talking\s+nonsense
      | doesn'?t\s+know\s+where\s+(?:she|he|they)\s+(?:is|are)
      | (?:not|barely|hardly|haven'?t|have\s+not)\s+(?:been\s+)?(?:\w+\s+)?(?:peeing|peed|weeing|urinating|passing\s+(?:urine|water)|made\s+any\s+urine|been\s+to\s+the\s+toilet\s+to\s+pee)
      | (?:no|very\s+little|little|hardly\s+any|much\s+less|less)\s+(?:urine|pee|wee)\b
      | (?:peeing|weeing|urinating)\s+(?:much\s+|a\s+lot\s+|far\s+)?less | passing\s+(?:much\s+|very\s+|a\s+lot\s+|far\s+)?(?:less|little)\s+(?:urine|water)
      | (?:suddenly|sudden)\s+(?:\w+\s+){0,3}(?:swell\w*|swollen|puff\w*) | (?:swell\w*|swollen|puff\w*|blown\s+up)\s+(?:\w+\s+){0,2}(?:suddenly|overnight|all\s+of\s+a\s+sudden)
      | renal\s+crisis .{0,40} (?:i\s+think|i\s+have|having|now|right\s+now)
      | (?:i\s+think|having|i\s+have)\s+.{0,30}renal\s+crisis
    """)),
    ("digital_ischemia", _rx(rf"""
        {_DIGIT}\s+(?:\w+\s+){{0,3}}(?:turn\w*|going|gone|went|are|is|look\w*|getting)\s+(?:\w+\s+)?(?:black|dark|purpl\w*\s+black|blue\s*-?\s*black|dead)
      | (?:black|blackened|dead)\s+{_DIGIT} | gangren\w*
      | {_DIGIT}\W+(?:\w+\W+){{0,3}}(?:black|dark\s+blue|dark\s+purple)\b
      | {_DIGIT}\W+(?:\w+\W+){{0,10}}?(?:white|cold|numb|pale|blue)\W+(?:\w+\W+){{0,10}}?(?:hours|since\s+(?:this\s+)?(?:morning|yesterday|last\s+night)|won'?t\s+warm|not\s+warm\w*|nothing\s+warms|(?:still|stayed|staying)\s+(?:white|cold|numb|blue))
      | (?:severe|terrible|excruciating|unbearable|agoni\w*|awful|worst|really\s+bad|extreme)\s+(?:\w+\s+){{0,2}}pain\s+(?:in\s+)?(?:my\s+|the\s+|her\s+|his\s+)?(?:\w+\s+)?{_DIGIT}
      | {_DIGIT}\W+(?:\w+\W+){{0,5}}(?:agony|unbearable|excruciating|killing\s+me)
      | (?:ulcer|sore|wound)\w*\W+(?:\w+\W+){{0,8}}(?:infected|pus|oozing|leaking|spreading|creeping|red\s+streak\w*|smells?|fever\w*|temperature)
      | (?:infected|oozing)\s+(?:\w+\s+){{0,2}}(?:ulcer|sore|wound)
    """)),
    ("bleeding", _rx(r"""
        (?:cough\w*|vomit\w*|throw\w*\s+up|threw\s+up|spit\w*\s+up|puk\w*|being\s+sick)\s+(?:up\s+)?(?:some\s+|a\s+lot\s+of\s+|bright\s+red\s+|red\s+|dark\s+)?blood
      | blood\W+(?:\w+\W+){0,4}(?:cough\w*|vomit\w*|threw\s+up|throw\w*\s+up|spit\w*|sick)
      | (?:cough\w*|vomit\w*|threw\s+up|sick)\W+(?:\w+\W+){0,4}(?:blood|bloody)
      | vomit\w*\W+(?:\w+\W+){0,4}(?:red|bright\s+red)\b
      | (?:black|tarry|bloody)\s+(?:stool|stools|poo|poop|bowel\s+movements?)\b | coffee[\s-]grounds?
      | (?:stool|stools|poo|poop|bowel\s+movements?)\W+(?:\w+\W+){0,4}(?:black|tarry|like\s+tar)
    """)),
    ("fever_after_treatment", None),  # _fever_rule: it reads the medicines list
    ("abdominal", _rx(r"""
        (?:severe|terrible|worst|unbearable)\s+(?:\w+\s+){0,2}(?:belly|stomach|abdominal|tummy)\s+pain.{0,80}(?:vomit\w*|swollen|can'?t\s+keep|not\s+passing|bloated)
      | (?:belly|stomach|tummy|abdomen)\W+(?:\w+\W+){0,8}?(?:swollen|hard|bloated|distended|blown\s+up|huge)\W+.{0,100}?(?:vomit\w*|being\s+sick|sick|throw\w*\s+up|no\s+(?:wind|gas|stool|poo)|pass\w*\s+(?:wind|gas))
      | (?:can'?t|haven'?t|not|no)\s+(?:\w+\s+){0,2}(?:poo\w*|poop\w*|pass\w*\s+(?:wind|gas|stool)|fart\w*|bowel\s+movements?|wind|gas)\W+.{0,80}?(?:vomit\w*|being\s+sick|throw\w*\s+up|sick)
      | (?:vomit\w*|throw\w*\s+up|being\s+sick)\W+.{0,80}?(?:can'?t|haven'?t|not|no)\s+(?:\w+\s+){0,2}(?:poo\w*|poop\w*|pass\w*\s+(?:wind|gas|stool)|fart\w*|bowel\s+movements?)
    """)),
]


def _fever_rule(medicines: Path) -> re.Pattern:
    marked = (r["term"] for r in wordlists.table("medicines", medicines) if r["fever"] == "yes")
    drug = rf"(?:{_LOWERED_DEFENCES}|{wordlists.alternation(marked)})"
    return _rx(rf"""
        {_FEVERISH}\W.{{0,200}}?{drug} | {drug}\W.{{0,200}}?{_FEVERISH}
      | (?:temp\w*|fever)\s+(?:is\s+|of\s+|at\s+)?(?:39|4[01])(?:[.,]\d)?\b | (?:temp\w*|fever)\s+(?:is\s+|of\s+|at\s+)?(?:10[3-6])(?:[.,]\d)?\b
    """)


@lru_cache(maxsize=4)
def symptom_rules(medicines: Path = MEDICINES_PATH) -> tuple[tuple[str, re.Pattern], ...]:
    """(category, pattern) in the order they are tried, the fever rule reading the medicines
    list at ``medicines``."""
    return tuple((c, rx if rx is not None else _fever_rule(medicines)) for c, rx in _RULES)


SYMPTOMS: list[tuple[str, re.Pattern]] = list(symptom_rules())

# "I", "my", "we"... or a loved one; or it is happening now.
_PERSONAL = _rx(r"""
    \b(?:i|i'm|im|i've|ive|i'd|me|my|mine|myself|we|our|us)\b
  | \bmy\s+(?:mom|mum|mother|dad|father|husband|wife|partner|son|daughter|child|kid|friend|sister|brother|patient|grandma|grandpa)\b
  | \b(?:he|she|they)\s+(?:is|are|has|have|can'?t|cannot|keeps?|just)\b
  | \b(?:right\s+now|now|today|tonight|this\s+(?:morning|evening|afternoon)|since\s+\w+|suddenly|all\s+of\s+a\s+sudden|for\s+the\s+(?:last|past)|keeps?\s+getting|won'?t\s+stop|help\s+me)\b
""")
# A question about a symptom in general.
_GENERAL = _rx(r"""
    ^\s*(?:what|which|how|why|when|can(?!'|not)|could(?!n)|does|do|is|are|will|would|should\s+patients|tell\s+me\s+about|explain)\b
""")
ALWAYS_URGENT = {"self_harm", "overdose"}


def _repaired(text: str, focus_start: int = 0) -> tuple[str, int]:
    """What the rules read of the text before the focus and of the rest (``rules_read``:
    folded), with misspelt symptom words repaired; and where the focus now starts."""
    known = known_words()
    head, tail = (repair_typos(rules_read(part), known) for part in (text[:focus_start], text[focus_start:]))
    return head + tail, len(head)


def urgent_category_en(text: str, focus_start: int = 0,
                       medicines: Path = MEDICINES_PATH) -> tuple[str | None, str | None]:
    """``urgent_category`` by the English rules alone."""
    t, focus_start = _repaired(text, focus_start)
    for category, rx in symptom_rules(medicines):
        if not any(m.end() > focus_start for m in rx.finditer(t)):
            continue
        if category in ALWAYS_URGENT or _PERSONAL.search(t) or not _GENERAL.search(t):
            return category, None
        return None, category
    return None, None
