"""Ranking in marts.top_ideas on small hand-made rows: the score and its visible parts."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta

import pytest

from warehouse.db import connect
from warehouse.marts import build_marts

NEWEST = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def con(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        yield con


def _mention(con, idea, n, author, channel="rss", age_days=0.0, engagement=0):
    item, sentence = f"{idea}-item{n}", f"{idea}-s{n}"
    when = NEWEST - timedelta(days=age_days)
    con.execute(
        "INSERT INTO raw.items (item_id, source_name, channel, native_id, url, author, "
        "published_at, content_hash, fetched_at, batch_id, score) "
        "VALUES (?, 'src', ?, ?, 'https://x.example/p', ?, ?, 'h', ?, 'b', ?)",
        [item, channel, item, author, when, when, engagement],
    )
    con.execute(
        "INSERT INTO core.suggestions VALUES (?, ?, ?, 'th', 'en', 0.9, 'please add')",
        [sentence, item, f"Please add {idea}."],
    )
    con.execute(
        "INSERT INTO core.mentions VALUES (?, ?, ?, 'src', ?, ?, ?, 'https://x.example/p', "
        "'en', 0.9)",
        [sentence, idea, item, channel, author, when],
    )
    return sentence


def _idea(con, idea, founder, members):
    con.execute(
        "INSERT INTO core.ideas (idea_id, model_id, founding_sentence_id, "
        "representative_sentence_id, centroid, count_members) VALUES (?, 'm', ?, ?, [1.0, 0.0], ?)",
        [idea, founder, founder, members],
    )


def _top(con):
    build_marts(con, top_ideas_limit=100)
    cols = [d[0] for d in con.execute("SELECT * FROM marts.top_ideas LIMIT 0").description]
    rows = con.execute("SELECT * FROM marts.top_ideas ORDER BY idea_rank").fetchall()
    return {r[1]: dict(zip(cols, r, strict=True)) for r in rows}


def test_the_score_is_the_sum_of_its_visible_parts(con):
    first = _mention(con, "a", 1, "ana", engagement=20)
    _mention(con, "a", 2, "ana", channel="reddit", age_days=14)  # counts 0.5, but ana's
    # latest mention counts for her
    _mention(con, "a", 3, "ben")
    _idea(con, "a", first, 3)
    row = _top(con)["a"]
    assert row["score_authors"] == 2.0
    assert row["score_repeats"] == 0.5  # ana twice
    assert row["score_channels"] == 0.5  # rss and reddit
    assert row["score_engagement"] == pytest.approx(0.25 * math.log(21), abs=1e-4)
    assert row["score_recency"] == pytest.approx(2.0, abs=1e-4)  # ana and ben, latest: today

    parts = sum(row[k] for k in row if k.startswith("score_"))
    assert row["score"] == pytest.approx(parts, abs=1e-3)


def test_recent_ideas_outrank_old_ones_with_the_same_support(con):
    for idea, age in (("old", 60.0), ("new", 0.0)):
        founder = _mention(con, idea, 1, f"{idea}-1", age_days=age)
        _mention(con, idea, 2, f"{idea}-2", age_days=age)
        _idea(con, idea, founder, 2)
    top = _top(con)
    assert top["new"]["idea_rank"] == 1 and top["old"]["idea_rank"] == 2
    assert top["old"]["score_recency"] < 0.2 < top["new"]["score_recency"]


def test_distinct_authors_weigh_more_than_repeats(con):
    crowd = [_mention(con, "crowd", n, f"user{n}") for n in range(3)]
    loud = [_mention(con, "loud", n, "same-user") for n in range(4)]
    _idea(con, "crowd", crowd[0], 3)
    _idea(con, "loud", loud[0], 4)
    top = _top(con)
    assert top["crowd"]["idea_rank"] < top["loud"]["idea_rank"]


def _second_sentence(con, idea, n, author, part="title"):
    """Another suggestion of item ``n`` of ``idea`` (a post whose title and text both ask)."""
    item, sentence = f"{idea}-item{n}", f"{idea}-s{n}-{part}"
    con.execute(
        "INSERT INTO core.suggestions VALUES (?, ?, ?, 'th2', 'en', 0.9, 'please add')",
        [sentence, item, f"{idea}, please."],
    )
    con.execute(
        "INSERT INTO core.mentions VALUES (?, ?, ?, 'src', 'rss', ?, ?, "
        "'https://x.example/p', 'en', 0.9)",
        [sentence, idea, item, author, NEWEST],
    )


def test_an_item_that_asks_twice_is_no_repeat(con):
    first = _mention(con, "a", 1, "ana")
    _second_sentence(con, "a", 1, "ana")  # the same post: its title and its text
    _mention(con, "a", 2, "ben")
    _idea(con, "a", first, 3)
    row = _top(con)["a"]
    assert (row["count_mentions"], row["count_items"], row["count_distinct_authors"]) == (3, 2, 2)
    assert row["score_repeats"] == 0.0
    _mention(con, "a", 3, "ana")  # ana again, in another item: that is a repeat
    assert _top(con)["a"]["score_repeats"] == 0.5


def _spiky_ideas(con):
    """'hot': 1 mention three weeks back, then 4 in the last 3 days; 'steady': 2 a week for
    five weeks; 'quiet': 2 mentions this week (under the 3-mention floor)."""
    hot = [_mention(con, "hot", 0, "h0", age_days=20)]
    hot += [_mention(con, "hot", n, f"h{n}", age_days=n - 1) for n in range(1, 5)]
    steady = [
        _mention(con, "steady", 2 * w + k, f"s{w}{k}", age_days=7 * w + 1 + k)
        for w in range(5)
        for k in range(2)
    ]
    quiet = [_mention(con, "quiet", n, f"q{n}", age_days=n) for n in range(2)]
    for idea, members in (("hot", hot), ("steady", steady), ("quiet", quiet)):
        _idea(con, idea, members[0], len(members))


def test_spike_columns_compare_the_window_with_the_ideas_own_baseline(con):
    _spiky_ideas(con)
    top = _top(con)  # no run date: the window ends on the newest mention's day
    assert top["hot"]["spike_as_of"] == NEWEST.date()
    assert top["hot"]["count_mentions_window"] == 4
    assert top["hot"]["count_mentions_baseline"] == pytest.approx(1 * 7 / 28, abs=1e-4)
    assert top["hot"]["spike_growth"] == 4.0  # a baseline under 1 counts as 1
    assert top["hot"]["is_spiking"] is True
    assert top["steady"]["count_mentions_window"] == 2
    assert top["steady"]["is_spiking"] is False
    assert top["quiet"]["count_mentions_window"] == 2 and top["quiet"]["is_spiking"] is False


def test_spike_window_follows_the_runs_date_and_rule(con):
    from datetime import date

    from warehouse.marts import SpikeWindow

    _spiky_ideas(con)
    build_marts(con, 100, as_of=date(2026, 12, 31))  # a month later: nothing is recent
    flags = dict(con.execute("SELECT idea_id, is_spiking FROM marts.top_ideas").fetchall())
    assert flags == {"hot": False, "steady": False, "quiet": False}
    build_marts(con, 100, spike=SpikeWindow(min_mentions=2, ratio=2.0))
    flags = dict(con.execute("SELECT idea_id, is_spiking FROM marts.top_ideas").fetchall())
    assert flags == {"hot": True, "steady": False, "quiet": True}


def test_marts_spikes_agree_with_the_dashboards_rule(con):
    from dashboards.trends import SpikeRule, daily_totals, trend

    _spiky_ideas(con)
    top = _top(con)
    daily = con.execute(
        "SELECT idea_id, mention_date, count_mentions FROM marts.idea_mentions_daily"
    ).fetchall()
    for idea, counts in daily_totals(daily).items():
        t = trend(idea, counts, NEWEST.date(), SpikeRule())
        assert (t.recent, t.spiking) == (
            top[idea]["count_mentions_window"],
            top[idea]["is_spiking"],
        ), idea
        assert t.growth == pytest.approx(top[idea]["spike_growth"], abs=1e-3)


def test_one_post_that_asks_three_times_is_no_spike(con):
    post = _mention(con, "loud", 1, "ana")
    _second_sentence(con, "loud", 1, "ana")
    _second_sentence(con, "loud", 1, "ana", part="again")
    _idea(con, "loud", post, 3)
    row = _top(con)["loud"]
    assert row["count_mentions"] == 3
    assert row["count_mentions_window"] == 1 and row["is_spiking"] is False
    daily = con.execute(
        "SELECT count_mentions, count_items FROM marts.idea_mentions_daily WHERE idea_id = 'loud'"
    ).fetchall()
    assert daily == [(3, 1)]


def test_the_dashboards_spikes_count_items_as_the_marts_do(con, tmp_path):
    from dashboards.context import idea_href
    from dashboards.data import load_site_data
    from dashboards.site import build_site

    post = _mention(con, "loud", 1, "ana")
    _second_sentence(con, "loud", 1, "ana")
    _idea(con, "loud", post, 2)
    _top(con)
    [row] = load_site_data(con, NEWEST).daily
    assert (row.idea_id, row.count, row.items) == ("loud", 2, 1)  # charts, spikes
    build_site(con, tmp_path / "site", run_at=NEWEST)
    page = (tmp_path / "site" / idea_href("loud")).read_text(encoding="utf-8")
    assert "<dt>Mentions</dt><dd>2</dd>" in page
    assert "<dt>Posts and comments, last 7 days</dt><dd>1 (usual 0, ×1)</dd>" in page
    # A warehouse from before count_items: its spikes count suggestions.
    con.execute("ALTER TABLE marts.idea_mentions_daily DROP COLUMN count_items")
    [row] = load_site_data(con, NEWEST).daily
    assert (row.count, row.items) == (2, 2)


def test_an_idea_page_shows_the_spike_columns_as_one_fact(con, tmp_path):
    from dashboards.context import idea_href
    from dashboards.site import build_site

    _spiky_ideas(con)
    _top(con)
    build_site(con, tmp_path / "site", run_at=NEWEST)
    page = (tmp_path / "site" / idea_href("hot")).read_text(encoding="utf-8")
    assert "<dt>Posts and comments, last 7 days</dt><dd>4 (usual 0.25, ×4) · spiking</dd>" in page
    for column in ("Count mentions window", "Spike growth", "Is spiking", "Spike as of"):
        assert f"<dt>{column}</dt>" not in page
