"""Each idea's representative: the member quoted for it, whose key phrase labels it."""

from __future__ import annotations

import duckdb
import numpy as np
import pyarrow as pa

from transforms import grouping, idea_store
from transforms.labels import idea_label, points_back
from transforms.settings import EnrichSettings
from warehouse.db import arrow_view

#: A representative may be this much less typical (average cosine to the idea's members, in
#: the grouping space) than the most typical member when its label stands on its own.
REPRESENTATIVE_MARGIN = 0.1


def refresh_representatives(
    con: duckdb.DuckDBPyConnection, idea_ids: set[str], space: grouping.GroupingSpace
) -> None:
    """The representative of an idea is its most typical member: the closest to the idea's
    centre in the grouping space (``space``, where the idea's centroid was just recomputed),
    i.e. the highest average cosine to the other members. A member whose label only points
    back ("S'ils étaient transcrits ...", "It should sync too") gives way to one at most
    ``REPRESENTATIVE_MARGIN`` less typical whose label stands on its own. The idea's label is
    cut from the representative."""
    if not idea_ids:
        return
    members = con.execute(
        """
        SELECT m.idea_id, m.sentence_id, g.suggestion_text, g.text_hash, i.model_id
        FROM core.mentions m
        JOIN core.ideas i USING (idea_id)
        JOIN core.suggestions g USING (sentence_id)
        WHERE m.idea_id IN (SELECT unnest(?::VARCHAR[]))
        ORDER BY m.idea_id, m.sentence_id
        """,
        [sorted(idea_ids)],
    ).fetchnumpy()
    if not len(members["idea_id"]):
        return
    keys = set(members["model_id"].tolist())
    if len(keys) != 1:  # enrich and reconsolidation move every idea to one key first
        raise ValueError(f"ideas of several grouping keys ({sorted(keys)}) in one space")
    centres = con.execute(
        "SELECT idea_id, grouping_centroid FROM core.idea_centroids "
        "WHERE idea_id IN (SELECT unnest(?::VARCHAR[]))",
        [sorted(idea_ids)],
    ).fetchnumpy()
    centre_row = {idea_id: n for n, idea_id in enumerate(centres["idea_id"].tolist())}
    model_id = keys.pop()
    owner = members["idea_id"].tolist()
    sentence_ids = members["sentence_id"].tolist()
    texts = members["suggestion_text"]
    hashes = members["text_hash"].tolist()
    centre_vectors = idea_store.vector_rows(centres["grouping_centroid"])
    typical = np.empty(len(owner), dtype=np.float32)
    for start, end in idea_store.idea_chunks(owner):
        projected = space.project(idea_store.embeddings_of(con, model_id, hashes[start:end]))
        for a, b in idea_store.idea_runs(owner, start, end):
            centre = centre_vectors[centre_row[owner[a]]]
            typical[a:b] = (projected[a - start : b - start] * centre).sum(axis=1)

    def labelled(row: int) -> tuple[str, str]:  # labels are cut only for candidates
        return sentence_ids[row], idea_label(str(texts[row]))

    chosen: dict[str, tuple[str, str]] = {}
    for a, b in idea_store.idea_runs(owner, 0, len(owner)):
        rows = sorted(range(a, b), key=lambda r: (-typical[r], sentence_ids[r]))  # most typical
        idea_id = owner[a]
        chosen[idea_id] = labelled(rows[0])
        if points_back(chosen[idea_id][1]):  # one nearly as typical that stands alone
            floor = typical[rows[0]] - REPRESENTATIVE_MARGIN
            for r in rows[1:]:
                if typical[r] < floor:
                    break
                if not points_back((candidate := labelled(r))[1]):
                    chosen[idea_id] = candidate
                    break
    table = pa.table(
        {
            "idea_id": list(chosen),
            "sentence_id": [v[0] for v in chosen.values()],
            "label": [v[1] for v in chosen.values()],
        }
    )
    with arrow_view(con, "_representatives", table):
        con.execute(
            "UPDATE core.ideas SET representative_sentence_id = r.sentence_id, label = r.label "
            "FROM _representatives r WHERE core.ideas.idea_id = r.idea_id"
        )


def repair_representatives(con: duckdb.DuckDBPyConnection, s: EnrichSettings) -> int:
    """Ideas whose representative is no longer one of their mentions (its item was edited, or
    the detector withdrew it) get a new one from the members left, so that they keep a quote
    and a label of their own (the marts join on it). Returns how many were repaired."""
    lost = {
        row[0]
        for row in con.execute(
            """
            SELECT i.idea_id FROM core.ideas i
            WHERE i.count_members > 0 AND NOT EXISTS (
                SELECT 1 FROM core.mentions m
                WHERE m.idea_id = i.idea_id AND m.sentence_id = i.representative_sentence_id)
            """
        ).fetchall()
    }
    if lost:
        space = idea_store.active_space(con, s.model_id, idea_store.defaults(s.grouping))
        refresh_representatives(con, lost, space)
    return len(lost)
