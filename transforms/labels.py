"""A short label (key phrase) for an idea, cut from its representative suggestion.

The request wording ("please add", "it would be great if", "j'aimerais pouvoir") says that a
sentence is a suggestion, not what it suggests; the label keeps what is suggested: the first
clause without the request cue, at most ``max_words`` words.
"""

from __future__ import annotations

import re

from transforms.text import split_sentences

_APOS = "['’]"
_NICE_EN = (
    r"(great|nice|awesome|lovely|helpful|cool|brilliant|good|useful|handy|amazing|fantastic|"
    r"ideal|perfect|welcome|appreciated)"
)
_NICE_FR = r"(bien|génial|top|super|pratique|idéal|utile|chouette|cool|parfait|bienvenue?s?)"
_CUES = [
    # English
    r"(first|second|third|also|and|plus|finally|oh|ps)[,:]?\s+",
    r"(yes,?\s+)?(ok,?\s+)?please,?\s+",
    r"(feature request|suggestion|idea|request)\s*:\s*",
    r"(could|can|would|will)\s+you\s+(guys\s+)?(please\s+)?(consider\s+)?",
    r"(it\s+would|it" + _APOS + r"d|would(n" + _APOS + r"t)? it|that\s+would|would)\s+be\s+"
    r"(really\s+|so\s+|very\s+|super\s+)?" + _NICE_EN + r"\s+(if\s+(you\s+|i\s+|we\s+)?"
    r"(could\s+)?(just\s+)?|to\s+(have|get|see|be able to)\s+|to\s+)?",
    r"what\s+would\s+make\s+it\s+(perfect|better|great|complete)\s+(is|would\s+be)\s+",
    r"make\s+it\s+possible\s+to\s+",
    r"(i\s+|i(?=['’]))?(really\s+)?(wish|would\s+love|"
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
    r"integrate|enable|show|display)\s+",
    # French
    r"(ce|ça|ca|c" + _APOS + r")\s*serait\s+(vraiment\s+|tellement\s+|très\s+)?(bien|génial|"
    r"top|super|pratique|idéal|utile|chouette|cool|parfait)\s+(de\s+pouvoir\s+|d"
    + _APOS
    + r"avoir\s+|de\s+|d"
    + _APOS
    + r"|qu"
    + _APOS
    + r"|si\s+)?",
    r"j"
    + _APOS
    + r"(aimerais|adorerais|voudrais)\s+(bien\s+|beaucoup\s+|vraiment\s+|tellement\s+)?"
    r"(pouvoir\s+|avoir\s+|"
    r"qu" + _APOS + r"|que\s+)?",
    r"je\s+(souhaiterais|voudrais)\s+(pouvoir\s+|avoir\s+|qu" + _APOS + r"|que\s+)?",
    r"il\s+(faudrait|faut|manque|manquerait)\s+(vraiment\s+|absolument\s+)?(que\s+|qu"
    + _APOS
    + r"|pouvoir\s+)?",
    r"(pourriez|pouvez)-vous\s+(ajouter\s+|proposer\s+|enfin\s+|permettre\s+de\s+)?",
    r"serait-il\s+possible\s+(d" + _APOS + r"|de\s+)?",
    r"est-ce\s+qu"
    + _APOS
    + r"(il\s+serait\s+possible|on\s+pourrait|on\s+peut)\s+(d"
    + _APOS
    + r"|de\s+)?",
    r"vous\s+devriez\s+(vraiment\s+)?(proposer\s+|ajouter\s+|permettre\s+de\s+)?",
    r"pourquoi\s+ne\s+pas\s+",
    r"merci\s+d" + _APOS + r"(ajouter\s+)?",
    r"(ajoutez|proposez|permettez)\s+",
    r"(ajouter|proposer|avoir|pouvoir)\s+",
]
_CUE = re.compile(r"^(?:" + "|".join(f"(?:{c})" for c in _CUES) + ")", re.IGNORECASE)
_ARTICLE = re.compile(
    r"^(?:(?:a|an|the|un|une|des|le|la|les)\s+|l" + _APOS + r"\s*)", re.IGNORECASE
)
_GERUND = re.compile(r"^(?:adding|having|getting|supporting|introducing)\s+", re.IGNORECASE)
#: "A dark mode would be lovely", "Une offre étudiante serait la bienvenue": the praise that
#: ends the sentence is request wording too.
_TRAILING_PRAISE = re.compile(
    r"\s+(?:(?:would|will)\s+be|"
    + _APOS
    + r"d\s+be)\s+(?:really\s+|so\s+|very\s+)?"
    + _NICE_EN
    + r"\b.*$"
    r"|\s+(?:serait|seraient|serai)\s+(?:vraiment\s+|très\s+)?(?:la\s+|le\s+|les\s+)?"
    + _NICE_FR
    + r"\b.*$",
    re.IGNORECASE,
)
_CLAUSE_END = re.compile(r"\s*(?:[,;:(]|\s[-–—]\s|[.!?…]\s|[.!?…]+$)")


#: A short lead-in before the request ("Pour l'accessibilité, il faudrait ...", "On mobile,
#: please add ..."): dropped when request wording follows it.
_LEAD_IN = re.compile(r"^[^,;:.!?]{1,30},\s+(?=\S)")


def _strip_request(text: str) -> tuple[str, bool]:
    """The text without its request wording (a short lead-in, stacked cues, a gerund or
    article after them, trailing praise such as "... would be lovely"), and whether it had
    any."""
    label = " ".join(text.split())
    lead_in = _LEAD_IN.match(label)
    if lead_in and not _CUE.match(label) and _CUE.match(label[lead_in.end() :]):
        label = label[lead_in.end() :]
    cued = False
    for _ in range(4):  # cues stack: "Yes please, could you add ..."
        stripped = _CUE.sub("", label, count=1)
        if stripped == label:
            break
        label, cued = stripped, True
    label = _GERUND.sub("", label, count=1)
    label = _ARTICLE.sub("", label, count=1)
    without_praise = _TRAILING_PRAISE.sub("", label, count=1)
    return without_praise, cued or without_praise != label


def request_core(sentence: str) -> str:
    """What a suggestion asks for, without how it asks: "Could you please add a dark mode to
    the web app?" gives "dark mode to the web app?". The sentence itself (whitespace
    normalised) when it has no request wording or fewer than two words would be left."""
    core, had_request = _strip_request(sentence)
    return core if had_request and len(core.split()) >= 2 else " ".join(sentence.split())


def request_focus_text(text: str) -> str:
    """``request_core`` of each sentence of ``text`` (a suggestion may carry the sentence
    before it as context), joined by spaces."""
    return " ".join(request_core(s) for s in split_sentences(text)) or " ".join(text.split())


#: An opening that only announces the request ("Small one, but ...", "Tip for the team: ...",
#: "Petite suggestion : ..."), before a longer clause.
_OPENER = re.compile(
    r"^(?:small one|quick one|one (?:small |last )?thing|(?:a )?(?:small |quick )?tip"
    r"(?: for the team)?|edit|agreed|come on|honestly|seriously|petite (?:suggestion|remarque)"
    r"|pour (?:moi|nous)|bref|next step|yes|oui)\s*[,:]\s+(?:(?:but|mais)\s+)?(?=(?:\S+\s+){3}\S)",
    re.IGNORECASE,
)


#: A longer lead-in than ``_LEAD_IN``'s, dropped from labels only when request wording follows
#: ("Avec toutes les fuites de données dont on entend parler, j'aimerais que ..."); the request
#: focus used for grouping keeps its own rule, so that stored vectors stay valid.
_LABEL_LEAD_IN = re.compile(r"^[^,;:.!?]{1,80},\s+(?=\S)")
#: The opening of a request that refers back ("If not, feature request: a REST API").
_IF_NOT = re.compile(r"^(?:if not|if so|otherwise|sinon|si non)\s*[,:]?\s+", re.IGNORECASE)
#: Praise before the request: "The clipper is great, but what goes in must come out", "Super
#: appli, mais il manque ...".
_PRAISE_BUT = re.compile(
    r"^[^,;:.!?]{0,60}\b(?:great|good|nice|awesome|fine|perfect|solid|love|like|génial|géniale"
    r"|bien|super|top|parfait|parfaite|excellent|excellente)\b[^,;:.!?]{0,20},?\s+(?:but|mais)"
    r"\s+(?=(?:\S+\s+){2}\S)",
    re.IGNORECASE,
)
#: A request said by a closing "please": "Nested tags, please!", "Une vue semaine svp".
_TRAILING_PLEASE = re.compile(
    r"[\s,]+(?:please|pls|plz|s" + _APOS + r"il (?:vous|te) pla[iî]t|svp)\W*$",
    re.IGNORECASE,
)
#: Words that open a new phrase (a preposition, a conjunction, a relative pronoun, a modal
#: after the subject): a label longer than ``max_words`` ends before the last of them within
#: reach, so that it stays a whole phrase ("Rechercher le texte dans les images [et les PDF]",
#: "Handwriting support with the Apple Pencil [would be great]"). "of", "de" and "en" are not
#: among them: they bind tighter ("Library of starter templates", "de bout en bout").
_PHRASE_START = re.compile(
    r"(?:and|or|but|so|with|without|for|to|on|in|at|from|by|via|per|when|while|where|which"
    r"|that|because|since|like|instead|would|could|should|will|must|is|are"
    r"|et|ou|mais|donc|avec|sans|pour|dans|sur|sous|par|quand|lorsque|qui|que|afin|car"
    r"|comme|parce|à|doit|devrait|serait|pourrait|est|sont)",
    re.IGNORECASE,
)
#: The fewest words a label cut at a phrase boundary keeps.
_MIN_PHRASE_WORDS = 3
#: Words a label cut at a phrase boundary must not end with: they need what follows ("a",
#: "you", "able [to]").
_DANGLING = re.compile(
    r"(?:a|an|the|my|our|your|its|their|some|any|every|each|this|these|i|you|we|they|it"
    r"|un|une|le|la|les|des|du|mon|ma|mes|nos|vos|leurs?|ce|cette|ces|je|tu|on|nous|vous|il"
    r"|elle|ils|elles|able|want|need|have|has|going|trying|capable|besoin|envie)",
    re.IGNORECASE,
)


def _cut(words: list[str], max_words: int) -> tuple[list[str], bool]:
    """At most ``max_words`` words, and whether they end where the text does or a phrase
    does (else the label ends in "…")."""
    if len(words) <= max_words:
        return words, True
    for end in range(max_words, _MIN_PHRASE_WORDS - 1, -1):
        last = words[end - 1].rstrip(",;:")
        if (
            _PHRASE_START.fullmatch(words[end])
            and not _PHRASE_START.fullmatch(last)
            and not _DANGLING.fullmatch(last)
        ):
            return [*words[: end - 1], last], True
    return words[:max_words], False


#: What "I wish" leaves before the object: "I wish there was end-to-end encryption".
_THERE_WAS = re.compile(r"^there\s+(?:was|were|would\s+be|could\s+be)\s+", re.IGNORECASE)


def _sentence_label(sentence: str, max_words: int) -> tuple[str, bool]:
    """The key phrase of one sentence, and whether it names what is asked on its own."""
    text = _PRAISE_BUT.sub("", _IF_NOT.sub("", " ".join(sentence.split()), count=1), count=1)
    lead_in = _LABEL_LEAD_IN.match(text)
    if lead_in and not _CUE.match(text) and _CUE.match(text[lead_in.end() :]):
        text = text[lead_in.end() :]
    label, asked = _strip_request(text)
    if not asked and (unpleased := _TRAILING_PLEASE.sub("", label, count=1)) != label:
        label, asked = _ARTICLE.sub("", unpleased, count=1), True
    opener = _OPENER.match(label)
    if opener:
        label, again = _strip_request(label[opener.end() :])
        asked = asked or again
    if asked:
        label = _ARTICLE.sub("", _THERE_WAS.sub("", label, count=1), count=1)
    cut = _CLAUSE_END.search(label)
    if cut and cut.start() > 0:
        label = label[: cut.start()]
    words = label.split()
    if len(words) < 2:  # nothing meaningful left: keep the original words
        words, asked = " ".join(sentence.split()).rstrip(".!?…").split(), False
    kept, at_phrase_end = _cut(words, max_words)
    short = " ".join(kept) + ("" if at_phrase_end else "…")
    short = short[:1].upper() + short[1:]
    # A label cut short, even where a phrase ends, names less of the request than a whole one.
    return short, asked and len(words) <= max_words and not points_back(short)


def label_of(text: str, max_words: int = 8) -> tuple[str, bool]:
    """The key phrase of a suggestion, and whether it *names the request*: request wording was
    cut from it, it is whole (at most ``max_words`` words) and it does not point back. A
    suggestion that carries the sentence before it ("Is there a public API? If not, feature
    request: a REST API ...") is labelled by its first sentence that names the request, else
    by its first sentence."""
    labels = [_sentence_label(s, max_words) for s in split_sentences(text)]
    if not labels:
        return _sentence_label(text, max_words)
    return next((found for found in labels if found[1]), labels[0])


#: A label that opens with a pronoun pointing back to an earlier sentence, or holds an
#: English object pronoun for things named there ("Kestrel transcribed them ...").
_POINTS_BACK = re.compile(
    r"^(?:it|its|they|their|il|ils|elle|elles|ça|cela|ceci"
    r"|s" + _APOS + r"ils?|s" + _APOS + r"elles?|qu" + _APOS + r"ils?)\b"
    r"|\b(?:them|those ones)\b",
    re.IGNORECASE,
)


def points_back(label: str) -> bool:
    """Whether a label only makes sense after the sentence before it ("S'ils étaient
    transcrits automatiquement", "They should sync too", "Kestrel transcribed them
    automatically")."""
    return bool(_POINTS_BACK.search(label))
