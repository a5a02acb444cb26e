"""The classifier's cheap first stage: a lexical logistic regression that clears sentences the
suggestion classifier would almost surely reject, before any embedding is computed.

Embedding every candidate sentence is most of the detection's cost. This stage reads only
the words and the rules' evidence: lowercased word unigrams and bigrams (plus a question-mark
token), hashed into ``buckets`` slots, and the classifier's rule features (computed anyway),
weighted and summed. It is *distilled* from the full classifier: trained to
predict the classifier's own decisions on the training sentences, with the cutoff set from
cross-validated scores so that it keeps ``target_recall`` of the sentences the classifier
accepts (:func:`fit_prefilter`, used by ``ideas train-classifier``). A sentence under the
cutoff is decided "not a suggestion" without being embedded; a sentence the rules alone
call a suggestion always goes on to the classifier.

The weights travel inside the classifier's JSON (key ``prefilter``), as float16 in base64.
Inference is plain Python and numpy.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["DEFAULT_BUCKETS", "LexicalPrefilter", "fit_prefilter", "hashed_ngrams"]

DEFAULT_BUCKETS = 1 << 15
_WORD = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)?|\d+", re.UNICODE)


def hashed_ngrams(sentence: str, buckets: int) -> list[int]:
    """Bucket ids of the sentence's word unigrams and bigrams (lowercased; "?" is a token)."""
    text = sentence.lower().replace("’", "'")
    words = _WORD.findall(text)
    if "?" in text:
        words.append("<?>")
    grams = words + [f"{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    return [zlib.crc32(g.encode("utf-8")) % buckets for g in grams]


@dataclass
class LexicalPrefilter:
    coef: np.ndarray  # one weight per hash bucket
    rule_coef: np.ndarray  # one per rule feature (transforms.classifier.RULE_FEATURES)
    intercept: float
    cutoff: float
    info: dict

    @property
    def buckets(self) -> int:
        return len(self.coef)

    def scores(self, sentences: Sequence[str], rules: np.ndarray) -> np.ndarray:
        """Logits (not probabilities) of the sentences, given their rule features (one row
        each); compare with ``cutoff``."""
        coef = self.coef
        lexical = np.array(
            [float(coef[hashed_ngrams(s, self.buckets)].sum()) for s in sentences],
            dtype=np.float64,
        )
        return self.intercept + lexical + np.asarray(rules, np.float64) @ self.rule_coef

    def keep(self, sentences: Sequence[str], rules: np.ndarray) -> np.ndarray:
        """True for each sentence that must go on to the classifier."""
        return self.scores(sentences, rules) >= self.cutoff

    def to_json(self) -> dict:
        packed = base64.b64encode(self.coef.astype("<f2").tobytes()).decode("ascii")
        return {
            "buckets": self.buckets,
            "rule_coef": [round(float(c), 5) for c in self.rule_coef],
            "intercept": round(float(self.intercept), 6),
            "cutoff": round(float(self.cutoff), 6),
            "coef_f16_base64": packed,
            "info": self.info,
        }

    @classmethod
    def from_json(cls, data: dict) -> LexicalPrefilter:
        """Raises KeyError/TypeError/ValueError on a malformed entry (the caller names the file)."""
        coef = np.frombuffer(base64.b64decode(data["coef_f16_base64"]), dtype="<f2")
        if len(coef) != int(data["buckets"]) or not np.all(np.isfinite(coef)):
            raise ValueError("prefilter weights do not match its bucket count")
        return cls(
            coef=coef.astype(np.float32),
            rule_coef=np.asarray(data["rule_coef"], dtype=np.float64),
            intercept=float(data["intercept"]),
            cutoff=float(data["cutoff"]),
            info=dict(data.get("info") or {}),
        )


def _matrix(sentences: Sequence[str], rules: np.ndarray, buckets: int):
    """[hashed n-gram counts | rule features], sparse."""
    from scipy.sparse import csr_matrix, hstack

    indptr, indices = [0], []
    for s in sentences:
        indices += hashed_ngrams(s, buckets)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=np.float32)
    matrix = csr_matrix((data, indices, indptr), shape=(len(sentences), buckets))
    matrix.sum_duplicates()
    return hstack([matrix, csr_matrix(np.asarray(rules, np.float32))]).tocsr()


def fit_prefilter(
    sentences: Sequence[str],
    rules: np.ndarray,
    accepted: Sequence[bool],
    *,
    target_recall: float = 0.99,
    buckets: int = DEFAULT_BUCKETS,
    c: float = 1.0,
    folds: int = 5,
    seed: int = 0,
) -> LexicalPrefilter | None:
    """Distil the classifier's decisions (``accepted``, one per sentence, whose rule features
    are the rows of ``rules``) into a prefilter.

    The cutoff is the logit that keeps ``target_recall`` of the accepted sentences under
    cross-validation (scores of sentences the fold's model never saw). None when there are
    too few accepted or rejected sentences to learn from (then nothing is filtered)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(accepted, dtype=int)
    if len(y) != len(sentences):
        raise ValueError("one decision per sentence is needed")
    counts = np.bincount(y, minlength=2)
    folds = min(folds, int(counts.min()))
    if folds < 2 or counts.min() < 20:
        return None
    x = _matrix(sentences, rules, buckets)

    def lr():
        return LogisticRegression(C=c, class_weight="balanced", max_iter=2000)

    held_out = np.zeros(len(y))
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(y, y):
        held_out[test] = lr().fit(x[train], y[train]).decision_function(x[test])
    accepted_scores = np.sort(held_out[y == 1])
    cutoff = float(accepted_scores[int(np.floor((1 - target_recall) * len(accepted_scores)))])
    model = lr().fit(x, y)
    kept = float(np.mean(held_out >= cutoff))
    weights = model.coef_[0]
    prefilter = LexicalPrefilter(
        coef=weights[:buckets].astype(np.float16).astype(np.float32),
        rule_coef=weights[buckets:].astype(np.float64),
        intercept=float(model.intercept_[0]),
        cutoff=cutoff,
        info={
            "target_recall": target_recall,
            "sentences": int(len(y)),
            "accepted": int(counts[1]),
            "kept_share_cv": round(kept, 4),
            "recall_cv": round(float(np.mean(accepted_scores >= cutoff)), 4),
        },
    )
    return prefilter
