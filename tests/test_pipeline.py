"""The whole pipeline without Airflow, over real HTTP on 127.0.0.1 and a real DuckDB file."""

from __future__ import annotations

from datetime import timedelta

import duckdb
import pytest

from idea_harvester import steps
from idea_harvester.run_context import RunContext
from tests.pipeline_support import POSTS, T0, feed_bytes, table_fingerprints, write_config

RUN = RunContext(run_id="run-1", run_at=T0 + timedelta(days=1))
RSS = {"Content-Type": "application/rss+xml; charset=utf-8"}
# meta.runs is the audit log of what each step did and when: a rerun replaces its row (no
# duplicate), but with its own times and counts. Its row count is still compared.
AUDIT = {"meta.runs": ["started_at", "finished_at", "counts_json"]}


@pytest.fixture
def two_sources(feed_server, tmp_path):
    feed_server.add("/good.rss", feed_bytes(), headers=RSS)
    feed_server.add("/broken.rss", b"<html><h1>502 Bad Gateway</h1></html>", status=502)
    return write_config(
        tmp_path,
        [
            {"name": "good", "channel": "rss", "url": feed_server.url("/good.rss")},
            {"name": "broken", "channel": "rss", "url": feed_server.url("/broken.rss")},
        ],
    )


def _scalar(settings, sql):
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        return con.execute(sql).fetchall()


def test_a_broken_feed_beside_a_good_one(two_sources):
    summary = steps.run_all(two_sources, RUN, progress=lambda m: None)
    statuses = {f["source"]: f["status"] for f in summary["fetch"]}
    assert statuses == {"good": "ok", "broken": "error"}
    assert _scalar(two_sources, "SELECT count(*) FROM raw.items WHERE source_name = 'good'") == [
        (len(POSTS),)
    ]
    errors = _scalar(
        two_sources, "SELECT source_name, error_kind, error_message FROM meta.source_errors"
    )
    assert len(errors) == 1
    name, kind, message = errors[0]
    assert (name, kind) == ("broken", "http_status") and "502" in message


def test_the_pipeline_finds_and_groups_suggestions(two_sources):
    steps.run_all(two_sources, RUN, progress=lambda m: None)
    suggestions = {
        t for (t,) in _scalar(two_sources, "SELECT suggestion_text FROM core.suggestions")
    }
    assert "Please add a dark mode to the app." in suggestions
    assert "Sync failed twice this morning with error 503." not in suggestions
    assert "How do I move a note to another notebook?" not in suggestions
    csv_ideas = _scalar(
        two_sources,
        "SELECT count(DISTINCT idea_id) FROM core.mentions m JOIN core.suggestions g "
        "USING (sentence_id) WHERE g.suggestion_text ILIKE '%csv%'",
    )
    assert csv_ideas == [(1,)]  # two authors, two phrasings, one idea
    top = _scalar(two_sources, "SELECT count(*), max(count_mentions) FROM marts.top_ideas")
    assert top[0][0] >= 3 and top[0][1] >= 2
    assert (two_sources.dashboards_dir / "index.html").is_file()


def test_rerunning_the_same_run_changes_nothing(two_sources):
    steps.run_all(two_sources, RUN, progress=lambda m: None)
    first = table_fingerprints(two_sources.warehouse, AUDIT)
    steps.run_all(two_sources, RUN, progress=lambda m: None)  # an Airflow retry, say
    assert table_fingerprints(two_sources.warehouse, AUDIT) == first
    assert first["raw.items"][0] == len(POSTS) and first["core.mentions"][0] > 0


def test_a_later_run_over_unchanged_feeds_changes_nothing(feed_server, tmp_path):
    feed_server.add("/good.rss", feed_bytes(), headers=RSS)
    settings = write_config(
        tmp_path, [{"name": "good", "channel": "rss", "url": feed_server.url("/good.rss")}]
    )
    steps.run_all(settings, RUN, progress=lambda m: None)
    first = table_fingerprints(settings.warehouse, AUDIT)
    later = RunContext(run_id="run-2", run_at=RUN.run_at + timedelta(hours=1))
    summary = steps.run_all(settings, later, progress=lambda m: None)
    assert summary["fetch"][0]["status"] == "unchanged"
    second = table_fingerprints(settings.warehouse, AUDIT)
    assert {t: v for t, v in second.items() if t != "meta.runs"} == {
        t: v for t, v in first.items() if t != "meta.runs"
    }


def test_new_posts_join_existing_ideas_with_stable_ids(feed_server, tmp_path):
    feed_server.add("/good.rss", feed_bytes(), headers=RSS)
    settings = write_config(
        tmp_path, [{"name": "good", "channel": "rss", "url": feed_server.url("/good.rss")}]
    )
    steps.run_all(settings, RUN, progress=lambda m: None)
    before = dict(_scalar(settings, "SELECT sentence_id, idea_id FROM core.mentions"))
    more = POSTS + [("p9", "ivy", "Please add a CSV export for my reports.")]
    feed_server.add("/good.rss", feed_bytes(more), headers=RSS)
    steps.run_all(
        settings, RunContext("run-2", RUN.run_at + timedelta(days=1)), progress=lambda m: None
    )
    after = dict(_scalar(settings, "SELECT sentence_id, idea_id FROM core.mentions"))
    assert {k: after[k] for k in before} == before  # nobody was renumbered
    (new_id,) = set(after) - set(before)
    csv_idea = _scalar(
        settings,
        "SELECT DISTINCT m.idea_id FROM core.mentions m JOIN "
        "core.suggestions g USING (sentence_id) WHERE g.item_id <> "
        "(SELECT item_id FROM core.suggestions WHERE sentence_id = '"
        + new_id
        + "') AND g.suggestion_text ILIKE '%csv%'",
    )
    assert after[new_id] == csv_idea[0][0]


def test_a_crash_during_enrich_leaves_the_warehouse_unchanged(two_sources, monkeypatch):
    steps.fetch_source(two_sources, "good", RUN)
    steps.load(two_sources, RUN)
    before = table_fingerprints(two_sources.warehouse)
    import transforms.enrich as enrich_module

    def boom(*args, **kwargs):
        raise RuntimeError("simulated crash while grouping")

    monkeypatch.setattr(enrich_module, "_group_new_suggestions", boom)
    with pytest.raises(RuntimeError, match="simulated crash"):
        steps.enrich(two_sources, RUN)
    assert table_fingerprints(two_sources.warehouse) == before
    monkeypatch.undo()
    counts = steps.enrich(two_sources, RUN)
    assert counts["suggestions_grouped"] > 0
