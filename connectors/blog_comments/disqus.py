"""Comments from Disqus (API 3.0): ``forums/listPosts``, or ``threads/listPosts`` per thread.

Requests ``{api_url}/forums/listPosts.json?forum=F&api_key=K&limit=N&order=asc
&related=thread[&since=T][&cursor=C]`` and follows Disqus's ``cursor`` (``hasNext``/``next``)
for up to ``max_pages`` pages. With ``post_ids`` set they are thread ids, each read with
``threads/listPosts.json?thread=ID``. ``related=thread`` brings each post's thread (title,
link) along, so no extra lookups are needed. Deleted, spam and unapproved posts are skipped.

The API key comes from the Airflow connection ``credentials_conn_id`` or $DISQUS_API_KEY (a
replay source needs none). It travels only in the query string and is masked in every error
message and log line.

Cursor::

    {"platform": "disqus", "latest_at": ISO | None, "recent": {post_id: ISO},
     "truncated": bool}

``since`` is ``latest_at`` minus a day as a Unix time (see common.Watermark); ``truncated``
means ``max_pages`` stopped the last fetch, and the next one continues from ``latest_at``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from connectors.base import FetchResult, SourceError, make_item
from connectors.blog_comments.common import (
    CHANNEL,
    REVISIT,
    Watermark,
    as_utc,
    error_json,
    id_str,
    parse_iso,
    plain_title,
    text_or_none,
)
from connectors.http import HttpClient, HttpError, redact
from idea_harvester.config import BlogCommentsSource
from idea_harvester.secrets import MissingCredentials, get_credentials

PLATFORM = "disqus"
KEY_ENV = "DISQUS_API_KEY"
#: Disqus error codes (https://disqus.com/api/docs/errors/) that mean "fix the key".
_KEY_CODES = {5: "invalid API key", 9: "key not allowed here", 11: "key not valid on this domain"}
_RATE_CODES = {13, 14}
_ARG_CODES = {2, 8}


def fetch(
    source: BlogCommentsSource, cursor: dict[str, Any] | None, client: HttpClient, now: datetime
) -> FetchResult:
    """Fetch the Disqus posts added since the cursor; raise SourceError on failure."""
    cursor = dict(cursor or {})
    now = as_utc(now)
    key = _api_key(source)
    revisit = timedelta(seconds=1) if cursor.get("truncated") else REVISIT
    mark = Watermark.from_cursor(cursor, now, revisit)
    base: dict[str, Any] = {"limit": source.per_page, "order": "asc", "related": "thread"}
    if key:
        base["api_key"] = key
    if mark.since is not None:
        base["since"] = int(mark.since.timestamp())

    api = source.api_url.rstrip("/")
    if source.post_ids:
        queries = [
            (f"{api}/threads/listPosts.json", {**base, "thread": t})
            for t in sorted(set(source.post_ids))
        ]
    else:
        queries = [(f"{api}/forums/listPosts.json", {**base, "forum": source.forum})]

    posts: list[dict[str, Any]] = []
    truncated = False
    for url, params in queries:
        got, more = _read_all(source, client, url, params)
        posts.extend(got)
        truncated = truncated or more

    items = []
    for post in posts:
        if not _is_visible(post):
            continue
        if mark.admit(str(post["id"]), parse_iso(post.get("createdAt"))):
            items.append(_to_item(source.name, post, now))
    new_cursor = {"platform": PLATFORM, **mark.to_cursor(), "truncated": truncated}
    return FetchResult(source.name, CHANNEL, items, new_cursor)


def _api_key(source: BlogCommentsSource) -> str | None:
    if source.replay_dir is not None:
        return None
    try:
        creds = get_credentials(source.credentials_conn_id, {"api_key": KEY_ENV}, ["api_key"])
    except MissingCredentials as err:
        raise SourceError(
            source.name,
            "missing_credentials",
            f"{err} (a Disqus API key, from https://disqus.com/api/applications/)",
        ) from None
    return creds["api_key"]


def _read_all(
    source: BlogCommentsSource, client: HttpClient, url: str, params: dict[str, Any]
) -> tuple[list[dict[str, Any]], bool]:
    """All pages of one listing (up to max_pages); True when more were left."""
    out: list[dict[str, Any]] = []
    cursor: str | None = None
    for _ in range(source.max_pages):
        page = {**params, "cursor": cursor} if cursor else params
        try:
            resp = client.get_json(url, params=page)
        except HttpError as err:
            raise _disqus_error(source, err) from err
        data, where = resp.data, redact(resp.url)
        if not isinstance(data, dict) or "code" not in data:
            raise SourceError(
                source.name,
                "malformed_json",
                f"{where} did not return a Disqus response envelope "
                '({"code": 0, "response": [...]}); check api_url',
            )
        if data["code"] != 0:
            raise _code_error(source, data["code"], data.get("response"), where)
        posts = data.get("response")
        if not isinstance(posts, list):
            raise SourceError(
                source.name, "malformed_json", f"{where}: `response` is not a list of posts"
            )
        out.extend(p for p in posts if isinstance(p, dict) and id_str(p.get("id")))
        nxt = data.get("cursor") if isinstance(data.get("cursor"), dict) else {}
        cursor = text_or_none(nxt.get("next"))
        if not nxt.get("hasNext") or not cursor or not posts:
            return out, False
    return out, True


def _is_visible(post: dict[str, Any]) -> bool:
    if post.get("isDeleted") or post.get("isSpam"):
        return False
    return post.get("isApproved", True) is not False


def _to_item(source_name: str, post: dict[str, Any], now: datetime) -> dict[str, Any]:
    thread = post.get("thread")
    info = thread if isinstance(thread, dict) else {"id": thread}
    thread_url = text_or_none(info.get("link"))
    author = post.get("author") if isinstance(post.get("author"), dict) else {}
    likes, dislikes = post.get("likes"), post.get("dislikes")
    score = likes - dislikes if isinstance(likes, int) and isinstance(dislikes, int) else None
    return make_item(
        source_name=source_name,
        channel=CHANNEL,
        native_id=str(post["id"]),
        fetched_at=now,
        url=f"{thread_url}#comment-{post['id']}" if thread_url else None,
        author=text_or_none(author.get("name")) or text_or_none(author.get("username")),
        published_at=parse_iso(post.get("createdAt")),
        content_html=text_or_none(post.get("message")),
        parent_native_id=id_str(post.get("parent")),
        thread_native_id=id_str(info.get("id")),
        thread_title=plain_title(info.get("clean_title") or info.get("title")),
        thread_url=thread_url,
        score=score,
    )


def _disqus_error(source: BlogCommentsSource, err: HttpError) -> SourceError:
    body = error_json(err)
    if isinstance(body, dict) and isinstance(body.get("code"), int) and body["code"] != 0:
        return _code_error(source, body["code"], body.get("response"), None, err)
    return SourceError(source.name, err.kind, err.message)


def _code_error(
    source: BlogCommentsSource,
    code: int,
    response: Any,
    url: str | None,
    err: HttpError | None = None,
) -> SourceError:
    """A Disqus error code as a SourceError that says what to do."""
    said = f"Disqus error {code}: {text_or_none(response) or 'no details'}"
    where = err.message if err else f"{url}"
    if code in _KEY_CODES:
        return SourceError(
            source.name,
            "auth",
            f"{where} ({said}): {_KEY_CODES[code]}; check the Airflow connection "
            f"{source.credentials_conn_id!r} or ${KEY_ENV}",
        )
    if code in _RATE_CODES:
        return SourceError(
            source.name,
            "rate_limited",
            f"{where} ({said}): the key's hourly request budget is spent; fetch less often "
            "or lower http.host_rates for disqus.com",
        )
    if code in _ARG_CODES:
        return SourceError(
            source.name,
            "bad_request",
            f"{where} ({said}): check the source's forum ({source.forum!r}) and post_ids",
        )
    return SourceError(source.name, "api_error", f"{where} ({said})")
