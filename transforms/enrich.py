"""The enrich step: new or edited raw items -> sentences -> suggestions -> embeddings -> ideas.

Runs inside one transaction (the caller's), so a crash leaves the warehouse as it was.
Only new work is done: items whose content hash already has sentences are skipped, texts
already embedded by the same model come from core.embeddings, and only suggestions not yet
in core.mentions are grouped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

from connectors.base import sha1_hex
from transforms import embeddings, grouping
from transforms.labels import idea_label
from transforms.language import detect_language_with_context
from transforms.suggestions import detect_suggestion
from transforms.text import html_to_text, split_sentences, text_hash

if TYPE_CHECKING:
    from idea_harvester.config import Settings

log = logging.getLogger(__name__)

Progress = Callable[[str], None]

_SENTENCE_SCHEMA = pa.schema(
    [
        ("sentence_id", pa.string()),
        ("item_id", pa.string()),
        ("sentence_index", pa.int32()),
        ("sentence_text", pa.string()),
        ("text_hash", pa.string()),
        ("language", pa.string()),
        ("is_suggestion", pa.bool_()),
        ("suggestion_score", pa.float64()),
        ("suggestion_cue", pa.string()),
        ("content_hash", pa.string()),
    ]
)


@dataclass(frozen=True)
class EnrichSettings:
    model_id: str
    suggestion_min_score: float
    idea_similarity: float
    min_sentence_chars: int
    batch_size: int = 64

    @classmethod
    def from_settings(cls, settings: Settings) -> EnrichSettings:
        """The enrich knobs of the configuration (model and thresholds)."""
        return cls(
            model_id=settings.model.embedding_model,
            suggestion_min_score=settings.thresholds.suggestion_min_score,
            idea_similarity=settings.thresholds.idea_similarity,
            min_sentence_chars=settings.thresholds.min_sentence_chars,
            batch_size=settings.model.batch_size,
        )


@contextmanager
def _arrow_view(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """Expose an Arrow table to SQL as ``name`` for the duration of the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)


def _insert_arrow(con: duckdb.DuckDBPyConnection, target: str, table: pa.Table) -> None:
    """Bulk insert through Arrow (executemany is ~200x slower)."""
    with _arrow_view(con, "_arrow_rows", table):
        con.execute(f"INSERT INTO {target} SELECT * FROM _arrow_rows")


def segment_item(
    item_id: str, content_html: str | None, content_hash: str, s: EnrichSettings
) -> list[dict]:
    """One item's sentences with language and suggestion verdicts (pure)."""
    text = html_to_text(content_html)
    rows = []
    for index, sentence in enumerate(split_sentences(text)):
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


def _segment_new_items(con: duckdb.DuckDBPyConnection, s: EnrichSettings) -> tuple[int, int]:
    pending = con.execute(
        """
        SELECT r.item_id, r.content_html, r.content_hash FROM raw.items r
        WHERE NOT EXISTS (
            SELECT 1 FROM core.sentences c
            WHERE c.item_id = r.item_id AND c.content_hash = r.content_hash)
        ORDER BY r.item_id
        """
    ).fetchall()
    if not pending:
        return 0, 0
    # Edited items: drop what was derived from their previous version.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE pending_items AS SELECT unnest(?::VARCHAR[]) AS item_id",
        [[row[0] for row in pending]],
    )
    for table in ("core.mentions", "core.suggestions", "core.sentences"):
        con.execute(f"DELETE FROM {table} WHERE item_id IN (SELECT item_id FROM pending_items)")
    rows = [r for item in pending for r in segment_item(item[0], item[1], item[2], s)]
    if rows:
        _insert_arrow(con, "core.sentences", pa.Table.from_pylist(rows, schema=_SENTENCE_SCHEMA))
        con.execute(
            """
            INSERT INTO core.suggestions
            SELECT sentence_id, item_id, sentence_text, text_hash, language,
                   suggestion_score, suggestion_cue
            FROM core.sentences
            WHERE is_suggestion AND item_id IN (SELECT item_id FROM pending_items)
            """
        )
    return len(pending), len(rows)


def _embed_missing(con: duckdb.DuckDBPyConnection, s: EnrichSettings, progress: Progress) -> int:
    missing = con.execute(
        """
        SELECT text_hash, any_value(suggestion_text) FROM core.suggestions g
        WHERE NOT EXISTS (
            SELECT 1 FROM core.embeddings e WHERE e.text_hash = g.text_hash AND e.model_id = ?)
        GROUP BY text_hash ORDER BY text_hash
        """,
        [s.model_id],
    ).fetchall()
    if not missing:
        return 0
    progress(f"embedding {len(missing)} new suggestion texts with {s.model_id}")
    vectors = embeddings.encode(
        s.model_id,
        [text for _, text in missing],
        batch_size=s.batch_size,
        progress=lambda done, total: progress(f"  embedded {done}/{total}"),
    )
    table = pa.table(
        {
            "text_hash": [h for h, _ in missing],
            "model_id": [s.model_id] * len(missing),
            "embedding": pa.array(list(vectors), type=pa.list_(pa.float32())),
        }
    )
    _insert_arrow(con, "core.embeddings", table)
    return len(missing)


def _load_index(con: duckdb.DuckDBPyConnection, model_id: str) -> grouping.IdeaIndex:
    rows = con.execute(
        "SELECT idea_id, founding_sentence_id, centroid, count_members FROM core.ideas "
        "WHERE model_id = ? ORDER BY first_mentioned_at, idea_id",
        [model_id],
    ).fetchall()
    return grouping.IdeaIndex(
        [
            grouping.Idea(idea_id, founder, np.asarray(centroid, np.float32) * count, count)
            for idea_id, founder, centroid, count in rows
        ]
    )


def _group_new_suggestions(con: duckdb.DuckDBPyConnection, s: EnrichSettings) -> tuple[int, int]:
    new = con.execute(
        """
        SELECT g.sentence_id, e.embedding, r.source_name, r.channel, r.author,
               coalesce(r.published_at, r.fetched_at) AS mentioned_at, r.url, g.language,
               g.item_id
        FROM core.suggestions g
        JOIN raw.items r USING (item_id)
        JOIN core.embeddings e ON e.text_hash = g.text_hash AND e.model_id = ?
        WHERE NOT EXISTS (SELECT 1 FROM core.mentions m WHERE m.sentence_id = g.sentence_id)
        ORDER BY mentioned_at, g.sentence_id
        """,
        [s.model_id],
    ).fetchall()
    if not new:
        return 0, 0
    index = _load_index(con, s.model_id)
    keys = [row[0] for row in new]
    vectors = np.asarray([row[1] for row in new], dtype=np.float32)
    assignments = grouping.assign(index, keys, vectors, s.idea_similarity)
    mentions = pa.table(
        {
            "sentence_id": keys,
            "idea_id": [a.idea_id for a in assignments],
            "item_id": [row[8] for row in new],
            "source_name": [row[2] for row in new],
            "channel": [row[3] for row in new],
            "author": [row[4] for row in new],
            "mentioned_at": [row[5] for row in new],
            "url": [row[6] for row in new],
            "language": [row[7] for row in new],
            "similarity": [round(a.similarity, 6) for a in assignments],
        }
    )
    _insert_arrow(con, "core.mentions", mentions)
    touched = {a.idea_id for a in assignments}
    ideas = pa.table(
        {
            "idea_id": [i.idea_id for i in index.ideas if i.idea_id in touched],
            "founding_sentence_id": [i.founding_key for i in index.ideas if i.idea_id in touched],
            "centroid": pa.array(
                [
                    (i.centroid_sum / i.count_members).astype(np.float32)
                    for i in index.ideas
                    if i.idea_id in touched
                ],
                type=pa.list_(pa.float32()),
            ),
        }
    )
    with _arrow_view(con, "_touched_ideas", ideas):
        con.execute(
            """
            INSERT INTO core.ideas (idea_id, model_id, founding_sentence_id,
                representative_sentence_id, centroid, count_members, first_mentioned_at)
            SELECT i.idea_id, ?, i.founding_sentence_id, i.founding_sentence_id, i.centroid,
                   (SELECT count(*) FROM core.mentions m WHERE m.idea_id = i.idea_id),
                   (SELECT min(mentioned_at) FROM core.mentions m WHERE m.idea_id = i.idea_id)
            FROM _touched_ideas i
            ON CONFLICT (idea_id) DO UPDATE SET
                centroid = excluded.centroid, count_members = excluded.count_members,
                first_mentioned_at = excluded.first_mentioned_at
            """,
            [s.model_id],
        )
    _refresh_representatives(con, touched)
    return len(new), sum(a.is_new_idea for a in assignments)


def _refresh_representatives(con: duckdb.DuckDBPyConnection, idea_ids: set[str]) -> None:
    """The representative of an idea is its member closest to the centroid; the idea's label
    is cut from it."""
    con.execute(
        """
        UPDATE core.ideas SET representative_sentence_id = best.sentence_id
        FROM (
            SELECT m.idea_id, m.sentence_id
            FROM core.mentions m
            JOIN core.ideas i USING (idea_id)
            JOIN core.suggestions g USING (sentence_id)
            JOIN core.embeddings e ON e.text_hash = g.text_hash AND e.model_id = i.model_id
            WHERE m.idea_id IN (SELECT unnest(?::VARCHAR[]))
            QUALIFY row_number() OVER (
                PARTITION BY m.idea_id
                ORDER BY list_dot_product(e.embedding, i.centroid) DESC, m.sentence_id) = 1
        ) AS best
        WHERE core.ideas.idea_id = best.idea_id
        """,
        [sorted(idea_ids)],
    )
    representatives = con.execute(
        "SELECT i.idea_id, g.suggestion_text FROM core.ideas i "
        "JOIN core.suggestions g ON g.sentence_id = i.representative_sentence_id "
        "WHERE i.idea_id IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(idea_ids)],
    ).fetchall()
    labels = pa.table(
        {
            "idea_id": [idea_id for idea_id, _ in representatives],
            "label": [idea_label(text) for _, text in representatives],
        }
    )
    with _arrow_view(con, "_idea_labels", labels):
        con.execute(
            "UPDATE core.ideas SET label = l.label FROM _idea_labels l "
            "WHERE core.ideas.idea_id = l.idea_id"
        )


def _recount_ideas(con: duckdb.DuckDBPyConnection) -> None:
    """Keep idea counts true after edited items removed mentions."""
    con.execute(
        """
        UPDATE core.ideas SET count_members = c.n
        FROM (SELECT i.idea_id, count(m.sentence_id) AS n FROM core.ideas i
              LEFT JOIN core.mentions m USING (idea_id) GROUP BY i.idea_id) AS c
        WHERE core.ideas.idea_id = c.idea_id AND core.ideas.count_members <> c.n
        """
    )


def enrich(
    con: duckdb.DuckDBPyConnection, s: EnrichSettings, progress: Progress = log.info
) -> dict[str, int]:
    """Do all pending enrichment in the caller's transaction; returns counts of new work."""
    items, sentences = _segment_new_items(con, s)
    progress(f"segmented {items} new or edited items into {sentences} sentences")
    embedded = _embed_missing(con, s, progress)
    grouped, new_ideas = _group_new_suggestions(con, s)
    _recount_ideas(con)
    progress(f"grouped {grouped} new suggestions ({new_ideas} new ideas)")
    return {
        "items_segmented": items,
        "sentences": sentences,
        "texts_embedded": embedded,
        "suggestions_grouped": grouped,
        "ideas_created": new_ideas,
    }
