"""detection.team_authors: the team's own posts are cut into sentences but never mined for
suggestions, and changing the list applies to items already mined (real enrich, real models,
a real DuckDB file; the items are written by us)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pytest

from idea_harvester import overrides
from idea_harvester.config import Settings
from transforms import enrich, idea_store
from transforms.sentences import TEAM_CUE
from transforms.settings import EnrichSettings, author_key
from warehouse.db import connect

T0 = datetime(2026, 11, 1, tzinfo=UTC)
TEAM_POST = "Tell us what you want next. Please add your ideas for the calendar below!"
USER_POST = "Please add a week view to the calendar."


def _settings(team: list[str]) -> EnrichSettings:
    base = Settings(warehouse="unused.duckdb", landing="unused", detection={"team_authors": team})
    return EnrichSettings.from_settings(base)


def _item(con, item_id: str, author: str, text: str) -> None:
    con.execute(
        "INSERT INTO raw.items (item_id, source_name, channel, native_id, content_html, "
        "content_hash, fetched_at, published_at, batch_id, author) "
        "VALUES (?, 'forum', 'rss', ?, ?, ?, ?, ?, 'b1', ?)",
        [item_id, item_id, text, "h_" + item_id, T0, T0, author],
    )


def _suggesting_items(con) -> set[str]:
    return {r[0] for r in con.execute("SELECT item_id FROM core.suggestions").fetchall()}


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        _item(con, "team", "  Kestrel Team ", TEAM_POST)
        _item(con, "user", "ana", USER_POST)
        yield con


def test_team_posts_are_segmented_but_never_mined(con):
    enrich.enrich(con, _settings(["kestrel team"]), progress=lambda m: None)
    assert _suggesting_items(con) == {"user"}
    cues = con.execute(
        "SELECT DISTINCT suggestion_cue FROM core.sentences WHERE item_id = 'team'"
    ).fetchall()
    assert cues == [(TEAM_CUE,)]
    mentioned = {r[0] for r in con.execute("SELECT item_id FROM core.mentions").fetchall()}
    assert mentioned == {"user"}


def test_changing_the_list_applies_to_items_already_mined(con):
    enrich.enrich(con, _settings([]), progress=lambda m: None)
    assert _suggesting_items(con) == {"team", "user"}  # the rules see "Please add ..."
    (team_suggestions,) = con.execute(
        "SELECT count(*) FROM core.suggestions WHERE item_id = 'team'"
    ).fetchone()
    # Listed later (other case and spaces): its suggestions and mentions are withdrawn.
    messages: list[str] = []
    enrich.enrich(con, _settings(["KESTREL TEAM"]), progress=messages.append)
    assert _suggesting_items(con) == {"user"}
    withdrawn = f"withdrew {team_suggestions} suggestions written by team authors"
    assert any(withdrawn in m for m in messages), messages
    assert con.execute(
        "SELECT count(*) FROM core.mentions m JOIN core.suggestions s USING (sentence_id) "
        "WHERE s.item_id = 'team'"
    ).fetchone() == (0,)
    # Taken off the list: the item is segmented and mined again.
    messages.clear()
    enrich.enrich(con, _settings([]), progress=messages.append)
    assert _suggesting_items(con) == {"team", "user"}
    assert any("1 items by former team authors will be mined again" in m for m in messages)


def test_an_analysts_label_wins_over_the_team_list(con):
    enrich.enrich(con, _settings([]), progress=lambda m: None)
    sentence_id, text, language = con.execute(
        "SELECT sentence_id, suggestion_text, language FROM core.suggestions WHERE item_id = 'team'"
    ).fetchone()
    con.execute(
        "INSERT INTO core.suggestion_labels VALUES (?, ?, ?, true, 'ana', ?, NULL)",
        [sentence_id, text, language, T0],
    )
    enrich.enrich(con, _settings(["kestrel team"]), progress=lambda m: None)
    assert sentence_id in {
        r[0] for r in con.execute("SELECT sentence_id FROM core.suggestions").fetchall()
    }


def test_author_keys_ignore_case_and_spaces():
    assert author_key("  Kestrel Team ") == author_key("kestrel team") == "kestrel team"
    assert author_key(None) == ""
    assert _settings(["", "  "]).team_authors == frozenset()


def _ideas_by_sentence(con) -> dict[str, str]:
    return dict(con.execute("SELECT sentence_id, idea_id FROM core.mentions").fetchall())


def _grouped_with_use(con) -> dict[str, str]:
    """Enrich with USE alone (another grouping key than the default); the ideas it made."""
    use = Settings(
        warehouse="unused.duckdb",
        landing="unused",
        model={"embedding_model": "bundled:use-multilingual-v3"},
    )
    enrich.enrich(con, EnrichSettings.from_settings(use), progress=lambda m: None)
    return _ideas_by_sentence(con)


def test_changing_the_embedding_model_moves_the_ideas_into_its_space(con, caplog):
    """Ideas keep their members and ids across a change of model, and new suggestions join
    them (this test module already has the real enrich on a real warehouse; the models are
    the bundled ones)."""
    before = _grouped_with_use(con)
    _item(con, "later", "bo", "Please add a week view to the calendar app.")
    with caplog.at_level("WARNING", logger="transforms.enrich"):
        counts = enrich.enrich(con, _settings([]), progress=lambda m: None)  # the default model
    key = "bundled:use-e5-small+request-focus"
    assert counts["ideas_moved_from_other_models"] == len(set(before.values())) > 0
    (warning,) = [
        r.getMessage() for r in caplog.records if "grouping key changed" in r.getMessage()
    ]
    assert key in warning and "from bundled:use-multilingual-v3+request-focus" in warning
    after = _ideas_by_sentence(con)
    assert {k: after[k] for k in before} == before  # same members, same ids
    ideas_of_item = dict(
        con.execute("SELECT item_id, any_value(idea_id) FROM core.mentions GROUP BY 1").fetchall()
    )
    assert ideas_of_item["later"] == ideas_of_item["user"]  # joins it, founds none beside it
    ideas = con.execute(
        "SELECT DISTINCT i.model_id, len(i.centroid), c.space_id FROM core.ideas i "
        "JOIN core.idea_centroids c USING (idea_id)"
    ).fetchall()
    space = idea_store.active_space(con, key, idea_store.defaults(None))
    assert ideas == [(key, 512 + 384, space.fingerprint())]  # centres recomputed in its space


def test_switching_request_focus_off_moves_the_ideas_too(con):
    """Focused and plain vectors differ: the ideas move to the plain key's space."""
    enrich.enrich(con, _settings([]), progress=lambda m: None)
    before = _ideas_by_sentence(con)
    plain = Settings(warehouse="unused.duckdb", landing="unused", grouping={"request_focus": False})
    assert EnrichSettings.from_settings(plain).model_id == "bundled:use-e5-small"
    enrich.enrich(con, EnrichSettings.from_settings(plain), progress=lambda m: None)
    assert _ideas_by_sentence(con) == before
    assert con.execute("SELECT DISTINCT model_id FROM core.ideas").fetchall() == [
        ("bundled:use-e5-small",)
    ]
    stored = con.execute(
        "SELECT DISTINCT model_id FROM core.embeddings e JOIN core.suggestions g USING (text_hash) "
        "ORDER BY 1"
    ).fetchall()
    assert {("bundled:use-e5-small",), ("bundled:use-e5-small+request-focus",)} <= set(stored)


def test_reconsolidation_after_a_change_of_model_moves_the_ideas_first(con):
    """The weekly reconsolidation may run before any enrich sees the new model: it embeds
    the suggestions under the new key and moves the ideas before refitting and merging."""
    before = _grouped_with_use(con)
    default = Settings(  # the default model; no merge, so memberships can be compared
        warehouse="unused.duckdb",
        landing="unused",
        # Three suggestions: any refit scatters them, and this test is about what the space
        # is fitted on, so the separation guard is lifted.
        grouping={
            "min_corpus_for_fit": 3,
            "merge_similarity": 0.99,
            "refit_max_separation_loss": 1.0,
        },
    )
    result = overrides.reconsolidate(con, default)
    key = "bundled:use-e5-small+request-focus"
    assert result["ideas_before"] == len(set(before.values())) and result["space_refitted"]
    assert _ideas_by_sentence(con) == before
    assert con.execute("SELECT DISTINCT model_id FROM core.ideas").fetchall() == [(key,)]
    space = idea_store.stored_space(con, key)
    assert space is not None and space.source == "corpus"
    assert np.isfinite(space.mean).all() and space.mean.shape == (512 + 384,)
