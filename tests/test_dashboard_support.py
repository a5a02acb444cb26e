"""Synthetic warehouses for the dashboard, export and alert tests (and the bench).

They use the real migrations, then fill the marts (and optionally core.ideas / raw.items
counts) directly, with the daily mart derived from the mentions, as warehouse/marts.py does.
Inserts go through Arrow tables, so 10,000 ideas take a second, not minutes.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from warehouse.db import migrate

XSS_SCRIPT = "<script>window.__xss=1</script>"
XSS_IMG = '<img src=x onerror="window.__xss=1">'
RUN_AT = datetime(2026, 11, 27, 6, 0, tzinfo=UTC)


def open_warehouse(path: Path) -> duckdb.DuckDBPyConnection:
    """A new DuckDB file with every migration applied."""
    con = duckdb.connect(str(path))
    migrate(con)
    return con


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[dict[str, Any]]) -> None:
    """Insert dict rows by column name (columns not given take their defaults)."""
    if not rows:
        return
    arrow = pa.Table.from_pylist(list(rows))
    con.register("_rows", arrow)
    try:
        cols = ", ".join(arrow.column_names)
        con.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM _rows")
    finally:
        con.unregister("_rows")


def mention(
    idea_id: str,
    n: int,
    when: datetime,
    *,
    quote: str = "Please add it.",
    author: str | None = "someone",
    channel: str = "rss",
    language: str = "en",
    url: str | None = "https://forum.example/t/1",
    title: str | None = "A post",
) -> dict[str, Any]:
    """One marts.idea_mentions row."""
    return {
        "sentence_id": f"{idea_id}-s{n}",
        "idea_id": idea_id,
        "quote": quote,
        "item_title": title,
        "item_id": f"{idea_id}-i{n}",
        "source_name": f"{channel}-source",
        "channel": channel,
        "author": author,
        "mentioned_at": when,
        "url": url,
        "language": language,
    }


def fill_marts(
    con: duckdb.DuckDBPyConnection,
    labels: dict[str, str],
    mentions: Sequence[dict[str, Any]],
    *,
    extra: dict[str, dict[str, Any]] | None = None,
) -> None:
    """Write the three marts from ``mentions``: ideas ranked by mention count."""
    for table in ("marts.top_ideas", "marts.idea_mentions", "marts.idea_mentions_daily"):
        con.execute(f"DELETE FROM {table}")
    insert(con, "marts.idea_mentions", mentions)
    daily = Counter(
        (m["idea_id"], m["mentioned_at"].astimezone(UTC).date(), m["channel"], m["language"])
        for m in mentions
    )
    insert(
        con,
        "marts.idea_mentions_daily",
        [
            {
                "idea_id": i,
                "mention_date": d,
                "channel": c,
                "language": lang,
                "count_mentions": n,
                "count_items": n,  # one item per mention here
            }
            for (i, d, c, lang), n in sorted(daily.items())
        ],
    )
    by_idea: dict[str, list[dict[str, Any]]] = {i: [] for i in labels}
    for m in mentions:
        by_idea[m["idea_id"]].append(m)
    order = sorted(labels, key=lambda i: (-len(by_idea[i]), i))
    rows = []
    for rank, idea_id in enumerate(order, 1):
        ms = by_idea[idea_id]
        first = ms[0] if ms else None
        row = {
            "idea_rank": rank,
            "idea_id": idea_id,
            "label": labels[idea_id],
            "representative_quote": first["quote"] if first else labels[idea_id],
            "representative_url": first["url"] if first else None,
            "score": float(len(ms)) + 0.5,
            "count_mentions": len(ms),
            "count_distinct_authors": len({m["author"] for m in ms}),
            "count_items": len(ms),
            "count_channels": len({m["channel"] for m in ms}),
            "channels": sorted({m["channel"] for m in ms}),
            "languages": sorted({m["language"] for m in ms}),
            "first_mentioned_at": min((m["mentioned_at"] for m in ms), default=None),
            "last_mentioned_at": max((m["mentioned_at"] for m in ms), default=None),
            "total_engagement": 0,
        }
        row.update((extra or {}).get(idea_id, {}))
        rows.append(row)
    insert(con, "marts.top_ideas", rows)


def synthetic(
    con: duckdb.DuckDBPyConnection,
    ideas: int,
    *,
    run_at: datetime = RUN_AT,
    seed: int = 7,
    days: int = 120,
) -> int:
    """Fill the marts with ``ideas`` synthetic ideas; return the number of mentions."""
    labels, mentions = synthetic_rows(ideas, run_at=run_at, seed=seed, days=days)
    fill_marts(con, labels, mentions)
    return len(mentions)


def synthetic_rows(
    ideas: int, *, run_at: datetime = RUN_AT, seed: int = 7, days: int = 120
) -> tuple[dict[str, str], list[dict[str, Any]]]:
    """Labels and mentions of ``ideas`` synthetic ideas: 1-12 mentions each over ``days``,
    EN/FR, three channels, one idea in 50 spiking in the last week."""
    rng = random.Random(seed)
    words = "dark mode export offline sync calendar tags widget search share api backup".split()
    labels, mentions = {}, []
    for n in range(ideas):
        idea_id = f"idea_{n:06d}"
        labels[idea_id] = f"Please add {rng.choice(words)} {rng.choice(words)} #{n}"
        count = rng.randint(1, 12)
        spiking = n % 50 == 0
        for k in range(count):
            age = rng.randint(0, 6) if spiking else rng.randint(0, days)
            when = run_at - timedelta(days=age, minutes=rng.randint(0, 1000))
            mentions.append(
                mention(
                    idea_id,
                    k,
                    when,
                    quote=f"{labels[idea_id]}, with words & <b>markup</b> users typed ({k})",
                    author=f"user{rng.randint(1, ideas * 3)}",
                    channel=rng.choice(("rss", "reddit", "blog_comments")),
                    language=rng.choice(("en", "en", "fr")),
                    url=f"https://forum.example/t/{n}/{k}",
                    title=f"Thread {n}",
                )
            )
    return labels, mentions
