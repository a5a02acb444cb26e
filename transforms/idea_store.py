"""Ideas in the warehouse: the grouping space, centroids, near-duplicates and overrides.

The SQL side of grouping, shared by the enrich step (new suggestions) and by the analyst
operations and reconsolidation (idea_harvester/overrides.py). Everything runs in the
caller's transaction. Idea ids are never renumbered: a refit of the grouping space only
recomputes centroids from the members; a merge keeps the older id and records the other in
core.idea_redirects; an analyst's move is kept in core.mention_overrides.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import duckdb
import numpy as np
import pyarrow as pa

from transforms import grouping, near_duplicates
from warehouse.db import arrow_view

if TYPE_CHECKING:
    from idea_harvester.config import GroupingSettings

log = logging.getLogger(__name__)


def defaults(gs: GroupingSettings | None) -> GroupingSettings:
    if gs is not None:
        return gs
    from idea_harvester.config import GroupingSettings

    return GroupingSettings()


def vector_rows(column: np.ndarray) -> np.ndarray:
    """A list column read with ``fetchnumpy`` (stored embeddings, centroids: one float32
    array per row) as a float32 matrix. Cheaper than ``fetchall``, which builds a Python
    float per coordinate."""
    if not len(column):
        return np.zeros((0, 0), dtype=np.float32)
    return np.stack(column).astype(np.float32, copy=False)


def stored_embeddings(
    con: duckdb.DuckDBPyConnection, model_id: str, hashes: list[str]
) -> tuple[dict[str, int], np.ndarray]:
    """The vectors stored under ``model_id`` for those of ``hashes`` that have one: each
    distinct hash's row, and the matrix. Queries join texts first and fetch each distinct
    vector once here: joining the vectors into a query over every mention made DuckDB hold
    about 1 GB for 7,560 mentions inside the enrich transaction."""
    found = con.execute(
        "SELECT text_hash, embedding FROM core.embeddings "
        "WHERE model_id = ? AND text_hash IN (SELECT unnest(?::VARCHAR[]))",
        [model_id, sorted(set(hashes))],
    ).fetchnumpy()
    row_of = {h: n for n, h in enumerate(found["text_hash"].tolist())}
    return row_of, vector_rows(found["embedding"])


def embeddings_of(con: duckdb.DuckDBPyConnection, model_id: str, hashes: list[str]) -> np.ndarray:
    """The stored vectors of ``hashes`` under ``model_id``, one row per hash in that order
    (a KeyError names a hash never embedded)."""
    row_of, vectors = stored_embeddings(con, model_id, hashes)
    return vectors[[row_of[h] for h in hashes]]


# --- the grouping space -------------------------------------------------------------------


def corpus_vectors(con: duckdb.DuckDBPyConnection, model_id: str) -> np.ndarray:
    """One embedding per distinct suggestion text (ordered, so a refit is deterministic)."""
    rows = con.execute(
        "SELECT e.embedding FROM core.embeddings e WHERE e.model_id = ? AND e.text_hash IN "
        "(SELECT text_hash FROM core.suggestions) ORDER BY e.text_hash",
        [model_id],
    ).fetchnumpy()
    return vector_rows(rows["embedding"])


def corpus_size(con: duckdb.DuckDBPyConnection) -> int:
    """Distinct suggestion texts: what a grouping space would be fitted on."""
    return con.execute("SELECT count(DISTINCT text_hash) FROM core.suggestions").fetchone()[0]


def stored_space(con: duckdb.DuckDBPyConnection, model_id: str) -> grouping.GroupingSpace | None:
    row = con.execute(
        "SELECT space_source, count_fitted_on, mean, components FROM core.grouping_spaces "
        "WHERE model_id = ?",
        [model_id],
    ).fetchone()
    if row is None:
        return None
    source, fitted_on, mean, comps = row
    return grouping.GroupingSpace(
        None if mean is None else np.asarray(mean, np.float32),
        None if not comps else np.asarray(comps, np.float32),
        source,
        fitted_on,
    )


def store_space(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    space: grouping.GroupingSpace,
    refused_fit_at: int | None = None,
) -> None:
    """Store the model's space; ``refused_fit_at``: the corpus size at which a first fit was
    just refused (see ``active_space``)."""
    con.execute(
        "INSERT OR REPLACE INTO core.grouping_spaces (model_id, space_id, space_source, "
        "count_components, count_fitted_on, mean, components, fitted_at, "
        "count_corpus_at_refused_fit) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            model_id,
            space.fingerprint(),
            space.source,
            space.k,
            space.fitted_on,
            None if space.mean is None else space.mean.tolist(),
            None if space.components is None else space.components.tolist(),
            datetime.now(UTC),
            refused_fit_at,
        ],
    )


def refused_fit_at(con: duckdb.DuckDBPyConnection, model_id: str) -> int | None:
    """The corpus size at which enrich last refused a first fit for the model, if it did."""
    row = con.execute(
        "SELECT count_corpus_at_refused_fit FROM core.grouping_spaces WHERE model_id = ?",
        [model_id],
    ).fetchone()
    return None if row is None else row[0]


#: A refused first fit is tried again once the corpus has grown by this factor.
REFUSED_FIT_RETRY_GROWTH = 1.5


def active_space(
    con: duckdb.DuckDBPyConnection, model_id: str, gs: GroupingSettings, first_fit: bool = True
) -> grouping.GroupingSpace:
    """The stored space of the model; the first time, the shipped one (or the identity). A
    model without a shipped space gets its first fit here, once the corpus is large enough
    and if the fit keeps the existing ideas apart (``first_fit=False``: reconsolidation,
    which refits itself); later refits happen only in reconsolidation. A refused first fit is
    remembered with the corpus size, and tried again only once the corpus has grown by
    ``REFUSED_FIT_RETRY_GROWTH`` (a fit and its check read every member's vector)."""
    stored = stored_space(con, model_id)
    if stored is not None and (not stored.is_identity or gs.components_removed == 0):
        return stored
    space = stored
    if space is None:
        space = grouping.bundled_space(model_id, gs.components_removed) or grouping.GroupingSpace()
    refused_at = None
    if first_fit and space.is_identity and gs.components_removed > 0:
        size = corpus_size(con)
        last_refused = refused_fit_at(con, model_id) if stored is not None else None
        retry_from = gs.min_corpus_for_fit
        if last_refused is not None:
            retry_from = max(retry_from, math.ceil(last_refused * REFUSED_FIT_RETRY_GROWTH))
        if size >= retry_from:
            corpus = corpus_vectors(con, model_id)  # the texts embedded under this key
            if len(corpus) >= gs.min_corpus_for_fit:
                fitted = grouping.fit_space(corpus, gs.components_removed)
                retry = (
                    f"Enrich tries again once the warehouse holds "
                    f"{math.ceil(size * REFUSED_FIT_RETRY_GROWTH)} distinct suggestion texts; "
                    f"raise grouping.refit_max_separation_loss to force it."
                )
                if refit_keeps_ideas_apart(con, model_id, space, fitted, gs, advice=retry):
                    space = fitted
                else:
                    refused_at = size
    if space is not stored or refused_at is not None:
        store_space(con, model_id, space, refused_at)
    return space


#: What to do about a refit that reconsolidation refused.
RECONSOLIDATION_REFIT_ADVICE = (
    "Set grouping.refit_on_reconsolidate: false to stop trying, or raise "
    "grouping.refit_max_separation_loss to force it."
)


def refit_keeps_ideas_apart(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    current: grouping.GroupingSpace,
    fitted: grouping.GroupingSpace,
    gs: GroupingSettings,
    progress: Callable[[str], None] = lambda m: None,
    advice: str = RECONSOLIDATION_REFIT_ADVICE,
) -> bool:
    """Whether the refitted space separates the existing ideas about as well as the current
    one (``grouping.refit_max_separation_loss``); logs a warning with both figures and
    ``advice`` (what the user can do) if not."""
    ids, raw = member_embeddings(con, model_id)
    if not ids:
        return True
    check = grouping.check_refit(ids, raw, current, fitted, gs.refit_max_separation_loss)
    progress(
        f"existing ideas kept apart: {check.before:.1%} of {check.members_scored} members in "
        f"the current space, {check.after:.1%} in the refitted one"
    )
    if check.keeps_ideas_apart:
        return True
    log.warning(
        "kept the current grouping space: refitted on this warehouse's suggestions, it would "
        "keep the existing ideas apart worse (%.1f%% of members nearer their own idea than any "
        "other, against %.1f%%, more than grouping.refit_max_separation_loss = %.2f lower). A "
        "corpus made of a few big ideas has those ideas as its top principal directions; "
        "refitting would remove them. %s",
        100 * check.after,
        100 * check.before,
        gs.refit_max_separation_loss,
        advice,
    )
    return False


def threshold(space: grouping.GroupingSpace, gs: GroupingSettings, raw_threshold: float) -> float:
    """The join threshold: ``gs.similarity`` in a grouping space; the raw-space threshold
    (``thresholds.idea_similarity``) when the space is the identity."""
    return raw_threshold if space.is_identity else gs.similarity


def merge_threshold(
    space: grouping.GroupingSpace,
    gs: GroupingSettings,
    raw_threshold: float,
    override: float | None = None,
) -> float:
    """The reconsolidation threshold: ``override``, else ``grouping.merge_similarity``, else
    the join threshold of the space (see ``threshold``)."""
    if override is not None:
        return override
    if gs.merge_similarity is not None:
        return gs.merge_similarity
    return threshold(space, gs, raw_threshold)


# --- centroids ----------------------------------------------------------------------------


def _member_hashes(
    con: duckdb.DuckDBPyConnection, model_id: str, idea_ids: set[str] | None
) -> tuple[list[str], list[str]]:
    """(idea ids, text hashes) of every mention of the model's ideas (or of ``idea_ids``),
    ordered by idea then mention."""
    where = "" if idea_ids is None else "AND i.idea_id IN (SELECT unnest(?::VARCHAR[]))"
    params: list = [model_id] + ([] if idea_ids is None else [sorted(idea_ids)])
    rows = con.execute(
        f"""
        SELECT i.idea_id, g.text_hash
        FROM core.ideas i
        JOIN core.mentions m USING (idea_id)
        JOIN core.suggestions g USING (sentence_id)
        WHERE i.model_id = ? {where}
        ORDER BY i.idea_id, m.sentence_id
        """,
        params,
    ).fetchnumpy()
    return rows["idea_id"].tolist(), rows["text_hash"].tolist()


def member_embeddings(
    con: duckdb.DuckDBPyConnection, model_id: str, idea_ids: set[str] | None = None
) -> tuple[list[str], np.ndarray]:
    """(idea id, raw embedding) of every mention of the model's ideas (or of ``idea_ids``),
    ordered by idea then mention: one list of ids and one row of vectors per mention."""
    ids, hashes = _member_hashes(con, model_id, idea_ids)
    if not ids:
        return [], np.zeros((0, 0), np.float32)
    return ids, embeddings_of(con, model_id, hashes)


#: Member vectors held at once when every member of many ideas is read (whole ideas per
#: chunk): a first load of a large backlog touches every idea.
MEMBER_CHUNK = 5_000


def idea_chunks(owner: list[str], size: int | None = None) -> Iterator[tuple[int, int]]:
    """(start, end) row ranges of ``owner`` (an idea id per member, grouped by idea) that hold
    whole ideas, each ending at the first idea boundary after ``size`` rows (default
    MEMBER_CHUNK)."""
    size = size or MEMBER_CHUNK
    start = 0
    for n in range(1, len(owner) + 1):
        if n == len(owner) or (n - start >= size and owner[n] != owner[n - 1]):
            yield start, n
            start = n


def idea_runs(owner: list[str], start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each idea's rows within ``owner[start:end]``."""
    bounds = [n for n in range(start + 1, end) if owner[n] != owner[n - 1]]
    return zip([start, *bounds], [*bounds, end], strict=True)


def recompute_centroids(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    space: grouping.GroupingSpace,
    idea_ids: set[str] | None = None,
) -> None:
    """Centroids, counts and first mention of ideas from their members (all ideas of the
    model when ``idea_ids`` is None). An idea left without members keeps its centroids."""
    ids, hashes = _member_hashes(con, model_id, idea_ids)
    if not ids:
        return
    out: dict[str, list] = {"idea_id": [], "centroid": [], "grouping_centroid": []}
    for start, end in idea_chunks(ids):
        raw = embeddings_of(con, model_id, hashes[start:end])
        projected = space.project(raw)
        for a, b in idea_runs(ids, start, end):
            out["idea_id"].append(ids[a])
            out["centroid"].append(raw[a - start : b - start].mean(axis=0))
            out["grouping_centroid"].append(projected[a - start : b - start].mean(axis=0))
    table = pa.table(
        {
            "idea_id": out["idea_id"],
            "centroid": pa.array(out["centroid"], type=pa.list_(pa.float32())),
            "grouping_centroid": pa.array(out["grouping_centroid"], type=pa.list_(pa.float32())),
        }
    )
    with arrow_view(con, "_centroids", table):
        con.execute(
            "INSERT OR REPLACE INTO core.idea_centroids "
            "SELECT idea_id, ?, grouping_centroid FROM _centroids",
            [space.fingerprint()],
        )
        con.execute(
            """
            UPDATE core.ideas SET centroid = c.centroid,
                count_members = (SELECT count(*) FROM core.mentions m
                                 WHERE m.idea_id = c.idea_id),
                first_mentioned_at = (SELECT min(mentioned_at) FROM core.mentions m
                                      WHERE m.idea_id = c.idea_id)
            FROM _centroids c WHERE core.ideas.idea_id = c.idea_id
            """
        )


def load_index(
    con: duckdb.DuckDBPyConnection,
    model_id: str,
    space: grouping.GroupingSpace,
    gs: GroupingSettings,
) -> grouping.IdeaIndex:
    """The ideas of the model with their grouping centroids, oldest first. Ideas whose
    centroid is in another space (a refit, or a warehouse from before grouping spaces) are
    recomputed from their members first."""
    # Mentions of edited items were dropped before grouping: true counts, fresh centroids.
    changed = con.execute(
        """
        SELECT i.idea_id, coalesce(c.n, 0) FROM core.ideas i
        LEFT JOIN (SELECT idea_id, count(*) AS n FROM core.mentions GROUP BY idea_id) c
            USING (idea_id)
        WHERE i.model_id = ? AND i.count_members <> coalesce(c.n, 0)
        """,
        [model_id],
    ).fetchall()
    if changed:
        table = pa.table({"idea_id": [r[0] for r in changed], "n": [r[1] for r in changed]})
        with arrow_view(con, "_counts", table):
            con.execute(
                "UPDATE core.ideas SET count_members = c.n FROM _counts c "
                "WHERE core.ideas.idea_id = c.idea_id"
            )
    stale = {r[0] for r in changed if r[1] > 0} | {
        r[0]
        for r in con.execute(
            "SELECT i.idea_id FROM core.ideas i LEFT JOIN core.idea_centroids c USING (idea_id) "
            "WHERE i.model_id = ? AND i.count_members > 0 AND c.space_id IS DISTINCT FROM ?",
            [model_id, space.fingerprint()],
        ).fetchall()
    }
    if stale:
        recompute_centroids(con, model_id, space, stale)
    rows = con.execute(
        "SELECT i.idea_id, i.founding_sentence_id, c.grouping_centroid, i.count_members "
        "FROM core.ideas i JOIN core.idea_centroids c USING (idea_id) "
        "WHERE i.model_id = ? AND i.count_members > 0 ORDER BY i.first_mentioned_at, i.idea_id",
        [model_id],
    ).fetchnumpy()
    return grouping.IdeaIndex(
        [
            grouping.Idea(idea_id, founder, np.asarray(c, np.float32) * count, int(count))
            for idea_id, founder, c, count in zip(
                rows["idea_id"].tolist(),
                rows["founding_sentence_id"].tolist(),
                rows["grouping_centroid"],
                rows["count_members"].tolist(),
                strict=True,
            )
        ],
        linkage=gs.linkage,
        ann_min_ideas=gs.ann_min_ideas,
        ann_candidates=gs.ann_candidates,
        aliases=merged_aliases(con, model_id, space),
    )


def merged_aliases(
    con: duckdb.DuckDBPyConnection, model_id: str, space: grouping.GroupingSpace
) -> list[tuple[str, np.ndarray]]:
    """(surviving idea, mean of the merged idea's former members still in it), per merged
    idea, in the current space: what a merged idea looked like keeps attracting its kind."""
    rows = con.execute(
        """
        SELECT r.from_idea_id, m.idea_id, g.text_hash
        FROM core.idea_redirects r, unnest(r.member_sentence_ids) AS u(sentence_id)
        JOIN core.mentions m ON m.sentence_id = u.sentence_id
        JOIN core.suggestions g ON g.sentence_id = m.sentence_id
        WHERE EXISTS (SELECT 1 FROM core.embeddings e
                      WHERE e.text_hash = g.text_hash AND e.model_id = ?)
        ORDER BY r.from_idea_id, m.sentence_id
        """,
        [model_id],
    ).fetchnumpy()
    if not len(rows["from_idea_id"]):
        return []
    vectors = embeddings_of(con, model_id, rows["text_hash"].tolist())
    merged = redirects(con)
    groups: dict[str, list[int]] = {}
    for row, (from_id, idea_id) in enumerate(
        zip(rows["from_idea_id"].tolist(), rows["idea_id"].tolist(), strict=True)
    ):
        survivor = grouping.resolve(merged, from_id)
        if idea_id == survivor:  # members an analyst moved elsewhere no longer count
            groups.setdefault(from_id, []).append(row)
    return [
        (grouping.resolve(merged, from_id), space.project(vectors[v]).mean(0))
        for from_id, v in sorted(groups.items())
    ]


def representative_texts(con: duckdb.DuckDBPyConnection, idea_ids: set[str]) -> dict[str, str]:
    """Each idea's representative sentence (what its label is cut from, and what an analyst
    recognises it by)."""
    if not idea_ids:
        return {}
    return dict(
        con.execute(
            "SELECT i.idea_id, g.suggestion_text FROM core.ideas i "
            "JOIN core.suggestions g ON g.sentence_id = i.representative_sentence_id "
            "WHERE i.idea_id IN (SELECT unnest(?::VARCHAR[]))",
            [sorted(idea_ids)],
        ).fetchall()
    )


# --- overrides ----------------------------------------------------------------------------


def redirects(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    return dict(con.execute("SELECT from_idea_id, to_idea_id FROM core.idea_redirects").fetchall())


def keep_apart_pairs(con: duckdb.DuckDBPyConnection) -> set[frozenset[str]]:
    return {
        frozenset(r)
        for r in con.execute("SELECT idea_id_a, idea_id_b FROM core.idea_keep_apart").fetchall()
    }


def pinned(con: duckdb.DuckDBPyConnection, keys: list[str]) -> dict[str, str]:
    """Analyst moves of these suggestions (their target, followed through redirects)."""
    moved = dict(
        con.execute(
            "SELECT sentence_id, to_idea_id FROM core.mention_overrides "
            "WHERE sentence_id IN (SELECT unnest(?::VARCHAR[]))",
            [keys],
        ).fetchall()
    )
    merged = redirects(con) if moved else {}
    return {k: grouping.resolve(merged, v) for k, v in moved.items()}


# --- near-duplicates ----------------------------------------------------------------------


def near_duplicate_twins(
    con: duckdb.DuckDBPyConnection,
    keys: list[str],
    texts: list[str],
    hashes: list[str],
    jaccard: float,
) -> tuple[dict[str, str], dict[str, str], list[list[str]]]:
    """For new suggestions (in grouping order): ``fixed`` (key -> idea of an earlier, already
    grouped twin) and ``twins`` (key -> earlier key of this batch), plus each key's MinHash
    band keys to store. Exact normalised-text matches come first, then MinHash."""
    exact = dict(
        con.execute(
            """
            SELECT g.text_hash, arg_min(m.idea_id, m.sentence_id)
            FROM core.mentions m JOIN core.suggestions g USING (sentence_id)
            WHERE g.text_hash IN (SELECT unnest(?::VARCHAR[]))
            GROUP BY g.text_hash
            """,
            [sorted(set(hashes))],
        ).fetchall()
    )
    hasher = near_duplicates.MinHasher()
    keys_of_hash: dict[str, list[str]] = {}  # a text said again gets the same (shared) list
    for text, text_hash_ in zip(texts, hashes, strict=True):
        if text_hash_ not in keys_of_hash:
            keys_of_hash[text_hash_] = hasher.band_keys(text)
    band_keys = [keys_of_hash[h] for h in hashes]
    wanted = sorted({bk for keys_ in band_keys for bk in keys_})
    earlier_rows = con.execute(
        """
        SELECT b.band_key, b.sentence_id, g.suggestion_text, m.idea_id
        FROM core.near_duplicate_bands b
        JOIN core.mentions m USING (sentence_id)
        JOIN core.suggestions g USING (sentence_id)
        WHERE b.band_key IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY b.sentence_id
        """,
        [wanted],
    ).fetchall()
    earlier: dict[str, list[str]] = {}
    earlier_texts: dict[str, str] = {}
    idea_of: dict[str, str] = {}
    for band, sid, text, idea in earlier_rows:
        earlier.setdefault(band, []).append(sid)
        earlier_texts[sid] = text
        idea_of[sid] = idea
    found, _ = near_duplicates.find_twins(
        texts, earlier, earlier_texts, jaccard, hasher, band_keys=band_keys
    )
    fixed, twins = near_duplicates.resolve_twins(keys, hashes, found, exact, idea_of)
    return fixed, twins, band_keys
