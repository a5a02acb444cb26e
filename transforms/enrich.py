"""The enrich step: new or edited raw items -> sentences -> suggestions -> embeddings -> ideas.

Items are cut and decided by transforms/sentences.py (settings: transforms/settings.py);
each idea's quote and label come from transforms/representatives.py. Runs inside one
transaction (the caller's), so a crash leaves the warehouse as it was.
Only new work is done: items whose content hash already has sentences are skipped, texts
already embedded by the same model come from core.embeddings, and only suggestions not yet
in core.mentions are grouped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import duckdb
import numpy as np
import pyarrow as pa

from transforms import embeddings, grouping, idea_store
from transforms.classifier import load_classifier
from transforms.detector import detector_of_source
from transforms.representatives import (
    label_language,
    refresh_representatives,
    repair_representatives,
)
from transforms.sentences import TEAM_CUE, Embed, segment_items
from transforms.settings import EnrichSettings
from transforms.suggestions import refers_back
from transforms.text import text_hash
from warehouse.db import arrow_view

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
        ("detector_id", pa.string()),
    ]
)


def _store_embeddings(
    con: duckdb.DuckDBPyConnection, model_id: str, hashes: list[str], vectors: np.ndarray
) -> None:
    """Add vectors to the core.embeddings cache (by text hash and model)."""
    table = pa.table(
        {
            "text_hash": hashes,
            "model_id": [model_id] * len(hashes),
            "embedding": pa.array(list(vectors), type=pa.list_(pa.float32())),
        }
    )
    _insert_arrow(con, "core.embeddings", table)


def _insert_arrow(con: duckdb.DuckDBPyConnection, target: str, table: pa.Table) -> None:
    """Bulk insert through Arrow (executemany is ~200x slower)."""
    with arrow_view(con, "_arrow_rows", table):
        con.execute(f"INSERT INTO {target} SELECT * FROM _arrow_rows")


ANALYST_CUE = "analyst label"
#: SQL for ``author_key`` of raw.items.author.
_AUTHOR_KEY_SQL = "lower(trim(coalesce(r.author, '')))"
#: SQL: whether item ``r`` has a title to mine (its source's ``mine_titles``: the parameter
#: is ``s.title_sources``). A deleted post (no author any more) keeps its title on Reddit,
#: but its words are gone here.
_OWN_TITLE_SQL = (
    "(r.source_name IN (SELECT unnest(?::VARCHAR[])) AND r.author IS NOT NULL "
    "AND coalesce(trim(r.title), '') <> '')"
)
#: What deciding an item needs from ``raw.items r`` (see ``_decide_items``); its one
#: parameter is ``s.title_sources``.
_ITEM_COLUMNS_SQL = (
    f"r.item_id, r.content_html, r.content_hash, {_AUTHOR_KEY_SQL}, r.source_name, "
    f"CASE WHEN {_OWN_TITLE_SQL} THEN r.title END"
)


def _cached_embedder(
    con: duckdb.DuckDBPyConnection, s: EnrichSettings, model_id: str, progress: Progress
) -> Embed:
    """Embeds through the core.embeddings cache (by text hash and model): only texts never
    embedded by ``model_id`` are encoded, and they are stored for the later steps."""

    def embed(texts: list[str]) -> np.ndarray:
        hashes = [text_hash(t) for t in texts]
        row_of, cached = idea_store.stored_embeddings(con, model_id, hashes)
        known = {h: cached[n] for h, n in row_of.items()}
        missing: dict[str, str] = {}
        for h, t in zip(hashes, texts, strict=True):
            if h not in known:
                missing.setdefault(h, t)
        if missing:
            progress(f"embedding {len(missing)} new sentences for the suggestion classifier")
            vectors = embeddings.encode(model_id, list(missing.values()), batch_size=s.batch_size)
            known.update(zip(missing, vectors, strict=True))
            _store_embeddings(con, model_id, list(missing), vectors)
        return np.asarray([known[h] for h in hashes], dtype=np.float32)

    return embed


def _honour_labels(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> None:
    """Analysts' labels (core.suggestion_labels) override the detector, in place."""
    if not rows:
        return
    ids = pa.table({"sentence_id": [r["sentence_id"] for r in rows]})
    with arrow_view(con, "_row_ids", ids):
        labels = dict(
            con.execute(
                "SELECT l.sentence_id, l.is_suggestion FROM core.suggestion_labels l "
                "JOIN _row_ids USING (sentence_id)"
            ).fetchall()
        )
    for row in rows:
        if row["sentence_id"] in labels:
            row["is_suggestion"] = bool(labels[row["sentence_id"]])
            row["suggestion_score"] = 1.0 if row["is_suggestion"] else 0.0
            row["suggestion_cue"] = ANALYST_CUE


def _unmine(con: duckdb.DuckDBPyConnection, sentence_ids_sql: str) -> None:
    """Drop the suggestions and mentions of the sentences the query selects."""
    for table in ("core.mentions", "core.suggestions"):
        con.execute(f"DELETE FROM {table} WHERE sentence_id IN ({sentence_ids_sql})")


def _mine(con: duckdb.DuckDBPyConnection, sentence_ids: list[str]) -> None:
    """Make these sentences, decided suggestions, rows of core.suggestions (with the sentence
    before them when they only refer back); one already there keeps its row, mention and
    idea, and takes its new verdict. The counterpart of ``_unmine``."""
    if not sentence_ids:
        return
    con.execute(
        """
        INSERT INTO core.suggestions
        SELECT sentence_id, item_id, sentence_text, text_hash, language,
               suggestion_score, suggestion_cue
        FROM core.sentences WHERE sentence_id IN (SELECT unnest(?::VARCHAR[]))
        ON CONFLICT (sentence_id) DO UPDATE SET language = excluded.language,
            suggestion_score = excluded.suggestion_score, suggestion_cue = excluded.suggestion_cue
        """,
        [sentence_ids],
    )
    _add_context(con, sentence_ids)


def _apply_new_labels(con: duckdb.DuckDBPyConnection) -> int:
    """Bring sentences cut on earlier runs in line with labels recorded since: a sentence
    labelled a suggestion joins core.suggestions (embedded and grouped by the later steps),
    one labelled not a suggestion leaves core.suggestions and core.mentions."""
    changed = con.execute(
        """
        SELECT c.sentence_id, l.is_suggestion FROM core.sentences c
        JOIN core.suggestion_labels l USING (sentence_id)
        WHERE c.is_suggestion <> l.is_suggestion OR c.suggestion_cue IS DISTINCT FROM ?
        """,
        [ANALYST_CUE],
    ).fetchall()
    if not changed:
        return 0
    con.execute(
        "CREATE OR REPLACE TEMP TABLE relabelled AS "
        "SELECT unnest(?::VARCHAR[]) AS sentence_id, unnest(?::BOOLEAN[]) AS is_suggestion",
        [[c[0] for c in changed], [bool(c[1]) for c in changed]],
    )
    con.execute(
        """
        UPDATE core.sentences SET is_suggestion = r.is_suggestion,
            suggestion_score = CASE WHEN r.is_suggestion THEN 1.0 ELSE 0.0 END,
            suggestion_cue = ?
        FROM relabelled r WHERE core.sentences.sentence_id = r.sentence_id
        """,
        [ANALYST_CUE],
    )
    _unmine(con, "SELECT sentence_id FROM relabelled WHERE NOT is_suggestion")
    _mine(con, [c[0] for c in changed if c[1]])
    return len(changed)


def _segment_new_items(
    con: duckdb.DuckDBPyConnection, s: EnrichSettings, progress: Progress = log.info
) -> tuple[int, int, int]:
    released = _release_team_items(con, s.team_authors)
    if released:
        progress(f"{released} items by former team authors will be mined again")
    pending = [
        row[0]
        for row in con.execute(
            f"""
            SELECT r.item_id FROM raw.items r
            WHERE NOT EXISTS (
                SELECT 1 FROM core.sentences c
                WHERE c.item_id = r.item_id AND c.content_hash = r.content_hash)
              -- An item without text (a deleted comment) has no sentences to find; it is
              -- pending only while it still has some from an earlier version.
              AND (coalesce(trim(r.content_html), '') <> ''
                   OR {_OWN_TITLE_SQL}
                   OR EXISTS (SELECT 1 FROM core.sentences c WHERE c.item_id = r.item_id))
            ORDER BY r.item_id
            """,
            [sorted(s.title_sources)],
        ).fetchall()
    ]
    sentences = 0
    for done, batch in _item_batches(con, s, pending):
        sentences += len(_segment_pending(con, batch, s, progress))
        if len(pending) > ITEM_BATCH:
            progress(f"segmented {done} of {len(pending)} new or edited items")
    redecided = _redecide_stale(con, s, progress)
    withdrawn = _withdraw_team_suggestions(con, s.team_authors)
    if withdrawn:
        progress(f"withdrew {withdrawn} suggestions written by team authors")
    relabelled = _apply_new_labels(con)
    if relabelled:
        progress(f"applied {relabelled} new analyst labels")
    return len(pending), sentences, redecided


def _release_team_items(con: duckdb.DuckDBPyConnection, team: frozenset[str]) -> int:
    """Items segmented as a team author's whose author is no longer listed lose their
    sentences, so that this run segments and mines them like any other item."""
    released = con.execute(
        f"""
        SELECT DISTINCT c.item_id FROM core.sentences c JOIN raw.items r USING (item_id)
        WHERE c.suggestion_cue = ? AND {_AUTHOR_KEY_SQL} NOT IN (SELECT unnest(?::VARCHAR[]))
        """,
        [TEAM_CUE, sorted(team)],
    ).fetchall()
    if released:
        con.execute(
            "DELETE FROM core.sentences WHERE item_id IN (SELECT unnest(?::VARCHAR[]))",
            [[r[0] for r in released]],
        )
    return len(released)


def _withdraw_team_suggestions(con: duckdb.DuckDBPyConnection, team: frozenset[str]) -> int:
    """Sentences of items whose author was added to ``team_authors`` after they were mined
    stop being suggestions (an analyst's label still wins); returns how many were."""
    if not team:
        return 0
    con.execute(
        f"""
        CREATE OR REPLACE TEMP TABLE team_sentences AS
        SELECT c.sentence_id, c.is_suggestion FROM core.sentences c JOIN raw.items r USING (item_id)
        WHERE {_AUTHOR_KEY_SQL} IN (SELECT unnest(?::VARCHAR[]))
          AND c.suggestion_cue IS DISTINCT FROM ?
          AND c.sentence_id NOT IN (SELECT sentence_id FROM core.suggestion_labels)
        """,
        [sorted(team), TEAM_CUE],
    )
    withdrawn = con.execute("SELECT count(*) FROM team_sentences WHERE is_suggestion").fetchone()[0]
    _unmine(con, "SELECT sentence_id FROM team_sentences")
    con.execute(
        """
        UPDATE core.sentences SET is_suggestion = false, suggestion_score = 0.0,
            suggestion_cue = ?
        WHERE sentence_id IN (SELECT sentence_id FROM team_sentences)
        """,
        [TEAM_CUE],
    )
    return int(withdrawn)


def _segment_pending(
    con: duckdb.DuckDBPyConnection, pending: list[tuple], s: EnrichSettings, progress: Progress
) -> list[dict]:
    """Replace the sentences and suggestions of the pending (new or edited) items."""
    # Edited items: drop what was derived from their previous version.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE pending_items AS SELECT unnest(?::VARCHAR[]) AS item_id",
        [[row[0] for row in pending]],
    )
    for table in ("core.mentions", "core.suggestions", "core.sentences"):
        con.execute(f"DELETE FROM {table} WHERE item_id IN (SELECT item_id FROM pending_items)")
    rows = _decide_items(con, pending, s, _classifier_embedder(con, s, progress))
    if rows:
        _insert_arrow(con, "core.sentences", pa.Table.from_pylist(rows, schema=_SENTENCE_SCHEMA))
        _mine(con, [r["sentence_id"] for r in rows if r["is_suggestion"]])
    return rows


def _classifier_embedder(
    con: duckdb.DuckDBPyConnection, s: EnrichSettings, progress: Progress
) -> Embed | None:
    """The classifier's embedder through the cache (None when the rules alone decide)."""
    if s.classifier is None:
        return None
    return _cached_embedder(con, s, load_classifier(s.classifier).model_id, progress)


def _decide_items(
    con: duckdb.DuckDBPyConnection, items: list[tuple], s: EnrichSettings, embed: Embed | None
) -> list[dict]:
    """The sentences of items read with ``_ITEM_COLUMNS_SQL`` with the production verdicts,
    analysts' labels honoured, and the id of the detector."""
    team_items = frozenset(item[0] for item in items if item[3] in s.team_authors)
    explicit_items = frozenset(item[0] for item in items if item[4] in s.explicit_sources)
    rows = segment_items(
        [item[:3] for item in items],
        s,
        embed,
        team_items,
        explicit_items,
        titles={item[0]: item[5] for item in items if item[5]},
    )
    _honour_labels(con, rows)
    source_of = {item[0]: item[4] for item in items}
    detector_of = detector_of_source(s)
    for row in rows:
        row["detector_id"] = detector_of(source_of[row["item_id"]])
    return rows


#: Items read, segmented and decided per batch (progress is shown per batch): a first load
#: or an upgrade of a large warehouse need not hold every item's content in memory.
ITEM_BATCH = 5000


def _item_batches(
    con: duckdb.DuckDBPyConnection, s: EnrichSettings, item_ids: list[str]
) -> Iterator[tuple[int, list[tuple]]]:
    """(items done so far, the next batch's ``_ITEM_COLUMNS_SQL``) for ``item_ids``, in
    order."""
    for start in range(0, len(item_ids), ITEM_BATCH):
        batch = con.execute(
            f"""
            SELECT {_ITEM_COLUMNS_SQL}
            FROM raw.items r WHERE r.item_id IN (SELECT unnest(?::VARCHAR[]))
            ORDER BY r.item_id
            """,
            [sorted(s.title_sources), item_ids[start : start + ITEM_BATCH]],
        ).fetchall()
        yield min(start + ITEM_BATCH, len(item_ids)), batch


def _redecide_stale(
    con: duckdb.DuckDBPyConnection, s: EnrichSettings, progress: Progress = log.info
) -> int:
    """Decide again the sentences of items decided by another detector than ``s``'s
    (``core.sentences.detector_id``, see transforms/detector.py): after an upgrade, retrained
    weights or a new threshold. Sentences keep their ids; a suggestion that stays one keeps
    its mention and idea, one that no longer is leaves core.suggestions and core.mentions,
    and a new one joins core.suggestions (embedded and grouped by the later steps). An item
    whose sentences now come out cut differently is segmented again like an edited item.
    Returns how many items were decided again."""
    stale = stale_items(con, s)
    if not stale:
        return 0
    progress(
        f"the suggestion detector changed (its code, the classifier's weights or the detection "
        f"settings) since {len(stale)} items were decided: deciding them again"
    )
    embed = _classifier_embedder(con, s, progress)
    added = withdrawn = 0
    for done, batch in _item_batches(con, s, stale):
        rows = _decide_items(con, batch, s, embed)
        recut = _items_cut_differently(con, [item[0] for item in batch], rows)
        if recut:
            _segment_pending(con, [item for item in batch if item[0] in recut], s, progress)
        kept = [r for r in rows if r["item_id"] not in recut]
        if kept:
            batch_added, batch_withdrawn = _apply_verdicts(con, kept)
            added, withdrawn = added + batch_added, withdrawn + batch_withdrawn
        progress(f"decided again {done} of {len(stale)} items")
    progress(f"the new detector added {added} suggestions and withdrew {withdrawn}")
    return len(stale)


def stale_items(con: duckdb.DuckDBPyConnection, s: EnrichSettings) -> list[str]:
    """The ids of the items whose current sentences were decided by another detector than
    ``s``'s, in order."""
    sources = [
        row[0] for row in con.execute("SELECT DISTINCT source_name FROM raw.items").fetchall()
    ]
    detector_of = detector_of_source(s)
    rows = con.execute(
        """
        WITH expected AS (
            SELECT unnest(?::VARCHAR[]) AS source_name, unnest(?::VARCHAR[]) AS detector_id)
        SELECT r.item_id FROM raw.items r JOIN expected x USING (source_name)
        WHERE EXISTS (
            SELECT 1 FROM core.sentences c
            WHERE c.item_id = r.item_id AND c.content_hash = r.content_hash
              AND c.detector_id IS DISTINCT FROM x.detector_id)
        ORDER BY r.item_id
        """,
        [sources, [detector_of(source) for source in sources]],
    ).fetchall()
    return [row[0] for row in rows]


def _items_cut_differently(
    con: duckdb.DuckDBPyConnection, item_ids: list[str], rows: list[dict]
) -> set[str]:
    """Those of ``item_ids`` whose stored sentences are not exactly ``rows``' (same ids, same
    order; an item may now have none: a title no longer mined was all a link post had)."""
    fresh: dict[str, list[str]] = {item: [] for item in item_ids}
    for row in rows:
        fresh[row["item_id"]].append(row["sentence_id"])
    stored = dict(
        con.execute(
            "SELECT item_id, list(sentence_id ORDER BY sentence_index) FROM core.sentences "
            "WHERE item_id IN (SELECT unnest(?::VARCHAR[])) GROUP BY item_id",
            [sorted(fresh)],
        ).fetchall()
    )
    return {item for item, ids in fresh.items() if stored.get(item, []) != ids}


def _apply_verdicts(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> tuple[int, int]:
    """Store new verdicts for existing sentences (same ids); returns (suggestions added,
    suggestions withdrawn)."""
    verdicts = pa.table(
        {
            "sentence_id": [r["sentence_id"] for r in rows],
            "language": [r["language"] for r in rows],
            "is_suggestion": [bool(r["is_suggestion"]) for r in rows],
            "suggestion_score": [float(r["suggestion_score"]) for r in rows],
            "suggestion_cue": [r["suggestion_cue"] for r in rows],
            "detector_id": [r["detector_id"] for r in rows],
        }
    )
    with arrow_view(con, "_verdicts", verdicts):
        con.execute(
            "CREATE OR REPLACE TEMP TABLE redecided AS SELECT v.*, "
            "c.is_suggestion AS was_suggestion FROM _verdicts v JOIN core.sentences c "
            "USING (sentence_id)"
        )
    con.execute(
        """
        UPDATE core.sentences SET language = v.language, is_suggestion = v.is_suggestion,
            suggestion_score = v.suggestion_score, suggestion_cue = v.suggestion_cue,
            detector_id = v.detector_id
        FROM redecided v WHERE core.sentences.sentence_id = v.sentence_id
        """
    )
    _unmine(con, "SELECT sentence_id FROM redecided WHERE was_suggestion AND NOT is_suggestion")
    suggestions, added, withdrawn = con.execute(
        "SELECT coalesce(list(sentence_id) FILTER (WHERE is_suggestion), []), "
        "count(*) FILTER (WHERE is_suggestion AND NOT was_suggestion), "
        "count(*) FILTER (WHERE was_suggestion AND NOT is_suggestion) FROM redecided"
    ).fetchone()
    _mine(con, suggestions)  # new ones join; those that stay keep their ideas
    return int(added), int(withdrawn)


def _add_context(con: duckdb.DuckDBPyConnection, sentence_ids: list[str]) -> None:
    """A suggestion that only refers back ("Please consider it.", "Pourriez-vous l'ajouter ?")
    carries the sentence before it in its item: its text (what analysts read and what is
    embedded and grouped) becomes "<previous sentence> <suggestion>"."""
    if not sentence_ids:
        return
    rows = con.execute(
        """
        SELECT g.sentence_id, p.sentence_text || ' ' || c.sentence_text, c.sentence_text
        FROM core.suggestions g
        JOIN core.sentences c USING (sentence_id)
        JOIN core.sentences p ON p.item_id = c.item_id AND p.sentence_index = c.sentence_index - 1
        WHERE g.sentence_id IN (SELECT unnest(?::VARCHAR[]))
        """,
        [sentence_ids],
    ).fetchall()
    changed = [(sid, text) for sid, text, sentence in rows if refers_back(sentence)]
    if not changed:
        return
    context = pa.table(
        {
            "sentence_id": [sid for sid, _ in changed],
            "suggestion_text": [text for _, text in changed],
            "text_hash": [text_hash(text) for _, text in changed],
        }
    )
    with arrow_view(con, "_suggestion_context", context):
        con.execute(
            "UPDATE core.suggestions SET suggestion_text = x.suggestion_text, "
            "text_hash = x.text_hash FROM _suggestion_context x "
            "WHERE core.suggestions.sentence_id = x.sentence_id"
        )


def embed_missing(con: duckdb.DuckDBPyConnection, s: EnrichSettings, progress: Progress) -> int:
    """Embed every suggestion text not yet embedded under the grouping key; returns how many."""
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
    _store_embeddings(con, s.model_id, [h for h, _ in missing], vectors)
    return len(missing)


def _group_new_suggestions(con: duckdb.DuckDBPyConnection, s: EnrichSettings) -> tuple[int, int]:
    """Group suggestions without a mention yet (``grouping.assign``). In order: an analyst's
    move of the suggestion (kept by every run), then a near-duplicate's idea (same or nearly
    the same words); the others are grouped together with the existing ideas in the grouping
    space, joining one or founding new ones (the oldest suggestion of a new idea founds it)."""
    new = con.execute(
        """
        SELECT g.sentence_id, r.source_name, r.channel, r.author,
               coalesce(r.published_at, r.fetched_at) AS mentioned_at, r.url, g.language,
               g.item_id, g.suggestion_text, g.text_hash
        FROM core.suggestions g
        JOIN raw.items r USING (item_id)
        WHERE NOT EXISTS (SELECT 1 FROM core.mentions m WHERE m.sentence_id = g.sentence_id)
          AND EXISTS (SELECT 1 FROM core.embeddings e
                      WHERE e.text_hash = g.text_hash AND e.model_id = ?)
        ORDER BY mentioned_at, g.sentence_id
        """,
        [s.model_id],
    ).fetchall()
    # Bands of mentions that edited items removed.
    con.execute(
        "DELETE FROM core.near_duplicate_bands b WHERE NOT EXISTS "
        "(SELECT 1 FROM core.mentions m WHERE m.sentence_id = b.sentence_id)"
    )
    if not new:
        return 0, 0
    gs = idea_store.defaults(s.grouping)
    space = idea_store.active_space(con, s.model_id, gs)
    index = idea_store.load_index(con, s.model_id, space, gs)
    keys = [row[0] for row in new]
    vectors = space.project(idea_store.embeddings_of(con, s.model_id, [row[9] for row in new]))
    fixed: dict[str, str] = {}
    twins: dict[str, str] = {}
    bands: list[list[str]] = []
    if gs.near_duplicates:
        fixed, twins, bands = idea_store.near_duplicate_twins(
            con,
            keys,
            [row[8] for row in new],
            [row[9] for row in new],
            gs.near_duplicate_jaccard,
        )
    fixed.update(idea_store.pinned(con, keys))  # an analyst's move wins over a twin
    assignments = grouping.assign(
        index,
        keys,
        vectors,
        idea_store.threshold(space, gs, s.idea_similarity),
        fixed=fixed,
        redirects=idea_store.redirects(con),
        twins=twins,
    )
    mentions = pa.table(
        {
            "sentence_id": keys,
            "idea_id": [a.idea_id for a in assignments],
            "item_id": [row[7] for row in new],
            "source_name": [row[1] for row in new],
            "channel": [row[2] for row in new],
            "author": [row[3] for row in new],
            "mentioned_at": [row[4] for row in new],
            "url": [row[5] for row in new],
            "language": [row[6] for row in new],
            "similarity": [round(a.similarity, 6) for a in assignments],
        }
    )
    _insert_arrow(con, "core.mentions", mentions)
    if bands:
        band_rows = pa.table(
            {
                "sentence_id": [k for k, b in zip(keys, bands, strict=True) for _ in b],
                "band_key": [bk for b in bands for bk in b],
            }
        )
        with arrow_view(con, "_bands", band_rows):
            con.execute(
                "INSERT OR IGNORE INTO core.near_duplicate_bands SELECT DISTINCT * FROM _bands"
            )
    touched = {a.idea_id for a in assignments}
    founders = pa.table(
        {
            "idea_id": [a.idea_id for a in assignments if a.is_new_idea],
            "founding_sentence_id": [a.key for a in assignments if a.is_new_idea],
        }
    )
    with arrow_view(con, "_new_ideas", founders):
        con.execute(
            """
            INSERT INTO core.ideas (idea_id, model_id, founding_sentence_id,
                representative_sentence_id, centroid, count_members)
            SELECT idea_id, ?, founding_sentence_id, founding_sentence_id, []::FLOAT[], 0
            FROM _new_ideas
            ON CONFLICT (idea_id) DO NOTHING
            """,
            [s.model_id],
        )
    idea_store.recompute_centroids(con, s.model_id, space, touched)
    refresh_representatives(con, touched, space, label_language(s))
    return len(new), sum(a.is_new_idea for a in assignments)


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


def adopt_ideas_of_other_models(con: duckdb.DuckDBPyConnection, s: EnrichSettings) -> int:
    """Ideas grouped under another grouping key (an earlier embedding model, or the other
    ``grouping.request_focus`` setting) move into the configured key's space: their members
    and ids stay, their centres are recomputed from the members' vectors under the configured
    key (which ``embed_missing`` must have embedded for every suggestion). New suggestions
    then join them as before the change, instead of founding ideas beside them; the next
    ``ideas reconsolidate`` merges ideas that the new vectors find alike. Returns how many
    ideas moved."""
    moved = con.execute(
        "SELECT model_id, list(idea_id ORDER BY idea_id) FROM core.ideas WHERE model_id <> ? "
        "GROUP BY model_id ORDER BY model_id",
        [s.model_id],
    ).fetchall()
    if not moved:
        return 0
    idea_ids = {idea_id for _, ids in moved for idea_id in ids}
    con.execute("UPDATE core.ideas SET model_id = ? WHERE model_id <> ?", [s.model_id, s.model_id])
    space = idea_store.active_space(con, s.model_id, idea_store.defaults(s.grouping))
    idea_store.recompute_centroids(con, s.model_id, space, idea_ids)
    refresh_representatives(con, idea_ids, space, label_language(s))
    listed = ", ".join(f"{len(ids)} from {model}" for model, ids in moved)
    log.warning(
        "grouping key changed to %s: %s ideas (%s) now live in its space, with the same "
        "members and ids; `ideas reconsolidate` merges those that became alike",
        s.model_id,
        len(idea_ids),
        listed,
    )
    return len(idea_ids)


def enrich(
    con: duckdb.DuckDBPyConnection, s: EnrichSettings, progress: Progress = log.info
) -> dict[str, int]:
    """Do all pending enrichment in the caller's transaction; returns counts of new work."""
    items, sentences, redecided = _segment_new_items(con, s, progress)
    progress(f"segmented {items} new or edited items into {sentences} sentences")
    embedded = embed_missing(con, s, progress)
    adopted = adopt_ideas_of_other_models(con, s)
    grouped, new_ideas = _group_new_suggestions(con, s)
    _recount_ideas(con)
    relabelled = repair_representatives(con, s)
    progress(f"grouped {grouped} new suggestions ({new_ideas} new ideas)")
    if relabelled:
        progress(
            f"chose the quote and label of {relabelled} ideas again (the labelling code "
            "changed, or their quote was edited or withdrawn)"
        )
    return {
        "items_segmented": items,
        "items_redecided": redecided,
        "sentences": sentences,
        "texts_embedded": embedded,
        "suggestions_grouped": grouped,
        "ideas_created": new_ideas,
        "ideas_moved_from_other_models": adopted,
        "ideas_relabelled": relabelled,
    }
