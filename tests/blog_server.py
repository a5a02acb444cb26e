"""Local copies of the blog-comment APIs for tests: WordPress REST, WordPress feeds, Disqus.

Everything is generated from a small in-memory model, so a test can add comments between two
fetches. The answers follow the real ones: field names, headers (``X-WP-Total``,
``X-WP-TotalPages``, ``Link``, ``ETag``/``Last-Modified``), error bodies and statuses.

    model = BlogModel()
    post = model.add_post("Dark mode is here")
    model.add_comment(post, "ana", "<p>Please add a week view.</p>")
    with BlogServer(model) as srv:
        srv.fail("/wp-json/wp/v2/comments", 429, headers={"Retry-After": "2"})
        ...  # fetch from srv.url()
        assert srv.requests_to("/wp-json/wp/v2/comments")[0].query["page"] == "1"

Routes (``GET`` only):

- ``/wp-json/wp/v2/comments``, ``/wp-json/wp/v2/posts``, ``/wp-json/wp/v2/pages``;
  other ``/wp-json/...`` paths answer WordPress's 404 ``rest_no_route``.
- ``/comments/feed/`` (the site's newest comments), ``/<yyyy>/<mm>/<slug>/feed/`` (one
  post's comments), ``/feed/`` (posts, with ``wfw:commentRss`` and ``slash:comments``).
- ``/api/3.0/forums/listPosts.json`` and ``/api/3.0/threads/listPosts.json`` (Disqus).
"""

from __future__ import annotations

import email.utils
import hashlib
import json
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, urlsplit
from xml.sax.saxutils import escape, quoteattr

from tests.local_server import LocalServer

T0 = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
JSON_TYPE = "application/json; charset=UTF-8"
RSS_TYPE = "application/rss+xml; charset=UTF-8"
WP_INVALID_PAGE = "rest_comment_invalid_page_number"


@dataclass
class Post:
    """A blog post (or page); for Disqus, a thread."""

    id: int
    title: str
    slug: str
    date: datetime
    kind: str = "post"  # post | page
    status: str = "publish"


@dataclass
class Comment:
    """A comment. ``status``: approved | hold | spam | trash (Disqus shows trash as deleted)."""

    id: int
    post: int
    author: str
    content: str  # HTML
    date: datetime
    parent: int = 0
    status: str = "approved"
    likes: int = 0
    dislikes: int = 0
    anonymous: bool = False


@dataclass
class BlogModel:
    """The blog's state. ``lang`` "fr" gives French feed titles ("Commentaire sur X par Y")."""

    lang: str = "en"
    forum: str = "kestrel-test"
    api_key: str = "test-disqus-key"
    posts: dict[int, Post] = field(default_factory=dict)
    comments: dict[int, Comment] = field(default_factory=dict)
    _next_post: int = 10
    _next_comment: int = 100

    def add_post(
        self, title: str, date: datetime | None = None, slug: str | None = None, kind: str = "post"
    ) -> Post:
        self._next_post += 1
        slug = slug or "-".join(title.lower().split())[:40].strip("-") or f"p{self._next_post}"
        post = Post(self._next_post, title, slug, date or T0, kind)
        self.posts[post.id] = post
        return post

    def add_comment(
        self,
        post: Post | int,
        author: str,
        content: str,
        date: datetime | None = None,
        parent: Comment | int = 0,
        status: str = "approved",
        **extra: Any,
    ) -> Comment:
        self._next_comment += 1
        post_id = post.id if isinstance(post, Post) else post
        parent_id = parent.id if isinstance(parent, Comment) else parent
        when = date or T0 + timedelta(minutes=self._next_comment)
        c = Comment(self._next_comment, post_id, author, content, when, parent_id, status, **extra)
        self.comments[c.id] = c
        return c

    def approved(self) -> list[Comment]:
        return [c for c in self.comments.values() if c.status == "approved"]


@dataclass
class LoggedRequest:
    """One request; ``query`` holds the query parameters, ``at`` is time.monotonic()."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    at: float


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes


class BlogServer(LocalServer):
    """A threaded server on 127.0.0.1 serving ``model``; use as a context manager."""

    def __init__(self, model: BlogModel | None = None, feed_size: int = 10) -> None:
        self.model = model or BlogModel()
        self.feed_size = feed_size  # WordPress's posts_per_rss
        self.etags = False  # REST answers carry an ETag and honour If-None-Match
        self.show_all_statuses = False  # REST lists held/spam/trash too (a logged-in view)
        self.thread_in_feeds = True  # feeds carry thr:in-reply-to (a threading plugin)
        self.requests: list[LoggedRequest] = []
        self._faults: dict[str, list[Answer]] = {}
        self._lock = threading.RLock()

    # -- lifecycle ------------------------------------------------------------------------

    def url(self, path: str = "") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    # -- faults and the log ---------------------------------------------------------------

    def fail(
        self,
        path: str,
        status: int,
        body: bytes | str = b"",
        headers: dict[str, str] | None = None,
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests to ``path`` with this instead."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            queue = self._faults.setdefault(path, [])
            queue.extend(Answer(status, dict(headers or {}), data) for _ in range(times))

    def requests_to(self, path: str) -> list[LoggedRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def post_url(self, post: Post) -> str:
        return self.url(f"{post.date:%Y/%m}/{post.slug}/")

    def comment_feed_url(self, post: Post) -> str:
        return self.post_url(post) + "feed/"

    # -- dispatch -------------------------------------------------------------------------

    def answer(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        with self._lock:
            faults = self._faults.get(path)
            if faults:
                return faults.pop(0)
            if path.startswith("/wp-json/"):
                return self._wp(path, query, headers)
            if path.startswith("/api/3.0/"):
                return self._disqus(path, query)
            if path.endswith("/feed/"):
                return self._feed(path, headers)
            return Answer(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>")

    # -- WordPress REST -------------------------------------------------------------------

    def _wp(self, path: str, query: dict[str, str], headers: dict[str, str]) -> Answer:
        route = path.rstrip("/")
        if route == "/wp-json/wp/v2/comments":
            return self._wp_comments(query, headers)
        if route in ("/wp-json/wp/v2/posts", "/wp-json/wp/v2/pages"):
            return self._wp_posts(route.rsplit("/", 1)[1][:-1], query)
        return _wp_error(
            404, "rest_no_route", "No route was found matching the URL and request method."
        )

    def _wp_comments(self, query: dict[str, str], headers: dict[str, str]) -> Answer:
        if "status" in query and query["status"] != "approve" and not self.show_all_statuses:
            return _wp_error(401, "rest_forbidden_param", "Query parameter not permitted: status")
        paging = _wp_paging(query)
        if isinstance(paging, Answer):
            return paging
        per_page, page = paging
        pool = list(self.model.comments.values())
        if not self.show_all_statuses:
            pool = [c for c in pool if c.status == "approved"]
        if query.get("post"):
            wanted = {int(p) for p in query["post"].split(",") if p.strip().isdigit()}
            pool = [c for c in pool if c.post in wanted]
        if query.get("after"):
            after = _wp_date(query["after"])
            if after is None:
                return _wp_invalid("after", "Invalid date.")
            pool = [c for c in pool if c.date > after]
        key = {"id": lambda c: c.id}.get(query.get("orderby", "date_gmt"), lambda c: c.date)
        pool.sort(key=lambda c: (key(c), c.id), reverse=query.get("order", "desc") == "desc")
        body, extra = self._wp_page(pool, per_page, page, "comments", query)
        if isinstance(body, Answer):
            return body
        payload = json.dumps([self._wp_comment(c) for c in body]).encode("utf-8")
        if self.etags:
            etag = '"' + hashlib.md5(payload).hexdigest() + '"'
            extra["ETag"] = etag
            if headers.get("if-none-match") == etag:
                return Answer(304, extra, b"")
        return Answer(200, {"Content-Type": JSON_TYPE, **extra}, payload)

    def _wp_page(
        self, pool: list[Any], per_page: int, page: int, route: str, query: dict[str, str]
    ) -> tuple[Any, dict[str, str]]:
        total = len(pool)
        pages = -(-total // per_page)
        if page > pages and total > 0:
            code = (
                WP_INVALID_PAGE if route == "comments" else f"rest_{route[:-1]}_invalid_page_number"
            )
            message = "The page number requested is larger than the number of pages available."
            return _wp_error(400, code, message), {}
        headers = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages), "Allow": "GET"}
        links = []
        base = self.url(f"wp-json/wp/v2/{route}")
        for rel, target in (("prev", page - 1), ("next", page + 1)):
            if 1 <= target <= pages:
                q = "&".join(f"{k}={v}" for k, v in {**query, "page": target}.items())
                links.append(f'<{base}?{q}>; rel="{rel}"')
        if links:
            headers["Link"] = ", ".join(links)
        return pool[(page - 1) * per_page : page * per_page], headers

    def _wp_comment(self, c: Comment) -> dict[str, Any]:
        post = self.model.posts.get(c.post)
        link = (self.post_url(post) if post else self.url(f"?p={c.post}")) + f"#comment-{c.id}"
        stamp = c.date.astimezone(UTC).replace(tzinfo=None).isoformat()
        avatar = "https://secure.gravatar.com/avatar/0?s={}&d=mm&r=g"
        return {
            "id": c.id,
            "post": c.post,
            "parent": c.parent,
            "author": 0,
            "author_name": c.author,
            "author_url": "",
            "date": stamp,
            "date_gmt": stamp,
            "content": {"rendered": c.content},
            "link": link,
            "status": c.status,
            "type": "comment",
            "author_avatar_urls": {s: avatar.format(s) for s in ("24", "48", "96")},
            "meta": [],
            "_links": {
                "self": [{"href": self.url(f"wp-json/wp/v2/comments/{c.id}")}],
                "collection": [{"href": self.url("wp-json/wp/v2/comments")}],
                "up": [
                    {
                        "embeddable": True,
                        "post_type": "post",
                        "href": self.url(f"wp-json/wp/v2/posts/{c.post}"),
                    }
                ],
            },
        }

    def _wp_posts(self, kind: str, query: dict[str, str]) -> Answer:
        paging = _wp_paging(query, default=10)
        if isinstance(paging, Answer):
            return paging
        per_page, page = paging
        pool = [p for p in self.model.posts.values() if p.kind == kind and p.status == "publish"]
        if query.get("include"):
            wanted = {int(i) for i in query["include"].split(",") if i.strip().isdigit()}
            pool = [p for p in pool if p.id in wanted]
        pool.sort(key=lambda p: (p.date, p.id), reverse=True)
        body, extra = self._wp_page(pool, per_page, page, f"{kind}s", query)
        if isinstance(body, Answer):
            return body
        fields = [f for f in query.get("_fields", "").split(",") if f]
        rows = [self._wp_post(p) for p in body]
        if fields:
            rows = [{k: v for k, v in row.items() if k in fields} for row in rows]
        return Answer(200, {"Content-Type": JSON_TYPE, **extra}, json.dumps(rows).encode("utf-8"))

    def _wp_post(self, p: Post) -> dict[str, Any]:
        stamp = p.date.astimezone(UTC).replace(tzinfo=None).isoformat()
        title = escape(p.title).replace("'", "&#8217;")
        return {
            "id": p.id,
            "date": stamp,
            "date_gmt": stamp,
            "guid": {"rendered": self.url(f"?p={p.id}")},
            "modified": stamp,
            "modified_gmt": stamp,
            "slug": p.slug,
            "status": p.status,
            "type": p.kind,
            "link": self.post_url(p),
            "title": {"rendered": title},
            "content": {"rendered": f"<p>{escape(p.title)}</p>\n", "protected": False},
            "excerpt": {"rendered": "", "protected": False},
            "author": 1,
            "comment_status": "open",
        }

    # -- WordPress feeds ------------------------------------------------------------------

    def _feed(self, path: str, headers: dict[str, str]) -> Answer:
        comments = sorted(self.model.approved(), key=lambda c: (c.date, c.id), reverse=True)
        if path == "/comments/feed/":
            return self._rss(self._comments_feed(comments, None), comments, headers, path)
        if path == "/feed/":
            posts = sorted(
                (p for p in self.model.posts.values() if p.status == "publish"),
                key=lambda p: p.date,
                reverse=True,
            )
            stamp = posts[0].date if posts else T0
            return self._rss(self._posts_feed(posts[: self.feed_size]), [], headers, path, stamp)
        for post in self.model.posts.values():
            if self.comment_feed_url(post) == self.url(path):
                mine = [c for c in comments if c.post == post.id]
                return self._rss(self._comments_feed(mine, post), mine, headers, path)
        return Answer(404, {"Content-Type": "text/html"}, b"<h1>Not Found</h1>")

    def _rss(
        self,
        body: str,
        comments: list[Comment],
        headers: dict[str, str],
        path: str,
        stamp: datetime | None = None,
    ) -> Answer:
        """WordPress's conditional GET: ETag is md5 of the Last-Modified date, in quotes."""
        when = stamp or (comments[0].date if comments else T0)
        modified = email.utils.format_datetime(when.astimezone(UTC), usegmt=True)
        etag = '"' + hashlib.md5(modified.encode()).hexdigest() + '"'
        out = {"Content-Type": RSS_TYPE, "Last-Modified": modified, "ETag": etag}
        client_etag = headers.get("if-none-match")
        client_since = _http_date(headers.get("if-modified-since"))
        fresh_date = client_since is not None and client_since >= when.replace(microsecond=0)
        if (client_etag and client_since) and (fresh_date and client_etag == etag):
            return Answer(304, out, b"")
        if not (client_etag and client_since) and (fresh_date or client_etag == etag):
            return Answer(304, out, b"")
        return Answer(200, out, body.encode("utf-8"))

    def _comments_feed(self, comments: list[Comment], post: Post | None) -> str:
        fr = self.model.lang == "fr"
        if post is None:
            title = ("Commentaires pour " if fr else "Comments for ") + "Kestrel Test Blog"
            link, self_url = self.url(""), self.url("comments/feed/")
        else:
            title = ("Commentaires sur\u00a0: " if fr else "Comments on: ") + post.title
            link, self_url = self.post_url(post), self.comment_feed_url(post)
        items = []
        for c in comments[: self.feed_size]:
            p = self.model.posts[c.post]
            if post is None:
                pattern = "Commentaire sur {} par {}" if fr else "Comment on {} by {}"
                item_title = pattern.format(p.title, c.author)
            else:
                item_title = ("Par\u00a0: " if fr else "By: ") + c.author
            guid = self._comment_guid(c)
            thread = ""
            if self.thread_in_feeds:
                if c.parent:
                    parent = self.model.comments.get(c.parent)
                    ref = self.url(f"?p={c.post}") + f"#comment-{c.parent}"
                    href = self.post_url(p) + f"#comment-{c.parent}"
                    if parent is None:
                        href = ref
                else:
                    ref, href = self.url(f"?p={c.post}"), self.post_url(p)
                thread = (
                    f"<thr:in-reply-to ref={quoteattr(ref)} href={quoteattr(href)} "
                    'type="text/html" />'
                )
            items.append(
                "<item>"
                f"<title>{escape(item_title)}</title>"
                f"<link>{escape(self.post_url(p))}#comment-{c.id}</link>"
                f"<dc:creator><![CDATA[{c.author}]]></dc:creator>"
                f"<pubDate>{email.utils.format_datetime(c.date, usegmt=True)}</pubDate>"
                f'<guid isPermaLink="false">{escape(guid)}</guid>'
                f"<description><![CDATA[{_strip_tags(c.content)}]]></description>"
                f"<content:encoded><![CDATA[{c.content}]]></content:encoded>"
                f"{thread}</item>"
            )
        return _rss_document(title, link, self_url, self.model.lang, "".join(items))

    def _posts_feed(self, posts: list[Post]) -> str:
        items = []
        for p in posts:
            count = sum(1 for c in self.model.approved() if c.post == p.id)
            items.append(
                "<item>"
                f"<title>{escape(p.title)}</title>"
                f"<link>{escape(self.post_url(p))}</link>"
                f"<comments>{escape(self.post_url(p))}#comments</comments>"
                f"<dc:creator><![CDATA[admin]]></dc:creator>"
                f"<pubDate>{email.utils.format_datetime(p.date, usegmt=True)}</pubDate>"
                f'<guid isPermaLink="false">{escape(self.url(f"?p={p.id}"))}</guid>'
                f"<description><![CDATA[{escape(p.title)}]]></description>"
                f"<wfw:commentRss>{escape(self.comment_feed_url(p))}</wfw:commentRss>"
                f"<slash:comments>{count}</slash:comments>"
                "</item>"
            )
        return _rss_document(
            "Kestrel Test Blog", self.url(""), self.url("feed/"), self.model.lang, "".join(items)
        )

    def _comment_guid(self, c: Comment) -> str:
        return self.url(f"?p={c.post}") + f"#comment-{c.id}"

    # -- Disqus ---------------------------------------------------------------------------

    def _disqus(self, path: str, query: dict[str, str]) -> Answer:
        headers = {"X-Ratelimit-Limit": "1000", "X-Ratelimit-Remaining": "999"}
        if path not in ("/api/3.0/forums/listPosts.json", "/api/3.0/threads/listPosts.json"):
            return _disqus_error(404, 1, "Endpoint not valid", headers)
        if query.get("api_key") != self.model.api_key:
            return _disqus_error(400, 5, "Invalid API key", headers)
        forum = query.get("forum")
        if path.startswith("/api/3.0/forums/"):
            if not forum:
                return _disqus_error(400, 2, "Invalid argument, 'forum': Required", headers)
            if forum != self.model.forum:
                msg = f"Invalid argument, 'forum': Unable to find forum '{forum}'"
                return _disqus_error(400, 2, msg, headers)
            pool = list(self.model.comments.values())
        else:
            thread = query.get("thread", "")
            if not thread.isdigit() or int(thread) not in self.model.posts:
                msg = f"Invalid argument, 'thread': Unable to find thread '{thread}'"
                return _disqus_error(400, 2, msg, headers)
            pool = [c for c in self.model.comments.values() if c.post == int(thread)]
        try:
            limit = int(query.get("limit", "25"))
        except ValueError:
            limit = -1
        if not 1 <= limit <= 100:
            return _disqus_error(400, 2, "Invalid argument, 'limit': Must be 1-100", headers)
        # Public keys see approved posts, and deleted ones that have replies (as placeholders).
        replied = {c.parent for c in self.model.comments.values() if c.parent}
        pool = [
            c for c in pool if c.status == "approved" or (c.status == "trash" and c.id in replied)
        ]
        if query.get("since"):
            since = _disqus_since(query["since"])
            if since is None:
                return _disqus_error(400, 2, "Invalid argument, 'since'", headers)
            asc = query.get("order", "desc") == "asc"
            pool = [c for c in pool if (c.date >= since if asc else c.date <= since)]
        pool.sort(key=lambda c: (c.date, c.id), reverse=query.get("order", "desc") == "desc")
        offset = _disqus_offset(query.get("cursor"))
        if offset is None:
            return _disqus_error(400, 2, "Invalid argument, 'cursor'", headers)
        page = pool[offset : offset + limit]
        more = offset + limit < len(pool)
        cursor = {
            "prev": f"{max(offset - limit, 0)}:0:1" if offset else None,
            "hasNext": more,
            "next": f"{offset + limit}:0:0" if more else None,
            "hasPrev": offset > 0,
            "total": None,
            "id": f"{offset}:0:0",
            "more": more,
        }
        related = query.get("related") == "thread"
        posts = [self._disqus_post(c, related) for c in page]
        body = json.dumps({"cursor": cursor, "code": 0, "response": posts}).encode("utf-8")
        return Answer(200, {"Content-Type": "application/json", **headers}, body)

    def _disqus_post(self, c: Comment, related: bool) -> dict[str, Any]:
        deleted = c.status == "trash"
        thread = self._disqus_thread(self.model.posts[c.post]) if related else str(c.post)
        if c.anonymous:
            author: dict[str, Any] = {"name": c.author, "url": "", "isAnonymous": True}
        else:
            username = re.sub(r"\W+", "_", c.author.lower()).strip("_")
            author = {
                "username": username,
                "name": c.author,
                "isAnonymous": False,
                "id": str(int(hashlib.md5(c.author.encode()).hexdigest()[:7], 16)),
                "profileUrl": f"https://disqus.com/by/{username}/",
                "joinedAt": "2024-01-01T00:00:00",
                "reputation": 1.2,
            }
        return {
            "editableUntil": (c.date + timedelta(days=7)).replace(tzinfo=None).isoformat(),
            "dislikes": c.dislikes,
            "numReports": 0,
            "likes": c.likes,
            "message": "" if deleted else c.content,
            "id": str(c.id),
            "createdAt": c.date.astimezone(UTC).replace(tzinfo=None).isoformat(),
            "author": author,
            "media": [],
            "isSpam": False,
            "isDeletedByAuthor": False,
            "isHighlighted": False,
            "parent": c.parent or None,
            "isApproved": True,
            "isNewUserNeedsApproval": False,
            "isDeleted": deleted,
            "isFlagged": False,
            "raw_message": "" if deleted else _strip_tags(c.content),
            "isAtFlagLimit": False,
            "canVote": False,
            "forum": self.model.forum,
            "points": c.likes - c.dislikes,
            "moderationLabels": [],
            "isEdited": False,
            "sb": False,
            "thread": thread,
        }

    def _disqus_thread(self, p: Post) -> dict[str, Any]:
        count = sum(1 for c in self.model.approved() if c.post == p.id)
        return {
            "feed": f"https://{self.model.forum}.disqus.com/{p.slug}/latest.rss",
            "clean_title": p.title,
            "title": escape(p.title),
            "dislikes": 0,
            "likes": 0,
            "isSpam": False,
            "isDeleted": False,
            "isClosed": False,
            "id": str(p.id),
            "createdAt": p.date.astimezone(UTC).replace(tzinfo=None).isoformat(),
            "link": self.post_url(p),
            "slug": p.slug,
            "forum": self.model.forum,
            "identifiers": [str(p.id)],
            "posts": count,
            "author": "1",
            "category": "1",
        }


# -- helpers ------------------------------------------------------------------------------


def _wp_error(status: int, code: str, message: str, **data: Any) -> Answer:
    body = {"code": code, "message": message, "data": {"status": status, **data}}
    return Answer(status, {"Content-Type": JSON_TYPE}, json.dumps(body).encode("utf-8"))


def _wp_invalid(param: str, reason: str) -> Answer:
    return _wp_error(
        400, "rest_invalid_param", f"Invalid parameter(s): {param}", params={param: reason}
    )


def _wp_paging(query: dict[str, str], default: int = 10) -> tuple[int, int] | Answer:
    try:
        per_page = int(query.get("per_page", default))
    except ValueError:
        return _wp_invalid("per_page", "per_page is not of type integer.")
    if not 1 <= per_page <= 100:
        return _wp_invalid("per_page", "per_page must be between 1 (inclusive) and 100 (inclusive)")
    try:
        page = int(query.get("page", "1"))
    except ValueError:
        return _wp_invalid("page", "page is not of type integer.")
    if page < 1:
        return _wp_invalid("page", "page must be greater than or equal to 1")
    return per_page, page


def _wp_date(value: str) -> datetime | None:
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt.astimezone(UTC) if dt.tzinfo else dt.replace(tzinfo=UTC)


def _disqus_error(status: int, code: int, message: str, headers: dict[str, str]) -> Answer:
    body = json.dumps({"code": code, "response": message}).encode("utf-8")
    return Answer(status, {"Content-Type": "application/json", **headers}, body)


def _disqus_since(value: str) -> datetime | None:
    if value.isdigit():
        return datetime.fromtimestamp(int(value), UTC)
    return _wp_date(value)


def _disqus_offset(value: str | None) -> int | None:
    if not value:
        return 0
    head = value.split(":", 1)[0]
    return int(head) if head.isdigit() else None


def _http_date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None


def _strip_tags(html: str) -> str:
    return re.sub(r"<[^>]+>", "", html)


def _rss_document(title: str, link: str, self_url: str, lang: str, items: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"\n'
        '\txmlns:content="http://purl.org/rss/1.0/modules/content/"\n'
        '\txmlns:dc="http://purl.org/dc/elements/1.1/"\n'
        '\txmlns:atom="http://www.w3.org/2005/Atom"\n'
        '\txmlns:sy="http://purl.org/rss/1.0/modules/syndication/"\n'
        '\txmlns:wfw="http://wellformedweb.org/CommentAPI/"\n'
        '\txmlns:slash="http://purl.org/rss/1.0/modules/slash/"\n'
        '\txmlns:thr="http://purl.org/syndication/thread/1.0"\n\t>\n'
        f"<channel><title>{escape(title)}</title>"
        f'<atom:link href="{escape(self_url)}" rel="self" type="application/rss+xml" />'
        f"<link>{escape(link)}</link><description>Notes on notes</description>"
        f"<lastBuildDate>{email.utils.format_datetime(T0, usegmt=True)}</lastBuildDate>"
        f"<sy:updatePeriod>hourly</sy:updatePeriod><sy:updateFrequency>1</sy:updateFrequency>"
        f"<generator>https://wordpress.org/?v=6.8</generator><language>{lang}</language>"
        f"{items}</channel></rss>"
    )


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_GET(self) -> None:
        blog = self.server.blog
        parts = urlsplit(self.path)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        with blog._lock:
            blog.requests.append(LoggedRequest("GET", parts.path, query, headers, time.monotonic()))
        try:
            answer = blog.answer(parts.path, query, headers)
        except Exception as err:  # a bug in the fake server shows as a 500 with its reason
            answer = Answer(500, {"Content-Type": "text/plain"}, repr(err).encode())
        try:
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer.body)))
            self.end_headers()
            if answer.body and answer.status != 304:
                self.wfile.write(answer.body)
        except (BrokenPipeError, ConnectionResetError):
            pass


BlogServer.handler = _Handler
BlogServer.server_attribute = "blog"
