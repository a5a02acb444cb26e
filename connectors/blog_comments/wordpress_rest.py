"""Comments from the WordPress REST API (``/wp-json/wp/v2/comments``), oldest first.

Requests ``comments?per_page=N&page=P&orderby=date_gmt&order=asc[&post=IDS][&after=T]``,
page by page until ``X-WP-TotalPages`` (or ``max_pages``), then the titles and links of their
posts with ``posts?include=IDS`` (100 ids a request; ids it lacks are tried as pages).
Anonymous readers only get approved comments; any other ``status`` (hold, spam, trash) that
an authenticated or plugin-modified site returns is skipped.

Cursor::

    {"platform": "wordpress_rest", "latest_at": ISO | None, "recent": {comment_id: ISO},
     "truncated": bool, "validated_url": str | None, "etag": str | None,
     "last_modified": str | None}

``after`` is ``latest_at`` minus a day (see common.Watermark), so an unchanged blog gives the
same first-page URL: its ETag/Last-Modified are kept for a conditional GET (304 = nothing new)
when the whole answer fitted in one page. ``truncated`` means ``max_pages`` stopped the last
fetch: the next one continues from ``latest_at`` itself.
"""

from __future__ import annotations

import logging
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
    source_error,
    strip_fragment,
    text_or_none,
)
from connectors.http import (
    HttpClient,
    HttpError,
    JsonResponse,
    conditional_headers,
    validators,
    with_params,
)
from idea_harvester.config import BlogCommentsSource

PLATFORM = "wordpress_rest"
#: WordPress caps per_page (and so include lists) at 100.
LOOKUP_BATCH = 100
log = logging.getLogger(__name__)


def fetch(
    source: BlogCommentsSource, cursor: dict[str, Any] | None, client: HttpClient, now: datetime
) -> FetchResult:
    """Fetch the comments added since the cursor; raise SourceError on failure."""
    cursor = dict(cursor or {})
    now = as_utc(now)
    api = f"{(source.site_url or '').rstrip('/')}/wp-json/wp/v2"
    revisit = timedelta(seconds=1) if cursor.get("truncated") else REVISIT
    mark = Watermark.from_cursor(cursor, now, revisit)
    params = _query(source, mark.since)
    first_url = with_params(f"{api}/comments", {**params, "page": 1})
    cond = conditional_headers(cursor) if cursor.get("validated_url") == first_url else {}
    raw: list[dict[str, Any]] = []
    page, total_pages, first = 1, 1, None
    while True:
        resp = _get_page(client, source, api, {**params, "page": page}, cond if page == 1 else {})
        if resp is None:  # page out of range: comments vanished while we paged
            break
        if resp.not_modified:
            return FetchResult(source.name, CHANNEL, [], cursor)
        first = first or resp
        raw.extend(_comment_list(source, resp))
        total_pages = _int_header(resp, "x-wp-totalpages", default=page)
        if not resp.data or page >= total_pages or page >= source.max_pages:
            break
        page += 1

    comments = [c for c in raw if _is_public(c)]
    fresh = [c for c in comments if mark.admit(str(c.get("id")), parse_iso(c.get("date_gmt")))]
    posts = PostLookup(client, api, source.name)
    posts.load({id_str(c.get("post")) for c in fresh} - {None})
    items = [_to_item(source.name, c, posts, now) for c in fresh]

    truncated = page < total_pages
    # The validators are worth keeping only if the next fetch asks for the same first page.
    next_since = mark.latest - REVISIT if mark.latest is not None else None
    same_next = with_params(f"{api}/comments", {**_query(source, next_since), "page": 1})
    keep = first is not None and total_pages <= 1 and same_next == first_url
    keep = keep and any(validators(first).values())
    new_cursor: dict[str, Any] = {
        "platform": PLATFORM,
        **mark.to_cursor(),
        "truncated": truncated,
        "validated_url": first_url if keep else None,
        **(validators(first) if keep and first else {"etag": None, "last_modified": None}),
    }
    return FetchResult(source.name, CHANNEL, items, new_cursor)


def _query(source: BlogCommentsSource, since: datetime | None) -> dict[str, Any]:
    """The comments query, without its page number."""
    params: dict[str, Any] = {"per_page": source.per_page, "orderby": "date_gmt", "order": "asc"}
    if source.post_ids:
        params["post"] = ",".join(str(i) for i in sorted(set(source.post_ids)))
    if since is not None:
        params["after"] = since.strftime("%Y-%m-%dT%H:%M:%S")
    return params


def _get_page(
    client: HttpClient,
    source: BlogCommentsSource,
    api: str,
    params: dict[str, Any],
    headers: dict[str, str],
) -> JsonResponse | None:
    try:
        return client.get_json(f"{api}/comments", params=params, headers=headers)
    except HttpError as err:
        code = _wp_code(err)
        if params["page"] > 1 and code == "rest_comment_invalid_page_number":
            return None
        raise _wp_error(source, err, code) from err


def _comment_list(source: BlogCommentsSource, resp: JsonResponse) -> list[dict[str, Any]]:
    if not isinstance(resp.data, list) or not all(isinstance(c, dict) for c in resp.data):
        raise SourceError(
            source.name,
            "malformed_json",
            f"{resp.url} returned JSON that is not a list of comments; is {source.site_url} "
            "a WordPress site with the REST API enabled?",
        )
    return resp.data


def _is_public(comment: dict[str, Any]) -> bool:
    """Approved comments only (no spam, trash, held or pingbacks); an id is required."""
    if id_str(comment.get("id")) is None:
        return False
    if comment.get("status", "approved") not in ("approved", "approve", "1"):
        return False
    return comment.get("type", "comment") in ("comment", "", None)


def _to_item(
    source_name: str, c: dict[str, Any], posts: PostLookup, now: datetime
) -> dict[str, Any]:
    post_id = id_str(c.get("post"))
    post = posts.get(post_id)
    link = text_or_none(c.get("link"))
    content = c.get("content")
    return make_item(
        source_name=source_name,
        channel=CHANNEL,
        native_id=str(c["id"]),
        fetched_at=now,
        url=link,
        author=text_or_none(c.get("author_name")),
        published_at=parse_iso(c.get("date_gmt")),
        content_html=text_or_none(content.get("rendered") if isinstance(content, dict) else None),
        parent_native_id=id_str(c.get("parent")),
        thread_native_id=post_id,
        thread_title=post.get("title"),
        thread_url=post.get("link") or strip_fragment(link),
    )


class PostLookup:
    """Titles and links of posts by id, fetched in batches and cached for one fetch."""

    def __init__(self, client: HttpClient, api: str, source_name: str) -> None:
        self.client = client
        self.api = api
        self.source_name = source_name
        self.cache: dict[str, dict[str, str | None]] = {}
        self.requests = 0

    def get(self, post_id: str | None) -> dict[str, str | None]:
        return self.cache.get(post_id or "", {})

    def load(self, ids: set[str]) -> None:
        """Look up ``ids`` not cached yet: as posts, then the rest as pages."""
        for endpoint in ("posts", "pages"):
            missing = sorted((i for i in ids if i not in self.cache), key=_id_key)
            for start in range(0, len(missing), LOOKUP_BATCH):
                self._batch(endpoint, missing[start : start + LOOKUP_BATCH])

    def _batch(self, endpoint: str, ids: list[str]) -> None:
        params = {
            "include": ",".join(ids),
            "per_page": len(ids),
            "_fields": "id,link,title",
        }
        self.requests += 1
        try:
            resp = self.client.get_json(f"{self.api}/{endpoint}", params=params)
        except HttpError as err:  # titles are a nicety: the comments still land
            log.warning("source %s: no post titles from %s: %s", self.source_name, endpoint, err)
            return
        for post in resp.data if isinstance(resp.data, list) else []:
            if not isinstance(post, dict) or id_str(post.get("id")) is None:
                continue
            title = post.get("title")
            self.cache[str(post["id"])] = {
                "title": plain_title(title.get("rendered") if isinstance(title, dict) else title),
                "link": text_or_none(post.get("link")),
            }


def _id_key(value: str) -> tuple[int, str]:
    return (int(value), "") if value.isdigit() else (0, value)


def _int_header(resp: JsonResponse, name: str, default: int) -> int:
    try:
        return int(resp.header(name) or default)
    except ValueError:
        return default


def _wp_code(err: HttpError) -> str | None:
    body = error_json(err)
    return body.get("code") if isinstance(body, dict) else None


def _wp_error(source: BlogCommentsSource, err: HttpError, code: str | None) -> SourceError:
    """A WordPress API error as a SourceError that says what to check."""
    body = error_json(err)
    wp_message = body.get("message") if isinstance(body, dict) else None
    detail = f" (WordPress says {code}: {wp_message})" if code else ""
    if err.kind == "malformed_json":
        hint = f"is {source.site_url} a WordPress site with the REST API at /wp-json/?"
        return source_error(source.name, err, hint)
    if code == "rest_no_route" or (err.status == 404 and code is None):
        return SourceError(
            source.name,
            "not_found",
            f"{err.message}{detail}: no WordPress REST API here; check site_url, or use "
            "platform wordpress_feed with the site's /comments/feed/",
        )
    if err.status in (401, 403):
        return SourceError(
            source.name,
            "forbidden",
            f"{err.message}{detail}: the site does not let anonymous readers list comments; "
            "use platform wordpress_feed with the site's /comments/feed/",
        )
    if err.status == 400:
        return SourceError(
            source.name, "bad_request", f"{err.message}{detail}; check post_ids and per_page"
        )
    return SourceError(source.name, err.kind, f"{err.message}{detail}")
