"""Sources with ``explicit_only`` (a feature-request board, an ideas forum): a sentence there is
a suggestion only with a request cue, which the classifier confirms; elsewhere statements of a
lack count too (real enrich, real models, a real DuckDB file; the items are written by us)."""

from __future__ import annotations

import numpy as np
import pytest

from idea_harvester.config import ConfigError, Settings, load_settings
from tests.pipeline_support import insert_item
from transforms import embeddings, enrich
from transforms.sentences import segment_items
from transforms.settings import EnrichSettings
from warehouse.db import connect

#: What the classifier alone calls a suggestion: a lack, said without any request wording.
IMPLICIT = "iOS has had offline notebooks for ages."
EXPLICIT = "Please add a dark mode to the web app."
SOURCES = [
    {"name": "board", "channel": "rss", "url": "file:///board.xml", "explicit_only": True},
    {"name": "community", "channel": "rss", "url": "file:///community.xml"},
]


def _settings() -> EnrichSettings:
    return EnrichSettings.from_settings(
        Settings(warehouse="unused.duckdb", landing="unused", sources=SOURCES)
    )


def test_the_config_names_the_explicit_sources():
    assert _settings().explicit_sources == frozenset({"board"})


def test_an_explicit_item_needs_a_request_cue_and_skips_embedding_the_rest():
    s = _settings()
    seen: list[str] = []

    def embed(texts: list[str]) -> np.ndarray:
        seen.extend(texts)
        return embeddings.encode("bundled:use-multilingual-v3", texts)

    items = [("b1", IMPLICIT, "h1"), ("b2", EXPLICIT, "h2"), ("c1", IMPLICIT, "h3")]
    rows = segment_items(items, s, embed, explicit_items=frozenset({"b1", "b2"}))
    decided = {r["item_id"]: r["is_suggestion"] for r in rows}
    assert decided == {"b1": False, "b2": True, "c1": True}
    assert seen.count(IMPLICIT) == 1  # embedded for the community item only


def test_enrich_honours_each_source_setting(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "board-1", "board", f"{IMPLICIT} {EXPLICIT}")
        insert_item(con, "community-1", "community", f"{IMPLICIT} {EXPLICIT}")
        enrich.enrich(con, _settings(), progress=lambda m: None)
        found = con.execute(
            "SELECT item_id, sentence_text FROM core.sentences WHERE is_suggestion "
            "ORDER BY item_id, sentence_index"
        ).fetchall()
    assert found == [
        ("board-1", EXPLICIT),
        ("community-1", IMPLICIT),
        ("community-1", EXPLICIT),
    ]


def test_explicit_only_is_a_checked_source_setting(tmp_path):
    bad = tmp_path / "ideas.yml"
    bad.write_text(
        "warehouse: w.duckdb\nlanding: landing\nsources:\n"
        "- {name: board, channel: rss, url: 'file:///b.xml', explicit_only: sometimes}\n"
    )
    with pytest.raises(ConfigError, match="explicit_only"):
        load_settings(bad)
