"""Item titles mined as their first sentence (``mine_titles``): by default a Reddit post's,
which is its author's own words and often the request itself, and not those of feed items
and blog comments, which are often generated ("Comment on <post> by <name>"); a source may
say otherwise, and a change of the setting applies to its stored items. Real enrich, real
models, a real DuckDB file; items written by us."""

from __future__ import annotations

import pytest

from idea_harvester.config import ConfigError, Settings, load_settings
from tests.pipeline_support import insert_item
from transforms import detector, enrich
from transforms.settings import EnrichSettings
from warehouse.db import connect

BODY = "I have about forty tags now and the sidebar is a mess."
TITLE = "Nested tags, please"
REDDIT = {"name": "r", "channel": "reddit", "subreddit": "KestrelNotes"}
FEED = {"name": "f", "channel": "rss", "url": "file:///f.xml"}
BLOG = {"name": "b", "channel": "blog_comments", "platform": "wordpress_feed", "feed_url": "x"}


def _settings(*sources: dict) -> EnrichSettings:
    return EnrichSettings.from_settings(
        Settings(warehouse="unused.duckdb", landing="unused", sources=list(sources))
    )


DEFAULTS = _settings(REDDIT, FEED, BLOG)


def _sentences(con, item_id: str) -> list[tuple[str, bool]]:
    return con.execute(
        "SELECT sentence_text, is_suggestion FROM core.sentences WHERE item_id = ? "
        "ORDER BY sentence_index",
        [item_id],
    ).fetchall()


def _enrich(con, s: EnrichSettings = DEFAULTS) -> dict[str, int]:
    return enrich.enrich(con, s, progress=lambda m: None)


def test_by_default_a_reddit_posts_title_is_mined_before_its_body(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "post", "r", BODY, channel="reddit", title=TITLE)
        insert_item(con, "comment", "r", BODY, channel="reddit")  # comments have no title
        _enrich(con)
        assert _sentences(con, "post") == [(TITLE, True), (BODY, False)]
        assert _sentences(con, "comment") == [(BODY, False)]
        assert con.execute("SELECT count(*) FROM core.mentions").fetchone() == (1,)


def test_by_default_feed_and_blog_comment_titles_are_not_mined(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "feed", "f", BODY, title="Please add nested tags")
        insert_item(con, "blog", "b", BODY, channel="blog_comments", title="Comment on Tags by Ana")
        _enrich(con)
        assert _sentences(con, "feed") == [(BODY, False)]
        assert _sentences(con, "blog") == [(BODY, False)]


def test_a_link_post_is_its_title_and_a_deleted_post_keeps_none_of_its_words(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        link = "Feature request: a week view in the calendar"
        insert_item(con, "link", "r", None, channel="reddit", title=link)
        # Reddit still shows a deleted post's title; its author (and body) are gone.
        insert_item(con, "gone", "r", None, channel="reddit", title=link, author=None)
        assert _enrich(con)["items_segmented"] == 1
        assert _sentences(con, "link") == [(link, True)]
        assert _sentences(con, "gone") == []
        assert _enrich(con)["items_segmented"] == 0  # a rerun does nothing


def test_a_change_of_mine_titles_applies_to_that_sources_stored_items(tmp_path):
    ideas_board = dict(FEED, mine_titles=True)
    no_titles = dict(REDDIT, mine_titles=False)
    assert len({detector.detector_id(DEFAULTS, False, t) for t in (False, True)}) == 2
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "feed", "f", BODY, title=TITLE)
        insert_item(con, "post", "r", BODY, channel="reddit", title=TITLE)
        _enrich(con)
        assert [len(_sentences(con, i)) for i in ("feed", "post")] == [1, 2]

        switched = _settings(no_titles, ideas_board, BLOG)
        assert _enrich(con, switched)["items_redecided"] == 2
        assert _sentences(con, "feed") == [(TITLE, True), (BODY, False)]
        assert _sentences(con, "post") == [(BODY, False)]
        mentions = con.execute("SELECT m.item_id FROM core.mentions m ORDER BY 1").fetchall()
        assert mentions == [("feed",)]
        assert _enrich(con, switched)["items_redecided"] == 0


def test_mine_titles_defaults_by_channel_and_is_a_checked_source_setting(tmp_path):
    config = tmp_path / "ideas.yml"
    config.write_text(
        "warehouse: w.duckdb\nlanding: landing\nsources:\n"
        "- {name: r, channel: reddit, subreddit: KestrelNotes}\n"
        "- {name: quiet, channel: reddit, subreddit: KestrelNotes, mine_titles: false}\n"
        "- {name: f, channel: rss, url: 'file:///f.xml'}\n"
        "- {name: board, channel: rss, url: 'file:///b.xml', mine_titles: true}\n"
    )
    settings = load_settings(config)
    assert [src.titles_mined for src in settings.sources] == [True, False, False, True]
    assert EnrichSettings.from_settings(settings).title_sources == {"r", "board"}
    config.write_text(
        "warehouse: w.duckdb\nlanding: landing\nsources:\n"
        "- {name: f, channel: rss, url: 'file:///f.xml', mine_titles: sometimes}\n"
    )
    with pytest.raises(ConfigError, match="mine_titles"):
        load_settings(config)


def test_a_link_post_loses_its_title_sentence_when_titles_are_no_longer_mined(tmp_path):
    link = "Feature request: a week view in the calendar"
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "link", "r", None, channel="reddit", title=link)
        _enrich(con)
        assert _sentences(con, "link") == [(link, True)]
        switched_off = _settings(dict(REDDIT, mine_titles=False), FEED, BLOG)
        assert _enrich(con, switched_off)["items_redecided"] == 1
        assert _sentences(con, "link") == []
        assert con.execute("SELECT count(*) FROM core.mentions").fetchone() == (0,)
        assert _enrich(con, switched_off)["items_redecided"] == 0


def test_mining_titles_keeps_the_ids_of_the_texts_sentences_and_their_labels(tmp_path):
    body = "Please add nested tags."
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "feed", "f", body, title=TITLE)
        _enrich(con)
        (sentence_id,) = con.execute(
            "SELECT sentence_id FROM core.sentences WHERE item_id = 'feed'"
        ).fetchone()
        con.execute(  # an analyst says the body is no suggestion
            "INSERT INTO core.suggestion_labels VALUES (?, ?, 'en', false, 'ana', now(), NULL)",
            [sentence_id, body],
        )
        _enrich(con, _settings(REDDIT, dict(FEED, mine_titles=True), BLOG))
        rows = con.execute(
            "SELECT sentence_index, sentence_id, is_suggestion, suggestion_cue "
            "FROM core.sentences WHERE item_id = 'feed' ORDER BY sentence_index"
        ).fetchall()
    assert [row[0] for row in rows] == [-1, 0]  # the title before the text
    assert rows[0][2] is True
    assert rows[1][1:] == (sentence_id, False, "analyst label")
