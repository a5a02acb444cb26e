"""Shared test helpers: a small bilingual feed, a config pointing at it, table checksums."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import yaml

from idea_harvester.config import Settings, load_settings
from tests.feedgen import Entry, rss_document

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)

POSTS = [
    ("p1", "ana", "Please add a dark mode to the app. I use it late at night."),
    ("p2", "ben", "The sync works great on my phone. It would be great to have a dark theme."),
    ("p3", "cleo", "I wish the app had an export to CSV. My boss wants spreadsheets."),
    ("p4", "dan", "Could you add CSV export for reports? Thanks for the quick fixes."),
    ("p5", "eve", "Sync failed twice this morning with error 503."),
    ("p6", "finn", "How do I move a note to another notebook?"),
    ("p7", "gus", "Please add two-factor authentication to protect accounts."),
    ("p8", "hana", "Ce serait bien d'avoir un mode sombre. Merci pour votre travail."),
]


def feed_bytes(posts=POSTS, start: datetime = T0) -> bytes:
    entries = [
        Entry(
            guid=g,
            title=f"Post {g}",
            body_html=f"<p>{body}</p>",
            author=author,
            published=start + timedelta(hours=i),
        )
        for i, (g, author, body) in enumerate(posts)
    ]
    return rss_document("Widget ideas", entries)


_DEFAULT_AUTHOR = object()


def insert_item(
    con,
    item_id: str,
    source: str,
    text: str | None,
    at: datetime = T0,
    *,
    channel: str = "rss",
    title: str | None = None,
    author: str | None | object = _DEFAULT_AUTHOR,
) -> None:
    """One raw item, as the loader would store it (default: rss, author "ana_<id>")."""
    con.execute(
        "INSERT INTO raw.items (item_id, source_name, channel, native_id, content_html, "
        "content_hash, fetched_at, published_at, batch_id, author, title) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'b1', ?, ?)",
        [
            item_id,
            source,
            channel,
            item_id,
            text,
            "h_" + item_id,
            at,
            at,
            "ana_" + item_id if author is _DEFAULT_AUTHOR else author,
            title,
        ],
    )


def write_config(folder: Path, sources: list[dict]) -> Settings:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "ideas.yml"
    config = {"warehouse": "w/ideas.duckdb", "landing": "landing", "sources": sources}
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return load_settings(path)


def loaded_feed_warehouse(feed_server, folder: Path) -> Settings:
    """A warehouse in ``folder`` after one full run over the standard feed (config at
    ``folder / "ideas.yml"``)."""
    from idea_harvester.run_context import RunContext
    from idea_harvester.steps import run_all

    feed_server.add("/f.rss", feed_bytes(), headers={"Content-Type": "application/rss+xml"})
    settings = write_config(
        folder, [{"name": "forum", "channel": "rss", "url": feed_server.url("/f.rss")}]
    )
    run_all(settings, RunContext.now(), progress=lambda m: None)
    return settings


def table_fingerprints(db: Path, skip_columns: dict[str, list[str]] | None = None) -> dict:
    """Row count and content checksum of every table in the warehouse."""
    skip_columns = skip_columns or {}
    out = {}
    with duckdb.connect(str(db), read_only=True) as con:
        tables = con.execute(
            "SELECT schema_name || '.' || table_name FROM duckdb_tables() ORDER BY 1"
        ).fetchall()
        for (table,) in tables:
            cols = [
                c
                for (c,) in con.execute(
                    "SELECT column_name FROM duckdb_columns() "
                    "WHERE schema_name || '.' || table_name = ? ORDER BY column_index",
                    [table],
                ).fetchall()
                if c not in skip_columns.get(table, [])
            ]
            select = ", ".join(f'"{c}"' for c in cols)
            out[table] = con.execute(
                f"SELECT count(*), md5(coalesce(string_agg(r, chr(10) ORDER BY r), '')) FROM "
                f"(SELECT CAST(ROW({select}) AS VARCHAR) AS r FROM {table})"
            ).fetchone()
    return out
