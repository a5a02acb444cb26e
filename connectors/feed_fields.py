"""Reading feedparser's results: the field helpers that every feed-based connector shares
(RSS/Atom, WordPress comment feeds)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from time import struct_time
from typing import Any

import feedparser

from connectors.http import HttpResponse

#: bozo reasons that do not make a feed unusable (wrong or missing content-type, charset).
BENIGN_BOZO = (
    feedparser.CharacterEncodingOverride,
    feedparser.NonXMLContentType,
)
#: Response headers passed to feedparser. Not content-location: with a base URL feedparser
#: also rewrites non-URL guids ("123" -> "https://host/123"), which would tie ids to the URL.
PARSER_HEADERS = ("content-type", "content-language")


def describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def parser_headers(resp: HttpResponse) -> dict[str, str]:
    """The headers feedparser needs; none for files, so it sniffs the encoding itself.

    Passing any header without a content-type makes feedparser assume ISO-8859-1.
    """
    if not resp.header("content-type"):
        return {}
    return {k: resp.headers[k] for k in PARSER_HEADERS if resp.header(k)}


def text(value: Any) -> str | None:
    """A trimmed string without NUL characters, or None when empty."""
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def get(entry: Mapping[str, Any], key: str) -> Any:
    """Read a stored key, bypassing FeedParserDict's aliases (and its deprecation warnings)."""
    return dict.get(entry, key) if isinstance(entry, dict) else entry.get(key)


def content_html(entry: Mapping[str, Any]) -> str | None:
    for part in get(entry, "content") or []:
        value = text(part.get("value") if hasattr(part, "get") else None)
        if value:
            return value
    return text(get(entry, "summary"))


def author(entry: Mapping[str, Any]) -> str | None:
    """The author's name; ``author_detail.name`` first, so "jo@x.org (Jo)" gives "Jo"."""
    detail = get(entry, "author_detail")
    name = text(detail.get("name")) if hasattr(detail, "get") else None
    return name or text(get(entry, "author"))


def to_count(value: Any) -> int | None:
    try:
        count = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return count if count >= 0 else None


def to_utc(value: Any) -> datetime | None:
    """feedparser's UTC struct_time -> aware datetime; None for missing or impossible dates."""
    if not isinstance(value, struct_time | tuple) or len(value) < 6:
        return None
    try:
        year, month, day, hour, minute, second = (int(v) for v in value[:6])
        return datetime(year, month, day, hour, minute, min(second, 59), tzinfo=UTC)
    except (TypeError, ValueError, OverflowError):
        return None


def entry_stamp(entry: Mapping[str, Any]) -> datetime | None:
    """The newest of an entry's published/updated dates (what the cursor compares)."""
    stamps = [to_utc(get(entry, k)) for k in ("published_parsed", "updated_parsed")]
    known = [s for s in stamps if s is not None]
    return max(known) if known else None
