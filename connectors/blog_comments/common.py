"""What the blog-comment connectors share: the watermark cursor and small helpers.

Comments have no "modified" date and can appear late (held for moderation, then approved with
their original date), and WordPress compares its ``after`` filter with the site's local time.
So each fetch asks again for a window of ``REVISIT`` before the newest comment seen and keeps
the ids seen in that window: a comment is new when its id is not among them.
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from connectors.base import SourceError
from connectors.http import HttpError

CHANNEL = "blog_comments"
#: How far before the newest comment seen each fetch looks again.
REVISIT = timedelta(days=1)
#: At most this many ids are remembered (the newest ones).
MAX_RECENT = 5000


class Watermark:
    """The newest comment date seen, and the ids seen within ``revisit`` of it.

    Cursor form: ``{"latest_at": ISO-8601 | None, "recent": {native_id: ISO-8601}}``.
    """

    def __init__(
        self,
        latest: datetime | None,
        recent: dict[str, str],
        now: datetime,
        revisit: timedelta = REVISIT,
    ) -> None:
        self.latest = latest
        self.recent = dict(recent)
        self.now = now
        self.revisit = revisit
        #: Ask the server for comments after this time (None: from the beginning).
        self.since = latest - revisit if latest is not None else None
        self.count_new = 0

    @classmethod
    def from_cursor(
        cls, cursor: dict[str, Any] | None, now: datetime, revisit: timedelta = REVISIT
    ) -> Watermark:
        """Read a stored cursor; anything unreadable counts as a first fetch."""
        cursor = cursor or {}
        recent = cursor.get("recent")
        if not isinstance(recent, dict):
            recent = {}
        recent = {str(k): v for k, v in recent.items() if isinstance(v, str)}
        return cls(parse_iso(cursor.get("latest_at")), recent, now, revisit)

    def admit(self, native_id: str, stamp: datetime | None) -> bool:
        """True (and remembered) when this comment was not seen before."""
        if native_id in self.recent:
            return False
        if stamp is not None and self.since is not None and stamp < self.since:
            return False  # older than the window: seen by an earlier fetch
        capped = min(stamp, self.now) if stamp is not None else self.now
        self.recent[native_id] = capped.isoformat()
        if self.latest is None or capped > self.latest:
            self.latest = capped
        self.count_new += 1
        return True

    def to_cursor(self) -> dict[str, Any]:
        """The cursor to store: the window's ids only (newest MAX_RECENT)."""
        if self.latest is None:
            return {"latest_at": None, "recent": {}}
        floor = self.latest - max(self.revisit, REVISIT)
        kept = sorted(
            ((v, k) for k, v in self.recent.items() if (parse_iso(v) or floor) >= floor),
            reverse=True,
        )[:MAX_RECENT]
        return {
            "latest_at": self.latest.isoformat(),
            "recent": {k: v for v, k in sorted(kept)},
        }


# -- small helpers ------------------------------------------------------------------------


def as_utc(now: datetime) -> datetime:
    return now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)


def parse_iso(value: Any) -> datetime | None:
    """An ISO-8601 string (naive = UTC, as WordPress ``date_gmt`` and Disqus send) or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        dt = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def plain_title(value: Any) -> str | None:
    """A title as text: HTML tags dropped and entities decoded (``&#8217;`` -> ``'``)."""
    if not isinstance(value, str):
        return None
    text = html.unescape(re.sub(r"<[^>]+>", "", value))
    text = " ".join(text.split())
    return text or None


def text_or_none(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).replace("\x00", "").strip()
    return text or None


def id_str(value: Any) -> str | None:
    """An id as a string; None for missing ids and WordPress's ``0`` (no parent)."""
    if value is None or isinstance(value, bool):
        return None
    text = str(value).strip()
    return None if text in ("", "0") else text


def strip_fragment(url: str | None) -> str | None:
    """A comment link without its ``#comment-N`` and ``comment-page-N/`` parts: the post."""
    if not url:
        return None
    base = url.split("#", 1)[0]
    return re.sub(r"comment-page-\d+/?$", "", base) or None


def error_json(err: HttpError) -> Any:
    """The JSON body of an API error response, or None."""
    if not err.body:
        return None
    try:
        return json.loads(err.body.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError):
        return None


def source_error(source_name: str, err: HttpError, hint: str = "") -> SourceError:
    """An HttpError as a SourceError, with an optional hint for the user."""
    message = f"{err.message}; {hint}" if hint else err.message
    return SourceError(source_name, err.kind, message)
