"""The RSS/Atom connector: fetch a feed, map its entries to items, move the cursor.

Cursor (JSON-serialisable)::

    {"etag": str | None, "last_modified": str | None, "latest_at": ISO-8601 str | None}

``etag``/``last_modified`` drive conditional GETs (a 304 returns no items and the same
cursor). The HttpClient retries 429/5xx (honouring Retry-After) and keeps to the per-host
request rate; what still fails becomes a SourceError with the HttpError's kind.

``latest_at`` is the newest entry timestamp seen (max of published/updated, never later than
the fetch time); later fetches return only entries newer than it, plus undated entries (the
loader dedups those by item_id).
"""

from __future__ import annotations

import io
import re
import urllib.parse
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import feedparser

from connectors import feed_fields as fields
from connectors.base import FetchResult, SourceError, make_item, sha1_hex
from connectors.http import (
    HttpClient,
    HttpError,
    conditional_headers,
    validators,
)
from idea_harvester.config import RssSource

CHANNEL = "rss"


def fetch(
    source: RssSource, cursor: dict[str, Any] | None, client: HttpClient, now: datetime
) -> FetchResult:
    """Fetch one feed; raise SourceError with an actionable message when it is unusable."""
    cursor = dict(cursor or {})
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    try:
        resp = client.get(source.url, headers=conditional_headers(cursor))
    except HttpError as err:
        raise SourceError(source.name, err.kind, err.message) from err
    if resp.status == 304:
        return FetchResult(source.name, CHANNEL, [], cursor)

    try:
        parsed = feedparser.parse(
            io.BytesIO(resp.body), response_headers=fields.parser_headers(resp)
        )
    except Exception as err:  # feedparser is lenient, but a parser bug must not stop a run
        raise SourceError(
            source.name,
            "malformed_feed",
            f"{source.url} could not be parsed: {fields.describe(err)}",
        ) from err
    check_parsed(source, parsed, resp.body, resp.header("content-type"))

    since = _parse_iso(cursor.get("latest_at"))
    newest = since
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for entry in parsed.entries:
        stamp = fields.entry_stamp(entry)
        if stamp is not None:
            capped = min(stamp, now)
            newest = capped if newest is None else max(newest, capped)
            if since is not None and stamp <= since:
                continue
        item = entry_to_item(source.name, entry, now, base_url=_web_base(resp.url))
        if item is None or item["native_id"] in seen:
            continue
        seen.add(item["native_id"])
        items.append(item)

    new_cursor = {**validators(resp), "latest_at": newest.isoformat() if newest else None}
    return FetchResult(source.name, CHANNEL, items, new_cursor)


def entry_to_item(
    source_name: str, entry: Mapping[str, Any], now: datetime, base_url: str | None = None
) -> dict[str, Any] | None:
    """Map one feedparser entry to an item; None when it has nothing to identify it by.

    ``base_url`` resolves relative links (the feed's own http(s) URL).
    """
    link = fields.text(fields.get(entry, "link"))
    if link and base_url:
        link = _join(base_url, link)
    title = fields.text(fields.get(entry, "title"))
    content = fields.content_html(entry)
    native_id = fields.text(fields.get(entry, "id")) or link
    if native_id is None:
        if title is None and content is None:
            return None
        native_id = sha1_hex(title, content)
    return make_item(
        source_name=source_name,
        channel=CHANNEL,
        native_id=native_id,
        fetched_at=now,
        url=link,
        title=title,
        author=fields.author(entry),
        published_at=fields.to_utc(fields.get(entry, "published_parsed"))
        or fields.to_utc(fields.get(entry, "updated_parsed")),
        content_html=content,
        count_comments=fields.to_count(fields.get(entry, "slash_comments")),
    )


# -- validation ---------------------------------------------------------------------------


def check_parsed(source: RssSource, parsed: Any, body: bytes, content_type: str | None) -> None:
    """Raise not_a_feed / malformed_feed when feedparser got nothing usable."""
    if parsed.entries:
        return
    reason = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if not parsed.get("version"):
        raise SourceError(source.name, "not_a_feed", _not_a_feed_msg(source, body, content_type))
    if reason is not None and not isinstance(reason, fields.BENIGN_BOZO):
        raise SourceError(
            source.name,
            "malformed_feed",
            f"{source.url} looks like a {parsed.version} feed but could not be parsed and "
            f"has no entries: {fields.describe(reason)}",
        )


def _not_a_feed_msg(source: RssSource, body: bytes, content_type: str | None) -> str:
    if not body.strip():
        return f"{source.url} returned an empty document, not an RSS/Atom feed"
    head = body[:65536].decode("utf-8", "replace")
    parts = [f"{source.url} is not an RSS/Atom feed"]
    details = []
    if content_type:
        details.append(f"content-type {content_type}")
    title = re.search(r"<title[^>]*>(.*?)</title>", head, re.I | re.S)
    if title and title.group(1).strip():
        details.append(f"title {_clip(title.group(1))!r}")
    else:
        details.append(f"starts with {_clip(head)!r}")
    parts.append(f" ({'; '.join(details)})")
    alternates = _feed_links(head)
    if alternates:
        parts.append(f"; the page advertises feed(s): {', '.join(alternates[:3])}")
    else:
        parts.append("; point the source at the feed URL itself")
    return "".join(parts)


def _feed_links(html: str) -> list[str]:
    """hrefs of ``<link rel="alternate" type="application/(rss|atom)+xml">`` tags."""
    out = []
    for tag in re.findall(r"<link\b[^>]*>", html, re.I):
        if re.search(r"application/(rss|atom)\+xml", tag, re.I):
            href = re.search(r"href\s*=\s*[\"']([^\"']+)[\"']", tag, re.I)
            if href:
                out.append(href.group(1))
    return out


def _clip(text: str, n: int = 80) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"


# -- request/response headers -------------------------------------------------------------


def _join(base: str, link: str) -> str:
    try:
        return urllib.parse.urljoin(base, link)
    except ValueError:  # e.g. a malformed IPv6 host
        return link


def _web_base(url: str) -> str | None:
    return url if url.lower().startswith(("http://", "https://")) else None


# -- field helpers ------------------------------------------------------------------------


def _parse_iso(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
