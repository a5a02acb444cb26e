"""`ideas demo` end to end on the bundled offline data, in a fresh folder."""

from __future__ import annotations

from html import escape as html_escape

import duckdb
import pytest

from idea_harvester.cli import main
from idea_harvester.demo import demo_feeds


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    assert main(["demo", "--dir", str(folder)]) == 0
    return folder


def _rows(folder, sql):
    with duckdb.connect(str(folder / "warehouse" / "ideas.duckdb"), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_demo_data_is_big_enough_and_bilingual():
    names = [p.name for p in demo_feeds()]
    assert "broken-feed.xml" in names and len(names) >= 5


def test_demo_yields_ranked_ideas_with_repeated_mentions(demo_dir):
    ((count_items,),) = _rows(demo_dir, "SELECT count(*) FROM raw.items")
    assert count_items >= 200
    ((ideas, multi_item),) = _rows(
        demo_dir, "SELECT count(*), count(*) FILTER (count_items >= 2) FROM marts.top_ideas"
    )
    assert ideas >= 10 and multi_item >= 3
    languages = {
        lang
        for (langs,) in _rows(demo_dir, "SELECT languages FROM marts.top_ideas")
        for lang in langs
    }
    assert {"en", "fr"} <= languages


def test_demo_has_ideas_mentioned_on_all_three_channels(demo_dir):
    channels = _rows(demo_dir, "SELECT DISTINCT channel FROM raw.items ORDER BY 1")
    assert channels == [("blog_comments",), ("reddit",), ("rss",)]
    ((across_all,),) = _rows(
        demo_dir, "SELECT count(*) FROM marts.top_ideas WHERE len(channels) = 3"
    )
    assert across_all >= 3


def test_demo_matches_french_to_english(demo_dir):
    ((bilingual,),) = _rows(
        demo_dir, "SELECT count(*) FROM marts.top_ideas WHERE list_has_all(languages, ['en', 'fr'])"
    )
    assert bilingual >= 3


def test_demo_records_the_broken_feed(demo_dir):
    errors = _rows(demo_dir, "SELECT source_name, error_kind FROM meta.source_errors")
    assert errors == [("broken-feed", "not_a_feed")]


def test_demo_dashboard_escapes_the_planted_payload(demo_dir):
    site = demo_dir / "dashboards"
    pages = {p: p.read_text(encoding="utf-8") for p in site.rglob("*.html")}
    assert any("window.__xss" in h for h in pages.values())  # the payload is shown, as text
    assert not any("<script>window.__xss" in h or "<img src=x onerror" in h for h in pages.values())
    ((label,),) = _rows(demo_dir, "SELECT label FROM marts.top_ideas WHERE idea_rank = 1")
    assert html_escape(label.split()[0]) in pages[site / "index.html"]
