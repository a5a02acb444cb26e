"""``ideas train-classifier``: train the sentence-level suggestion classifier on labelled texts.

Inputs:
- a ``text,label`` CSV (1 = the text contains a suggestion), the format of ``ideas eval
  suggestions``; a text may hold several sentences (a whole review or comment);
- analysts' corrections in ``core.suggestion_labels`` (one sentence each, written by
  ``ideas label``), unless ``include_corrections`` is off.

Training decides per sentence while the labels are per text (multiple-instance learning, two
rounds): round 1 gives every sentence its text's label; round 2 keeps all sentences of
negative texts and, of each positive text, only the sentence round 1 finds most suggestive.
The model is scikit-learn's logistic regression; the weights file it writes is read with numpy
only (see transforms/classifier.py). Cross-validation (5 folds over texts) reports precision,
recall and F1 of class 1 at text level, deciding as the pipeline does.

By default the current classifier is *adapted* to the labels rather than replaced: the same
logistic regression, pulled towards the current weights (a Gaussian prior centred on them,
``DEFAULT_PRIOR_STRENGTH``), with the current classifier choosing each positive text's most
suggestive sentence. A few hundred labels from one channel then move the weights towards it
without losing what the current weights learnt from their own, larger training set, which a
user does not have; trained from scratch, the same labels give a far weaker classifier.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from idea_harvester.config import Settings
from idea_harvester.evaluation import EvalDataError, binary_label, binary_scores, read_rows
from transforms import embeddings
from transforms.classifier import (
    RULE_FEATURES,
    SuggestionClassifier,
    build_features,
    load_classifier,
    rule_features,
    unit_mean,
)
from transforms.language import detect_language_with_context
from transforms.prefilter import fit_prefilter
from transforms.text import html_to_text, split_sentences

Progress = Callable[[str], None]

DEFAULT_C = 0.3
#: Chosen by 5-fold cross-validation on the shipped training data (F1 0.728 at 0.7, 0.718 at 0.6).
DEFAULT_THRESHOLD = 0.7
DEFAULT_RULE_DECIDES: float | None = None
DEFAULT_VETO_HOWTO = True
#: A question without a request cue needs this probability (forums ask many questions).
DEFAULT_QUESTION_THRESHOLD: float | None = 0.85
#: Share of the classifier's own suggestions the lexical prefilter must keep (cross-validated).
DEFAULT_PREFILTER_RECALL = 0.99
#: How strongly adapting keeps the current weights: an L2 pull towards them, against the loss
#: summed over the labelled sentences (so more labels weigh more). Adapting the shipped weights
#: to 50-800 reviews of an app they never saw, or to SemEval A's forum sentences, scored alike
#: from 1 to 3 (docs/quality-research.md, tenth session).
DEFAULT_PRIOR_STRENGTH = 2.0


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass(frozen=True)
class LabelledText:
    """One labelled unit: its candidate sentences (with languages) and its label."""

    sentences: tuple[str, ...]
    languages: tuple[str, ...]
    label: int
    origin: str = "csv"


def split_text(text: str, min_chars: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The candidate sentences of a text (as enrich cuts them) and their languages."""
    plain = html_to_text(text)
    sentences = [s for s in split_sentences(plain) if len(s) >= min_chars]
    return tuple(sentences), tuple(detect_language_with_context(s, plain) for s in sentences)


def texts_from_csv(path: Path, min_chars: int) -> list[LabelledText]:
    rows = read_rows(Path(path), ("text", "label"))
    out = []
    for line, row in enumerate(rows, start=2):
        label = binary_label(path, line, row["label"])
        sentences, languages = split_text(row["text"], min_chars)
        if sentences:
            out.append(LabelledText(sentences, languages, label))
    return out


def texts_from_corrections(warehouse: Path, min_chars: int) -> list[LabelledText]:
    """Analysts' sentence labels from ``core.suggestion_labels`` (none if no warehouse)."""
    from warehouse.db import connect

    if not Path(warehouse).exists():
        return []
    with connect(Path(warehouse), read_only=True) as con:
        exists = con.execute(
            "SELECT count(*) FROM information_schema.tables "
            "WHERE table_schema = 'core' AND table_name = 'suggestion_labels'"
        ).fetchone()[0]
        if not exists:
            return []
        rows = con.execute(
            "SELECT sentence_text, language, is_suggestion FROM core.suggestion_labels "
            "ORDER BY sentence_id"
        ).fetchall()
    return [
        LabelledText((text,), (language,), int(flag), "correction")
        for text, language, flag in rows
        if len(text) >= min_chars
    ]


class _Featurizer:
    """Embeds every distinct sentence once, then builds feature rows per labelled text."""

    def __init__(self, texts: Sequence[LabelledText], model_id: str, batch_size: int,
                 progress: Progress) -> None:  # fmt: skip
        unique = sorted({s for t in texts for s in t.sentences})
        progress(f"embedding {len(unique)} distinct sentences with {model_id}")
        vectors = embeddings.encode(
            model_id,
            unique,
            batch_size=batch_size,
            progress=lambda done, total: (
                progress(f"  embedded {done}/{total}")
                if done == total or done % (batch_size * 20) == 0
                else None
            ),
        )
        self._row = {s: i for i, s in enumerate(unique)}
        self._vectors = vectors
        self._rules = {
            (s, lang): rule_features(s, lang)
            for t in texts
            for s, lang in zip(t.sentences, t.languages, strict=True)
        }

    def rows(self, text: LabelledText, use_context: bool) -> np.ndarray:
        vectors = self._vectors[[self._row[s] for s in text.sentences]]
        rules = np.vstack(
            [self._rules[key] for key in zip(text.sentences, text.languages, strict=True)]
        )
        context = np.repeat(unit_mean(vectors)[None], len(vectors), 0) if use_context else None
        return build_features(vectors, rules, context)


@dataclass(frozen=True)
class _Fitted:
    """Weights in scikit-learn's layout (what ``_classifier`` reads)."""

    coef_: np.ndarray  # (1, features)
    intercept_: np.ndarray  # (1,)


def _adapt(prior: SuggestionClassifier, x: np.ndarray, y: np.ndarray, strength: float) -> _Fitted:
    """Logistic regression with balanced class weights and a Gaussian prior centred on
    ``prior``'s weights (maximum a posteriori, L-BFGS)."""
    from scipy.optimize import minimize

    w0 = np.append(prior.coef, prior.intercept).astype(np.float64)
    x1 = np.hstack([x.astype(np.float64), np.ones((len(x), 1))])
    y = y.astype(np.float64)
    weight = np.where(y == 1, 0.5 / y.mean(), 0.5 / (1 - y.mean()))

    def loss_and_gradient(w: np.ndarray) -> tuple[float, np.ndarray]:
        z = x1 @ w
        loss = np.sum(weight * (np.logaddexp(0, z) - y * z)) + strength * np.sum((w - w0) ** 2)
        p = 0.5 * (1 + np.tanh(z / 2))  # the logistic function, without overflow
        return float(loss), x1.T @ (weight * (p - y)) + 2 * strength * (w - w0)

    w = minimize(loss_and_gradient, w0, jac=True, method="L-BFGS-B").x
    return _Fitted(w[None, :-1], w[-1:])


def _fit(
    features: list[np.ndarray],
    labels: list[int],
    c: float,
    prior: SuggestionClassifier | None = None,
    strength: float = DEFAULT_PRIOR_STRENGTH,
):
    """Fit on per-text feature rows; with ``prior``, adapt its weights (see the module)."""
    from sklearn.linear_model import LogisticRegression

    def lr(x: np.ndarray, y: np.ndarray):
        return LogisticRegression(C=c, class_weight="balanced", max_iter=3000).fit(x, y)

    if len(set(labels)) < 2:
        raise EvalDataError("training needs both labels: some 1 (suggestion) and some 0")
    if prior is not None:
        xs, ys = [], []
        for f, y in zip(features, labels, strict=True):
            if y == 1 and len(f) > 1:
                f = f[[int(np.argmax(prior.probabilities(f)))]]
            xs.append(f)
            ys += [y] * len(f)
        return _adapt(prior, np.vstack(xs), np.asarray(ys), strength)
    # Round 1: every sentence carries its text's label.
    x1 = np.vstack(features)
    y1 = np.concatenate([[y] * len(f) for f, y in zip(features, labels, strict=True)])
    first = lr(x1, y1)
    # Round 2: a positive text keeps only its most suggestive sentence.
    xs, ys = [], []
    for f, y in zip(features, labels, strict=True):
        if y == 1 and len(f) > 1:
            f = f[[int(np.argmax(first.predict_proba(f)[:, 1]))]]
        xs.append(f)
        ys += [y] * len(f)
    return lr(np.vstack(xs), np.asarray(ys))


def _classifier(model, model_id: str, threshold: float, rule_decides: float | None,
                use_context: bool, info: dict, veto_howto: bool = DEFAULT_VETO_HOWTO,
                question_threshold: float | None = DEFAULT_QUESTION_THRESHOLD,
                ) -> SuggestionClassifier:  # fmt: skip
    return SuggestionClassifier(
        model_id=model_id,
        coef=model.coef_[0].astype(np.float64),
        intercept=float(model.intercept_[0]),
        threshold=threshold,
        rule_decides=rule_decides,
        veto_howto=veto_howto,
        question_threshold=question_threshold,
        use_context=use_context,
        info=info,
    )


def _like(prior: SuggestionClassifier, model, info: dict) -> SuggestionClassifier:
    """New weights under ``prior``'s decision policy (thresholds, vetoes, model)."""
    return _classifier(
        model, prior.model_id, prior.threshold, prior.rule_decides, prior.use_context, info,
        prior.veto_howto, prior.question_threshold,
    )  # fmt: skip


def predict_texts(clf: SuggestionClassifier, features: list[np.ndarray]) -> list[int]:
    """Text-level decisions: a text is a suggestion when any of its sentences is."""
    return [int(any(clf.decide_rows(f))) for f in features]


def cross_validate(
    features: list[np.ndarray], labels: list[int], c: float, threshold: float,
    rule_decides: float | None, folds: int = 5, seed: int = 0,
    veto_howto: bool = DEFAULT_VETO_HOWTO, prior: SuggestionClassifier | None = None,
) -> dict[str, float]:  # fmt: skip
    """Text-level P/R/F1 of class 1 over stratified folds (skipped if a class is too rare).
    With ``prior`` each fold adapts it (its policy decides), and ``prior_f1`` is what the
    prior itself scores on the same texts."""
    from sklearn.model_selection import StratifiedKFold

    y = np.asarray(labels)
    folds = min(folds, int(np.bincount(y, minlength=2).min()))
    if folds < 2:
        return {}
    predicted = np.zeros(len(y), dtype=int)
    for train, test in StratifiedKFold(folds, shuffle=True, random_state=seed).split(y, y):
        model = _fit([features[i] for i in train], [labels[i] for i in train], c, prior)
        if prior is None:
            clf = _classifier(model, "", threshold, rule_decides, False, {}, veto_howto)
        else:
            clf = _like(prior, model, {})
        predicted[test] = predict_texts(clf, [features[i] for i in test])
    scores = {**binary_scores(labels, predicted.tolist()), "folds": folds}
    if prior is not None:
        scores["prior_f1"] = binary_scores(labels, predict_texts(prior, features))["f1"]
    return scores


def distil_prefilter(
    clf: SuggestionClassifier,
    texts: Sequence[LabelledText],
    features: list[np.ndarray],
    target_recall: float = DEFAULT_PREFILTER_RECALL,
):
    """The lexical first stage, trained to predict ``clf``'s decisions on the training
    sentences (each distinct sentence once); None when they are too few."""
    decided: dict[str, tuple[np.ndarray, bool]] = {}
    for text, rows in zip(texts, features, strict=True):
        for sentence, row, yes in zip(text.sentences, rows, clf.decide_rows(rows), strict=True):
            decided[sentence] = (row[-len(RULE_FEATURES) :], yes)
    sentences = list(decided)
    return fit_prefilter(
        sentences,
        np.vstack([decided[s][0] for s in sentences]),
        [decided[s][1] for s in sentences],
        target_recall=target_recall,
    )


def train_on_texts(
    texts: Sequence[LabelledText],
    model_id: str,
    *,
    batch_size: int = 64,
    c: float = DEFAULT_C,
    threshold: float = DEFAULT_THRESHOLD,
    rule_decides: float | None = DEFAULT_RULE_DECIDES,
    veto_howto: bool = DEFAULT_VETO_HOWTO,
    use_context: bool = False,
    cv: bool = True,
    prefilter_recall: float | None = DEFAULT_PREFILTER_RECALL,
    info: dict | None = None,
    progress: Progress = _stderr,
    prior: SuggestionClassifier | None = None,
) -> tuple[SuggestionClassifier, dict[str, float]]:
    """Fit on labelled texts; returns the classifier and its cross-validated scores (those of
    the classifier alone). With ``prefilter_recall``, a lexical prefilter is distilled from
    the fitted classifier (see transforms/prefilter.py). With ``prior``, its weights are
    adapted instead (its model, decision policy and prefilter are kept; the arguments for
    those are ignored)."""
    if not texts:
        raise EvalDataError("no labelled sentences to train on")
    if prior is not None:
        if prior.use_context:
            raise EvalDataError(
                "the current classifier reads each sentence's context, which adapting does "
                "not support: train a new one with --from-scratch"
            )
        model_id, use_context = prior.model_id, False
    featurizer = _Featurizer(texts, model_id, batch_size, progress)
    features = [featurizer.rows(t, use_context) for t in texts]
    labels = [t.label for t in texts]
    scores: dict[str, float] = {}
    if cv:
        progress("cross-validating (5 folds over texts)")
        scores = cross_validate(
            features, labels, c, threshold, rule_decides, veto_howto=veto_howto, prior=prior
        )
    how = "adapting the current classifier to" if prior is not None else "fitting on"
    progress(f"{how} {len(texts)} texts ({sum(labels)} positive)")
    model = _fit(features, labels, c, prior)
    meta = {
        "trained_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "texts": len(texts),
        "positives": int(sum(labels)),
        "corrections": sum(t.origin == "correction" for t in texts),
        **({"C": c} if prior is None else {}),
        "cross_validation": {k: round(float(v), 4) for k, v in scores.items()},
        **(info or {}),
    }
    if prior is not None:
        meta["adapted_from"] = {"prior_strength": DEFAULT_PRIOR_STRENGTH, **prior.info}
        clf = _like(prior, model, meta)
        # Distilled from the current weights' own, larger training set; the adapted weights
        # move little, and a few hundred labels are too few to distil a new one from.
        clf.prefilter = prior.prefilter
        return clf, scores
    clf = _classifier(model, model_id, threshold, rule_decides, use_context, meta, veto_howto)
    if prefilter_recall is not None and not use_context:
        progress("distilling the lexical prefilter from the classifier's decisions")
        clf.prefilter = distil_prefilter(clf, texts, features, prefilter_recall)
        if clf.prefilter is None:
            progress("too few sentences for a prefilter: every candidate will be embedded")
        else:
            progress(f"prefilter: {clf.prefilter.info}")
    return clf, scores


def train_classifier(
    csv_path: Path | None,
    settings: Settings,
    out_path: Path,
    include_corrections: bool = True,
    progress: Progress = _stderr,
    from_scratch: bool = False,
) -> dict[str, float]:
    """Train from a ``text,label`` CSV and/or the warehouse's analyst corrections, write the
    weights JSON to ``out_path``; returns cross-validated precision, recall, F1 and counts
    (and ``prior_f1``, the current classifier's F1 on the same texts, when adapting). Adapts
    the configured classifier (``detection.classifier``) unless ``from_scratch``."""
    min_chars = settings.thresholds.min_sentence_chars
    texts: list[LabelledText] = []
    if csv_path is not None:
        texts += texts_from_csv(Path(csv_path), min_chars)
        progress(f"read {len(texts)} labelled texts from {csv_path}")
    if include_corrections:
        corrections = texts_from_corrections(settings.warehouse, min_chars)
        progress(f"read {len(corrections)} analyst corrections from {settings.warehouse}")
        texts += corrections
    if not texts:
        raise EvalDataError(
            "nothing to train on: give --data FILE.csv (columns text,label) or record "
            "corrections with `ideas label`"
        )
    prior = None
    if not from_scratch:
        prior = load_classifier(settings.detection.classifier)
        progress(f"adapting the current classifier ({settings.detection.classifier})")
    clf, scores = train_on_texts(
        texts,
        settings.detection.classifier_model,
        batch_size=settings.model.batch_size,
        info={"data": str(csv_path) if csv_path else None},
        progress=progress,
        prior=prior,
    )
    clf.save(Path(out_path))
    return {
        **{k: float(v) for k, v in scores.items()},
        "n": len(texts),
        "positives": sum(t.label for t in texts),
        "corrections": sum(t.origin == "correction" for t in texts),
    }
