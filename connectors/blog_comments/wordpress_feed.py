"""Comments from WordPress comment feeds (RSS 2.0 or Atom), parsed like the RSS connector.

``feed_url`` may be:

- the site's comment feed ``/comments/feed/``: items titled "Comment on <post> by <author>"
  ("Commentaire sur <post> par <author>" on French sites), the newest ``posts_per_rss`` (10 by
  default) comments; poll it often enough;
- one post's comment feed ``<post>/feed/``: items titled "By: <author>" under a channel
  titled "Comments on: <post>" whose link is the post;
- the posts feed ``/feed/``: each item names its comment feed (``wfw:commentRss``) and its
  comment count (``slash:comments``); the connector reads the comment feeds of the posts whose
  count changed since the last fetch, at most ``max_pages`` of them a fetch.

Threading comes from ``thr:in-reply-to`` (Atom comment feeds, and RSS with threading
plugins): its ``ref`` is the parent comment's guid, or the post's for a top-level comment.
Without it ``parent_native_id`` stays empty. A comment's native id is its guid
(``<post guid>#comment-<id>``); the part before ``#`` is the thread id.

Cursor::

    {"platform": "wordpress_feed", "latest_at": ISO | None, "recent": {guid: ISO},
     "feed_kind": "comments" | "posts" | None,
     "feeds": {comment_feed_url: {"etag": str | None, "last_modified": str | None}},
     "counts": {comment_feed_url: int}}

Comment feeds are fetched with conditional GETs (304 = nothing new). The posts feed is not:
WordPress dates it by its posts only, so it would answer 304 while comments pour in.
"""

from __future__ import annotations

import io
import logging
import re
from dataclasses import dataclass
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import feedparser

from connectors import feed_fields as fields
from connectors import rss
from connectors.base import FetchResult, SourceError, make_item
from connectors.blog_comments.common import (
    CHANNEL,
    Watermark,
    as_utc,
    source_error,
    strip_fragment,
)
from connectors.http import HttpClient, HttpError, conditional_headers, validators
from idea_harvester.config import BlogCommentsSource

PLATFORM = "wordpress_feed"
log = logging.getLogger(__name__)

#: "Comment on X by Y" as WordPress writes it in English and French.
_ITEM_TITLES = (("comment on ", " by "), ("commentaire sur ", " par "))
#: A post's own comment feed: "Comments on: X" / "Commentaires sur : X".
_CHANNEL_TITLE = re.compile(r"^\s*(?:comments on|commentaires sur)\s*:\s*(.+)$", re.I | re.S)


@dataclass
class PostHint:
    """What is known of the post a comment feed belongs to."""

    title: str | None = None
    url: str | None = None
    guid: str | None = None


def fetch(
    source: BlogCommentsSource, cursor: dict[str, Any] | None, client: HttpClient, now: datetime
) -> FetchResult:
    """Fetch new comments from the feed (or the posts' comment feeds); SourceError on failure."""
    cursor = dict(cursor or {})
    now = as_utc(now)
    url = source.feed_url or ""
    mark = Watermark.from_cursor(cursor, now)
    old_feeds = cursor.get("feeds") if isinstance(cursor.get("feeds"), dict) else {}
    old_counts = cursor.get("counts") if isinstance(cursor.get("counts"), dict) else {}
    conditional = cursor.get("feed_kind") == "comments"

    parsed, state = _fetch_feed(source, client, url, old_feeds.get(url) if conditional else None)
    if parsed is None:  # 304: nothing new
        return FetchResult(source.name, CHANNEL, [], cursor)

    items: list[dict[str, Any]] = []
    feeds: dict[str, Any] = {}
    counts: dict[str, int] = {}
    if _is_posts_feed(parsed):
        kind = "posts"
        items, feeds, counts = _walk_posts(source, client, parsed, mark, now, old_feeds, old_counts)
    else:
        kind = "comments"
        feeds[url] = state
        items = _comment_items(source.name, parsed, mark, now, PostHint())

    items.sort(key=lambda i: (i["published_at"] or now, i["native_id"]))
    new_cursor = {
        "platform": PLATFORM,
        **mark.to_cursor(),
        "feed_kind": kind,
        "feeds": feeds,
        "counts": counts,
    }
    return FetchResult(source.name, CHANNEL, items, new_cursor)


def _walk_posts(
    source: BlogCommentsSource,
    client: HttpClient,
    parsed: Any,
    mark: Watermark,
    now: datetime,
    old_feeds: dict[str, Any],
    old_counts: dict[str, Any],
) -> tuple[list[dict[str, Any]], dict[str, Any], dict[str, int]]:
    """Read the comment feeds of the posts whose comment count changed."""
    items: list[dict[str, Any]] = []
    feeds: dict[str, Any] = {}
    counts: dict[str, int] = {}
    errors: list[SourceError] = []
    visits = 0
    for entry in parsed.entries:
        feed = fields.text(fields.get(entry, "wfw_commentrss"))
        count = fields.to_count(fields.get(entry, "slash_comments"))
        if not feed:
            continue
        if feed in old_feeds:
            feeds[feed] = old_feeds[feed]
        if feed in old_counts:
            counts[feed] = old_counts[feed]
        if count == 0 or (count is not None and old_counts.get(feed) == count):
            continue
        if visits >= source.max_pages:
            continue  # the next fetch goes on from here
        visits += 1
        hint = PostHint(
            title=fields.text(fields.get(entry, "title")),
            url=fields.text(fields.get(entry, "link")),
            guid=fields.text(fields.get(entry, "id")),
        )
        try:
            sub, state = _fetch_feed(source, client, feed, old_feeds.get(feed))
        except SourceError as err:
            log.warning("source %s: skipped comment feed %s: %s", source.name, feed, err)
            errors.append(err)
            continue
        feeds[feed] = state
        if count is not None:
            counts[feed] = count
        if sub is not None:
            items.extend(_comment_items(source.name, sub, mark, now, hint))
    if errors and len(errors) == visits:
        raise errors[0]
    return items, feeds, counts


def _fetch_feed(
    source: BlogCommentsSource,
    client: HttpClient,
    url: str,
    state: dict[str, Any] | None,
) -> tuple[Any | None, dict[str, Any]]:
    """GET and parse one feed; (None, state) on 304. Raises SourceError."""
    try:
        resp = client.get(url, headers=conditional_headers(state))
    except HttpError as err:
        hint = "check feed_url" if err.status == 404 or err.kind == "not_found" else ""
        raise source_error(source.name, err, hint) from err
    if resp.not_modified:
        return None, dict(state or {})
    try:
        parsed = feedparser.parse(
            io.BytesIO(resp.body), response_headers=fields.parser_headers(resp)
        )
    except Exception as err:  # feedparser is lenient, but a parser bug must not stop a run
        raise SourceError(
            source.name, "malformed_feed", f"{url} could not be parsed: {fields.describe(err)}"
        ) from err
    rss.check_parsed(
        SimpleNamespace(name=source.name, url=url), parsed, resp.body, resp.header("content-type")
    )
    _check_complete(source, url, parsed, resp.body)
    return parsed, validators(resp)


def _check_complete(source: BlogCommentsSource, url: str, parsed: Any, body: bytes) -> None:
    """A cut-off feed is an error, not a short one: the comments it lost would be skipped."""
    reason = parsed.get("bozo_exception") if parsed.get("bozo") else None
    if reason is None or isinstance(reason, fields.BENIGN_BOZO):
        return
    tail = body.rstrip()[-16:].lower()
    if not tail.endswith((b"</rss>", b"</feed>", b"</rdf:rdf>")):
        raise SourceError(
            source.name,
            "malformed_feed",
            f"{url} is cut off or not well-formed XML ({fields.describe(reason)}); "
            "the next run will try again",
        )


def _is_posts_feed(parsed: Any) -> bool:
    return any(fields.get(e, "wfw_commentrss") for e in parsed.entries)


def _comment_items(
    source_name: str, parsed: Any, mark: Watermark, now: datetime, hint: PostHint
) -> list[dict[str, Any]]:
    """The new comments of one comment feed."""
    channel_title = fields.text(parsed.feed.get("title"))
    match = _CHANNEL_TITLE.match(channel_title or "")
    if match:  # one post's comment feed: the channel is the post
        hint = PostHint(
            title=hint.title or match.group(1).strip(),
            url=hint.url or fields.text(parsed.feed.get("link")),
            guid=hint.guid,
        )
    out = []
    for entry in parsed.entries:
        item = comment_item(source_name, entry, now, hint)
        if item is not None and mark.admit(item["native_id"], fields.entry_stamp(entry)):
            out.append(item)
    return out


def comment_item(
    source_name: str, entry: Any, now: datetime, hint: PostHint | None = None
) -> dict[str, Any] | None:
    """Map one comment-feed entry to an item; None when it has no guid or link."""
    hint = hint or PostHint()
    link = fields.text(fields.get(entry, "link"))
    native_id = fields.text(fields.get(entry, "id")) or link
    if native_id is None:
        return None
    author = fields.author(entry)
    reply = fields.get(entry, "thr_in-reply-to")
    ref = fields.text(reply.get("ref")) if hasattr(reply, "get") else None
    parent = ref if ref and "#comment-" in ref else None
    thread_id = native_id.split("#", 1)[0] if "#comment-" in native_id else None
    thread_id = thread_id or (ref if ref and not parent else None) or hint.guid
    return make_item(
        source_name=source_name,
        channel=CHANNEL,
        native_id=native_id,
        fetched_at=now,
        url=link,
        author=author,
        published_at=fields.to_utc(fields.get(entry, "published_parsed"))
        or fields.to_utc(fields.get(entry, "updated_parsed")),
        content_html=fields.content_html(entry),
        parent_native_id=parent,
        thread_native_id=thread_id,
        thread_title=post_title(fields.text(fields.get(entry, "title")), author) or hint.title,
        thread_url=hint.url or strip_fragment(link),
    )


def post_title(title: str | None, author: str | None) -> str | None:
    """The post's title in "Comment on X by Y" / "Commentaire sur X par Y"; else None."""
    if not title:
        return None
    for prefix, sep in _ITEM_TITLES:
        if not title.lower().startswith(prefix):
            continue
        rest = title[len(prefix) :]
        suffix = f"{sep}{author}" if author else None
        if suffix and rest.lower().endswith(suffix.lower()):
            rest = rest[: -len(suffix)]
        elif sep in rest.lower():
            rest = rest[: rest.lower().rindex(sep)]
        return rest.strip() or None
    return None
