"""A short label (key phrase) for an idea, cut from its representative suggestion.

The request wording ("please add", "it would be great if", "j'aimerais pouvoir") says that a
sentence is a suggestion, not what it suggests; the label keeps what is suggested: the first
clause without the request cue, at most ``max_words`` words.
"""

from __future__ import annotations

import re

_APOS = "['’]"
_CUES = [
    # English
    r"(yes,?\s+)?(ok,?\s+)?please,?\s+",
    r"(feature request|suggestion|idea|request)\s*:\s*",
    r"(could|can|would|will)\s+you\s+(guys\s+)?(please\s+)?(consider\s+)?",
    r"(it\s+would|it" + _APOS + r"d|would(n" + _APOS + r"t)? it|that\s+would)\s+be\s+"
    r"(really\s+|so\s+|very\s+|super\s+)?(great|nice|awesome|lovely|helpful|cool|brilliant|good|"
    r"useful|handy|amazing|fantastic|ideal)\s+(if\s+(you\s+could\s+)?|to\s+(have|get|see|be able"
    r" to)\s+|to\s+)?",
    r"(i\s+)?(really\s+)?(wish|would\s+love|"
    + _APOS
    + r"d\s+love|would\s+like|"
    + _APOS
    + r"d\s+like|want)\s+(to\s+see\s+|to\s+have\s+|to\s+be\s+able\s+to\s+|if\s+|that\s+|for\s+)?",
    r"(you|kestrel|they)\s+should\s+(really\s+)?(consider\s+)?",
    r"any\s+chance\s+(of\s+|you\s+could\s+|that\s+)?",
    r"why\s+not\s+",
    r"(consider|think\s+about)\s+",
    r"(let|allow)\s+(us|me|users|people)\s+(to\s+)?",
    r"(add|make|let|bring|support|include|allow|offer|provide|ship|implement|give\s+us|"
    r"integrate|enable|show)\s+",
    # French
    r"(ce|ça|ca|c" + _APOS + r")\s*serait\s+(vraiment\s+|tellement\s+|très\s+)?(bien|génial|"
    r"top|super|pratique|idéal|utile|chouette|cool|parfait)\s+(de\s+pouvoir\s+|d"
    + _APOS
    + r"avoir\s+|de\s+|d"
    + _APOS
    + r"|qu"
    + _APOS
    + r"|si\s+)?",
    r"j" + _APOS + r"(aimerais|adorerais|voudrais)\s+(bien\s+|beaucoup\s+)?(pouvoir\s+|avoir\s+|"
    r"qu" + _APOS + r"|que\s+)?",
    r"je\s+(souhaiterais|voudrais)\s+(pouvoir\s+|avoir\s+|qu" + _APOS + r"|que\s+)?",
    r"il\s+(faudrait|faut|manque|manquerait)\s+(vraiment\s+|absolument\s+)?(que\s+|qu"
    + _APOS
    + r"|pouvoir\s+)?",
    r"(pourriez|pouvez)-vous\s+(ajouter\s+|proposer\s+|enfin\s+|permettre\s+de\s+)?",
    r"serait-il\s+possible\s+(d" + _APOS + r"|de\s+)?",
    r"pourquoi\s+ne\s+pas\s+",
    r"merci\s+d" + _APOS + r"(ajouter\s+)?",
    r"(ajoutez|proposez|permettez)\s+",
    r"(ajouter|proposer|avoir|pouvoir)\s+",
]
_CUE = re.compile(r"^(?:" + "|".join(f"(?:{c})" for c in _CUES) + ")", re.IGNORECASE)
_ARTICLE = re.compile(
    r"^(?:(?:a|an|the|un|une|des|le|la|les)\s+|l" + _APOS + r"\s*)", re.IGNORECASE
)
_CLAUSE_END = re.compile(r"\s*(?:[,;:(]|\s[-–—]\s|\.\s|[.!?…]+$)")


def idea_label(text: str, max_words: int = 8) -> str:
    """The key phrase of a suggestion; falls back to the text's first words."""
    label = " ".join(text.split())
    for _ in range(4):  # cues stack: "Yes please, could you add ..."
        stripped = _CUE.sub("", label, count=1)
        if stripped == label:
            break
        label = stripped
    label = _ARTICLE.sub("", label, count=1)
    cut = _CLAUSE_END.search(label)
    if cut and cut.start() > 0:
        label = label[: cut.start()]
    words = label.split()
    if len(words) < 2:  # nothing meaningful left: keep the original words
        words = " ".join(text.split()).rstrip(".!?…").split()
    short = " ".join(words[:max_words]) + ("…" if len(words) > max_words else "")
    return short[:1].upper() + short[1:]
