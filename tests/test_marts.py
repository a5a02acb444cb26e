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
        "INSERT INTO core.ideas VALUES (?, 'm', ?, ?, [1.0, 0.0], ?, NULL, NULL)",
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
