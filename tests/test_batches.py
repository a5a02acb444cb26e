"""What enrich reads on each run: only new work (an item without text is not segmented
again on every run), a batch at a time, so that a first load of a large backlog need not
hold every post and every member vector in memory. Batches of one give the same warehouse
as one batch (real enrich, real models, real DuckDB files; items written by us)."""

from __future__ import annotations

from collections import Counter

import numpy as np

from idea_harvester.config import Settings
from tests.pipeline_support import POSTS, insert_item
from transforms import enrich, idea_store
from transforms.settings import EnrichSettings
from warehouse.db import connect

SETTINGS = EnrichSettings.from_settings(Settings(warehouse="unused.duckdb", landing="unused"))
#: Written once per idea; they differ only in last bits between batch sizes (BLAS blocking).
CENTROIDS = {"core.ideas": "centroid", "core.idea_centroids": "grouping_centroid"}


def _enriched(path, lines: list[str]) -> dict:
    """Every table's rows (centroid columns apart) and the centroids of each idea."""
    with connect(path) as con:
        for n, (_, _, text) in enumerate(POSTS):
            insert_item(con, f"forum-{n}", "forum", text)
        enrich.enrich(con, SETTINGS, progress=lines.append)
        tables = {}
        for table, vector in CENTROIDS.items():
            rows = con.execute(f"SELECT * EXCLUDE ({vector}) FROM {table} ORDER BY ALL").fetchall()
            vectors = con.execute(f"SELECT idea_id, {vector} FROM {table} ORDER BY 1").fetchall()
            tables[table] = (rows, [(i, np.asarray(v)) for i, v in vectors])
        for table in ("core.sentences", "core.suggestions", "core.mentions"):
            tables[table] = con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
    return tables


def test_batches_of_one_give_the_same_warehouse(tmp_path, monkeypatch):
    whole: list[str] = []
    expected = _enriched(tmp_path / "whole.duckdb", whole)
    monkeypatch.setattr(enrich, "ITEM_BATCH", 1)
    monkeypatch.setattr(idea_store, "MEMBER_CHUNK", 1)
    batched: list[str] = []
    got = _enriched(tmp_path / "batched.duckdb", batched)

    assert len(expected["core.suggestions"]) >= 5 and len(expected["core.ideas"][0]) >= 3
    # Ideas of several members, so that representatives are chosen among members.
    assert max(Counter(m[1] for m in expected["core.mentions"]).values()) >= 2
    for table in ("core.sentences", "core.suggestions", "core.mentions"):
        assert got[table] == expected[table], table
    for table in CENTROIDS:
        rows, vectors = got[table]
        assert rows == expected[table][0]
        assert [i for i, _ in vectors] == [i for i, _ in expected[table][1]]
        for (_, v), (_, w) in zip(vectors, expected[table][1], strict=True):
            assert v.shape == w.shape and np.allclose(v, w, atol=1e-6)
    # Progress per batch, only when there is more than one.
    assert f"segmented {len(POSTS)} of {len(POSTS)} new or edited items" in batched
    assert not any(" of " in line and "new or edited items" in line for line in whole)


def test_idea_chunks_hold_whole_ideas():
    owner = list("aaabccd")
    assert list(idea_store.idea_chunks(owner, 2)) == [(0, 3), (3, 6), (6, 7)]
    assert list(idea_store.idea_chunks(owner, 100)) == [(0, 7)]
    assert list(idea_store.idea_runs(owner, 3, 6)) == [(3, 4), (4, 6)]
    assert list(idea_store.idea_chunks([], 2)) == []


def test_an_item_without_text_is_segmented_only_while_it_has_old_sentences(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "link-post", "forum", "")
        insert_item(con, "comment", "forum", POSTS[0][2])
        con.execute("UPDATE raw.items SET content_html = NULL WHERE item_id = 'link-post'")
        assert enrich.enrich(con, SETTINGS, progress=lambda m: None)["items_segmented"] == 1
        # A rerun has nothing to do, the text-less item included.
        assert enrich.enrich(con, SETTINGS, progress=lambda m: None)["items_segmented"] == 0
        # The comment is deleted (Reddit keeps the row, without text): its words go.
        con.execute(
            "UPDATE raw.items SET content_html = NULL, content_hash = 'gone' "
            "WHERE item_id = 'comment'"
        )
        assert enrich.enrich(con, SETTINGS, progress=lambda m: None)["items_segmented"] == 1
        left = con.execute(
            "SELECT (SELECT count(*) FROM core.sentences), (SELECT count(*) FROM core.mentions)"
        ).fetchone()
        assert left == (0, 0)
        assert enrich.enrich(con, SETTINGS, progress=lambda m: None)["items_segmented"] == 0
