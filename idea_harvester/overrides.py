"""Analyst overrides of the grouping, and reconsolidation. Every later run honours them.

- ``merge_ideas``: all mentions of one idea move to another; the merged id is recorded in
  core.idea_redirects (never reused), and new suggestions like it land in the survivor.
- ``move_mention``: one mention moves to another idea, or out to an idea of its own; it is
  pinned there (core.mention_overrides) and the two ideas are kept apart from then on.
- ``keep_apart``: two ideas that reconsolidation must never merge.
- ``reconsolidate``: refit the grouping space on the corpus (recomputing every centroid from
  its members, no id changes), then merge ideas that have become alike by the grouping's
  own linkage (``grouping.propose_merges``): the older idea survives, the merge is
  recorded, and pairs kept apart are never merged.

All functions run in the caller's transaction (``steps`` opens it) and raise
``OverrideError`` naming the unknown id and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

import duckdb

from transforms import enrich, grouping, idea_store
from transforms.settings import EnrichSettings

if TYPE_CHECKING:
    from idea_harvester.config import Settings

Progress = Callable[[str], None]


class OverrideError(Exception):
    """An override cannot be applied; the message names the id and what to do."""


def _idea(con: duckdb.DuckDBPyConnection, idea_id: str, role: str) -> tuple[str, int]:
    """(model_id, count_members) of an existing idea, else a clear error."""
    row = con.execute(
        "SELECT model_id, count_members FROM core.ideas WHERE idea_id = ?", [idea_id]
    ).fetchone()
    if row is not None:
        return row
    merged = con.execute(
        "SELECT to_idea_id FROM core.idea_redirects WHERE from_idea_id = ?", [idea_id]
    ).fetchone()
    if merged:
        survivor = grouping.resolve(idea_store.redirects(con), idea_id)
        raise OverrideError(
            f"{role} idea {idea_id} was merged into {survivor}; use {survivor} instead"
        )
    raise OverrideError(
        f"no idea {idea_id!r} ({role}); list ideas with "
        '`ideas sql "SELECT idea_id, label FROM marts.top_ideas"`'
    )


def _refresh(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    idea_ids: set[str],
    label_language: str | None = None,
) -> None:
    from transforms.representatives import refresh_representatives

    space = idea_store.stored_space(con, model_id) or grouping.GroupingSpace()
    idea_store.recompute_centroids(con, model_id, space, idea_ids)
    con.execute(
        "UPDATE core.ideas SET count_members = (SELECT count(*) FROM core.mentions m "
        "WHERE m.idea_id = core.ideas.idea_id) WHERE idea_id IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(idea_ids)],
    )
    refresh_representatives(con, idea_ids, space, label_language)


def _pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def keep_apart(
    con: duckdb.DuckDBPyConnection,
    idea_a: str,
    idea_b: str,
    by: str | None,
    note: str | None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Reconsolidation will never merge these two ideas. ``at`` (here and below) stamps the
    decision: the run's logical time; default now."""
    if idea_a == idea_b:
        raise OverrideError(f"cannot keep idea {idea_a} apart from itself")
    _idea(con, idea_a, "first")
    _idea(con, idea_b, "second")
    a, b = _pair(idea_a, idea_b)
    con.execute(
        "INSERT OR REPLACE INTO core.idea_keep_apart VALUES (?, ?, ?, ?, ?)",
        [a, b, by, note, at or datetime.now(UTC)],
    )
    return {"kept_apart": [a, b]}


def merge_ideas(
    con: duckdb.DuckDBPyConnection,
    from_id: str,
    into_id: str,
    by: str | None,
    note: str | None,
    reason: str = "analyst",
    at: datetime | None = None,
    label_language: str | None = None,
) -> dict[str, Any]:
    """Merge idea ``from_id`` into ``into_id`` (which keeps its id); ``label_language`` as
    ``grouping.label_language``."""
    if from_id == into_id:
        raise OverrideError(f"cannot merge idea {from_id} into itself")
    model_from, _ = _idea(con, from_id, "merged")
    model_into, _ = _idea(con, into_id, "surviving")
    if model_from != model_into:
        raise OverrideError(
            f"ideas {from_id} ({model_from}) and {into_id} ({model_into}) come from different "
            "embedding models and cannot be merged"
        )
    members = [
        r[0]
        for r in con.execute(
            "SELECT sentence_id FROM core.mentions WHERE idea_id = ? ORDER BY sentence_id",
            [from_id],
        ).fetchall()
    ]
    moved = len(members)
    con.execute("UPDATE core.mentions SET idea_id = ? WHERE idea_id = ?", [into_id, from_id])
    con.execute(
        "UPDATE core.mention_overrides SET to_idea_id = ? WHERE to_idea_id = ?", [into_id, from_id]
    )
    # An analyst merging two ideas kept apart has changed their mind; other separations of
    # the merged idea now hold for the survivor.
    con.execute(
        "DELETE FROM core.idea_keep_apart WHERE (idea_id_a, idea_id_b) = (?, ?)",
        list(_pair(from_id, into_id)),
    )
    for a, b, kby, knote, kat in con.execute(
        "SELECT idea_id_a, idea_id_b, decided_by, note, decided_at FROM core.idea_keep_apart "
        "WHERE ? IN (idea_id_a, idea_id_b)",
        [from_id],
    ).fetchall():
        other = b if a == from_id else a
        con.execute(
            "INSERT OR IGNORE INTO core.idea_keep_apart VALUES (?, ?, ?, ?, ?)",
            [*_pair(into_id, other), kby, knote, kat],
        )
    con.execute("DELETE FROM core.idea_keep_apart WHERE ? IN (idea_id_a, idea_id_b)", [from_id])
    con.execute(
        "UPDATE core.idea_redirects SET to_idea_id = ? WHERE to_idea_id = ?", [into_id, from_id]
    )
    con.execute(
        "INSERT OR REPLACE INTO core.idea_redirects VALUES (?, ?, ?, ?, ?, ?, ?)",
        [from_id, into_id, reason, by, note, at or datetime.now(UTC), members],
    )
    con.execute("DELETE FROM core.ideas WHERE idea_id = ?", [from_id])
    con.execute("DELETE FROM core.idea_centroids WHERE idea_id = ?", [from_id])
    _refresh(con, model_into, {into_id}, label_language)
    return {"merged": from_id, "into": into_id, "mentions_moved": moved}


def move_mention(
    con: duckdb.DuckDBPyConnection,
    sentence_id: str,
    to_idea_id: str | None,
    by: str | None,
    note: str | None,
    at: datetime | None = None,
    label_language: str | None = None,
) -> dict[str, Any]:
    """Move one mention to idea ``to_idea_id``, or (None) out to a new idea of its own;
    ``label_language`` as ``grouping.label_language``."""
    row = con.execute(
        "SELECT m.idea_id, i.model_id FROM core.mentions m JOIN core.ideas i USING (idea_id) "
        "WHERE m.sentence_id = ?",
        [sentence_id],
    ).fetchone()
    if row is None:
        raise OverrideError(
            f"no mention {sentence_id!r}; mentions are listed with "
            '`ideas sql "SELECT sentence_id, idea_id, quote FROM marts.idea_mentions"`'
        )
    from_id, model_id = row
    if to_idea_id is None:
        to_idea_id = grouping.idea_id_for("moved:" + sentence_id)
        con.execute(
            """
            INSERT INTO core.ideas (idea_id, model_id, founding_sentence_id,
                representative_sentence_id, centroid, count_members)
            VALUES (?, ?, ?, ?, []::FLOAT[], 0) ON CONFLICT (idea_id) DO NOTHING
            """,
            [to_idea_id, model_id, sentence_id, sentence_id],
        )
    else:
        to_model, _ = _idea(con, to_idea_id, "target")
        if to_model != model_id:
            raise OverrideError(
                f"idea {to_idea_id} comes from embedding model {to_model}, the mention from "
                f"{model_id}; move it to an idea of the same model"
            )
    at = at or datetime.now(UTC)
    if to_idea_id == from_id:
        raise OverrideError(f"mention {sentence_id} is already in idea {from_id}")
    con.execute(
        "UPDATE core.mentions SET idea_id = ? WHERE sentence_id = ?", [to_idea_id, sentence_id]
    )
    con.execute(
        "INSERT OR REPLACE INTO core.mention_overrides VALUES (?, ?, ?, ?, ?, ?)",
        [sentence_id, from_id, to_idea_id, by, note, at],
    )
    a, b = _pair(from_id, to_idea_id)
    con.execute(
        "INSERT OR REPLACE INTO core.idea_keep_apart VALUES (?, ?, ?, ?, ?)",
        [
            a,
            b,
            by,
            f"mention {sentence_id} moved out" + (f": {note}" if note else ""),
            at,
        ],
    )
    _refresh(con, model_id, {from_id, to_idea_id}, label_language)
    return {"moved": sentence_id, "from": from_id, "to": to_idea_id}


def reconsolidate(
    con: duckdb.DuckDBPyConnection,
    settings: Settings,
    progress: Progress = lambda m: None,
    run_id: str | None = None,
    at: datetime | None = None,
    threshold: float | None = None,
) -> dict[str, Any]:
    """Refit the grouping space (when the corpus is large enough), then merge ideas whose
    linkage (``grouping.linkage``, the incremental grouping's) now reaches ``threshold``
    (default ``grouping.merge_similarity``). Never renumbers: survivors keep their ids,
    merged ids are recorded, and pairs kept apart stay apart. The result lists the merges
    (a dry run rolls the transaction back and shows them)."""
    gs = settings.grouping
    s = EnrichSettings.from_settings(settings)
    model_id = s.model_id
    # After a change of model or of grouping.request_focus, before any enrich: the ideas
    # move to the configured key first, and the refit sees vectors of that key only.
    enrich.embed_missing(con, s, progress)
    enrich.adopt_ideas_of_other_models(con, s)
    space = idea_store.active_space(con, model_id, gs, first_fit=False)
    refitted = False
    if (
        gs.refit_on_reconsolidate
        and gs.components_removed > 0
        and idea_store.corpus_size(con) >= gs.min_corpus_for_fit  # counted before any read
    ):
        corpus = idea_store.corpus_vectors(con, model_id)
        if len(corpus) >= gs.min_corpus_for_fit:
            fitted = grouping.fit_space(corpus, gs.components_removed)
            if fitted.fingerprint() != space.fingerprint():
                if idea_store.refit_keeps_ideas_apart(con, model_id, space, fitted, gs, progress):
                    idea_store.store_space(con, model_id, fitted)
                    space, refitted = fitted, True
                    progress(f"refitted the grouping space on {len(corpus)} suggestion texts")
    index = idea_store.load_index(con, model_id, space, gs)  # recomputes stale centroids
    merges = index.propose_merges(
        idea_store.merge_threshold(space, gs, settings.thresholds.idea_similarity, threshold),
        idea_store.keep_apart_pairs(con),
    )
    quotes = idea_store.representative_texts(
        con, {i for m in merges for i in (m.from_idea_id, m.into_idea_id)}
    )
    for m in merges:
        merge_ideas(
            con,
            m.from_idea_id,
            m.into_idea_id,
            by=run_id or "reconsolidation",
            note=f"{gs.linkage} linkage similarity {m.similarity:.3f}",
            reason="reconsolidation",
            at=at,
            label_language=gs.label_language,
        )
    progress(f"reconsolidated {len(index.ideas)} ideas: {len(merges)} merged into older ones")
    return {
        "ideas_before": len(index.ideas),
        "ideas_merged": len(merges),
        "space_refitted": refitted,
        "space_source": space.source,
        "merges": [
            {
                "from": m.from_idea_id,
                "into": m.into_idea_id,
                "similarity": m.similarity,
                "from_quote": quotes.get(m.from_idea_id),
                "into_quote": quotes.get(m.into_idea_id),
            }
            for m in merges
        ],
    }
