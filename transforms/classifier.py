"""Sentence-level suggestion classifier: logistic regression on a sentence embedding plus the
rule detector's evidence, combined with the rules by a small policy. Inference is numpy only.

Features of one sentence (see :func:`rule_features` for the rule part):

- the unit embedding of the sentence by the model named in the weights file (by default
  ``bundled:use-multilingual-v3``, English and French in one space);
- optionally the unit mean of the embeddings of the item's candidate sentences (the item as
  context: a sentence in a review that asks for things reads differently);
- the rule detector's score, whether a request cue fired, whether the rules alone decide yes,
  the language (en / fr), a question mark and the sentence length.

Decision (:meth:`SuggestionClassifier.decide`): a rule score at or above ``rule_decides``
is a suggestion whatever the classifier says (a strong explicit request); otherwise the
classifier's probability must reach ``threshold``. Two cheap first stages spare the
embedding: sentences shorter than the configured minimum never reach the classifier, and the
lexical prefilter stored with the weights (:mod:`transforms.prefilter`) clears most sentences
the classifier would reject; a sentence with a request cue always goes on.

Weights are a small JSON file (see :meth:`SuggestionClassifier.to_json`); the shipped one is
``transforms/suggestion_model/suggestion_classifier.json`` (trained on Mini-BAR only, MIT; see
the model card beside it). ``ideas train-classifier`` writes new ones from a user's labels.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

from transforms.prefilter import LexicalPrefilter
from transforms.suggestions import (
    APPROVAL_ONLY,
    BENEFIT,
    INSTRUCTIONS,
    OPEN_QUESTION,
    SUGGESTION_THRESHOLD,
    cue_evidence,
    noisy_or,
    normalize_cues,
    verdict_from,
)

__all__ = [
    "BUNDLED",
    "FORMAT",
    "RULE_FEATURES",
    "ClassifierError",
    "SuggestionClassifier",
    "build_features",
    "load_classifier",
    "rule_features",
    "unit_mean",
]

FORMAT = "idea-harvester/suggestion-classifier/v1"
BUNDLED = "bundled"
RULE_FEATURES = (
    "rule_score",
    "rule_cue",
    "rule_yes",
    "rule_negative",
    "howto_question",
    "lang_en",
    "lang_fr",
    "question",
    "length",
)
_RULE_SCORE, _RULE_CUE, _HOWTO_Q, _QUESTION = (
    RULE_FEATURES.index(n) for n in ("rule_score", "rule_cue", "howto_question", "question")
)
#: Negative rules whose sentences are not requests whatever the embedding says (the
#: ``howto_question`` feature and the veto): a question about how to do something, and a
#: statement that the feature already exists ("You can already export ..."), and a statement
#: of what a change would bring ("This would save us time.", "That would be awesome!"), and
#: directions for doing something today ("Exclude it under Settings > Apps > Battery.").
_VETOED_NEGATIVES = frozenset(
    {
        "how-to question",
        "want to know",
        "already possible",
        BENEFIT,
        APPROVAL_ONLY,
        INSTRUCTIONS,
        OPEN_QUESTION,
    }
)
#: How-to questions the rules do not list: "Comment déplacer une note ?" (on normalised text).
#: A short lead-in before a colon ("Question sans doute bête : comment ...").
_LEAD_IN = r"(?:[^:?!.]{1,40} ?: )?"
_HOWTO_EXTRA = re.compile(
    rf"^{_LEAD_IN}(?:et |mais |bonjour,? )?comment "
    r"(?:\w+(?:er|ir|re)|je|j'|on|peut-on|puis-je|fait-on)\b"
    rf"|^{_LEAD_IN}how (?:do|can|could|would|should|to|does)\b"
)
#: Questions that ask for information, not for a change (with a question mark, on normalised
#: text): "Does the calendar show ...?", "Is there a limit ...?", "Y a-t-il ...?", "La vue
#: est-elle disponible ...?". Like how-to questions, they are vetoed unless a request cue fires.
#: "Is there a way / any plans ...?" and "Do you plan ...?" stay open: they often ask for one.
_INFO_QUESTION = re.compile(
    rf"^{_LEAD_IN}(?:(?:and|but|so|also|hi|hello|hey|bonjour|et|mais|sinon"
    r"|petite question)[,:!]? )*"
    r"(?:(?:does|do|did|is|are|was|were|has|have) (?:the|it|this|that|there|anyone|anybody"
    r"|someone|my|an?)\b(?! (?:an? |any )?(?:way|plans?|chance|option to)\b)"
    r"|(?:what|which|where|when|who) (?:is|are|was|were|does|do|did)\b"
    r"|how (?:many|much|long|often)\b"
    r"|y a-t-il\b|combien\b|quel(?:le)?s? (?:est|sont)\b|ou (?:est|sont|se trouve)\b"
    r"|est-ce qu(?:e |')(?:il y a|c'est|la |le |les |l')"
    r"|(?:la|le|les|l') ?[^?]{0,60}\b(?:est|sont)-(?:il|elle)s?\b"
    r"|(?:what|which) (?:\w+ )?do (?:you|people|others) use\b|(?:vous|tu) (?:utilisez|utilises)"
    r" quoi\b)"
)

Embed = Callable[[list[str]], np.ndarray]


class ClassifierError(Exception):
    """The weights file is missing or malformed; the message names the file and the problem."""


def rule_features(sentence: str, language: str) -> np.ndarray:
    """The rule detector's evidence about one sentence, as the numbers of ``RULE_FEATURES``."""
    positives, negatives = cue_evidence(sentence, language)
    verdict = verdict_from(positives, negatives)
    words = len(sentence.split())
    return np.array(
        [
            verdict.score,
            1.0 if verdict.cue else 0.0,
            1.0 if verdict.score >= SUGGESTION_THRESHOLD else 0.0,
            noisy_or(list(negatives.values())),
            1.0 if _VETOED_NEGATIVES & negatives.keys() or _asks_how_or_what(sentence) else 0.0,
            1.0 if language == "en" else 0.0,
            1.0 if language == "fr" else 0.0,
            1.0 if "?" in sentence else 0.0,
            min(words, 60) / 60.0,
        ],
        dtype=np.float32,
    )


def _asks_how_or_what(sentence: str) -> bool:
    """A how-to question, or (with a question mark) a question for information."""
    text = normalize_cues(sentence)
    return bool(_HOWTO_EXTRA.search(text) or ("?" in sentence and _INFO_QUESTION.search(text)))


def unit_mean(vectors: np.ndarray) -> np.ndarray:
    mean = vectors.mean(axis=0) if len(vectors) else np.zeros(vectors.shape[1], np.float32)
    norm = float(np.linalg.norm(mean))
    return (mean / norm if norm > 0 else mean).astype(np.float32)


def build_features(
    sentence_vectors: np.ndarray,
    rules: np.ndarray,
    context_vectors: np.ndarray | None,
) -> np.ndarray:
    """[sentence embedding | context embedding (if used) | rule features], one row each."""
    parts = [sentence_vectors]
    if context_vectors is not None:
        parts.append(context_vectors)
    parts.append(rules)
    return np.hstack(parts).astype(np.float32)


@dataclass
class SuggestionClassifier:
    model_id: str
    coef: np.ndarray
    intercept: float
    threshold: float = 0.5
    rule_decides: float | None = None
    veto_howto: bool = True
    question_threshold: float | None = None
    use_context: bool = False
    info: dict = field(default_factory=dict)
    #: The cheap first stage; None (or a classifier with context) embeds every candidate.
    prefilter: LexicalPrefilter | None = None

    @property
    def dim(self) -> int:
        extra = len(RULE_FEATURES)
        return (len(self.coef) - extra) // (2 if self.use_context else 1)

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        logits = features.astype(np.float64) @ self.coef.astype(np.float64) + self.intercept
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -40, 40)))

    def decide(self, rules: np.ndarray, probability: float, threshold: float | None = None) -> bool:
        """The combination policy, given a sentence's ``rule_features`` and probability:

        1. a rule score at or above ``rule_decides`` (if set) is a suggestion;
        2. with ``veto_howto``, a how-to question without any request cue is not one;
        3. else the classifier's probability must reach the threshold.
        """
        if self.rule_decides is not None and rules[_RULE_SCORE] >= self.rule_decides:
            return True
        needed = self.needed_probability(rules, threshold)
        return needed is not None and bool(probability >= needed)

    def needed_probability(self, rules: np.ndarray, threshold: float | None = None) -> float | None:
        """The probability a sentence with these ``rule_features`` needs to be a suggestion
        (steps 2 and 3 of ``decide``); None when it cannot be one (a vetoed how-to question)."""
        if self.veto_howto and rules[_HOWTO_Q] and not rules[_RULE_CUE]:
            return None
        needed = self.threshold if threshold is None else threshold
        if self.question_threshold is not None and rules[_QUESTION] and not rules[_RULE_CUE]:
            needed = max(needed, self.question_threshold)
        return needed

    def decide_rows(self, features: np.ndarray) -> list[bool]:
        """``decide`` for each row of ``build_features`` (the rule features come last)."""
        probabilities = self.probabilities(features)
        rules = features[:, -len(RULE_FEATURES) :]
        return [self.decide(r, p) for r, p in zip(rules, probabilities, strict=True)]

    def passes_prefilter(self, sentences: Sequence[str], rules: np.ndarray) -> np.ndarray:
        """True for each sentence the classifier must see: all of them without a prefilter
        (or with context, which needs every sentence's vector); else those the prefilter
        keeps and those with a request cue."""
        if self.prefilter is None or self.use_context:
            return np.ones(len(sentences), dtype=bool)
        return self.prefilter.keep(sentences, rules) | (rules[:, _RULE_CUE] > 0)

    def score_sentences(
        self,
        sentences: Sequence[str],
        languages: Sequence[str],
        embed: Embed,
        groups: Sequence[object] | None = None,
        use_prefilter: bool = True,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(probabilities, rule features) of a batch; ``embed`` maps texts to unit vectors with
        this classifier's ``model_id`` (one call for the whole batch). ``groups`` (one key
        per sentence, e.g. the item id) defines each sentence's context. Sentences the
        prefilter clears are not embedded and get probability 0."""
        n = len(sentences)
        if n == 0:
            return np.zeros(0), np.zeros(0)
        rules = np.vstack(
            [rule_features(s, lang) for s, lang in zip(sentences, languages, strict=True)]
        )
        passed = (
            self.passes_prefilter(sentences, rules) if use_prefilter else np.ones(n, dtype=bool)
        )
        probabilities = np.zeros(n)
        if passed.any():
            rows = np.flatnonzero(passed)
            keys = None if groups is None else list(groups)
            probabilities[rows] = self._probabilities_of(
                [sentences[i] for i in rows],
                rules[rows],
                embed,
                None if keys is None else [keys[i] for i in rows],
            )
        return probabilities, rules

    def _probabilities_of(
        self,
        sentences: list[str],
        rules: np.ndarray,
        embed: Embed,
        groups: list[object] | None,
    ) -> np.ndarray:
        n = len(sentences)
        vectors = np.asarray(embed(sentences), dtype=np.float32)
        if vectors.shape != (n, self.dim):
            raise ClassifierError(
                f"the embedding model gave vectors of shape {vectors.shape}; the classifier "
                f"expects {self.dim} dimensions from {self.model_id}"
            )
        context = None
        if self.use_context:
            keys = list(groups) if groups is not None else list(range(n))
            members: dict[object, list[int]] = {}
            for i, key in enumerate(keys):
                members.setdefault(key, []).append(i)
            context = np.zeros_like(vectors)
            for rows in members.values():
                context[rows] = unit_mean(vectors[rows])
        return self.probabilities(build_features(vectors, rules, context))

    # --- persistence --------------------------------------------------------------------------

    def to_json(self) -> dict:
        return {
            "format": FORMAT,
            "model_id": self.model_id,
            "use_context": self.use_context,
            "rule_features": list(RULE_FEATURES),
            "threshold": round(float(self.threshold), 4),
            "rule_decides": None if self.rule_decides is None else float(self.rule_decides),
            "veto_howto": self.veto_howto,
            "question_threshold": self.question_threshold,
            "intercept": round(float(self.intercept), 6),
            "coef": [round(float(c), 5) for c in self.coef],
            "info": self.info,
            "prefilter": None if self.prefilter is None else self.prefilter.to_json(),
        }

    def save(self, path: Path) -> Path:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), ensure_ascii=False, indent=None) + "\n")
        return path

    @classmethod
    def from_json(cls, data: object, origin: str) -> SuggestionClassifier:
        def bad(problem: str) -> ClassifierError:
            return ClassifierError(f"{origin}: not a suggestion classifier weights file: {problem}")

        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise bad(f"expected format {FORMAT!r}")
        if list(data.get("rule_features") or []) != list(RULE_FEATURES):
            raise bad("its rule features differ from this version's; retrain it")
        try:
            coef = np.asarray(data["coef"], dtype=np.float64)
            rule_decides = data.get("rule_decides")
            clf = cls(
                model_id=str(data["model_id"]),
                coef=coef,
                intercept=float(data["intercept"]),
                threshold=float(data["threshold"]),
                rule_decides=None if rule_decides is None else float(rule_decides),
                veto_howto=bool(data.get("veto_howto", False)),
                question_threshold=(
                    None
                    if data.get("question_threshold") is None
                    else float(data["question_threshold"])
                ),
                use_context=bool(data.get("use_context", False)),
                info=dict(data.get("info") or {}),
            )
        except (KeyError, TypeError, ValueError) as err:
            raise bad(f"missing or invalid field ({err})") from None
        if data.get("prefilter") is not None:
            try:
                clf.prefilter = LexicalPrefilter.from_json(data["prefilter"])
            except (KeyError, TypeError, ValueError) as err:
                raise bad(f"its prefilter is damaged ({err}); retrain it") from None
        extra = len(coef) - len(RULE_FEATURES)
        if coef.ndim != 1 or extra <= 0 or (clf.use_context and extra % 2):
            raise bad(f"{len(coef)} weights do not fit its features")
        if not all(math.isfinite(c) for c in coef) or not 0 < clf.threshold < 1:
            raise bad("weights must be finite and the threshold in (0, 1)")
        return clf

    @classmethod
    def load(cls, path: Path) -> SuggestionClassifier:
        path = Path(path)
        if not path.is_file():
            raise ClassifierError(f"{path}: no such classifier weights file")
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as err:
            raise ClassifierError(f"{path}: not valid JSON ({err})") from None
        return cls.from_json(data, str(path))


def _bundled() -> SuggestionClassifier:
    ref = resources.files("transforms") / "suggestion_model" / "suggestion_classifier.json"
    return SuggestionClassifier.from_json(json.loads(ref.read_text(encoding="utf-8")), str(ref))


_CACHE: dict[str, tuple[float, SuggestionClassifier]] = {}


def load_classifier(name: str | Path) -> SuggestionClassifier:
    """``"bundled"`` (the shipped weights) or a path to a weights JSON; cached per file."""
    if str(name) == BUNDLED:
        if BUNDLED not in _CACHE:
            _CACHE[BUNDLED] = (0.0, _bundled())
        return _CACHE[BUNDLED][1]
    path = Path(name)
    mtime = path.stat().st_mtime if path.is_file() else -1.0
    cached = _CACHE.get(str(path))
    if cached is None or cached[0] != mtime:
        cached = (mtime, SuggestionClassifier.load(path))
        _CACHE[str(path)] = cached
    return cached[1]
