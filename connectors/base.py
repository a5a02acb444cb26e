"""The shape every connector shares: item records, fetch results, source errors.

A connector is a plain function ``fetch(source, cursor, client, now) -> FetchResult``. It never
opens DuckDB: it returns items plus the new cursor, and the landing writer persists both.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pyarrow as pa

#: One row per fetched item (a feed entry, a Reddit post or comment, a blog comment).
ITEM_SCHEMA = pa.schema(
    [
        ("item_id", pa.string()),  # stable id: sha1(source_name, native_id)[:20]
        ("source_name", pa.string()),
        ("channel", pa.string()),  # rss | reddit | blog_comments
        ("native_id", pa.string()),  # guid, else link, else content hash
        ("url", pa.string()),
        ("title", pa.string()),
        ("author", pa.string()),
        ("published_at", pa.timestamp("us", tz="UTC")),
        ("content_html", pa.string()),
        ("parent_native_id", pa.string()),
        ("thread_native_id", pa.string()),
        ("thread_title", pa.string()),
        ("thread_url", pa.string()),
        ("score", pa.int64()),
        ("count_comments", pa.int64()),
        ("content_hash", pa.string()),  # sha1 of title + content, to spot edits
        ("fetched_at", pa.timestamp("us", tz="UTC")),
    ]
)

ITEM_FIELDS = tuple(ITEM_SCHEMA.names)


class SourceError(Exception):
    """A source could not be fetched or parsed. ``kind`` is a short machine-readable tag."""

    def __init__(self, source_name: str, kind: str, message: str):
        super().__init__(f"source {source_name!r}: {kind}: {message}")
        self.source_name = source_name
        self.kind = kind
        self.message = message


@dataclass
class FetchResult:
    """What one fetch of one source produced: new items and the cursor to store with them."""

    source_name: str
    channel: str
    items: list[dict[str, Any]] = field(default_factory=list)
    cursor: dict[str, Any] = field(default_factory=dict)


def sha1_hex(*parts: str | None) -> str:
    h = hashlib.sha1()
    for part in parts:
        h.update((part or "").encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()


def make_item_id(source_name: str, native_id: str) -> str:
    return sha1_hex(source_name, native_id)[:20]


def make_item(
    *,
    source_name: str,
    channel: str,
    native_id: str,
    fetched_at: datetime,
    url: str | None = None,
    title: str | None = None,
    author: str | None = None,
    published_at: datetime | None = None,
    content_html: str | None = None,
    parent_native_id: str | None = None,
    thread_native_id: str | None = None,
    thread_title: str | None = None,
    thread_url: str | None = None,
    score: int | None = None,
    count_comments: int | None = None,
) -> dict[str, Any]:
    """Build one item record in ITEM_SCHEMA's field order."""
    return {
        "item_id": make_item_id(source_name, native_id),
        "source_name": source_name,
        "channel": channel,
        "native_id": native_id,
        "url": url,
        "title": title,
        "author": author,
        "published_at": published_at,
        "content_html": content_html,
        "parent_native_id": parent_native_id,
        "thread_native_id": thread_native_id,
        "thread_title": thread_title,
        "thread_url": thread_url,
        "score": score,
        "count_comments": count_comments,
        "content_hash": sha1_hex(title, content_html),
        "fetched_at": fetched_at,
    }


def items_to_table(items: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(items, schema=ITEM_SCHEMA)
