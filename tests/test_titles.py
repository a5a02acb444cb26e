"""A Reddit post's title is its author's own words, and often the request itself: enrich mines
it as the post's first sentence. Titles of feed items and blog comments are not mined: they
are often generated ("Comment on <post> by <name>"). Real enrich, real models, a real DuckDB
file; items written by us."""

from __future__ import annotations

from idea_harvester.config import Settings
from tests.pipeline_support import insert_item
from transforms import enrich
from transforms.settings import EnrichSettings
from warehouse.db import connect

SETTINGS = EnrichSettings.from_settings(Settings(warehouse="unused.duckdb", landing="unused"))
BODY = "I have about forty tags now and the sidebar is a mess."


def _sentences(con, item_id: str) -> list[tuple[str, bool]]:
    return con.execute(
        "SELECT sentence_text, is_suggestion FROM core.sentences WHERE item_id = ? "
        "ORDER BY sentence_index",
        [item_id],
    ).fetchall()


def _enrich(con) -> dict[str, int]:
    return enrich.enrich(con, SETTINGS, progress=lambda m: None)


def test_a_reddit_posts_title_is_mined_before_its_body(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        insert_item(con, "post", "r", BODY, channel="reddit", title="Nested tags, please")
        insert_item(con, "comment", "r", BODY, channel="reddit")  # comments have no title
        _enrich(con)
        assert _sentences(con, "post") == [("Nested tags, please", True), (BODY, False)]
        assert _sentences(con, "comment") == [(BODY, False)]
        assert con.execute("SELECT count(*) FROM core.mentions").fetchone() == (1,)


def test_feed_and_blog_comment_titles_are_not_mined(tmp_path):
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
