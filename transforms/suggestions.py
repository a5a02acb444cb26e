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
from functools import lru_cache

__all__ = ["SUGGESTION_THRESHOLD", "SuggestionVerdict", "detect_suggestion", "normalize_cues"]

SUGGESTION_THRESHOLD = 0.5
#: The negative rule for what a change would bring ("This would save us time."), and the
#: weight a positive cue needs to outweigh it.
BENEFIT = "benefit statement"
STRONG_CUE = 0.8
#: Directions for doing something today (a menu path, steps to tap): an answer, not a request.
INSTRUCTIONS = "instructions"
#: A sentence that only approves of a change named before it ("That would be awesome!"): no
#: cue in it counts.
APPROVAL_ONLY = "approval only"
#: An open question to the readers, about their opinion or experience ("What movie should be
#: more popular?", "If you could change one thing, what would it be?", "Qu'est-ce que vous
#: utilisez ?"): it asks for answers, not for a change. Only a strong cue still counts in it.
OPEN_QUESTION = "open question"
#: What may come before an open question's first word: a tag ("[Serious]", whose "[" the
#: normalisation strips), a short lead-in before a colon, and fillers.
_QUESTION_LEAD = (
    r"^(?:[\w ]{1,20}\] )?(?:[^:?!.]{1,40} ?: )?(?:(?:and|but|so|also|ok|okay|hi|hello|hey"
    r"|well|seriously|et|mais|alors|bonjour|salut)[,:!]? )*"
)


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


@lru_cache(maxsize=1 << 15)
def normalize_cues(text: str) -> str:
    """Lowercase, strip accents, unify apostrophes and spaces, drop leading quotes/bullets.
    Memoised: the rules and the classifier's question patterns read the same sentence."""
    text = text.translate(_APOSTROPHES).translate(_LIGATURES)
    if not text.isascii():  # ASCII has nothing to decompose (most English sentences)
        text = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = text.lower()
    text = _WS_RE.sub(" ", text)
    text = _ELISION_SPACE_RE.sub(r"\1'", text)
    return _LEADING_JUNK_RE.sub("", text).strip()


# --- English ------------------------------------------------------------------------------------

_EN_PRODUCT_VERBS = (
    r"add|make|allow|support|include|implement|enable|provide|bring|give|let|integrate|offer"
    r"|create|introduce|put|expand|extend|consider|restore|update|improve|change|remove"
    r"|display|show(?! (?:me|us|them|you|him|her)\b)"
)
_NICE = (
    r"nice|great|awesome|helpful|useful|cool|good|better|fantastic|wonderful|amazing|ideal"
    r"|handy|convenient|beneficial|excellent|lovely|brilliant|preferable|neat|perfect|sweet"
    r"|valuable|smart|wise|interesting|practical|logical|easier|best"
)
# "should have sent" looks back; "should have an export" asks.
_IRREGULAR_PARTICIPLE = (
    r"(?:sent|done|made|gone|known|seen|taken|given|thought|told|said|kept|bought|brought"
    r"|written|chosen|shown|built|put|set|found|left|become|come)"
)
_INTENSIFIER = r"(?:(?:so|really|very|extremely|super|much|even|quite|also|more|most|a lot|way) )*"
_START = r"^(?:(?:also|and|so|just|pls|plz|please|maybe|perhaps|then|hey|oh|guys|devs?|but)[,!]? )*"
# Subjects for which "should" is not about the product ("I should have read the docs").
_NOT_PRODUCT_SUBJECT = r"(?<!\bi )(?<!\bhe )(?<!\bshe )(?<!\bwho )(?<!\bone )"

_EN_RULES: tuple[_Rule, ...] = (
    _rule(
        "please {v}",
        r"\b(?:pls|plz|please),? (?:(?:just|also|kindly|do) )?"
        rf"(?P<v>{_EN_PRODUCT_VERBS})\b(?! (?:me|us) know\b)",
        0.85,
    ),
    _rule(
        "please {v}",
        r"\bplease,? (?:(?:just|also|kindly|do) )?(?P<v>fix|bring back|reconsider"
        r"|think about)\b",
        0.6,
    ),
    _rule("i wish", r"\b(?:i|we) (?:really |just |do |still )?wish\b(?! to\b)", 0.8),
    _rule("if only", r"^if only\b", 0.6),
    _rule(
        "i'd love",
        r"\b(?:i|we)(?:'?d| would) (?:really |so |absolutely |also )?love\b"
        r"(?! to (?:help|hear|know|try|join|chat|talk|keep|stay|meet|come|go|read|thank))",
        0.85,
    ),
    _rule(
        "would love to see",
        r"\bwould (?:really |so |absolutely )?love (?:to see|to have|to get|an?|the|some|more"
        r"|it if|if)\b",
        0.75,
    ),
    _rule(
        "it would be nice",
        r"\b(?:it|that|this|which|there)(?:'?d| would| will) (?:also |definitely "
        rf"|certainly |probably |really )?be {_INTENSIFIER}(?:a )?(?:{_NICE})"
        r"(?: idea| feature| addition| improvement| option| thing)? (?:if|to|for|when"
        r"|having|that|being)\b",
        0.85,
    ),
    _rule(
        "would be nice to have",
        rf"\bwould (?:also )?be {_INTENSIFIER}(?:{_NICE}) to (?:have|see|get|be able)\b",
        0.85,
    ),
    _rule(
        "it would be nice",
        r"\b(?:it|that|this)(?:'?d| would) (?:also |definitely |certainly |really )?be "
        rf"{_INTENSIFIER}(?:{_NICE})\b",
        0.7,
    ),
    _rule(
        "would be nice",
        rf"\bwould (?:also |definitely |certainly |really )?be {_INTENSIFIER}"
        rf"(?:an? )?{_INTENSIFIER}(?:{_NICE})(?: (?:if|to|for|when|addition|feature|idea"
        r"|improvement|option))?\b",
        0.6,
    ),
    _rule(
        "would be a nice addition",
        rf"\bwould (?:be|make) an? {_INTENSIFIER}(?:{_NICE}|welcome|must|huge|big|major"
        r"|useful) (?:addition|feature|improvement|option|change|plus|step)\b",
        0.8,
    ),
    _rule("it'd be", r"\bit'd be\b", 0.6),
    _rule(
        "it would help",
        r"\b(?:it|this|that) would (?:really |greatly |definitely |also |certainly |help "
        r"|be )*(?:help|make|allow|improve|enable|save|simplify|solve|mean)\b",
        0.45,
    ),
    _rule(
        "could you {v}",
        r"\b(?:could|can|would|will) you (?:guys |please |pls |plz |kindly |maybe "
        rf"|possibly |also |just |ever )*(?P<v>{_EN_PRODUCT_VERBS}|think about|look into)\b",
        0.8,
    ),
    _rule(
        "you should",
        r"\byou (?:guys |really |all |folks )?(?:should|could|ought to|need to|must"
        r"|might want to|may want to) (?:really |seriously |also |definitely |just |maybe "
        rf"|perhaps |at least |still )*(?:{_EN_PRODUCT_VERBS}|think about|look into|have"
        r"|offer|hire|fix|reconsider|get)\b",
        0.75,
    ),
    _rule("why don't you", r"\bwhy (?:don't|dont|do not) (?:you|they|we)\b", 0.6),
    _rule(
        "why not",
        r"\bwhy (?:not|doesn't \w+|can't (?:we|you|i|they)|isn't there|is there no"
        r"|aren't there|not just)\b",
        0.45,
    ),
    _rule(
        "why not",
        r"\bwhy (?:not|don't you|dont you|do you not) (?:just |simply )?(?:add|make|have"
        r"|offer|allow|let|use|include|provide|support|give|create|put|integrate"
        r"|implement)\b",
        0.8,
    ),
    _rule(
        "consider adding",
        r"\b(?:consider|considering|recommend|suggest|propose) (?:adding|making|allowing"
        r"|supporting|including|implementing|providing|offering|introducing|creating"
        r"|enabling|changing|giving|bringing|integrating|having|using|removing)\b",
        0.8,
    ),
    _rule("i suggest", r"\b(?:suggest|propose) (?:an?|the|that|to)\b", 0.5),
    _rule("feature request", r"\bfeature (?:request|suggestion|idea|wish)\b", 0.8),
    _rule(
        "suggestion:",
        r"\b(?:suggestions?|feature requests?|proposal|wishlist|wish list)\s*:",
        0.8,
    ),
    _rule(
        "i suggest",
        r"\b(?:i|we) (?:would |'d |strongly |humbly )?(?:suggest|propose|request)\b",
        0.75,
    ),
    _rule("my suggestion", r"\b(?:my|our|one|a|another) (?:suggestion|request|proposal)\b", 0.65),
    _rule("any chance", r"\bany (?:chance|plans?|hope) (?:of|you|we|that|to|for|on)\b", 0.7),
    _rule("any chance", r"\bany chance\b.*\b(?:could|will|would|might|can)\b", 0.7),
    _rule(
        "should {v}",
        rf"{_NOT_PRODUCT_SUBJECT}\b(?:should|shouldn't|should not|ought to|needs to|must) "
        r"(?:really |definitely |also |at least |probably |just |be able to |always "
        rf"|never |not )*(?P<v>have(?! {_IRREGULAR_PARTICIPLE}\b)|support|offer|allow|let"
        r"|include|provide|enable|add"
        r"|show|display|give|integrate|come|use|be able|automatically|make|get|ask|warn"
        r"|remember|sync|let)\b",
        0.65,
    ),
    _rule(
        # Not at the end of a clause ("more complicated than they should be") nor as an
        # expectation ("... and you should be fine.").
        "should be",
        rf"{_NOT_PRODUCT_SUBJECT}\b(?:should|shouldn't|should not|ought to|needs to) "
        r"(?:really |definitely |also |at least |probably |just |always |not )*be\b"
        r"(?!\s*(?:[.!?,;)]|$))(?! (?:good|fine|ok|okay|alright|all set)(?:\s*[.!?,;)]|\s*$"
        r"| now\b| then\b| to go\b))",
        0.55,
    ),
    _rule(
        # "must be" asks only before what is to be done ("must be fixed", "must be
        # possible"); before anything else it guesses ("That kid must be Peter Pan!").
        "should be",
        rf"{_NOT_PRODUCT_SUBJECT}\bmust (?:really |definitely |also |at least |always |not )*be "
        rf"(?:\w+ed|{_IRREGULAR_PARTICIPLE}|\w+(?:able|ible)|possible|optional|add|expand"
        r"|improve)\b",
        0.55,
    ),
    _rule(
        "i'd like",
        r"\b(?:i|we)(?:'?d| would) (?:really |also |just |very much |much |still )?like "
        r"(?:to be able|to see|to have|to get|to suggest|to request|to propose|to ask|an?"
        r"|the ability|the option|it if|if|for|some|more|something|you to|microsoft to"
        r"|them to)\b",
        0.8,
    ),
    _rule("would like to see", r"\b(?:would|'d) (?:really |also )?like to (?:see|have|get)\b", 0.7),
    _rule(
        "let us",
        r"^let (?:us|users|the users?|people|developers|devs|me|customers)\b(?! know\b)"
        r"(?! down\b)(?! go\b)",
        0.65,
    ),
    _rule(
        "let us",
        r"\blet (?:us|users|the user|the users|people|developers|devs|me|them|customers"
        r"|apps|the app)\b(?! know\b)(?! down\b)(?! go\b)",
        0.45,
    ),
    _rule(
        "allow users to",
        r"\b(?:allow|allowing|enable|enabling|permit|let) (?:the )?(?:users?|me|us|people"
        r"|developers|devs|customers|one|them|apps?|owners|admins?|players"
        r"|publishers) to\b",
        0.45,
    ),
    _rule(
        # "The app could really use a dark mode.", "This could do with a search box."
        "could use",
        r"\b(?:it|this|that|the (?:\w+ ){0,2}?(?:app|application|site|website|editor|tool"
        r"|product|ui|interface|feature|page|version|api|sdk|phone|watch|game|os|platform"
        r"|store))\s+(?:really |definitely |seriously |certainly )?could (?:really |definitely "
        r"|seriously |certainly )?(?:use|do with)\b",
        0.6,
    ),
    _rule(
        "there should be",
        r"\bthere (?:should|ought to|needs to|has to|must|could|really should"
        r"|should really) (?:also |definitely |at least |really )?be\b",
        0.8,
    ),
    _rule(
        "need an option",
        r"\bneeds? (?:an?|the|some|more|better|proper) (?:option|way|setting|button"
        r"|feature|ability|toggle|switch|mode|api|support|integration|version|filter"
        r"|possibility|choice)\b",
        0.65,
    ),
    _rule(
        "we need",
        r"^(?:we|users|developers|devs|people|customers) (?:really |also |all "
        r"|desperately |badly )?need\b",
        0.65,
    ),
    _rule(
        "we need",
        r"\b(?:we|i) (?:really |also |all |desperately |badly |still |just )?"
        r"(?:need|want) (?:an?|more|the ability|the option|some|support|better|to be able"
        r"|access)\b",
        0.6,
    ),
    _rule(
        "would be an improvement",
        r"\b(?:would|will|could) be (?:an?|the) (?:\w+ )?(?:improvement|godsend|plus|must"
        r"|bonus|lifesaver|game changer|welcome (?:addition|change|feature))\b",
        0.75,
    ),
    _rule(
        "don't {v}",
        r"^(?:please )?(?:do not|don't|dont|stop) (?P<v>allow|make|force|remove|add"
        r"|change|require|limit|restrict|block|hide|let|show)\b",
        0.6,
    ),
    _rule(
        "add an option",
        r"\badd(?:ing)? (?:an?|the|some|more) (?:option|ability|setting|way|toggle|button"
        r"|feature|support|possibility|choice|setting)\b",
        0.6,
    ),
    _rule(
        "how about",
        r"\b(?:how|what) about (?:adding|making|allowing|having|letting|supporting|an?"
        r"|some|the option|the ability|giving|offering|providing|including)\b",
        0.7,
    ),
    _rule(
        "hope you add",
        r"\b(?:hope|hoping|wish) (?:that )?(?:you|they|microsoft|google|the devs?"
        r"|developers?|the team|someone|somebody|the developers) (?:guys )?(?:will |can "
        rf"|could |would |might |'ll )?(?:{_EN_PRODUCT_VERBS}|fix|look into|think about)\b",
        0.7,
    ),
    _rule(
        "be able to",
        r"\b(?:would|should|could|need to|want to|like to|love to|wish to|must) be able "
        r"to\b",
        0.45,
    ),
    _rule(
        "would be better",
        r"\bwould be (?:much |even |a lot |far |way )?better (?:if|to|with|as)\b",
        0.75,
    ),
    _rule(
        "i want",
        r"\b(?:i|we) (?:really |just |also |would )?want (?:to see|to have|to be able"
        r"|the ability|the option|an? option|an? way|it to|them to|you to|microsoft to"
        r"|that feature|this feature|more|support for)\b",
        0.5,
    ),
    _rule(
        "what i want is",
        r"\bwhat (?:i|we) (?:really )?(?:want|need|would like|'d like) (?:is|are)\b",
        0.7,
    ),
    _rule(
        "could be nice",
        rf"\b(?:could|might|may|will) (?:also |really |definitely )?be {_INTENSIFIER}"
        rf"(?:an? )?{_INTENSIFIER}(?:{_NICE}|idea)(?: (?:if|to|idea|feature|addition"
        r"|solution))?\b",
        0.5,
    ),
    _rule(
        "could we have",
        r"\b(?:could|can|may|might) (?:we|i|users|developers|devs) (?:please |pls |also "
        r"|possibly |maybe )*(?:have|get|see|be able)\b",
        0.65,
    ),
    _rule(
        "is it possible to add",
        r"\b(?:is it|would it be|will it be) (?:possible|feasible) to "
        rf"(?:{_EN_PRODUCT_VERBS}|have|get|see)\b",
        0.6,
    ),
    _rule(
        "please",
        r"^please,? (?!help\b|let (?:me|us) know\b|respond\b|reply\b|contact\b|advise\b"
        r"|tell\b|explain\b|note\b|see\b|read\b|check\b|find\b|vote\b|feel\b|try\b"
        r"|share\b|copy\b|visit\b|go\b|click\b|download\b)[a-z]+\b",
        0.55,
    ),
    _rule(
        "imperative {v}",
        rf"(?:{_START}|: )(?P<v>add|make|allow|let|include|support|provide|bring|enable|integrate"
        r"|offer|implement|show|give|create|introduce|expand|extend|remove|put|change"
        r"|improve|display|increase|reduce|rename|get rid of|disable|expose|port|merge"
        r"|relax|replace|simplify|release|restore|build)\b(?! sure\b)(?! me know\b)"
        r"(?! us know\b)(?! alone\b)(?!s\b)(?! (?:is|was|are|were|team|staff|has|had|have"
        r"|does|did|helps?|page|desk|ticket|center|centre|forum|person|agent|said|says"
        r"|told|replied|responded|for this)\b)(?! to (?:that|this)\b)(?!'s\b)(?! of\b)"
        r"(?!(?<=support) \w+ed\b)(?!(?<=offer) \w+ed\b)(?!(?<=release) \w+ed\b)",
        0.6,
    ),
    _rule("request:", r"\b\w+ (?:request|wish)\s*:", 0.7),
    _rule(
        "would make it perfect",
        r"\bwould (?:make|turn) (?:it|this|that|\w+) (?:perfect|complete|even better|much better"
        r"|a lot better|ideal|the go-to|my go-to|into)\b|\bwhat would make (?:it|this|\w+) "
        r"(?:perfect|better|great|complete)\b",
        0.7,
    ),
    _rule(
        "would make my day",
        r"\bwould (?:really |also )?(?:make my day|be a godsend|give me (?:real )?peace of mind"
        r"|make (?:my|our) li(?:fe|ves) (?:much |so |a lot )?easier)\b",
        0.75,
    ),
    _rule("would help", r"(?<!\bi )\bwould (?:really |greatly |definitely |also )?help\b", 0.45),
    _rule(
        "could you please",
        r"\b(?:could|would|can|will) you (?:guys )?(?:please|pls|kindly)\b"
        r"(?! (?:tell|explain|help))",
        0.7,
    ),
    _rule(
        "please",
        r"\b(?:pls|plz|please),? (?!help\b|let (?:me|us) know\b|respond\b|reply\b|contact\b"
        r"|advise\b|tell\b|explain\b|note\b|see\b|read\b|check\b|find\b|vote\b|feel\b|try\b"
        r"|share\b|copy\b|visit\b|go\b|click\b|download\b|and\b|but\b|thanks?\b)[a-z]+\b",
        0.55,
    ),
    _rule("please", r"(?<!\bhelp)(?<!\bhelp me),? please[.!]*$", 0.55),
    _rule(
        "you should",
        r"\byou (?:guys |all )?(?:should|ought to|must) (?:really |seriously |definitely |just "
        r"|at least )*(?!be\b|have been|know\b|try\b|check\b|go\b|see\b|read\b|look\b|get\b"
        r"|use\b|contact\b|visit\b|click\b|open\b|restart\b|reinstall\b|clear\b|update\b"
        r"|not\b|never\b|also\b|for\b|to\b)[a-z]+\b",
        0.55,
    ),
    _rule("i'd change", r"\b(?:i|we)(?:'d| would) (?:change|add|ask for|suggest)\b", 0.6),
    _rule(
        "could it be added",
        r"\b(?:could|can|should|would) (?:the |a |an |this |that |it |they |these )?(?:\w+ )?be "
        r"(?:added|made|changed|improved|extended|included|supported|scheduled|enabled"
        r"|implemented|integrated|shown|displayed|exported|synced|encrypted|customi[sz]ed"
        r"|configurable|optional|adjustable)\b",
        0.6,
    ),
    _rule(
        "could the app get",
        r"^(?:(?:could|would) (?!i\b|you\b|we\b|someone\b|anyone\b|somebody\b|anybody\b)"
        # Not the verbs of a worry: "Could this update remove my notes?"
        r"(?:the |a |an |this )?\w+ (?:\w+ )?(?:get|have|offer|set|run|remember|sync|keep"
        r"|detect|recogni[sz]e|add|support|include|implement|enable|provide|allow|let"
        r"|integrate|show|display|export|import|create|expand|extend|introduce|bring)"
        r"|can (?:the |this )\w+ (?:\w+ )?(?:get|have))\b",
        0.55,
    ),
    _rule(
        "still no",
        r"\bstill no (?:\w+ ){0,2}(?:app|support|option|way|version|mode|feature|integration"
        r"|export|import|api|setting|view|widget|client|theme)\b",
        0.5,
    ),
    _rule(
        # Asking when a feature comes, like French "À quand ... ?": "Security: when is 2FA
        # coming?", "When will we get custom watch faces?", "Any news on the Linux app?". Not
        # "When will this be fixed?", "When do we get the fix?" (a fix, not a feature) nor
        # "When is the next release?".
        "when is it coming",
        r"(?:^|[:,;] |\b(?:so|and|but|also|then) )(?:when (?:is|are|will|would|do|does|can"
        r"|could|shall) (?:we|i|you|u|they|it|there|the|this|that|these|[\w-]+)\b[^?.!]{0,60}?"
        r"\b(?:coming|come|arrive|arriving|available|added|add|adding|released|get|getting"
        r"|have|support|supported|ready|implemented|implement|include|included)\b"
        r"(?! (?:it |this |that |the )?(?:fixed|fix|sorted|solved|resolved|repaired)\b)"
        r"|(?:any|an) (?:news|eta|timeline) (?:on|about|for|regarding)\b)",
        0.6,
    ),
)

_EN_NEGATIVE: tuple[_Rule, ...] = (
    _rule(
        # Not "What about ...?", "What if ...?", "What else ...?" (which propose) or "What a
        # ...": an exclamation. "Why ...?" and "How about ...?" stay open: they often ask.
        OPEN_QUESTION,
        _QUESTION_LEAD + r"(?:(?:what|which|who|whom|whose)(?:'s|s|'re|'d)?\b(?! about\b"
        r"| if\b| else\b| an?\b)|(?:if|suppose|imagine|assuming)\b[^?]{0,200}?\b(?:what|who"
        r"|which|where)\b|would you rather\b|have you (?:guys )?ever\b)[^?]*\?\W*$",
        0.5,
    ),
    _rule(
        # A reply telling someone how to do it today: a menu path ("Exclude it under Settings >
        # Apps > Battery.") or steps ("On iPad: long-press a note, tap Select more, then Move.").
        INSTRUCTIONS,
        r"(?:^|\s)[a-z][\w-]{1,20} > [a-z]|^(?:[\w ]{1,20}: )?(?:just |simply |first,? )?"
        r"(?:tap|click|long-press|long press|press and hold|swipe|right-click|go to|head to"
        r"|open) .*\b(?:then|and then)\b",
        0.3,
    ),
    _rule(
        # What a change would bring, said after the request: "This would allow apps to ...",
        # "It will save us a lot of time." Not "It would help if ...", "It would make sense
        # to ..." or "It could use a dark mode", which ask.
        BENEFIT,
        r"^(?:(?:and|so|then|also|plus|but|ideally)[,]? )*(?:it|this|that|which)(?: would"
        r"|'d| will| could| might)(?: \w+ly| also| even| only| then| in turn)? (?!be\b"
        r"|have\b|need\b|make sense\b|require|use\b|do with\b|\w+ly\b)\w+\b(?! if\b"
        r"| to have\b)",
        0.5,
    ),
    _rule(
        # The whole sentence approves of a change named before it: "That would be awesome!"
        APPROVAL_ONLY,
        r"^(?:(?:and|so|then|also|plus|but|oh|wow)[,!]? )*(?:it|this|that)(?: would|'d| will)"
        r"(?: \w+ly| also| even| just)? be (?:\w+ )?(?:awesome|great|amazing|cool|nice|good"
        r"|fantastic|brilliant|perfect|ideal|wonderful|excellent|helpful|useful|handy|sweet"
        r"|lovely)\W*$",
        0.5,
    ),
    _rule(
        "already possible",
        r"\b(?:you can already|you could already|it(?: is|'s) already (?:possible|there"
        r"|available|supported)|there(?: is|'s) already (?:a|an|the)|already (?:exists|works"
        r"|supported|available)|is already in)\b",
        0.5,
    ),
    _rule(
        "how-to question",
        r"\b(?:how (?:do|can|could|should|would|did) (?:i|we|you|one|u)|how to|does "
        r"(?:anyone|anybody|somebody|someone) know|anyone know|anybody know|where "
        r"(?:can|do|is|are) (?:i|we|the)|what is the best way|is it normal|how many|how much"
        r"|(?:tell|show) me how|explain how|help me|any help)\b",
        0.45,
    ),
    _rule(
        "want to know",
        r"\b(?:would|'d) like to (?:know|ask|understand|report|thank|share)\b|\bwondering "
        r"(?:how|if|whether|why|what)\b|\bi (?:was|am) wondering\b",
        0.45,
    ),
    _rule(
        "bug report",
        r"\b(?:crash(?:es|ed|ing)?|error(?: code)?(?: \d+)?|bug(?:s|gy)?|freez"
        r"(?:e|es|ing)|froze|hangs|doesn't work|does not work|isn't working|not working"
        r"|stopped working|won't (?:open|load|start|sync|work)|broken|fails?|failed"
        r"|glitch(?:es|y)?|unusable|keeps (?:crashing|closing|freezing))\b",
        0.3,
    ),
    _rule(
        "thanks",
        r"\b(?:thanks?|thank you|thx|kudos)(?: so much| a lot| very much| again)? "
        r"(?:for|to)\b|\b(?:great|good|nice|awesome|excellent) (?:job|work|update|app)\b"
        r"|\bkeep up the\b|\bi (?:really |just |absolutely )?(?:love|like|enjoy) "
        r"(?:this|the|it|your)\b|\bwell done\b|^just (?:wanted|want) to (?:say|leave|share|drop)\b",
        0.5,
    ),
    _rule(
        "past report",
        r"(?<!\bif )(?<!\bwish )(?<!\bhope )(?<!\bthat )\b(?:i|we|they|you|he|she|it"
        r"|microsoft|google|apple) (?:just |finally |already |recently |have |has |had )*"
        r"(?:added|implemented|introduced|released|fixed|created|made|installed|tried"
        r"|bought|used|updated|downloaded|was|were)\b|\b(?:has|have|had) (?:been )?"
        r"(?:just |finally |already |recently )?(?:added|implemented|introduced|released"
        r"|fixed)\b|\b(?:was|were) (?:just |finally |already |recently )?"
        r"(?:added|implemented|introduced|released|fixed)\b",
        0.4,
    ),
    _rule(
        "i wish i had known",
        r"\bi wish i (?:had|would have|'d have|'d known|knew|could have|was|were|hadn't"
        r"|didn't|never|\w+ed)\b",
        0.9,
    ),
    _rule(
        "counterfactual",
        r"\b(?:should|could|would|must)(?: have|'ve) (?:been|known|read|checked|listened"
        r"|gone|stayed|booked|had)\b|\bshould (?:i|we)\b|\bi should\b",
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
        r"\bil (?:vous )?faut (?:absolument |vraiment |aussi |juste )?(?:ajouter|rajouter"
        r"|pouvoir|integrer|proposer|permettre|developper|un |une |que vous|qu'on puisse"
        r"|qu'il y ait)",
        0.6,
    ),
    _rule(
        "ce serait",
        r"\b(?:ce|cela|c') ?serait (?:vraiment |tellement |tres |trop |plus |quand meme "
        rf"|franchement |aussi |encore |super |vachement )*(?:{_BIEN})\b",
        0.85,
    ),
    _rule(
        "ça serait",
        r"\bca serait (?:vraiment |tellement |tres |trop |plus |quand meme |franchement "
        rf"|aussi |encore |super |vachement )*(?:{_BIEN})\b",
        0.85,
    ),
    _rule(
        "serait bien",
        r"(?<!\bje )\b(?:serai(?:t|ent)?|aurai(?:t|ent) ete) (?:vraiment |tellement "
        r"|tres |trop |quand meme |franchement |aussi |super |la |le |les )*"
        rf"(?:{_BIEN}|bien ?venue?s?|apprecie(?:e|s|es)?|un vrai plus|un gros plus)\b",
        0.7,
    ),
    _rule(
        "pourquoi ne pas",
        r"\bpourquoi ne (?:pas|peut-on pas|pouvons-nous pas|pourrait-on pas)\b",
        0.75,
    ),
    _rule(
        "pourquoi pas",
        r"\bpourquoi pas (?:un |une |des |le |la |les |d'|ajouter|rajouter|mettre"
        r"|proposer|integrer|permettre|faire|creer|avoir|pouvoir)",
        0.7,
    ),
    _rule(
        "j'aimerais",
        r"\b(?:j'|on |nous )?aimerai(?:s|t|ons|ent)?\b(?! (?:bien )?(?:savoir|comprendre"
        r"|connaitre|signaler|remercier|dire|avoir une reponse|avoir des explications))",
        0.75,
    ),
    _rule("j'adorerais", r"\b(?:j'|on |nous )?adorerai(?:s|t|ons|ent)?\b", 0.75),
    _rule(
        "je souhaiterais",
        r"\b(?:je |nous |on )?souhaiteri?(?:ais|ait|ons|ions|aient)\b(?! (?:bien )?"
        r"(?:savoir|comprendre|connaitre|signaler|remercier))",
        0.75,
    ),
    _rule(
        "je souhaiterais",
        r"\b(?:je|nous|on) souhaite(?:ons)? (?:pouvoir|que|qu'|avoir|un|une|l'ajout"
        r"|la possibilite|voir)\b",
        0.7,
    ),
    _rule(
        "je voudrais",
        r"\b(?:je|nous|on) (?:voudrai[st]?|voudrions) (?:bien |vraiment |juste |aussi )?"
        r"(?:pouvoir|qu'|que|avoir|un |une |voir|l'ajout|la possibilite|plus|des)",
        0.7,
    ),
    _rule(
        "j'aurais aimé",
        r"\b(?:j'|on )aurai[st]? (?:bien |vraiment |tellement )?(?:aime|voulu|adore"
        r"|prefere|apprecie)\b",
        0.6,
    ),
    _rule(
        "pourriez-vous",
        r"\b(?:pourriez|pourrais|pourrait|pourrions)[- ](?:vous|tu|on|t-on|il|nous)\b"
        r"(?! (?:me dire|m'expliquer|m'aider|expliquer|nous dire|repondre|verifier"
        r"|regarder))",
        0.7,
    ),
    _rule(
        # Not in a question for information: "Combien de carnets peut-on créer ?", "Où
        # peut-on ajouter une étiquette ?" ("Pourquoi ne peut-on pas ...?" stays a request).
        "pouvez-vous",
        r"^(?!(?:et |mais |alors |bonjour,? )?(?:combien|comment|ou|quand|quel(?:le)?s?"
        r"|lequel|laquelle|a quoi|qui)\b).*?"
        r"\b(?:pouvez|peux|peut|pouvons)[- ](?:vous|tu|on|t-on|nous) "
        rf"(?:svp |s'il vous plait |nous |aussi |enfin |juste )*(?:{_FR_VERBS}"
        r"|faire en sorte|penser a|nous (?:donner|permettre|proposer))\b",
        0.75,
    ),
    _rule(
        "serait-il possible",
        r"\bserait[- ](?:il|t-il|ce) (?:possible|envisageable|faisable|prevu)\b",
        0.85,
    ),
    _rule(
        "est-ce possible d'ajouter",
        r"\b(?:est-ce|est-il|est il|c'est|ce serait|serait) possible (?:d'|de )"
        r"(?:ajouter|rajouter|integrer|avoir (?:une|un|la) (?:option|possibilite"
        r"|fonction)|mettre|proposer|permettre|pouvoir)",
        0.75,
    ),
    _rule(
        "vous devriez",
        r"\b(?:vous|tu) (?:devriez|devrais|devez|pourriez|pourrais|pouvez) "
        r"(?:vraiment |aussi |peut-etre |quand meme |simplement |juste |plutot )*"
        r"(?:ajouter|rajouter|mettre|integrer|proposer|permettre|creer|pensez|penser"
        r"|faire|revoir|offrir|inclure|remettre|reflechir|developper|implementer|prevoir"
        r"|donner|corriger|ameliorer|rendre)\b",
        0.75,
    ),
    _rule("vous devriez", r"\bvous devriez\b", 0.65),
    _rule(
        "merci d'ajouter",
        r"\bmerci (?:de |d')(?:bien vouloir |nous )?(?:ajouter|rajouter|integrer|proposer"
        r"|permettre|prevoir|penser a (?:ajouter|rajouter|integrer|mettre)|mettre en "
        r"place|developper|creer|implementer|inclure)\b",
        0.8,
    ),
    _rule(
        "il manque",
        r"\b(?:il (?:y |me |nous )?manque(?! (?:toutes|tous|des donnees|mes|mon|ma|plein"
        r"|\d))|^manque (?!de (?:precision|fiabilite|stabilite|reactivite|fluidite"
        r"|serieux))|manque (?:juste|seulement|un peu|encore|cruellement|vraiment|plus"
        r"|toujours|quand meme|que|malheureusement))\b",
        0.6,
    ),
    _rule("il manquerait", r"\b(?:il (?:me |nous |lui )?)?manquerai(?:t|ent)\b", 0.7),
    _rule("il ne manque que", r"\bne manque (?:plus |juste |plus qu'|qu')", 0.7),
    _rule("suggestion :", r"\b(?:suggestion|idee|proposition|souhait|demande)s?\s*:", 0.8),
    _rule(
        "je propose",
        r"\b(?:je|nous) (?:vous )?(?:propose|suggere|proposerais|suggererais)\b"
        r"(?! (?:de (?:telecharger|desinstaller|reinstaller)))",
        0.65,
    ),
    _rule(
        "une suggestion",
        r"\b(?:une|ma|petite|petite suggestion|quelques) (?:suggestion"
        r"|idee d'amelioration|proposition d'amelioration)\b",
        0.65,
    ),
    _rule(
        "ajoutez",
        r"(?<!\bvous )(?<!\bvous l')(?<!\bnous )\b(?:ajoutez|rajoutez|proposez|permettez"
        r"|integrez|prevoyez|offrez|implementez|developpez)\b",
        0.6,
    ),
    _rule(
        "ajoutez",
        r"^(?:(?:et|svp|stp|alors|donc|merci|aussi|bref)[,!]? )*(?:ajoutez|rajoutez"
        r"|proposez|permettez|mettez|integrez|prevoyez|offrez|faites en sorte|developpez"
        r"|creez|implementez)\b",
        0.75,
    ),
    _rule(
        "svp ajoutez",
        rf"\b(?:svp|stp|s'il vous plait|s'il te plait|please)\b.*\b(?:{_FR_VERBS})\b|\b"
        rf"(?:{_FR_VERBS})\b.*\b(?:svp|stp|s'il vous plait|s'il te plait)\b",
        0.65,
    ),
    _rule(
        "ajouter une option",
        r"\b(?:r?ajout(?:er|ez)?|ajout d'|integration d'|integrer) (?:un |une |des |la "
        r"|le |d'un |d'une |l')?(?:option|possibilite|fonction|fonctionnalite|bouton"
        r"|parametre|mode|widget|reglage|choix)\b",
        0.65,
    ),
    _rule(
        "ce qui serait bien",
        r"\bce qui (?:serait|pourrait etre) (?:bien|top|super|genial|pratique|utile|cool"
        r"|interessant)\b",
        0.8,
    ),
    _rule("l'idéal serait", r"\bl'ideal (?:serait|ce serait|c'est|ca serait)\b", 0.85),
    _rule("idéalement", r"\bidealement\b", 0.6),
    _rule(
        "on devrait pouvoir",
        r"\b(?:on|nous|l'utilisateur|les utilisateurs) (?:devrait|devrions|devraient) "
        r"(?:pouvoir|avoir|etre capable)\b",
        0.8,
    ),
    _rule(
        "devrait",
        rf"{_NOT_PRODUCT_SUBJECT}\b(?:devrait|devraient|doit|doivent|faudrait) "
        r"(?:aussi |vraiment |pouvoir |etre possible de |absolument |egalement )*"
        r"(?:proposer|permettre|integrer|inclure|afficher|offrir|avoir|pouvoir|ajouter"
        r"|etre possible|montrer|synchroniser|prendre en compte|gerer)\b",
        0.6,
    ),
    _rule(
        "il serait bien de",
        r"\bil (?:serait|serai|sera) (?:vraiment |tres |tellement |quand meme |plus "
        rf"|aussi )*(?:{_BIEN}|necessaire|opportun) (?:de|d'|qu'|que)",
        0.85,
    ),
    _rule("à quand", r"^(?:mais )?a quand\b", 0.6),
    _rule(
        "à quand",
        r"^quand (?:sera|aura-t-on|aurons-nous|pourra-t-on|pourrons-nous"
        r"|est-ce qu'on pourra|verra-t-on)\b",
        0.55,
    ),
    _rule(
        "dommage que",
        r"\b(?:dommage|regrettable|decu|decue|je regrette) (?:qu'il n'y (?:ait|a) pas|qu'"
        r"(?:on|l'on) ne (?:puisse|peut|peux) (?:pas|que)|de ne pas (?:pouvoir|avoir)"
        r"|qu'il n'y ait|que l'on ne (?:puisse|peut))",
        0.6,
    ),
    _rule(
        "dommage que",
        r"\b(?:dommage|regrettable) (?:qu'|que |de ne (?:pas|plus)|de pas|de ne pouvoir"
        r"|qu'on ne|qu'il n'y)",
        0.45,
    ),
    _rule("si seulement", r"\bsi seulement\b", 0.55),
    _rule(
        "mériterait",
        r"\bmeriterai(?:t|ent) (?:d'|de |un |une |des |plus|davantage|vraiment|bien)",
        0.6,
    ),
    _rule(
        "pourrait être amélioré",
        r"\b(?:pourrai(?:t|ent)|gagnerai(?:t|ent) a) (?:etre )?(?:ameliore|plus|mieux"
        r"|enrichi|complete)",
        0.5,
    ),
    _rule(
        "pourquoi pas de",
        r"\bpourquoi (?:n'y a-t-il pas|n'y a t il pas|il n'y a pas|pas de|ne peut-on pas"
        r"|on ne peut pas|ne pas pouvoir|ne pas avoir)\b",
        0.55,
    ),
    _rule(
        "bémol",
        r"\b(?:seul|petit|gros|unique|un) (?:bemol|regret|reproche|defaut|manque"
        r"|point negatif)\b",
        0.4,
    ),
    _rule(
        "pas de possibilité",
        r"\b(?:pas (?:de |d')(?:possibilite|option|fonction|export|mode)|ne permet pas "
        r"(?:de|d')|ne (?:pas |plus )?pouvoir|impossible (?:d'exporter|de programmer"
        r"|de creer|de personnaliser|de choisir))\b",
        0.35,
    ),
    _rule("peut mieux faire", r"\bpeut mieux faire\b", 0.4),
    _rule(
        "pensez à",
        r"\b(?:pensez|pense|penser|songez) a (?:ajouter|rajouter|mettre|integrer|proposer"
        r"|permettre|creer|faire)\b",
        0.75,
    ),
    _rule("faire en sorte", r"\bfaire en sorte (?:que|qu')\b", 0.55),
    _rule(
        "possibilité de",
        r"\b(?:donner|offrir|proposer|avoir|ajouter|laisser|permettre) "
        r"(?:la |une |plus de )?(?:possibilite|option|choix) (?:de|d')\b",
        0.6,
    ),
    _rule(
        "c'est prévu ?",
        r"\b(?:c'est|est-ce|est-il|serait-ce|sera-t-il|est-ce que c'est) (?:prevu|envisage"
        r"|envisageable|au programme)\b",
        0.55,
    ),
    _rule(
        "on pourrait avoir",
        r"\b(?:on|vous) pourrai(?:t|ez) (?:avoir|ajouter|rajouter|mettre|integrer|proposer"
        r"|permettre|pouvoir)\b",
        0.65,
    ),
    _rule("il serait possible", r"\bil serait (?:possible|envisageable) (?:de|d')", 0.7),
    _rule(
        "j'espère voir",
        r"\bj'espere (?:voir|que vous|qu'un jour|que la prochaine|qu'il y aura|bientot|avoir)\b",
        0.6,
    ),
    _rule("pensez-y", r"\bpensez[- ]y\b", 0.6),
    _rule("relancer l'idée", r"\b(?:relancer|proposer|soumettre) (?:l'|une |mon )idee\b", 0.6),
    _rule(
        "ça aiderait",
        r"\b(?:ca|cela|ce qui) (?:aiderait|eviterait|permettrait|simplifierait|faciliterait)\b",
        0.45,
    ),
    _rule(
        "toujours pas de",
        r"\b(?:toujours|encore) pas (?:de |d')(?:\w+ ){0,2}?(?:mode|option|version|appli"
        r"|application|correcteur|theme|export|import|widget|vue|fonction|fonctionnalite"
        r"|synchro|possibilite|support|client)\b",
        0.55,
    ),
)

_FR_NEGATIVE: tuple[_Rule, ...] = (
    _rule(
        # "Qu'est-ce que vous utilisez ?", "Quel est votre ... ?", "Si vous pouviez ..., que
        # ... ?"; not "Quelle idée ...", "Quel dommage ...", nor "Pourquoi ne pas ... ?".
        OPEN_QUESTION,
        _QUESTION_LEAD + r"(?:qu'est[- ]ce qu(?:e |')|qu'en (?:pensez|penses)\b|que (?:pensez"
        r"|penses|feriez|ferais|choisiriez|choisirais|faites|fais)\b|qui (?!d'autre\b)\w+"
        r"|quel(?:le)?s? (?!idee\b|dommage\b|plaisir\b|bonheur\b|horreur\b)\w+|si (?:vous"
        r"|tu|on|je)\b[^?]{0,200}?\b(?:que|qu'|quel|quelle|quels|quelles|qui|lequel|laquelle"
        r"|lesquel(?:le)?s)\b)[^?]*\?\W*$",
        0.5,
    ),
    _rule(
        # "Dans Réglages > Calendrier ...", "Sur iPad : appuyez longuement sur la note, puis ..."
        INSTRUCTIONS,
        r"(?:^|\s)[a-z][\w-]{1,20} > [a-z]|^(?:[\w ]{1,20} ?: )?(?:il suffit d'|il suffit de"
        r" )?(?:appuyez|appuyer|cliquez|cliquer|allez|aller|ouvrez|ouvrir|touchez|toucher"
        r"|faites un appui long|maintenez) .*\b(?:puis|ensuite)\b",
        0.3,
    ),
    _rule(
        # "Cela permettrait de ...", "Ça nous éviterait ..."; not "Ça aiderait si ...".
        BENEFIT,
        r"^(?:(?:et|donc|puis|aussi|mais|idealement)[,]? )*(?:ca|cela|ceci|ce qui|c')"
        r"(?: me| nous| vous| leur| lui| m'| t'| te)? ?(?!serait\b|faudrait\b|pourrait\b"
        r"|devrait\b)\w+(?:rait|ra)\b(?! si\b)",
        0.5,
    ),
    _rule(
        # "Ce serait génial !", said of a change named before; not "Ce serait bien de ...".
        APPROVAL_ONLY,
        r"^(?:(?:et|donc|puis|aussi|mais|oh|franchement)[,!]? )*(?:ca|cela|ce|c') ?serait"
        r"(?: \w+ment| vraiment| trop| tellement| juste)? (?:genial|top|super|parfait|ideal"
        r"|pratique|utile|cool|formidable|excellent|bien|chouette|geant)\W*$",
        0.5,
    ),
    _rule(
        "already possible",
        r"\b(?:(?:c'est|c est) deja (?:possible|la|disponible|prevu)|on peut deja|vous pouvez"
        r" deja|tu peux deja|il y a deja (?:un|une|le|la)|existe deja|est deja (?:possible"
        r"|disponible|la))\b",
        0.5,
    ),
    _rule(
        "how-to question",
        r"\b(?:combien|comment (?:faire|fait-on|fait on|puis-je|puis je|on fait|je fais|faut-il"
        r"|peut-on|peut on|activer|desactiver|supprimer|on peut|je peux|modifier|changer"
        r"|recuperer)|est-ce que quelqu'un|quelqu'un (?:sait|saurait|a une|aurait|peut)"
        r"|si quelqu'un|une idee \?|quelqu'un a)\b",
        0.45,
    ),
    _rule(
        "want to know",
        r"\b(?:j'aimerai[st]?|je voudrai[st]?|je souhaiterai[st]?|je souhaite) (?:bien )?"
        r"(?:savoir|comprendre|connaitre|signaler|remercier)\b",
        0.45,
    ),
    _rule(
        "bug report",
        r"\b(?:ne (?:fonctionne|marche|s'ouvre|se lance|synchronise|se synchronise|charge"
        r"|repond|se connecte|s'affiche)(?:nt)? (?:plus|pas)|plante(?:nt)?|plantage|crash"
        r"(?:e|es|ent)?|bug(?:s|ge|gue|gs)?|beug(?:ue|e)?|erreur|bloque(?:e)?|impossible "
        r"de|freeze|ne repond plus|ne fonctionne plus|ne marche plus)\b",
        0.3,
    ),
    _rule(
        "fix request",
        r"\b(?:probleme|problemes|souci|soucis|corriger|resoudre|remedier|reparer|retablir"
        r"|revenir a l'ancienne|regler (?:ce|ces|cette|ca|cela|vite|rapidement|au plus vite|le "
        r"(?:probleme|souci|bug)|les (?:problemes|soucis|bugs)))\b",
        0.35,
    ),
    _rule(
        "thanks",
        r"\bmerci (?:pour|d'avoir|beaucoup pour|a vous pour|a l'equipe)\b|\bbravo\b"
        r"|\bj'adore (?:cette|l'appli|l'application|votre)\b|\bfelicitations\b|\bbon "
        r"travail\b",
        0.5,
    ),
    _rule(
        "past report",
        r"(?<!\bsi )\b(?:ont|a|avez|as|ai|avons) (?:enfin |bien |deja |recemment "
        r"|finalement )?(?:ajoute|rajoute|integre|mis en place|ajoutee|corrige|installe"
        r"|essaye|teste|achete)\b",
        0.4,
    ),
)

_LANG_RULES: dict[str, tuple[tuple[_Rule, ...], tuple[_Rule, ...]]] = {
    "en": (_EN_RULES, _EN_NEGATIVE),
    "fr": (_FR_RULES, _FR_NEGATIVE),
}


def noisy_or(weights: list[float]) -> float:
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


def cue_evidence(sentence: str, language: str) -> tuple[dict[str, float], dict[str, float]]:
    """The positive cues and the negative evidence (how-to question, bug report, thanks...)
    that fire on one sentence, each with its weight; ``language`` as in detect_suggestion."""
    positives, negatives = _evidence(sentence or "", language)
    return dict(positives), dict(negatives)


def clear_evidence_cache() -> None:
    """Forget the memoised rule evidence (benchmarks time cold runs with it)."""
    _evidence.cache_clear()
    normalize_cues.cache_clear()


@lru_cache(maxsize=1 << 15)
def _evidence(sentence: str, language: str) -> tuple[tuple, tuple]:
    """cue_evidence as tuples, memoised: enrich asks twice per sentence (the rules' verdict,
    then the classifier's rule features), and the regular expressions are most of the cost."""
    text = normalize_cues(sentence)
    positives: dict[str, float] = {}
    negatives: dict[str, float] = {}
    if not text:
        return (), ()
    for lang in [language] if language in _LANG_RULES else list(_LANG_RULES):
        pos_rules, neg_rules = _LANG_RULES[lang]
        for name, weight in _fire(pos_rules, text).items():
            positives[name] = max(positives.get(name, 0.0), weight)
        for name, weight in _fire(neg_rules, text).items():
            negatives[name] = max(negatives.get(name, 0.0), weight)
    if APPROVAL_ONLY in negatives:
        positives = {}
    elif BENEFIT in negatives or OPEN_QUESTION in negatives:
        # "This would allow ..." also fires the weak cues written for "It would help if ...",
        # and "What movie should be ...?" those for "It should be ..."; only a strong cue
        # ("..., so please add it") still makes it a request.
        positives = {n: w for n, w in positives.items() if w >= STRONG_CUE}
    return tuple(positives.items()), tuple(negatives.items())


def verdict_from(positives: dict[str, float], negatives: dict[str, float]) -> SuggestionVerdict:
    """score = noisy-OR(positive cues) - noisy-OR(negative evidence), clipped to [0, 1]."""
    if not positives:
        return SuggestionVerdict(False, 0.0, None)
    score = noisy_or(list(positives.values())) - noisy_or(list(negatives.values()))
    score = round(min(1.0, max(0.0, score)), 3)
    cue = max(positives.items(), key=lambda item: item[1])[0]
    return SuggestionVerdict(score >= SUGGESTION_THRESHOLD, score, cue)


def detect_suggestion(sentence: str, language: str) -> SuggestionVerdict:
    """Score one sentence; ``language`` is "en", "fr" or "und" (anything else: both rule sets).

    score = noisy-OR(positive cues) - noisy-OR(negative evidence), clipped to [0, 1].
    """
    return verdict_from(*cue_evidence(sentence, language))


#: A request whose object is only a pronoun or "one" ("Please consider it.", "If not, please
#: add one!", "Pourriez-vous l'ajouter ?"): what it asks for is in the sentence before.
_REFERS_BACK = re.compile(
    r"^(?:if not|if so|otherwise|sinon|si non)\b"
    r"|\b(?:consider|add|support|implement|ship|build|offer|do|bring|get|have|want|need|see"
    r"|love|prioriti[sz]e)\s+(?:it|this|that|them|one)\s*(?:[.!?,;:)]|$|too\b|as well\b"
    r"|for\b|in\b|before\b|soon\b|please\b|asap\b|next\b)"
    r"|\b(?:for|of) (?:it|this|that)\s*(?:[.!?,;:]|$|in settings\b)"
    r"|\b(?:l'|les |la |le |en )(?:ajouter|rajouter|proposer|integrer|implementer|prevoir"
    r"|envisager|mettre|faire|avoir|sortir|prioriser)\b"
    r"|\bpensez-y\b|^c'est prevu\b"
)


def refers_back(sentence: str) -> bool:
    """True for a request whose subject is only a pronoun ("Please consider it."), in
    English or French: grouping needs the sentence before it."""
    return bool(_REFERS_BACK.search(normalize_cues(sentence)))
