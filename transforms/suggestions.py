"""Rule-based detection of suggestion sentences in English and French.

Each rule is a regular expression with a weight in (0, 1), matched against a normalised
sentence (lowercase, no accents, straight apostrophes). Positive weights are combined as a
noisy-OR, so several cues reinforce each other; negative evidence (how-to questions, bug
reports, thanks, past-tense reports) is combined the same way and subtracted.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["SUGGESTION_THRESHOLD", "SuggestionVerdict", "detect_suggestion", "normalize_cues"]

SUGGESTION_THRESHOLD = 0.5


@dataclass(frozen=True)
class SuggestionVerdict:
    """``cue`` is the strongest positive rule that fired, even if negatives outweigh it."""

    is_suggestion: bool
    score: float
    cue: str | None


@dataclass(frozen=True)
class _Rule:
    name: str  # may hold "{v}", filled with the named group ``v`` of the match
    pattern: re.Pattern[str]
    weight: float

    def cue(self, match: re.Match[str]) -> str:
        return self.name.format(**match.groupdict(default="")) if "{" in self.name else self.name


def _rule(name: str, pattern: str, weight: float) -> _Rule:
    return _Rule(name, re.compile(pattern), weight)


# --- normalisation ----------------------------------------------------------------------------

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'", "ʼ": "'", "′": "'"})
_LIGATURES = str.maketrans({"œ": "oe", "æ": "ae", "Œ": "oe", "Æ": "ae"})
_LEADING_JUNK_RE = re.compile(r"^[\s\"'«»“”„(\[{*•·>#~_=+:;,.!?-]+")
_ELISION_SPACE_RE = re.compile(r"\b(qu|[ljdcnmst])'\s+")
_WS_RE = re.compile(r"\s+")


def normalize_cues(text: str) -> str:
    """Lowercase, strip accents, unify apostrophes and spaces, drop leading quotes/bullets."""
    text = text.translate(_APOSTROPHES).translate(_LIGATURES)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _WS_RE.sub(" ", text)
    text = _ELISION_SPACE_RE.sub(r"\1'", text)
    return _LEADING_JUNK_RE.sub("", text).strip()


# --- English ------------------------------------------------------------------------------------

_EN_PRODUCT_VERBS = (
    r"add|make|allow|support|include|implement|enable|provide|bring|give|let|integrate|offer"
    r"|create|introduce|put|expand|extend|consider|restore|update|improve|change|remove"
)
_NICE = (
    r"nice|great|awesome|helpful|useful|cool|good|better|fantastic|wonderful|amazing|ideal"
    r"|handy|convenient|beneficial|excellent|lovely|brilliant|preferable|neat|perfect|sweet"
    r"|valuable|smart|wise|interesting|practical|logical|easier|best"
)
_INTENSIFIER = r"(?:(?:so|really|very|extremely|super|much|even|quite|also|more|most|a lot|way) )*"
_START = r"^(?:(?:also|and|so|just|pls|plz|please|maybe|perhaps|then|hey|oh|guys|devs?|but)[,!]? )*"
# Subjects for which "should" is not about the product ("I should have read the docs").
_NOT_PRODUCT_SUBJECT = r"(?<!\bi )(?<!\bhe )(?<!\bshe )(?<!\bwho )(?<!\bone )"

_EN_RULES: tuple[_Rule, ...] = (
    _rule(
        "please {v}",
        (
            rf"\b(?:pls|plz|please),? (?:(?:just|also|kindly|do) )?(?P<v>{_EN_PRODUCT_VERBS})\b"
            r"(?! (?:me|us) know\b)"
        ),
        0.85,
    ),
    _rule(
        "please {v}",
        (r"\bplease,? (?:(?:just|also|kindly|do) )?(?P<v>fix|bring back|reconsider|think about)\b"),
        0.6,
    ),
    _rule("i wish", r"\b(?:i|we) (?:really |just |do |still )?wish\b(?! to\b)", 0.8),
    _rule("if only", r"^if only\b", 0.6),
    _rule(
        "i'd love",
        (
            r"\b(?:i|we)(?:'?d| would) (?:really |so |absolutely |also )?love (?:to see|to have|to get"
            r"|to be able|it if|if|an?|the|for|some|more|this|that|something)\b"
        ),
        0.85,
    ),
    _rule("would love to see", r"\bwould love to (?:see|have|get)\b", 0.75),
    _rule(
        "it would be nice",
        (
            r"\b(?:it|that|this|which|there)(?:'?d| would| will) (?:also |definitely |certainly "
            rf"|probably |really )?be {_INTENSIFIER}(?:a )?(?:{_NICE})(?: idea| feature| addition| "
            r"improvement| option| thing)? (?:if|to|for|when|having|that|being)\b"
        ),
        0.85,
    ),
    _rule(
        "would be nice to have",
        (rf"\bwould (?:also )?be {_INTENSIFIER}(?:{_NICE}) to (?:have|see|get|be able)\b"),
        0.85,
    ),
    _rule(
        "it would be nice",
        (
            r"\b(?:it|that|this)(?:'?d| would) (?:also |definitely |certainly |really )?be "
            rf"{_INTENSIFIER}(?:{_NICE})\b"
        ),
        0.7,
    ),
    _rule(
        "would be nice",
        (
            rf"\bwould (?:also |definitely |certainly |really )?be {_INTENSIFIER}"
            rf"(?:an? )?{_INTENSIFIER}(?:{_NICE})(?: (?:if|to|for|when|addition|feature|idea"
            r"|improvement|option))?\b"
        ),
        0.6,
    ),
    _rule(
        "would be a nice addition",
        (
            rf"\bwould (?:be|make) an? {_INTENSIFIER}(?:{_NICE}|welcome|must|huge|big|major|useful) "
            r"(?:addition|feature|improvement|option|change|plus|step)\b"
        ),
        0.8,
    ),
    _rule("it'd be", r"\bit'd be\b", 0.6),
    _rule(
        "it would help",
        (
            r"\b(?:it|this|that) would (?:really |greatly |definitely |also |certainly |help |be )*"
            r"(?:help|make|allow|improve|enable|save|simplify|solve|mean)\b"
        ),
        0.45,
    ),
    _rule(
        "could you {v}",
        (
            r"\b(?:could|can|would|will) you (?:guys |please |pls |plz |kindly |maybe |possibly |also "
            rf"|just |ever )*(?P<v>{_EN_PRODUCT_VERBS}|think about|look into)\b"
        ),
        0.8,
    ),
    _rule(
        "you should",
        (
            r"\byou (?:guys |really |all |folks )?(?:should|could|ought to|need to|must|might want to"
            r"|may want to) (?:really |seriously |also |definitely |just |maybe |perhaps |at least "
            rf"|still )*(?:{_EN_PRODUCT_VERBS}|think about|look into|have|offer|hire|fix|reconsider"
            r"|get)\b"
        ),
        0.75,
    ),
    _rule("why don't you", r"\bwhy (?:don't|dont|do not) (?:you|they|we)\b", 0.6),
    _rule(
        "why not",
        (
            r"\bwhy (?:not|doesn't \w+|can't (?:we|you|i|they)|isn't there|is there no|aren't there"
            r"|not just)\b"
        ),
        0.45,
    ),
    _rule(
        "why not",
        (
            r"\bwhy (?:not|don't you|dont you|do you not) (?:just |simply )?(?:add|make|have|offer"
            r"|allow|let|use|include|provide|support|give|create|put|integrate|implement)\b"
        ),
        0.8,
    ),
    _rule(
        "consider adding",
        (
            r"\b(?:consider|considering|recommend|suggest|propose) (?:adding|making|allowing"
            r"|supporting|including|implementing|providing|offering|introducing|creating|enabling"
            r"|changing|giving|bringing|integrating|having|using|removing)\b"
        ),
        0.8,
    ),
    _rule("i suggest", r"\b(?:suggest|propose) (?:an?|the|that|to)\b", 0.5),
    _rule("feature request", r"\bfeature (?:request|suggestion|idea|wish)\b", 0.8),
    _rule(
        "suggestion:",
        (r"\b(?:suggestions?|feature requests?|proposal|wishlist|wish list)\s*:"),
        0.8,
    ),
    _rule(
        "i suggest",
        (r"\b(?:i|we) (?:would |'d |strongly |humbly )?(?:suggest|propose|request)\b"),
        0.75,
    ),
    _rule("my suggestion", r"\b(?:my|our|one|a|another) (?:suggestion|request|proposal)\b", 0.65),
    _rule("any chance", r"\bany (?:chance|plans?|hope) (?:of|you|we|that|to|for|on)\b", 0.7),
    _rule(
        "should {v}",
        (
            _NOT_PRODUCT_SUBJECT
            + r"\b(?:should|shouldn't|should not|ought to|needs to|must) (?:really |definitely |also "
            r"|at least |probably |just |be able to |always |never |not )*(?P<v>have|support|offer"
            r"|allow|let|include|provide|enable|add|show|display|give|integrate|come|use|be able"
            r"|automatically|make|get|ask|warn|remember|sync|let)\b"
        ),
        0.65,
    ),
    _rule(
        "should be",
        (
            _NOT_PRODUCT_SUBJECT
            + r"\b(?:should|shouldn't|should not|ought to|needs to|must) (?:really |definitely |also "
            r"|at least |probably |just |always |not )*be\b"
        ),
        0.55,
    ),
    _rule(
        "i'd like",
        (
            r"\b(?:i|we)(?:'?d| would) (?:really |also |just |very much |much |still )?like "
            r"(?:to be able|to see|to have|to get|to suggest|to request|to propose|to ask|an?"
            r"|the ability|the option|it if|if|for|some|more|something|you to|microsoft to|them to)\b"
        ),
        0.8,
    ),
    _rule("would like to see", r"\b(?:would|'d) (?:really |also )?like to (?:see|have|get)\b", 0.7),
    _rule(
        "let us",
        (
            r"^let (?:us|users|the users?|people|developers|devs|me|customers)\b(?! know\b)(?! down\b)"
            r"(?! go\b)"
        ),
        0.65,
    ),
    _rule(
        "let us",
        (
            r"\blet (?:us|users|the user|the users|people|developers|devs|me|them|customers|apps"
            r"|the app)\b(?! know\b)(?! down\b)(?! go\b)"
        ),
        0.45,
    ),
    _rule(
        "allow users to",
        (
            r"\b(?:allow|allowing|enable|enabling|permit|let) (?:the )?(?:users?|me|us|people"
            r"|developers|devs|customers|one|them|apps?|owners|admins?|players|publishers) to\b"
        ),
        0.45,
    ),
    _rule(
        "there should be",
        (
            r"\bthere (?:should|ought to|needs to|has to|must|could|really should|should really) "
            r"(?:also |definitely |at least |really )?be\b"
        ),
        0.8,
    ),
    _rule(
        "need an option",
        (
            r"\bneeds? (?:an?|the|some|more|better|proper) (?:option|way|setting|button|feature"
            r"|ability|toggle|switch|mode|api|support|integration|version|filter|possibility|choice)\b"
        ),
        0.65,
    ),
    _rule(
        "we need",
        (
            r"^(?:we|users|developers|devs|people|customers) (?:really |also |all |desperately "
            r"|badly )?need\b"
        ),
        0.65,
    ),
    _rule(
        "we need",
        (
            r"\b(?:we|i) (?:really |also |all |desperately |badly |still |just )?(?:need|want) "
            r"(?:an?|more|the ability|the option|some|support|better|to be able|access)\b"
        ),
        0.6,
    ),
    _rule(
        "would be an improvement",
        (
            r"\b(?:would|will|could) be (?:an?|the) (?:\w+ )?(?:improvement|godsend|plus|must|bonus"
            r"|lifesaver|game changer|welcome (?:addition|change|feature))\b"
        ),
        0.75,
    ),
    _rule(
        "don't {v}",
        (
            r"^(?:please )?(?:do not|don't|dont|stop) (?P<v>allow|make|force|remove|add|change|require"
            r"|limit|restrict|block|hide|let|show)\b"
        ),
        0.6,
    ),
    _rule(
        "add an option",
        (
            r"\badd(?:ing)? (?:an?|the|some|more) (?:option|ability|setting|way|toggle|button|feature"
            r"|support|possibility|choice|setting)\b"
        ),
        0.6,
    ),
    _rule(
        "how about",
        (
            r"\b(?:how|what) about (?:adding|making|allowing|having|letting|supporting|an?|some"
            r"|the option|the ability|giving|offering|providing|including)\b"
        ),
        0.7,
    ),
    _rule(
        "hope you add",
        (
            r"\b(?:hope|hoping|wish) (?:that )?(?:you|they|microsoft|google|the devs?|developers?"
            r"|the team|someone|somebody|the developers) (?:guys )?(?:will |can |could |would |might "
            rf"|'ll )?(?:{_EN_PRODUCT_VERBS}|fix|look into|think about)\b"
        ),
        0.7,
    ),
    _rule(
        "be able to",
        (r"\b(?:would|should|could|need to|want to|like to|love to|wish to|must) be able to\b"),
        0.45,
    ),
    _rule(
        "would be better",
        (r"\bwould be (?:much |even |a lot |far |way )?better (?:if|to|with|as)\b"),
        0.75,
    ),
    _rule(
        "i want",
        (
            r"\b(?:i|we) (?:really |just |also |would )?want (?:to see|to have|to be able|the ability"
            r"|the option|an? option|an? way|it to|them to|you to|microsoft to|that feature|this "
            r"feature|more|support for)\b"
        ),
        0.5,
    ),
    _rule(
        "what i want is",
        (r"\bwhat (?:i|we) (?:really )?(?:want|need|would like|'d like) (?:is|are)\b"),
        0.7,
    ),
    _rule(
        "could be nice",
        (
            rf"\b(?:could|might|may|will) (?:also |really |definitely )?be {_INTENSIFIER}"
            rf"(?:an? )?{_INTENSIFIER}(?:{_NICE}|idea)(?: (?:if|to|idea|feature|addition|solution))?\b"
        ),
        0.5,
    ),
    _rule(
        "could we have",
        (
            r"\b(?:could|can|may|might) (?:we|i|users|developers|devs) (?:please |pls |also |possibly "
            r"|maybe )*(?:have|get|see|be able)\b"
        ),
        0.65,
    ),
    _rule(
        "is it possible to add",
        (
            rf"\b(?:is it|would it be|will it be) (?:possible|feasible) to (?:{_EN_PRODUCT_VERBS}|have"
            r"|get|see)\b"
        ),
        0.6,
    ),
    _rule(
        "please",
        (
            r"^please,? (?!help\b|let (?:me|us) know\b|respond\b|reply\b|contact\b|advise\b|tell\b"
            r"|explain\b|note\b|see\b|read\b|check\b|find\b|vote\b|feel\b|try\b|share\b|copy\b|visit\b"
            r"|go\b|click\b|download\b)[a-z]+\b"
        ),
        0.55,
    ),
    _rule(
        "imperative {v}",
        (
            _START
            + r"(?P<v>add|make|allow|let|include|support|provide|bring|enable|integrate|offer|implement"
            r"|show|give|create|introduce|expand|extend|remove|put|change|improve|display|increase"
            r"|reduce|rename|get rid of|disable|expose|port|merge|relax|replace|simplify|release"
            r"|restore|build)\b(?! sure\b)(?! me know\b)(?! us know\b)(?! alone\b)(?!s\b)"
            r"(?! (?:is|was|are|were|team|staff|has|had|have|does|did|helps?|page|desk|ticket|center"
            r"|centre|forum|person|agent|said|says|told|replied|responded|for this)\b)"
            r"(?! to (?:that|this)\b)(?!'s\b)(?! of\b)"
        ),
        0.6,
    ),
)

_EN_NEGATIVE: tuple[_Rule, ...] = (
    _rule(
        "how-to question",
        (
            r"\b(?:how (?:do|can|could|should|would|did) (?:i|we|you|one|u)|how to|does "
            r"(?:anyone|anybody|somebody|someone) know|anyone know|anybody know|where "
            r"(?:can|do|is|are) (?:i|we|the)|what is the best way|is it normal)\b"
        ),
        0.45,
    ),
    _rule(
        "want to know",
        (
            r"\b(?:would|'d) like to (?:know|ask|understand|report|thank|share)\b|\bwondering "
            r"(?:how|if|whether|why|what)\b|\bi (?:was|am) wondering\b"
        ),
        0.45,
    ),
    _rule(
        "bug report",
        (
            r"\b(?:crash(?:es|ed|ing)?|error(?: code)?(?: \d+)?|bug(?:s|gy)?|freez(?:e|es|ing)|froze"
            r"|hangs|doesn't work|does not work|isn't working|not working|stopped working|won't "
            r"(?:open|load|start|sync|work)|broken|fails?|failed|glitch(?:es|y)?|unusable|keeps "
            r"(?:crashing|closing|freezing))\b"
        ),
        0.3,
    ),
    _rule(
        "thanks",
        (
            r"\b(?:thanks?|thank you|thx|kudos)(?: so much| a lot| very much| again)? (?:for|to)\b|\b"
            r"(?:great|good|nice|awesome|excellent) (?:job|work|update|app)\b|\bkeep up the\b|\bi "
            r"(?:really |just |absolutely )?(?:love|like|enjoy) (?:this|the|it|your)\b|\bwell done\b"
        ),
        0.5,
    ),
    _rule(
        "past report",
        (
            r"(?<!\bif )(?<!\bwish )(?<!\bhope )(?<!\bthat )\b(?:i|we|they|you|he|she|it|microsoft"
            r"|google|apple) (?:just |finally |already |recently |have |has |had )*"
            r"(?:added|implemented|introduced|released|fixed|created|made|installed|tried|bought|used"
            r"|updated|downloaded|was|were)\b|\b(?:has|have|had) (?:been )?(?:just |finally |already "
            r"|recently )?(?:added|implemented|introduced|released|fixed)\b|\b(?:was|were) "
            r"(?:just |finally |already |recently )?(?:added|implemented|introduced|released|fixed)\b"
        ),
        0.4,
    ),
    _rule(
        "i wish i had known",
        (
            r"\bi wish i (?:had|would have|'d have|'d known|knew|could have|was|were|hadn't|didn't"
            r"|never|\w+ed)\b"
        ),
        0.9,
    ),
    _rule(
        "counterfactual",
        (
            r"\b(?:should|could|would|must)(?: have|'ve) (?:been|known|read|checked|listened|gone"
            r"|stayed|booked|had)\b|\bshould (?:i|we)\b|\bi should\b"
        ),
        0.4,
    ),
)

# --- French (patterns are written without accents: the text is normalised first) -------------

_BIEN = (
    r"bien|top|super|genial|pratique|cool|utile|chouette|sympa|parfait|mieux|ideal|interessant"
    r"|bon|appreciable|agreable|judicieux|souhaitable|excellent|formidable|logique|plus pratique"
    r"|plus simple|simple|util|extra|un plus|le top|geniale|pas mal|top si|nickel|fantastique"
)
_FR_VERBS = (
    r"ajouter|rajouter|mettre|integrer|proposer|permettre|creer|activer|remettre|afficher"
    r"|pouvoir|avoir|prevoir|developper|implementer|inclure|offrir|donner|ameliorer|synchroniser"
)
_FR_RULES: tuple[_Rule, ...] = (
    _rule("il faudrait", r"\b(?:il |y )?faudrait\b", 0.85),
    _rule(
        "il faut",
        (
            r"\bil (?:vous )?faut (?:absolument |vraiment |aussi |juste )?(?:ajouter|rajouter|pouvoir"
            r"|integrer|proposer|permettre|developper|un |une |que vous|qu'on puisse|qu'il y ait)"
        ),
        0.6,
    ),
    _rule(
        "ce serait",
        (
            r"\b(?:ce|cela|c') ?serait (?:vraiment |tellement |tres |trop |plus |quand meme "
            rf"|franchement |aussi |encore |super |vachement )*(?:{_BIEN})\b"
        ),
        0.85,
    ),
    _rule(
        "ça serait",
        (
            r"\bca serait (?:vraiment |tellement |tres |trop |plus |quand meme |franchement |aussi "
            rf"|encore |super |vachement )*(?:{_BIEN})\b"
        ),
        0.85,
    ),
    _rule(
        "serait bien",
        (
            r"(?<!\bje )\b(?:serai(?:t|ent)?|aurai(?:t|ent) ete) (?:vraiment |tellement |tres |trop "
            rf"|quand meme |franchement |aussi |super |la |le |les )*(?:{_BIEN}|bien ?venue?s?|apprecie"
            r"(?:e|s|es)?|un vrai plus|un gros plus)\b"
        ),
        0.7,
    ),
    _rule(
        "pourquoi ne pas",
        (r"\bpourquoi ne (?:pas|peut-on pas|pouvons-nous pas|pourrait-on pas)\b"),
        0.75,
    ),
    _rule(
        "pourquoi pas",
        (
            r"\bpourquoi pas (?:un |une |des |le |la |les |d'|ajouter|rajouter|mettre|proposer"
            r"|integrer|permettre|faire|creer|avoir|pouvoir)"
        ),
        0.7,
    ),
    _rule(
        "j'aimerais",
        (
            r"\b(?:j'|on |nous )?aimerai(?:s|t|ons|ent)?\b(?! (?:bien )?(?:savoir|comprendre|connaitre"
            r"|signaler|remercier|dire|avoir une reponse|avoir des explications))"
        ),
        0.75,
    ),
    _rule("j'adorerais", r"\b(?:j'|on |nous )?adorerai(?:s|t|ons|ent)?\b", 0.75),
    _rule(
        "je souhaiterais",
        (
            r"\b(?:je |nous |on )?souhaiteri?(?:ais|ait|ons|ions|aient)\b(?! (?:bien )?"
            r"(?:savoir|comprendre|connaitre|signaler|remercier))"
        ),
        0.75,
    ),
    _rule(
        "je souhaiterais",
        (
            r"\b(?:je|nous|on) souhaite(?:ons)? (?:pouvoir|que|qu'|avoir|un|une|l'ajout|la possibilite"
            r"|voir)\b"
        ),
        0.7,
    ),
    _rule(
        "je voudrais",
        (
            r"\b(?:je|nous|on) (?:voudrai[st]?|voudrions) (?:bien |vraiment |juste |aussi )?"
            r"(?:pouvoir|qu'|que|avoir|un |une |voir|l'ajout|la possibilite|plus|des)"
        ),
        0.7,
    ),
    _rule(
        "j'aurais aimé",
        (
            r"\b(?:j'|on )aurai[st]? (?:bien |vraiment |tellement )?(?:aime|voulu|adore|prefere"
            r"|apprecie)\b"
        ),
        0.6,
    ),
    _rule(
        "pourriez-vous",
        (
            r"\b(?:pourriez|pourrais|pourrait|pourrions)[- ](?:vous|tu|on|t-on|il|nous)\b"
            r"(?! (?:me dire|m'expliquer|m'aider|expliquer|nous dire|repondre|verifier|regarder))"
        ),
        0.7,
    ),
    _rule(
        "pouvez-vous",
        (
            r"\b(?:pouvez|peux|peut|pouvons)[- ](?:vous|tu|on|t-on|nous) (?:svp |s'il vous plait "
            rf"|nous |aussi |enfin |juste )*(?:{_FR_VERBS}|faire en sorte|penser a|nous "
            r"(?:donner|permettre|proposer))\b"
        ),
        0.75,
    ),
    _rule(
        "serait-il possible",
        (r"\bserait[- ](?:il|t-il|ce) (?:possible|envisageable|faisable|prevu)\b"),
        0.85,
    ),
    _rule(
        "est-ce possible d'ajouter",
        (
            r"\b(?:est-ce|est-il|est il|c'est|ce serait|serait) possible (?:d'|de )(?:ajouter|rajouter"
            r"|integrer|avoir (?:une|un|la) (?:option|possibilite|fonction)|mettre|proposer|permettre"
            r"|pouvoir)"
        ),
        0.75,
    ),
    _rule(
        "vous devriez",
        (
            r"\b(?:vous|tu) (?:devriez|devrais|devez|pourriez|pourrais|pouvez) (?:vraiment |aussi "
            r"|peut-etre |quand meme |simplement |juste |plutot )*(?:ajouter|rajouter|mettre|integrer"
            r"|proposer|permettre|creer|pensez|penser|faire|revoir|offrir|inclure|remettre|reflechir"
            r"|developper|implementer|prevoir|donner|corriger|ameliorer|rendre)\b"
        ),
        0.75,
    ),
    _rule("vous devriez", r"\bvous devriez\b", 0.65),
    _rule(
        "merci d'ajouter",
        (
            r"\bmerci (?:de |d')(?:bien vouloir |nous )?(?:ajouter|rajouter|integrer|proposer"
            r"|permettre|prevoir|penser a (?:ajouter|rajouter|integrer|mettre)|mettre en place"
            r"|developper|creer|implementer|inclure)\b"
        ),
        0.8,
    ),
    _rule(
        "il manque",
        (
            r"\b(?:il (?:y |me |nous )?manque(?! (?:toutes|tous|des donnees|mes|mon|ma|plein|\d))"
            r"|^manque (?!de (?:precision|fiabilite|stabilite|reactivite|fluidite|serieux))|manque "
            r"(?:juste|seulement|un peu|encore|cruellement|vraiment|plus|toujours|quand meme|que"
            r"|malheureusement))\b"
        ),
        0.6,
    ),
    _rule("il manquerait", r"\b(?:il (?:me |nous |lui )?)?manquerai(?:t|ent)\b", 0.7),
    _rule("il ne manque que", r"\bne manque (?:plus |juste |plus qu'|qu')", 0.7),
    _rule("suggestion :", r"\b(?:suggestion|idee|proposition|souhait|demande)s?\s*:", 0.8),
    _rule(
        "je propose",
        (
            r"\b(?:je|nous) (?:vous )?(?:propose|suggere|proposerais|suggererais)\b"
            r"(?! (?:de (?:telecharger|desinstaller|reinstaller)))"
        ),
        0.65,
    ),
    _rule(
        "une suggestion",
        (
            r"\b(?:une|ma|petite|petite suggestion|quelques) (?:suggestion|idee d'amelioration"
            r"|proposition d'amelioration)\b"
        ),
        0.65,
    ),
    _rule(
        "ajoutez",
        (
            r"(?<!\bvous )(?<!\bvous l')(?<!\bnous )\b(?:ajoutez|rajoutez|proposez|permettez|integrez"
            r"|prevoyez|offrez|implementez|developpez)\b"
        ),
        0.6,
    ),
    _rule(
        "ajoutez",
        (
            r"^(?:(?:et|svp|stp|alors|donc|merci|aussi|bref)[,!]? )*(?:ajoutez|rajoutez|proposez"
            r"|permettez|mettez|integrez|prevoyez|offrez|faites en sorte|developpez|creez"
            r"|implementez)\b"
        ),
        0.75,
    ),
    _rule(
        "svp ajoutez",
        (
            rf"\b(?:svp|stp|s'il vous plait|s'il te plait|please)\b.*\b(?:{_FR_VERBS})\b|\b"
            rf"(?:{_FR_VERBS})\b.*\b(?:svp|stp|s'il vous plait|s'il te plait)\b"
        ),
        0.65,
    ),
    _rule(
        "ajouter une option",
        (
            r"\b(?:r?ajout(?:er|ez)?|ajout d'|integration d'|integrer) (?:un |une |des |la |le |d'un "
            r"|d'une |l')?(?:option|possibilite|fonction|fonctionnalite|bouton|parametre|mode|widget"
            r"|reglage|choix)\b"
        ),
        0.65,
    ),
    _rule(
        "ce qui serait bien",
        (
            r"\bce qui (?:serait|pourrait etre) (?:bien|top|super|genial|pratique|utile|cool"
            r"|interessant)\b"
        ),
        0.8,
    ),
    _rule("l'idéal serait", r"\bl'ideal (?:serait|ce serait|c'est|ca serait)\b", 0.85),
    _rule("idéalement", r"\bidealement\b", 0.6),
    _rule(
        "on devrait pouvoir",
        (
            r"\b(?:on|nous|l'utilisateur|les utilisateurs) (?:devrait|devrions|devraient) "
            r"(?:pouvoir|avoir|etre capable)\b"
        ),
        0.8,
    ),
    _rule(
        "devrait",
        (
            _NOT_PRODUCT_SUBJECT
            + r"\b(?:devrait|devraient|doit|doivent|faudrait) (?:aussi |vraiment |pouvoir "
            r"|etre possible de |absolument |egalement )*(?:proposer|permettre|integrer|inclure"
            r"|afficher|offrir|avoir|pouvoir|ajouter|etre possible|montrer|synchroniser|prendre en "
            r"compte|gerer)\b"
        ),
        0.6,
    ),
    _rule(
        "il serait bien de",
        (
            r"\bil (?:serait|serai|sera) (?:vraiment |tres |tellement |quand meme |plus |aussi )*"
            rf"(?:{_BIEN}|necessaire|opportun) (?:de|d'|qu'|que)"
        ),
        0.85,
    ),
    _rule("à quand", r"^(?:mais )?a quand\b", 0.6),
    _rule(
        "à quand",
        (
            r"^quand (?:sera|aura-t-on|aurons-nous|pourra-t-on|pourrons-nous|est-ce qu'on pourra"
            r"|verra-t-on)\b"
        ),
        0.55,
    ),
    _rule(
        "dommage que",
        (
            r"\b(?:dommage|regrettable|decu|decue|je regrette) (?:qu'il n'y (?:ait|a) pas|qu'"
            r"(?:on|l'on) ne (?:puisse|peut|peux) (?:pas|que)|de ne pas (?:pouvoir|avoir)|qu'il n'y "
            r"ait|que l'on ne (?:puisse|peut))"
        ),
        0.6,
    ),
    _rule(
        "dommage que",
        (
            r"\b(?:dommage|regrettable) (?:qu'|que |de ne (?:pas|plus)|de pas|de ne pouvoir|qu'on ne"
            r"|qu'il n'y)"
        ),
        0.45,
    ),
    _rule("si seulement", r"\bsi seulement\b", 0.55),
    _rule(
        "mériterait",
        (r"\bmeriterai(?:t|ent) (?:d'|de |un |une |des |plus|davantage|vraiment|bien)"),
        0.6,
    ),
    _rule(
        "pourrait être amélioré",
        (
            r"\b(?:pourrai(?:t|ent)|gagnerai(?:t|ent) a) (?:etre )?(?:ameliore|plus|mieux|enrichi"
            r"|complete)"
        ),
        0.5,
    ),
    _rule(
        "pourquoi pas de",
        (
            r"\bpourquoi (?:n'y a-t-il pas|n'y a t il pas|il n'y a pas|pas de|ne peut-on pas"
            r"|on ne peut pas|ne pas pouvoir|ne pas avoir)\b"
        ),
        0.55,
    ),
    _rule(
        "bémol",
        (
            r"\b(?:seul|petit|gros|unique|un) (?:bemol|regret|reproche|defaut|manque|point negatif)\b"
        ),
        0.4,
    ),
    _rule(
        "pas de possibilité",
        (
            r"\b(?:pas (?:de |d')(?:possibilite|option|fonction|export|mode)|ne permet pas (?:de|d')"
            r"|ne (?:pas |plus )?pouvoir|impossible (?:d'exporter|de programmer|de creer"
            r"|de personnaliser|de choisir))\b"
        ),
        0.35,
    ),
    _rule("peut mieux faire", r"\bpeut mieux faire\b", 0.4),
    _rule(
        "pensez à",
        (
            r"\b(?:pensez|pense|penser|songez) a (?:ajouter|rajouter|mettre|integrer|proposer"
            r"|permettre|creer|faire)\b"
        ),
        0.75,
    ),
    _rule("faire en sorte", r"\bfaire en sorte (?:que|qu')\b", 0.55),
    _rule(
        "possibilité de",
        (
            r"\b(?:donner|offrir|proposer|avoir|ajouter|laisser|permettre) (?:la |une |plus de )?"
            r"(?:possibilite|option|choix) (?:de|d')\b"
        ),
        0.6,
    ),
)

_FR_NEGATIVE: tuple[_Rule, ...] = (
    _rule(
        "how-to question",
        (
            r"\b(?:comment (?:faire|fait-on|fait on|puis-je|puis je|on fait|je fais|faut-il|peut-on"
            r"|peut on|activer|desactiver|supprimer|on peut|je peux|modifier|changer|recuperer)"
            r"|est-ce que quelqu'un|quelqu'un (?:sait|saurait|a une|aurait|peut)|si quelqu'un|une "
            r"idee \?|quelqu'un a)\b"
        ),
        0.45,
    ),
    _rule(
        "want to know",
        (
            r"\b(?:j'aimerai[st]?|je voudrai[st]?|je souhaiterai[st]?|je souhaite) (?:bien )?"
            r"(?:savoir|comprendre|connaitre|signaler|remercier)\b"
        ),
        0.45,
    ),
    _rule(
        "bug report",
        (
            r"\b(?:ne (?:fonctionne|marche|s'ouvre|se lance|synchronise|se synchronise|charge|repond"
            r"|se connecte|s'affiche)(?:nt)? (?:plus|pas)|plante(?:nt)?|plantage|crash(?:e|es|ent)?"
            r"|bug(?:s|ge|gue|gs)?|beug(?:ue|e)?|erreur|bloque(?:e)?|impossible de|freeze|ne repond "
            r"plus|ne fonctionne plus|ne marche plus)\b"
        ),
        0.3,
    ),
    _rule(
        "fix request",
        (
            r"\b(?:probleme|problemes|souci|soucis|regler|corriger|resoudre|remedier|reparer|retablir"
            r"|revenir a l'ancienne)\b"
        ),
        0.35,
    ),
    _rule(
        "thanks",
        (
            r"\bmerci (?:pour|d'avoir|beaucoup pour|a vous pour|a l'equipe)\b|\bbravo\b|\bj'adore "
            r"(?:cette|l'appli|l'application|votre)\b|\bfelicitations\b|\bbon travail\b"
        ),
        0.5,
    ),
    _rule(
        "past report",
        (
            r"(?<!\bsi )\b(?:ont|a|avez|as|ai|avons) (?:enfin |bien |deja |recemment |finalement )?"
            r"(?:ajoute|rajoute|integre|mis en place|ajoutee|corrige|installe|essaye|teste|achete)\b"
        ),
        0.4,
    ),
)

_LANG_RULES: dict[str, tuple[tuple[_Rule, ...], tuple[_Rule, ...]]] = {
    "en": (_EN_RULES, _EN_NEGATIVE),
    "fr": (_FR_RULES, _FR_NEGATIVE),
}


def _noisy_or(weights: list[float]) -> float:
    remaining = 1.0
    for weight in weights:
        remaining *= 1.0 - weight
    return 1.0 - remaining


def _fire(rules: tuple[_Rule, ...], text: str) -> dict[str, float]:
    """Strongest weight per cue name among the rules that match ``text``."""
    fired: dict[str, float] = {}
    for rule in rules:
        match = rule.pattern.search(text)
        if match:
            name = rule.cue(match)
            fired[name] = max(fired.get(name, 0.0), rule.weight)
    return fired


def detect_suggestion(sentence: str, language: str) -> SuggestionVerdict:
    """Score one sentence; ``language`` is "en", "fr" or "und" (anything else: both rule sets).

    score = noisy-OR(positive cues) - noisy-OR(negative evidence), clipped to [0, 1].
    """
    text = normalize_cues(sentence or "")
    if not text:
        return SuggestionVerdict(False, 0.0, None)
    languages = [language] if language in _LANG_RULES else list(_LANG_RULES)
    positives: dict[str, float] = {}
    negatives: dict[str, float] = {}
    for lang in languages:
        pos_rules, neg_rules = _LANG_RULES[lang]
        for name, weight in _fire(pos_rules, text).items():
            positives[name] = max(positives.get(name, 0.0), weight)
        for name, weight in _fire(neg_rules, text).items():
            negatives[name] = max(negatives.get(name, 0.0), weight)
    if not positives:
        return SuggestionVerdict(False, 0.0, None)
    score = _noisy_or(list(positives.values())) - _noisy_or(list(negatives.values()))
    score = round(min(1.0, max(0.0, score)), 3)
    cue = max(positives.items(), key=lambda item: item[1])[0]
    return SuggestionVerdict(score >= SUGGESTION_THRESHOLD, score, cue)
