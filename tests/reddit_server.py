"""A local Reddit API for tests, on 127.0.0.1, serving bodies generated from an in-memory model.

The bodies have the key sets of real Reddit responses (the 2016 recordings in
../shared/data/reddit-api; ``test_reddit`` checks them against those files):

- ``POST /api/v1/access_token`` (client credentials, HTTP basic auth) -> a bearer token;
  every other path needs ``Authorization: bearer <token>``
- ``/r/{sub}/new``, ``/r/{sub}/comments`` (the comment stream, with ``link_*`` fields) and
  ``/r/{sub}/search?q=`` (``restrict_sr``, ``sort=new``), paged by ``limit``/``after``/
  ``before``, capped at 1,000 items like Reddit's listings
- ``/comments/{id}`` (and ``/comments/{id}/_/{comment}``): ``[t3 listing, comment tree]``,
  nested ``replies``, at most ``tree_limit`` comments, the rest behind ``more`` stubs, and
  "continue this thread" stubs below ``max_depth``
- ``/api/morechildren`` (GET or POST; ``link_id``, ``children`` <= 100 ids): at most
  ``morechildren_limit`` comments, flat, the rest as new ``more`` stubs
- ``/api/info?id=t1_x,t3_y``
- ``X-Ratelimit-Used/Remaining/Reset`` on every answer (``ratelimit`` requests per
  ``window_s``; past it: 429 with Retry-After), gzip when asked
- injectable failures: ``fail(path, status, headers, body, times)``, ``malformed(path)``

    sub = Subreddit("KestrelNotes", start=T0)
    post = sub.submit("Dark mode?", "Please add it", author="ana")
    sub.reply(post, "Yes!", author="ben")
    with RedditServer() as srv:
        srv.add(sub)
        source = {..., "oauth_url": srv.url, "reddit_url": srv.url}
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import math
import re
import secrets
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit

from tests.local_server import LocalServer

WEB = "https://www.reddit.com"
JSON_TYPE = "application/json; charset=UTF-8"
PST_OFFSET = 28800  # Reddit's legacy "created" field is created_utc + 8 h

# -- the model -----------------------------------------------------------------------------


@dataclass(eq=False)
class Comment:
    id36: str
    link: Submission
    parent: Submission | Comment
    author: str
    body: str
    created_utc: float
    score: int = 1
    edited: float | bool = False
    state: str = "ok"  # ok | deleted | removed
    replies: list[Comment] = field(default_factory=list)

    @property
    def fullname(self) -> str:
        return f"t1_{self.id36}"

    def size(self) -> int:
        """This comment and all its descendants."""
        return 1 + sum(r.size() for r in self.replies)


@dataclass(eq=False)
class Submission:
    id36: str
    subreddit: str
    title: str
    author: str
    selftext: str
    created_utc: float
    score: int = 1
    edited: float | bool = False
    state: str = "ok"
    flair: str | None = None
    comments: list[Comment] = field(default_factory=list)

    @property
    def fullname(self) -> str:
        return f"t3_{self.id36}"

    @property
    def replies(self) -> list[Comment]:
        return self.comments

    @property
    def permalink(self) -> str:
        slug = re.sub(r"[^a-z0-9]+", "_", self.title.lower()).strip("_")[:50] or "_"
        return f"/r/{self.subreddit}/comments/{self.id36}/{slug}/"

    def all_comments(self) -> list[Comment]:
        out, stack = [], list(reversed(self.comments))
        while stack:
            c = stack.pop()
            out.append(c)
            stack.extend(reversed(c.replies))
        return out


def to36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while number:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
    return out or "0"


class Subreddit:
    """Submissions with comment trees. Each new thing is ``step_s`` seconds after the last."""

    def __init__(self, name: str, start: float, step_s: float = 60.0, id_seed: int = 0):
        self.name = name
        self.clock = float(start)
        self.step_s = step_s
        self.submissions: list[Submission] = []
        self._next_t3 = int("5a0000", 36) + id_seed
        self._next_t1 = int("d00000", 36) + id_seed
        self.id36 = to36(int("2qh000", 36) + len(name))

    def _tick(self, at: float | None) -> float:
        self.clock = float(at) if at is not None else self.clock + self.step_s
        return self.clock

    def submit(
        self, title: str, selftext: str = "", author: str = "poster", score: int = 1, **kw: Any
    ) -> Submission:
        self._next_t3 += 1
        post = Submission(
            to36(self._next_t3), self.name, title, author, selftext, self._tick(kw.get("at")), score
        )
        post.flair = kw.get("flair")
        self.submissions.append(post)
        return post

    def reply(
        self,
        parent: Submission | Comment,
        body: str,
        author: str = "commenter",
        score: int = 1,
        at: float | None = None,
    ) -> Comment:
        self._next_t1 += 1
        link = parent if isinstance(parent, Submission) else parent.link
        comment = Comment(to36(self._next_t1), link, parent, author, body, self._tick(at), score)
        parent.replies.append(comment)
        return comment

    def edit(self, thing: Submission | Comment, text: str) -> None:
        if isinstance(thing, Comment):
            thing.body = text
        else:
            thing.selftext = text
        thing.edited = self._tick(None)

    def delete(self, thing: Submission | Comment) -> None:
        thing.state = "deleted"

    def remove(self, thing: Submission | Comment) -> None:
        thing.state = "removed"

    def all_comments(self) -> list[Comment]:
        return [c for s in self.submissions for c in s.all_comments()]

    def find(self, fullname: str) -> Submission | Comment | None:
        for post in self.submissions:
            if post.fullname == fullname:
                return post
            for c in post.all_comments():
                if c.fullname == fullname:
                    return c
        return None


# -- bodies with Reddit's key sets -----------------------------------------------------------


def md_html(text: str) -> str:
    """Markdown-ish paragraphs as Reddit renders them (raw_json=1: HTML not re-escaped)."""
    paras = [p for p in re.split(r"\n\s*\n", text.strip()) if p.strip()]
    inner = "\n\n".join(f"<p>{html.escape(p).replace('&#x27;', '&#39;')}</p>" for p in paras)
    return f'<div class="md">{inner}\n</div>'


def _gone_text(state: str, text: str) -> str:
    return {"deleted": "[deleted]", "removed": "[removed]"}.get(state, text)


def t3_data(post: Submission, sub: Subreddit, with_ratio: bool = False) -> dict[str, Any]:
    text = _gone_text(post.state, post.selftext)
    data = {
        "domain": f"self.{sub.name}",
        "banned_by": None,
        "media_embed": {},
        "subreddit": sub.name,
        "selftext_html": f"<!-- SC_OFF -->{md_html(text)}<!-- SC_ON -->" if text else None,
        "selftext": text,
        "likes": None,
        "suggested_sort": None,
        "user_reports": [],
        "secure_media": None,
        "link_flair_text": post.flair,
        "id": post.id36,
        "from_kind": None,
        "gilded": 0,
        "archived": False,
        "clicked": False,
        "report_reasons": None,
        "author": "[deleted]" if post.state != "ok" else post.author,
        "media": None,
        "score": post.score,
        "approved_by": None,
        "over_18": False,
        "hidden": False,
        "num_comments": len(post.all_comments()),
        "thumbnail": "self",
        "subreddit_id": f"t5_{sub.id36}",
        "hide_score": False,
        "edited": post.edited,
        "link_flair_css_class": None,
        "author_flair_css_class": None,
        "downs": 0,
        "secure_media_embed": {},
        "saved": False,
        "removal_reason": None,
        "stickied": False,
        "from": None,
        "is_self": True,
        "from_id": None,
        "permalink": post.permalink,
        "locked": False,
        "name": post.fullname,
        "created": post.created_utc + PST_OFFSET,
        "url": WEB + post.permalink,
        "author_flair_text": None,
        "quarantine": False,
        "title": post.title,
        "created_utc": post.created_utc,
        "distinguished": None,
        "mod_reports": [],
        "visited": False,
        "num_reports": None,
        "ups": post.score,
    }
    if with_ratio:
        data["upvote_ratio"] = 0.97
    return data


def t1_data(c: Comment, sub: Subreddit, stream: bool = False) -> dict[str, Any]:
    body = _gone_text(c.state, c.body)
    data = {
        "subreddit_id": f"t5_{sub.id36}",
        "banned_by": None,
        "removal_reason": None,
        "link_id": c.link.fullname,
        "likes": None,
        "replies": "",
        "user_reports": [],
        "saved": False,
        "id": c.id36,
        "gilded": 0,
        "archived": False,
        "report_reasons": None,
        "author": "[deleted]" if c.state != "ok" else c.author,
        "parent_id": c.parent.fullname,
        "score": c.score,
        "approved_by": None,
        "controversiality": 0,
        "body": body,
        "edited": c.edited,
        "author_flair_css_class": None,
        "downs": 0,
        "body_html": md_html(body),
        "subreddit": sub.name,
        "name": c.fullname,
        "score_hidden": False,
        "stickied": False,
        "created": c.created_utc + PST_OFFSET,
        "author_flair_text": None,
        "created_utc": c.created_utc,
        "distinguished": None,
        "mod_reports": [],
        "num_reports": None,
        "ups": c.score,
    }
    if stream:
        data["link_title"] = c.link.title
        data["link_url"] = WEB + c.link.permalink
        data["link_author"] = "[deleted]" if c.link.state != "ok" else c.link.author
        data["over_18"] = False
        data["quarantine"] = False
    return data


def more_data(parent_id: str, children: list[str], count: int) -> dict[str, Any]:
    if not children:  # "continue this thread"
        return {"count": 0, "parent_id": parent_id, "children": [], "name": "t1__", "id": "_"}
    first = children[0]
    return {
        "count": count,
        "parent_id": parent_id,
        "children": children,
        "name": f"t1_{first}",
        "id": first,
    }


def listing(children: list[dict[str, Any]], after=None, before=None, **extra) -> dict[str, Any]:
    data = {"modhash": "", "children": children, "after": after, "before": before, **extra}
    return {"kind": "Listing", "data": data}


def thing(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"kind": kind, "data": data}


# -- rendering of pages ----------------------------------------------------------------------


class Renderer:
    """Builds response bodies from a subreddit model with the server's limits."""

    def __init__(self, tree_limit: int, max_depth: int, morechildren_limit: int):
        self.tree_limit = tree_limit
        self.max_depth = max_depth
        self.morechildren_limit = morechildren_limit

    def tree(
        self, sub: Subreddit, comments: list[Comment], parent: str, depth: int, budget: list[int]
    ) -> list[dict[str, Any]]:
        out = []
        for i, c in enumerate(comments):
            if budget[0] <= 0:
                rest = comments[i:]
                ids = [r.id36 for r in rest]
                out.append(thing("more", more_data(parent, ids, sum(r.size() for r in rest))))
                break
            budget[0] -= 1
            data = t1_data(c, sub)
            if c.replies:
                if depth + 1 >= self.max_depth:
                    kids = [thing("more", more_data(c.fullname, [], 0))]
                else:
                    kids = self.tree(sub, c.replies, c.fullname, depth + 1, budget)
                data["replies"] = listing(kids)
            out.append(thing("t1", data))
        return out

    def thread_page(
        self, sub: Subreddit, post: Submission, limit: int, sort: str, root: Comment | None
    ) -> list[dict[str, Any]]:
        budget = [min(limit, self.tree_limit)]
        if root is None:
            top = self.tree(sub, sort_comments(post.comments, sort), post.fullname, 0, budget)
        else:
            top = self.tree(sub, [root], root.parent.fullname, 0, budget)
        return [listing([thing("t3", t3_data(post, sub, with_ratio=True))]), listing(top)]

    def morechildren(self, sub: Subreddit, post: Submission, ids: list[str]) -> dict[str, Any]:
        by_id = {c.id36: c for c in post.all_comments()}
        wanted = [by_id[i] for i in ids if i in by_id]
        things: list[dict[str, Any]] = []
        budget = [self.morechildren_limit]

        def emit(c: Comment) -> None:
            budget[0] -= 1
            things.append(thing("t1", t1_data(c, sub)))
            for j, kid in enumerate(c.replies):
                if budget[0] <= 0:
                    rest = c.replies[j:]
                    ids_left = [r.id36 for r in rest]
                    count = sum(r.size() for r in rest)
                    things.append(thing("more", more_data(c.fullname, ids_left, count)))
                    return
                emit(kid)

        for i, c in enumerate(wanted):
            if budget[0] <= 0:
                groups: dict[str, list[Comment]] = {}
                for r in wanted[i:]:
                    groups.setdefault(r.parent.fullname, []).append(r)
                for parent, rest in groups.items():
                    count = sum(r.size() for r in rest)
                    things.append(thing("more", more_data(parent, [r.id36 for r in rest], count)))
                break
            emit(c)
        return {"json": {"errors": [], "data": {"things": things}}}


def sort_comments(comments: list[Comment], sort: str) -> list[Comment]:
    if sort == "new":
        return sorted(comments, key=lambda c: c.created_utc, reverse=True)
    if sort == "old":
        return sorted(comments, key=lambda c: c.created_utc)
    return sorted(comments, key=lambda c: -c.score)


def paginate(names: list[str], query: dict[str, str]) -> tuple[slice, str | None, str | None]:
    """Reddit's listing paging over newest-first ``names``: (slice, after, before)."""
    names = names[:1000]
    try:
        limit = min(max(int(query.get("limit", 25)), 1), 100)
    except ValueError:
        limit = 25
    if query.get("after"):
        start = names.index(query["after"]) + 1 if query["after"] in names else len(names)
    elif query.get("before"):
        end = names.index(query["before"]) if query["before"] in names else 0
        start = max(end - limit, 0)
        page = slice(start, end)
        return page, names[end - 1] if end > 0 else None, names[start] if start > 0 else None
    else:
        start = 0
    stop = min(start + limit, len(names))
    after = names[stop - 1] if stop < len(names) and stop > start else None
    before = names[start] if start > 0 and stop > start else None
    return slice(start, stop), after, before


# -- the server ------------------------------------------------------------------------------


@dataclass
class Fault:
    path: str  # a path prefix
    status: int
    headers: dict[str, str]
    body: bytes
    times: int


@dataclass
class LoggedRequest:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    headers: dict[str, str]
    at: float  # time.monotonic()
    status: int = 0


class RedditServer(LocalServer):
    """A threaded HTTP server on 127.0.0.1 (ephemeral port); use as a context manager."""

    def __init__(
        self,
        client_id: str = "test-client-id",
        client_secret: str = "test-client-secret",
        *,
        tree_limit: int = 200,
        max_depth: int = 8,
        morechildren_limit: int = 20,
        ratelimit: int = 1_000_000,
        window_s: float = 600.0,
    ):
        self.client_id = client_id
        self.client_secret = client_secret
        self.renderer = Renderer(tree_limit, max_depth, morechildren_limit)
        self.ratelimit = ratelimit
        self.window_s = window_s
        self.subreddits: dict[str, Subreddit] = {}
        self.requests: list[LoggedRequest] = []
        self.tokens: set[str] = set()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._window_end = 0.0
        self._used = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # setup
    def add(self, sub: Subreddit) -> Subreddit:
        self.subreddits[sub.name.lower()] = sub
        return sub

    def fail(
        self,
        path: str,
        status: int,
        headers: dict[str, str] | None = None,
        body: bytes | str = b"",
        times: int = 1,
    ) -> None:
        """Answer the next ``times`` requests whose path starts with ``path`` like this."""
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._faults.append(Fault(path, status, dict(headers or {}), data, times))

    def malformed(self, path: str, times: int = 1) -> None:
        """A 200 whose JSON body is cut short."""
        self.fail(
            path, 200, {"Content-Type": JSON_TYPE}, b'{"kind": "Listing", "data": {"chi', times
        )

    def requests_to(self, prefix: str, method: str | None = None) -> list[LoggedRequest]:
        with self._lock:
            return [
                r
                for r in self.requests
                if r.path.startswith(prefix) and (method is None or r.method == method)
            ]

    # internals used by the handler
    def _take_fault(self, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.times > 0 and path.startswith(fault.path):
                    fault.times -= 1
                    return fault
        return None

    def _rate(self) -> tuple[dict[str, str], bool, int]:
        """Count one API request: the rate-limit headers, whether it is over the limit, and
        the seconds to wait if so."""
        with self._lock:
            now = time.monotonic()
            if now >= self._window_end:
                self._window_end, self._used = now + self.window_s, 0
            self._used += 1
            remaining = max(self.ratelimit - self._used, 0)
            left = max(self._window_end - now, 0.0)
            headers = {
                "x-ratelimit-used": str(self._used),
                "x-ratelimit-remaining": f"{float(remaining)}",
                "x-ratelimit-reset": str(int(left)),  # whole seconds, rounded down
            }
            return headers, self._used > self.ratelimit, max(math.ceil(left), 1)

    def _log(self, request: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    server: Any
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out in separate writes

    def log_message(self, format: str, *args: Any) -> None:
        """No access log."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def _handle(self, method: str) -> None:
        srv = self.server.reddit
        parts = urlsplit(self.path)
        path = parts.path.rstrip("/").removesuffix(".json") or "/"
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        form = dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
        headers = {k.lower(): v for k, v in self.headers.items()}
        logged = LoggedRequest(method, path, query, form, headers, time.monotonic())
        srv._log(logged)
        status, out_headers, body = self._answer(srv, method, path, {**query, **form}, headers)
        logged.status = status
        self._send(status, out_headers, body, headers)

    def _answer(
        self, srv: RedditServer, method: str, path: str, args: dict[str, str], headers: dict
    ) -> tuple[int, dict[str, str], bytes]:
        if path == "/api/v1/access_token":
            fault = srv._take_fault(path)
            if fault:
                return fault.status, fault.headers, fault.body
            return self._token(srv, method, args, headers)
        rate, over, retry_after = srv._rate()
        fault = srv._take_fault(path)
        if fault:
            return fault.status, {**rate, **fault.headers}, fault.body
        auth = headers.get("authorization", "")
        if not auth.lower().startswith("bearer ") or auth[7:] not in srv.tokens:
            bad = {"www-authenticate": 'Bearer realm="reddit", error="invalid_token"'}
            return _json(401, {"message": "Unauthorized", "error": 401}, {**rate, **bad})
        if over:
            wait = {"retry-after": str(retry_after)}
            return _json(429, {"message": "Too Many Requests", "error": 429}, {**rate, **wait})
        try:
            status, payload, extra = self._route(srv, path, args)
        except _Redirect as redirect:
            return 302, {**rate, "location": redirect.location}, b""
        return _json(status, payload, {**rate, **extra})

    def _token(self, srv: RedditServer, method: str, form: dict, headers: dict):
        expected = base64.b64encode(f"{srv.client_id}:{srv.client_secret}".encode()).decode()
        if method != "POST" or headers.get("authorization") != f"Basic {expected}":
            return _json(401, {"message": "Unauthorized", "error": 401}, {})
        if form.get("grant_type") != "client_credentials":
            return _json(200, {"error": "unsupported_grant_type"}, {})
        token = "tok-" + secrets.token_hex(12)
        with srv._lock:
            srv.tokens.add(token)
        payload = {"access_token": token, "token_type": "bearer", "expires_in": 86400, "scope": "*"}
        return _json(200, payload, {})

    def _route(self, srv: RedditServer, path: str, q: dict[str, str]):
        r = srv.renderer
        bits = path.strip("/").split("/")
        if bits[0] == "r" and len(bits) == 3:
            sub = srv.subreddits.get(bits[1].lower())
            if sub is None:
                raise _Redirect(f"/subreddits/search?q={quote(bits[1])}")
            if bits[2] == "new":
                return 200, _listing_of(sub, newest_posts(sub.submissions), q, "t3"), {}
            if bits[2] == "comments":
                comments = sorted(sub.all_comments(), key=lambda c: c.created_utc, reverse=True)
                return 200, _listing_of(sub, comments, q, "t1"), {}
            if bits[2] == "search":
                return 200, _listing_of(sub, search(sub, q), q, "t3", facets={}), {}
        if bits[0] == "comments" and len(bits) >= 2:
            found = _find_post(srv, bits[1])
            if found is None:
                return 404, {"message": "Not Found", "error": 404}, {}
            sub, post = found
            root = None
            if len(bits) >= 4:
                root = next((c for c in post.all_comments() if c.id36 == bits[3]), None)
                if root is None:
                    return 404, {"message": "Not Found", "error": 404}, {}
            limit = int(q.get("limit") or 200)
            return 200, r.thread_page(sub, post, limit, q.get("sort", "confidence"), root), {}
        if path == "/api/morechildren":
            ids = [i for i in (q.get("children") or "").split(",") if i]
            if len(ids) > 100:
                return (
                    400,
                    {"json": {"errors": [["TOO_MANY", "at most 100 children", "children"]]}},
                    {},
                )
            found = _find_post(srv, (q.get("link_id") or "").removeprefix("t3_"))
            if found is None:
                return 200, {"json": {"errors": [], "data": {"things": []}}}, {}
            return 200, r.morechildren(found[0], found[1], ids), {}
        if path == "/api/info":
            return 200, listing(_info(srv, (q.get("id") or "").split(","))), {}
        return 404, {"message": "Not Found", "error": 404}, {}

    def _send(self, status: int, headers: dict[str, str], body: bytes, request_headers: dict):
        if body and "gzip" in request_headers.get("accept-encoding", "") and status != 302:
            body = gzip.compress(body)
            headers = {**headers, "content-encoding": "gzip"}
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


class _Redirect(Exception):
    def __init__(self, location: str):
        self.location = location


def _json(status: int, payload: Any, headers: dict[str, str]) -> tuple[int, dict, bytes]:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    return status, {"content-type": JSON_TYPE, **headers}, body


def newest_posts(posts: list[Submission]) -> list[Submission]:
    return sorted(posts, key=lambda p: (p.created_utc, int(p.id36, 36)), reverse=True)


def search(sub: Subreddit, q: dict[str, str]) -> list[Submission]:
    words = (q.get("q") or "").lower().split()
    hits = [
        p
        for p in sub.submissions
        if all(w in f"{p.title} {_gone_text(p.state, p.selftext)}".lower() for w in words)
    ]
    return newest_posts(hits)


def _listing_of(sub: Subreddit, things: list, q: dict[str, str], kind: str, **extra):
    names = [t.fullname for t in things]
    page, after, before = paginate(names, q)
    render = (lambda t: t3_data(t, sub)) if kind == "t3" else (lambda t: t1_data(t, sub, True))
    children = [thing(kind, render(t)) for t in things[:1000][page]]
    return listing(children, after, before, **extra)


def _find_post(srv: RedditServer, id36: str) -> tuple[Subreddit, Submission] | None:
    for sub in srv.subreddits.values():
        for post in sub.submissions:
            if post.id36 == id36:
                return sub, post
    return None


def _info(srv: RedditServer, fullnames: list[str]) -> list[dict[str, Any]]:
    out = []
    for name in fullnames[:100]:
        for sub in srv.subreddits.values():
            found = sub.find(name.strip())
            if isinstance(found, Submission):
                out.append(thing("t3", t3_data(found, sub)))
            elif isinstance(found, Comment):
                out.append(thing("t1", t1_data(found, sub)))
    return out


RedditServer.handler = _Handler
RedditServer.server_attribute = "reddit"
