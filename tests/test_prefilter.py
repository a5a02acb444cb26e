"""The classifier's lexical prefilter: hashing, distillation with a cross-validated cutoff,
its place in the weights file, and that cleared sentences are never embedded.

Sentences are written here (no shared data, no model: the embedder is a stub that records
what it is asked to embed, since the point is *which* sentences reach it)."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from transforms.classifier import (
    RULE_FEATURES,
    ClassifierError,
    SuggestionClassifier,
    rule_features,
)
from transforms.prefilter import LexicalPrefilter, fit_prefilter, hashed_ngrams

REQUESTS = ["please add", "it would be great to have", "could you support", "I wish there was"]
ASKS = ["a dark mode", "an export to CSV", "offline maps", "a weekly summary", "sleep tracking"]
STATEMENTS = ["the app crashed", "sync failed", "I run every day", "the battery lasts a week"]
WHEN = ["yesterday", "after the update", "on my phone", "this morning", "again", "twice"]


def _corpus() -> tuple[list[str], np.ndarray, list[bool]]:
    accepted = [f"{r.capitalize()} {a} {w}." for r, a, w in itertools.product(REQUESTS, ASKS, WHEN)]
    rejected = [
        f"{s.capitalize()} {w} with {a}." for s, w, a in itertools.product(STATEMENTS, WHEN, ASKS)
    ]
    sentences = accepted + rejected
    rules = np.vstack([rule_features(s, "en") for s in sentences])
    return sentences, rules, [True] * len(accepted) + [False] * len(rejected)


def test_hashing_is_stable_and_reads_words_bigrams_and_questions():
    grams = hashed_ngrams("Please add dark mode?", 1 << 15)
    assert grams == hashed_ngrams("please ADD dark mode?", 1 << 15)  # case-insensitive
    assert len(grams) == 5 + 4  # 4 words and the question mark, and their 4 bigrams
    assert len(hashed_ngrams("Please add dark mode", 1 << 15)) == 7
    assert all(0 <= g < 64 for g in hashed_ngrams("Ajoutez un mode sombre, merci", 64))


def test_distilled_prefilter_keeps_what_the_classifier_accepts_and_clears_the_rest():
    sentences, rules, accepted = _corpus()
    prefilter = fit_prefilter(sentences, rules, accepted, target_recall=0.99)
    assert prefilter is not None
    assert prefilter.info["recall_cv"] >= 0.99
    keep = prefilter.keep(sentences, rules)
    assert keep[np.asarray(accepted)].all()
    assert keep[~np.asarray(accepted)].mean() < 0.2
    unseen = ["Please add a sleep score.", "The watch arrived yesterday."]
    unseen_rules = np.vstack([rule_features(s, "en") for s in unseen])
    assert list(prefilter.keep(unseen, unseen_rules)) == [True, False]


def test_too_few_decisions_give_no_prefilter():
    sentences, rules, accepted = _corpus()
    few = [0, 1, 2, -1, -2, -3]
    few_sentences = [sentences[i] for i in few]
    assert fit_prefilter(few_sentences, rules[few], [accepted[i] for i in few]) is None


def _classifier(prefilter: LexicalPrefilter | None) -> SuggestionClassifier:
    coef = np.zeros(4 + len(RULE_FEATURES))
    coef[0] = 5.0  # the stub's first dimension carries the "suggestion" signal
    return SuggestionClassifier("stub", coef, -2.5, 0.6, prefilter=prefilter)


def _stub_embedder(seen: list[str]):
    def embed(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return np.array([[1.0 if "add" in t else 0.0, 0, 0, 0] for t in texts], np.float32)

    return embed


def test_sentences_the_prefilter_clears_are_not_embedded_and_get_probability_zero():
    sentences, rules, accepted = _corpus()
    clf = _classifier(fit_prefilter(sentences, rules, accepted))
    batch = [
        "Please add a widget.",  # kept: a request cue
        "The update broke sync on my phone yesterday.",  # cleared
        "Sync failed again this morning after the update.",  # cleared
    ]
    seen: list[str] = []
    probabilities, _ = clf.score_sentences(batch, ["en"] * 3, _stub_embedder(seen))
    assert seen == ["Please add a widget."]
    assert probabilities[0] > 0.9 and list(probabilities[1:]) == [0.0, 0.0]
    # Without the prefilter every sentence is embedded.
    seen.clear()
    clf.score_sentences(batch, ["en"] * 3, _stub_embedder(seen), use_prefilter=False)
    assert seen == batch


def test_a_sentence_with_a_request_cue_always_reaches_the_classifier():
    sentences, rules, accepted = _corpus()
    prefilter = fit_prefilter(sentences, rules, accepted)
    assert prefilter is not None
    prefilter.cutoff = 1e9  # the lexical model alone would clear everything
    clf = _classifier(prefilter)
    seen: list[str] = []
    clf.score_sentences(
        ["It would be nice to export maps.", "My run was slow."], ["en", "en"], _stub_embedder(seen)
    )
    assert seen == ["It would be nice to export maps."]


def test_the_prefilter_travels_in_the_weights_file(tmp_path):
    sentences, rules, accepted = _corpus()
    clf = _classifier(fit_prefilter(sentences, rules, accepted))
    path = clf.save(tmp_path / "clf.json")
    again = SuggestionClassifier.load(path)
    assert again.prefilter is not None and clf.prefilter is not None
    np.testing.assert_allclose(
        again.prefilter.scores(sentences, rules), clf.prefilter.scores(sentences, rules), atol=1e-4
    )
    # Weights without a prefilter (written before it existed) still load, and filter nothing.
    data = json.loads(path.read_text())
    del data["prefilter"]
    path.write_text(json.dumps(data))
    assert SuggestionClassifier.load(path).prefilter is None
    # A damaged prefilter is named with its file.
    data["prefilter"] = {**clf.to_json()["prefilter"], "coef_f16_base64": "AAAA"}
    path.write_text(json.dumps(data))
    with pytest.raises(ClassifierError, match=r"clf\.json.*prefilter"):
        SuggestionClassifier.load(path)


def test_a_threshold_below_the_weights_own_skips_the_prefilter(tmp_path):
    """The prefilter learnt the classifier's decisions at its stored threshold; asked for a
    lower one, enrich embeds every candidate rather than lose what the lower bar accepts."""
    from transforms.sentences import classify_rows
    from transforms.settings import EnrichSettings

    sentences, rules, accepted = _corpus()
    path = _classifier(fit_prefilter(sentences, rules, accepted)).save(tmp_path / "clf.json")
    rows = [
        {"item_id": "i1", "sentence_text": t, "language": "en", "suggestion_cue": None}
        for t in ("Please add a widget.", "Sync failed again this morning after the update.")
    ]

    def embedded(threshold: float | None) -> list[str]:
        seen: list[str] = []
        settings = EnrichSettings(
            model_id="stub",
            suggestion_min_score=0.5,
            idea_similarity=0.5,
            min_sentence_chars=5,
            classifier=str(path),
            classifier_threshold=threshold,
        )
        classify_rows([dict(r) for r in rows], settings, _stub_embedder(seen))
        return seen

    assert embedded(None) == ["Please add a widget."]
    assert embedded(0.9) == ["Please add a widget."]
    assert embedded(0.3) == [r["sentence_text"] for r in rows]
