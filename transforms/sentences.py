"""Items -> sentences with their language and suggestion verdict (the rows of core.sentences).

Pure: no database. The rules decide first (transforms/suggestions.py); the classifier then
decides every candidate sentence in one batch (transforms/classifier.py). Its code is part of
the detector id (transforms/detector.py): an edit here re-decides stored items.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

import numpy as np

from connectors.base import sha1_hex
from transforms import embeddings
from transforms.classifier import load_classifier
from transforms.language import detect_language_with_context
from transforms.settings import EnrichSettings
from transforms.suggestions import detect_suggestion
from transforms.text import html_to_text, split_sentences, text_hash

#: Embeds texts with the classifier's model (enrich passes one through the embedding cache).
Embed = Callable[[list[str]], np.ndarray]
CLASSIFIER_CUE = "classifier"
#: The cue of every sentence of an item written by a team author (never a suggestion).
TEAM_CUE = "team author"


def rule_rows(
    item_id: str,
    content_html: str | None,
    content_hash: str,
    s: EnrichSettings,
    own_title: str | None = None,
) -> list[dict]:
    """One item's sentences with language and the rules' verdicts (pure). ``own_title`` (a
    title its author wrote: sources with ``mine_titles``) comes first, at negative indices,
    so that mining titles or not never changes the ids of the text's sentences (analysts'
    labels and moves refer to them)."""
    body = html_to_text(content_html)
    title = (own_title or "").strip()
    titled = split_sentences(title) if title else []
    text = f"{title}\n\n{body}".strip() if title else body  # the context of every sentence
    rows = []
    indexed = [(n - len(titled), t) for n, t in enumerate(titled)] + list(
        enumerate(split_sentences(body))
    )
    for index, sentence in indexed:
        language = detect_language_with_context(sentence, text)
        verdict = detect_suggestion(sentence, language)
        is_suggestion = (
            verdict.score >= s.suggestion_min_score and len(sentence) >= s.min_sentence_chars
        )
        rows.append(
            {
                "sentence_id": "s" + sha1_hex(item_id, str(index), sentence)[:20],
                "item_id": item_id,
                "sentence_index": index,
                "sentence_text": sentence,
                "text_hash": text_hash(sentence),
                "language": language,
                "is_suggestion": is_suggestion,
                "suggestion_score": round(float(verdict.score), 6),
                "suggestion_cue": verdict.cue,
                "content_hash": content_hash,
            }
        )
    return rows


def _plain_embedder(s: EnrichSettings, model_id: str) -> Embed:
    return lambda texts: embeddings.encode(model_id, texts, batch_size=s.batch_size)


def classify_rows(
    rows: list[dict],
    s: EnrichSettings,
    embed: Embed | None = None,
    explicit_items: frozenset[str] = frozenset(),
) -> list[dict]:
    """Decide every candidate sentence of ``rows`` (any number of items) with the rules and
    the classifier in one batch, in place; without a classifier the rules' verdicts stay.

    Candidates are sentences of at least ``min_sentence_chars`` (the cheap first stage); the
    item is the context. In ``explicit_items`` (from sources with ``explicit_only``) only
    sentences where a request cue fired are candidates: the others are decided "no" without
    being embedded. ``embed`` must use the classifier's model (default: no cache)."""
    if s.classifier is None:
        return rows
    clf = load_classifier(s.classifier)
    candidates = [
        r
        for r in rows
        if len(r["sentence_text"]) >= s.min_sentence_chars
        and (r["item_id"] not in explicit_items or r["suggestion_cue"])
    ]
    if candidates:
        probabilities, rules = clf.score_sentences(
            [r["sentence_text"] for r in candidates],
            [r["language"] for r in candidates],
            embed or _plain_embedder(s, clf.model_id),
            groups=[r["item_id"] for r in candidates],
            # The prefilter was distilled at the weights' threshold: a lower one needs all.
            use_prefilter=s.prefilter
            and (s.classifier_threshold is None or s.classifier_threshold >= clf.threshold),
        )
    else:
        probabilities, rules = [], []
    for row in rows:
        row["is_suggestion"] = False
    for row, p, rule in zip(candidates, probabilities, rules, strict=True):
        row["is_suggestion"] = clf.decide(rule, p, s.classifier_threshold)
        row["suggestion_score"] = round(float(p), 6)
        if row["is_suggestion"] and not row["suggestion_cue"]:
            row["suggestion_cue"] = CLASSIFIER_CUE
    return rows


def segment_items(
    items: Sequence[tuple[str, str | None, str]],
    s: EnrichSettings,
    embed: Embed | None = None,
    team_items: frozenset[str] = frozenset(),
    explicit_items: frozenset[str] = frozenset(),
    titles: Mapping[str, str] | None = None,
) -> list[dict]:
    """Sentences of many (item_id, content_html, content_hash) with language and the
    production suggestion decision (rules + classifier, one embedding batch). Items in
    ``team_items`` (written by the team) are cut into sentences but never mined; in
    ``explicit_items`` a suggestion needs a request cue (see ``classify_rows``); ``titles``
    holds the titles to mine (``rule_rows``' ``own_title``) by item id."""
    titles = titles or {}
    rows = [r for item in items for r in rule_rows(*item, s, titles.get(item[0]))]
    team = [r for r in rows if r["item_id"] in team_items]
    for row in team:
        row.update(is_suggestion=False, suggestion_score=0.0, suggestion_cue=TEAM_CUE)
    classify_rows([r for r in rows if r["item_id"] not in team_items], s, embed, explicit_items)
    return rows


def segment_item(
    item_id: str, content_html: str | None, content_hash: str, s: EnrichSettings
) -> list[dict]:
    """One item's sentences with language and suggestion verdicts."""
    return segment_items([(item_id, content_html, content_hash)], s)
