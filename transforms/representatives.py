"""Each idea's representative: the member quoted for it, whose key phrase labels it."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow as pa

from transforms import grouping, idea_store
from transforms.detector import code_hash
from transforms.labels import label_of, points_back
from transforms.settings import EnrichSettings
from warehouse.db import arrow_view

#: How much less typical (average cosine to the idea's members, in the grouping space) than
#: the most typical member a representative may be: ``LABEL_MARGIN`` for a better label,
#: ``REPRESENTATIVE_MARGIN`` when the most typical member's label points back ("It should
#: sync too"). Beyond that, members of a broad idea may be about something else.
LABEL_MARGIN = 0.05
REPRESENTATIVE_MARGIN = 0.1
#: What a member's typicality loses when its label does not name the request (keyed by
#: whether the label points back), and when ``grouping.label_language`` is set and the member
#: is in another language.
LABEL_PENALTY = {False: LABEL_MARGIN, True: REPRESENTATIVE_MARGIN}
LANGUAGE_PENALTY = LABEL_MARGIN
#: The most typical members whose labels are cut, at most, per idea.
LABEL_CANDIDATES = 64
#: Modules whose code chooses representatives and cuts labels: an edit relabels every idea
#: (``core.ideas.labeller_id``), as a new detector decides stored items again.
LABEL_MODULES = ("transforms.labels", "transforms.representatives")


def labeller_id(label_language: str | None = None) -> str:
    """The id of this code's way of choosing representatives and labels, with the preferred
    label language (16 hex characters): a change of either labels every idea again."""
    key = f"{code_hash(LABEL_MODULES)}|{label_language or ''}"
    return hashlib.sha1(key.encode()).hexdigest()[:16]


def label_language(s: EnrichSettings) -> str | None:
    """The configured ``grouping.label_language`` (None: any language)."""
    return idea_store.defaults(s.grouping).label_language


def _penalty(label: str, names_request: bool, language: str, label_language: str | None) -> float:
    """What a member's typicality loses for its label and language (see the constants)."""
    penalty = 0.0 if names_request else LABEL_PENALTY[points_back(label)]
    if label_language and language != label_language:
        penalty += LANGUAGE_PENALTY
    return penalty


def refresh_representatives(
    con: duckdb.DuckDBPyConnection,
    idea_ids: set[str],
    space: grouping.GroupingSpace,
    label_language: str | None = None,
) -> None:
    """The representative of an idea is its most typical member: the closest to the idea's
    centre in the grouping space (``space``, where the idea's centroid was just recomputed),
    i.e. the highest average cosine to the other members, unless a member nearly as typical
    (``LABEL_MARGIN``) has a better label (``labels.label_of``). A label that names the
    request (request wording cut, whole, standing alone) is preferred to one that does not
    ("Dark mode" over "Every release I check the web app for…"), and any label to one that
    points back ("S'ils étaient transcrits ...", "It should sync too"; then the margin is
    ``REPRESENTATIVE_MARGIN``). With a ``label_language``, a member in another language
    pays ``LANGUAGE_PENALTY``. The idea's label is cut from the representative."""
    if not idea_ids:
        return
    members = con.execute(
        """
        SELECT m.idea_id, m.sentence_id, g.suggestion_text, g.text_hash, i.model_id,
               g.language
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
    languages = members["language"].tolist()
    centre_vectors = idea_store.vector_rows(centres["grouping_centroid"])
    typical = np.empty(len(owner), dtype=np.float32)
    for start, end in idea_store.idea_chunks(owner):
        projected = space.project(idea_store.embeddings_of(con, model_id, hashes[start:end]))
        for a, b in idea_store.idea_runs(owner, start, end):
            centre = centre_vectors[centre_row[owner[a]]]
            typical[a:b] = (projected[a - start : b - start] * centre).sum(axis=1)

    chosen: dict[str, tuple[str, str]] = {}
    for a, b in idea_store.idea_runs(owner, 0, len(owner)):
        rows = sorted(range(a, b), key=lambda r: (-typical[r], sentence_ids[r]))  # most typical
        top = rows[0]
        top_label = label_of(str(texts[top]))
        margin = REPRESENTATIVE_MARGIN if points_back(top_label[0]) else LABEL_MARGIN
        near = [r for r in rows[1:LABEL_CANDIDATES] if typical[r] >= typical[top] - margin]
        labelled = [(top, *top_label)] + [(r, *label_of(str(texts[r]))) for r in near]
        r, label, _ = max(  # max keeps the most typical of equals
            labelled,
            key=lambda c: typical[c[0]] - _penalty(c[1], c[2], languages[c[0]], label_language),
        )
        chosen[owner[a]] = (sentence_ids[r], label)
    table = pa.table(
        {
            "idea_id": list(chosen),
            "sentence_id": [v[0] for v in chosen.values()],
            "label": [v[1] for v in chosen.values()],
        }
    )
    with arrow_view(con, "_representatives", table):
        con.execute(
            "UPDATE core.ideas SET representative_sentence_id = r.sentence_id, label = r.label, "
            "labeller_id = ? FROM _representatives r WHERE core.ideas.idea_id = r.idea_id",
            [labeller_id(label_language)],
        )


def repair_representatives(con: duckdb.DuckDBPyConnection, s: EnrichSettings) -> int:
    """Ideas whose representative is no longer one of their mentions (its item was edited, or
    the detector withdrew it) get a new one from the members left, so that they keep a quote
    and a label of their own (the marts join on it); ideas labelled by another version of the
    labelling code (an upgrade) are labelled again. Returns how many ideas were refreshed."""
    stale = {
        row[0]
        for row in con.execute(
            """
            SELECT i.idea_id FROM core.ideas i
            WHERE i.count_members > 0 AND (
                i.labeller_id IS DISTINCT FROM ? OR NOT EXISTS (
                    SELECT 1 FROM core.mentions m
                    WHERE m.idea_id = i.idea_id
                      AND m.sentence_id = i.representative_sentence_id))
            """,
            [labeller_id(label_language(s))],
        ).fetchall()
    }
    if stale:
        space = idea_store.active_space(con, s.model_id, idea_store.defaults(s.grouping))
        refresh_representatives(con, stale, space, label_language(s))
    return len(stale)
