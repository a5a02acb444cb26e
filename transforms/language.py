"""Rule-based English/French language identification for short user texts.

Evidence: frequent function words of each language, English contractions ("don't", "it's"),
French elisions ("l'", "d'", "qu'") and French diacritics. Words shared by both languages
("a", "on", "me", "plus", "super", "ok") count for neither.
"""

from __future__ import annotations

import re

__all__ = ["LANGUAGES", "detect_language", "detect_language_with_context"]

LANGUAGES = ("en", "fr", "und")

_EN_WORDS = frozenset(
    """
    the and is are was were be been being to of in it its this that these those with for
    from not no have has had do does did would should could will can can't won't i you he
    she we they my your our their his her him them what when where which who why how there
    here if or but so just than then also very too about after before because into over
    all any some more most only other such own same both each few many much at by
    up out off again am isn't aren't wasn't don't doesn't didn't it's i'm i've i'd i'll
    you're we're they're that's there's let's please thanks thank like really get got make
    want need love great good nice feature add would've way something anything cannot
    worst best useful awesome working problem
    """.split()
)
_FR_WORDS = frozenset(
    """
    le la les un une des du de et est sont pas ne je tu il elle nous vous ils elles que qui
    quoi pour dans sur avec sans ce cet cette ces mon ma mes ton ta tes son sa ses notre nos
    votre vos leur leurs au aux très mais ou où donc si en par comme aussi encore bien
    tout tous toute toutes être avoir fait faire peut peux pouvoir faut faudrait serait
    sera était merci beaucoup rien jamais toujours depuis avant après chez même moi toi lui
    eux cela ça ceci quand comment pourquoi parce plusieurs quelque quelques autre autres
    appli mise jour fonctionne marche bonjour dommage vraiment sinon alors bonne efficace
    facile nul nulle génial géniale
    """.split()
)
_WORD_RE = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
_FR_ELISION_RE = re.compile(
    r"\b(?:l|d|j|qu|n|c|m|s|t|jusqu|lorsqu|puisqu|quoiqu)['’](?=[^\W\d_])", re.IGNORECASE
)
_EN_CONTRACTION_RE = re.compile(r"[^\W\d_]['’](?:t|s|re|ve|ll|d|m)\b", re.IGNORECASE)
_FR_DIACRITIC_RE = re.compile(r"[éèêëàâîïôûùüçœÉÈÊËÀÂÎÏÔÛÙÜÇŒ]")

_MIN_EVIDENCE = 2.0  # the winner needs at least this much evidence ...
_MIN_RATIO = 2.0  # ... and this many times the loser's


def _scores(text: str) -> tuple[float, float]:
    en = fr = 0.0
    for raw in _WORD_RE.findall(text):
        word = raw.lower().replace("’", "'")
        if word in _EN_WORDS:
            en += 1.0
        elif word in _FR_WORDS:
            fr += 1.0
        elif "'" in word and word.split("'", 1)[1] in _FR_WORDS:
            fr += 0.5  # "l'application", "qu'il": the elision itself is counted below
        if _FR_DIACRITIC_RE.search(word):
            fr += 1.0
    fr += 1.5 * len(_FR_ELISION_RE.findall(text))
    en += 1.0 * len(_EN_CONTRACTION_RE.findall(text))
    return en, fr


def detect_language(text: str) -> str:
    """Return "en", "fr" or "und" (too short, no clear winner, or another language)."""
    if not text or not text.strip():
        return "und"
    en, fr = _scores(text)
    if en >= _MIN_EVIDENCE and en >= _MIN_RATIO * fr:
        return "en"
    if fr >= _MIN_EVIDENCE and fr >= _MIN_RATIO * en:
        return "fr"
    return "und"


def detect_language_with_context(sentence: str, context: str) -> str:
    """The sentence's language, or the context's (the whole item) when the sentence is "und"."""
    lang = detect_language(sentence)
    if lang == "und":
        return detect_language(context)
    return lang
