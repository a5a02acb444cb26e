"""Reddit JSON "things" (t3 submissions, t1 comments, ``more`` stubs) -> items.

Deleted and removed content: Reddit keeps the thing but replaces its text by ``[deleted]``
(the author deleted it) or ``[removed]`` (a moderator removed it), and its author by
``[deleted]``. Such an item keeps its row (ids, thread, parent, time, score) with
``content_html`` and ``author`` set to None, so a comment that is deleted after we stored its
text replaces that text on the next load: the warehouse never keeps words their author took
back, and the thread structure stays whole. A submission keeps its title, which Reddit still
shows. An author account deleted on its own (text kept) gives ``author`` None only.

Edited content is new content: the item keeps its id, and its new ``content_hash`` makes the
loader replace the row. Reddit's edit time is not kept (ITEM_SCHEMA has no column for it).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from connectors.base import make_item

CHANNEL = "reddit"
WEB_URL = "https://www.reddit.com"
GONE_TEXTS = frozenset({"[deleted]", "[removed]"})
GONE_AUTHOR = "[deleted]"


class ShapeError(ValueError):
    """Reddit answered valid JSON of an unexpected shape."""


@dataclass(frozen=True)
class Thread:
    """What comments need from their submission."""

    fullname: str
    title: str | None
    permalink: str  # a path, /r/x/comments/id/slug/


@dataclass
class MoreStub:
    """A ``more`` object: comment ids to load (empty: "continue this thread")."""

    link_id: str
    parent_id: str
    children: list[str] = field(default_factory=list)
    count: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "link_id": self.link_id,
            "parent_id": self.parent_id,
            "children": list(self.children),
            "count": self.count,
        }

    @classmethod
    def from_json(cls, value: Any) -> MoreStub | None:
        if not isinstance(value, dict):
            return None
        link, parent, children = value.get("link_id"), value.get("parent_id"), value.get("children")
        if not (isinstance(link, str) and isinstance(parent, str) and isinstance(children, list)):
            return None
        return cls(link, parent, [str(c) for c in children], _int(value.get("count")) or 0)


# -- shapes --------------------------------------------------------------------------------


def listing_things(payload: Any, what: str) -> tuple[list[dict[str, Any]], str | None]:
    """The things of a Listing (each ``{"kind", "data"}``) and its ``after`` fullname."""
    if (
        not isinstance(payload, dict)
        or payload.get("kind") != "Listing"
        or not isinstance(payload.get("data"), dict)
        or not isinstance(payload["data"].get("children"), list)
    ):
        raise ShapeError(f"{what}: expected a Listing, got {_shape(payload)}")
    things = [
        c
        for c in payload["data"]["children"]
        if isinstance(c, dict)
        and isinstance(c.get("kind"), str)
        and isinstance(c.get("data"), dict)
    ]
    after = payload["data"].get("after")
    return things, after if isinstance(after, str) and after else None


def morechildren_things(payload: Any, what: str) -> list[dict[str, Any]]:
    """The things of an /api/morechildren answer: ``{"json": {"errors", "data": {"things"}}}``."""
    body = payload.get("json") if isinstance(payload, dict) else None
    if not isinstance(body, dict):
        raise ShapeError(f"{what}: expected {{'json': ...}}, got {_shape(payload)}")
    if body.get("errors"):
        raise ShapeError(f"{what}: Reddit reported errors {body['errors']!r}")
    things = (body.get("data") or {}).get("things")
    if not isinstance(things, list):
        raise ShapeError(f"{what}: no json.data.things list in the answer")
    return [t for t in things if isinstance(t, dict) and isinstance(t.get("data"), dict)]


def thread_page(payload: Any, what: str) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A /comments/{id} answer: the submission's data and the top-level comment things."""
    if not isinstance(payload, list) or len(payload) != 2:
        raise ShapeError(f"{what}: expected [submission listing, comment listing]")
    posts, _ = listing_things(payload[0], what)
    if not posts or posts[0]["kind"] != "t3":
        raise ShapeError(f"{what}: the first listing holds no submission")
    comments, _ = listing_things(payload[1], what)
    return posts[0]["data"], comments


def walk_tree(
    things: list[dict[str, Any]], link_id: str
) -> tuple[list[dict[str, Any]], list[MoreStub]]:
    """Flatten a comment tree (nested ``replies`` listings), depth first, in page order."""
    comments: list[dict[str, Any]] = []
    stubs: list[MoreStub] = []
    stack = list(reversed(things))
    while stack:
        thing = stack.pop()
        kind, data = thing.get("kind"), thing.get("data")
        if not isinstance(data, dict):
            continue
        if kind == "t1":
            comments.append(data)
            replies = data.get("replies")
            if isinstance(replies, dict):
                children, _ = listing_things(replies, "replies")
                stack.extend(reversed(children))
        elif kind == "more":
            stubs.append(
                MoreStub(
                    link_id=link_id,
                    parent_id=str(data.get("parent_id") or link_id),
                    children=[str(c) for c in data.get("children") or []],
                    count=_int(data.get("count")) or 0,
                )
            )
    return comments, stubs


def _shape(value: Any) -> str:
    if isinstance(value, dict):
        return f"an object with keys {sorted(value)[:6]}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return type(value).__name__


# -- marks (what "newer" means) -----------------------------------------------------------


def sort_key(data: dict[str, Any]) -> tuple[float, int]:
    """(created_utc, base-36 id): the order of Reddit's "new" listings."""
    name = data.get("name")
    created = data.get("created_utc")
    if not isinstance(name, str) or "_" not in name or not isinstance(created, int | float):
        raise ShapeError(f"a thing without a fullname or created_utc: {_shape(data)}")
    return float(created), _id_number(name)


def _id_number(fullname: str) -> int:
    try:
        return int(fullname.split("_", 1)[1], 36)
    except ValueError:
        return 0


# -- items --------------------------------------------------------------------------------


def thread_of(data: dict[str, Any]) -> Thread:
    return Thread(str(data["name"]), _text(data.get("title")), _path(data.get("permalink")) or "")


def thread_of_comment(data: dict[str, Any]) -> Thread:
    """The thread of a comment from the comment stream (``link_*`` fields)."""
    link_id = str(data.get("link_id") or "")
    permalink = _path(data.get("link_permalink")) or _path(data.get("link_url"))
    if not permalink:
        permalink = f"/r/{data.get('subreddit')}/comments/{link_id.removeprefix('t3_')}/"
    return Thread(link_id, _text(data.get("link_title")), permalink)


def submission_item(source_name: str, data: dict[str, Any], now: datetime) -> dict[str, Any]:
    thread = thread_of(data)
    gone = _is_gone(data.get("selftext")) or bool(data.get("removed_by_category"))
    content = None if gone else _html(data.get("selftext_html")) or _text(data.get("selftext"))
    url = WEB_URL + thread.permalink if thread.permalink else _text(data.get("url"))
    return make_item(
        source_name=source_name,
        channel=CHANNEL,
        native_id=thread.fullname,
        fetched_at=now,
        url=url,
        title=thread.title,
        author=None if gone else _author(data.get("author")),
        published_at=_time(data.get("created_utc")),
        content_html=content,
        thread_native_id=thread.fullname,
        thread_title=thread.title,
        thread_url=url,
        score=_int(data.get("score")),
        count_comments=_int(data.get("num_comments")),
    )


def comment_item(
    source_name: str,
    data: dict[str, Any],
    thread: Thread,
    now: datetime,
    count_replies: int | None = None,
) -> dict[str, Any]:
    gone = _is_gone(data.get("body"))
    content = None if gone else _html(data.get("body_html")) or _text(data.get("body"))
    own = _path(data.get("permalink")) or f"{thread.permalink.rstrip('/')}/_/{data.get('id')}/"
    return make_item(
        source_name=source_name,
        channel=CHANNEL,
        native_id=str(data["name"]),
        fetched_at=now,
        url=WEB_URL + own,
        title=None,
        author=None if gone else _author(data.get("author")),
        published_at=_time(data.get("created_utc")),
        content_html=content,
        parent_native_id=_text(data.get("parent_id")),
        thread_native_id=thread.fullname or _text(data.get("link_id")),
        thread_title=thread.title,
        thread_url=WEB_URL + thread.permalink if thread.permalink else None,
        score=_int(data.get("score")),
        count_comments=count_replies,
    )


def _is_gone(text: Any) -> bool:
    return isinstance(text, str) and text.strip() in GONE_TEXTS


def _author(value: Any) -> str | None:
    name = _text(value)
    return None if name == GONE_AUTHOR else name


def _text(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    text = value.replace("\x00", "").strip()
    return text or None


_SC_MARKERS = re.compile(r"<!-- SC_(?:OFF|ON) -->")


def _html(value: Any) -> str | None:
    """Reddit's rendered HTML without its "<!-- SC_OFF -->" markers."""
    text = _text(value)
    return _text(_SC_MARKERS.sub("", text)) if text else None


def _path(value: Any) -> str | None:
    """A reddit.com path from a path or a full reddit.com URL."""
    text = _text(value)
    if not text:
        return None
    if text.startswith("/"):
        return text
    match = re.match(r"https?://(?:www\.|old\.|new\.)?reddit\.com(/.*)$", text)
    if match:
        return match.group(1)
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _time(value: Any) -> datetime | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except (OverflowError, OSError, ValueError):
        return None
