"""Blog comments: WordPress REST, WordPress comment feeds and Disqus, against local copies."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import pytest
import requests

from connectors import blog_comments, connector_for
from connectors.base import ITEM_FIELDS, SourceError, items_to_table, make_item_id
from connectors.blog_comments import wordpress_feed
from connectors.http import HostRateLimiter, HttpClient
from connectors.replay import ReplaySession
from idea_harvester import steps
from idea_harvester.config import BlogCommentsSource
from idea_harvester.run_context import RunContext
from tests.blog_server import T0, BlogModel, BlogServer
from tests.pipeline_support import write_config

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
COMMENTS = "/wp-json/wp/v2/comments"
SITE_FEED = "/comments/feed/"
LIST_POSTS = "/api/3.0/forums/listPosts.json"
KEY = "s3cr3t-disqus-key-123"
DEMO = Path(__file__).resolve().parents[1] / "idea_harvester" / "demo_data" / "blog_comments"


class FakeClock:
    """A monotonic clock that only moves when someone sleeps; sleeps are recorded."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> HttpClient:
    """No per-host limit; retry sleeps go to the fake clock."""
    return HttpClient(timeout_s=5, rate_per_host=0, sleep=clock.sleep)


@pytest.fixture
def model() -> BlogModel:
    m = BlogModel(api_key=KEY)
    dark = m.add_post("Dark mode is here (almost)", date=T0)
    sync = m.add_post("What's new in sync", date=T0 + timedelta(days=1))
    a = m.add_comment(dark, "Ana", "<p>Please bring dark mode to the web app too.</p>")
    m.add_comment(dark, "Ben", "<p>+1, my eyes at 2am agree.</p>", parent=a)
    m.add_comment(sync, "Zoë", "<p>Ce serait génial d’avoir le chiffrement de bout en bout.</p>")
    m.add_comment(sync, "Chen", "<p>How do I force a sync on Android?</p>")
    return m


@pytest.fixture
def server(model: BlogModel):
    with BlogServer(model) as srv:
        yield srv


def wp_source(srv: BlogServer, **kw) -> BlogCommentsSource:
    return BlogCommentsSource(
        name="wp", channel="blog_comments", platform="wordpress_rest", site_url=srv.url(""), **kw
    )


def feed_source(srv: BlogServer, path: str = SITE_FEED, **kw) -> BlogCommentsSource:
    return BlogCommentsSource(
        name="wpfeed",
        channel="blog_comments",
        platform="wordpress_feed",
        feed_url=srv.url(path),
        **kw,
    )


def disqus_source(srv: BlogServer, **kw) -> BlogCommentsSource:
    kw.setdefault("forum", srv.model.forum)
    return BlogCommentsSource(
        name="dq", channel="blog_comments", platform="disqus", api_url=srv.url("api/3.0"), **kw
    )


@pytest.fixture
def disqus_key(monkeypatch):
    monkeypatch.setenv("DISQUS_API_KEY", KEY)
    return KEY


def _fetch(source, client, cursor=None, now=NOW):
    result = blog_comments.fetch(source, cursor, client, now)
    items_to_table(result.items)  # every item fits ITEM_SCHEMA
    json.dumps(result.cursor)  # and the cursor is JSON
    assert result.channel == "blog_comments"
    return result


def _by_author(items):
    return {i["author"]: i for i in items}


# -- dispatch -----------------------------------------------------------------------------


def test_registered_as_the_blog_comments_channel():
    module = connector_for("blog_comments")
    assert module.CHANNEL == "blog_comments" and module.fetch is blog_comments.fetch


def test_a_cursor_from_another_platform_is_ignored(server, client):
    result = _fetch(wp_source(server), client, cursor={"platform": "disqus", "latest_at": "x"})
    assert len(result.items) == 4


# -- WordPress REST -----------------------------------------------------------------------


def test_wp_rest_first_fetch_maps_every_field(server, client, model):
    result = _fetch(wp_source(server), client)
    items = _by_author(result.items)
    assert list(items) == ["Ana", "Ben", "Zoë", "Chen"]  # oldest first
    ana, ben, zoe = items["Ana"], items["Ben"], items["Zoë"]
    dark = next(p for p in model.posts.values() if p.title.startswith("Dark"))
    assert tuple(ben) == ITEM_FIELDS
    assert ben["native_id"] == str(int(ana["native_id"]) + 1)
    assert ben["item_id"] == make_item_id("wp", ben["native_id"])
    assert ben["parent_native_id"] == ana["native_id"] and ana["parent_native_id"] is None
    assert ben["thread_native_id"] == str(dark.id)
    assert ben["thread_title"] == "Dark mode is here (almost)"
    assert ben["thread_url"] == server.post_url(dark)
    assert ben["url"] == server.post_url(dark) + f"#comment-{ben['native_id']}"
    assert ben["content_html"] == "<p>+1, my eyes at 2am agree.</p>"
    assert ben["published_at"] == model.comments[int(ben["native_id"])].date
    assert ben["title"] is None and ben["channel"] == "blog_comments"
    assert zoe["thread_title"] == "What’s new in sync"  # &#8217; decoded
    assert "génial d’avoir" in zoe["content_html"]
    (page,) = server.requests_to(COMMENTS)
    assert page.query == {"per_page": "100", "page": "1", "orderby": "date_gmt", "order": "asc"}
    assert page.headers["user-agent"].startswith("IdeaHarvester/")
    (lookup,) = server.requests_to("/wp-json/wp/v2/posts")  # one batched title lookup
    assert sorted(lookup.query["include"].split(",")) == sorted(str(p) for p in model.posts)
    assert server.requests_to("/wp-json/wp/v2/pages") == []


def test_wp_rest_incremental(server, client, model):
    first = _fetch(wp_source(server), client)
    assert first.cursor["latest_at"] == max(c.date for c in model.comments.values()).isoformat()
    post = next(iter(model.posts.values()))
    new = model.add_comment(post, "Dee", "<p>A Linux desktop app would be lovely.</p>")
    second = _fetch(wp_source(server), client, first.cursor)
    assert [i["native_id"] for i in second.items] == [str(new.id)]
    # asks again from a day before the newest comment seen (late approvals, time zones)
    after = datetime.fromisoformat(first.cursor["latest_at"]) - timedelta(days=1)
    assert server.requests_to(COMMENTS)[-1].query["after"] == after.strftime("%Y-%m-%dT%H:%M:%S")
    third = _fetch(wp_source(server), client, second.cursor)
    assert third.items == [] and third.cursor == second.cursor


def test_wp_rest_late_approved_comment_is_picked_up(server, client, model):
    post = next(iter(model.posts.values()))
    held = model.add_comment(post, "Eve", "<p>Nested tags please.</p>", status="hold")
    first = _fetch(wp_source(server), client)
    assert "Eve" not in _by_author(first.items)
    model.add_comment(post, "Finn", "<p>Thanks!</p>")
    held.status = "approved"  # approved later, with its original (older) date
    second = _fetch(wp_source(server), client, first.cursor)
    assert sorted(i["author"] for i in second.items) == ["Eve", "Finn"]


def test_wp_rest_pagination_and_max_pages(server, client, model):
    post = model.add_post("Calendar week view")
    for n in range(21):
        model.add_comment(post, f"user{n}", f"<p>Comment {n}</p>")
    first = _fetch(wp_source(server, per_page=10, max_pages=2), client)
    assert len(first.items) == 20 and first.cursor["truncated"] is True
    assert [r.query["page"] for r in server.requests_to(COMMENTS)] == ["1", "2"]
    second = _fetch(wp_source(server, per_page=10, max_pages=2), client, first.cursor)
    assert len(second.items) == 5 and second.cursor["truncated"] is False
    assert len({i["native_id"] for i in first.items + second.items}) == 25
    full = _fetch(wp_source(server, per_page=10), client)
    assert len(full.items) == 25
    assert server.requests_to(COMMENTS)[-1].query["page"] == "3"


def test_wp_rest_page_out_of_range_midway_keeps_what_it_has(server, client, model):
    for n in range(3):
        model.add_comment(next(iter(model.posts.values())), f"u{n}", "<p>x</p>")
    body = json.dumps(
        {"code": "rest_comment_invalid_page_number", "message": "…", "data": {"status": 400}}
    )
    first = _fetch(wp_source(server, per_page=5), client)  # 7 comments: 2 pages
    assert len(first.items) == 7
    server.fail(COMMENTS, 200, json.dumps([]), {"X-WP-TotalPages": "2"})
    server.fail(COMMENTS, 400, body, {"Content-Type": "application/json"})
    assert _fetch(wp_source(server, per_page=5), client).items == []
    with pytest.raises(SourceError) as exc:  # on page 1 it is an error
        server.fail(COMMENTS, 400, body, {"Content-Type": "application/json"})
        _fetch(wp_source(server, per_page=5), client)
    assert exc.value.kind == "bad_request"


def test_wp_rest_post_filter(server, client, model):
    sync = next(p for p in model.posts.values() if "sync" in p.title)
    result = _fetch(wp_source(server, post_ids=[sync.id]), client)
    assert {i["thread_native_id"] for i in result.items} == {str(sync.id)}
    assert server.requests_to(COMMENTS)[0].query["post"] == str(sync.id)


def test_wp_rest_comments_on_pages_get_their_titles(server, client, model):
    page = model.add_post("Roadmap", kind="page")
    model.add_comment(page, "Gus", "<p>Student plan?</p>")
    gus = _by_author(_fetch(wp_source(server), client).items)["Gus"]
    assert gus["thread_title"] == "Roadmap" and gus["thread_url"] == server.post_url(page)
    assert len(server.requests_to("/wp-json/wp/v2/pages")) == 1


def test_wp_rest_304(server, client, model):
    server.etags = True
    first = _fetch(wp_source(server), client)
    second = _fetch(wp_source(server), client, first.cursor)  # nothing new: learns the ETag
    assert second.items == [] and second.cursor["etag"]
    third = _fetch(wp_source(server), client, second.cursor)
    assert third.items == [] and third.cursor == second.cursor
    assert server.requests_to(COMMENTS)[-1].headers["if-none-match"] == second.cursor["etag"]
    assert len(server.requests_to("/wp-json/wp/v2/posts")) == 1  # no lookups after a 304
    model.add_comment(next(iter(model.posts.values())), "Hal", "<p>Markdown export!</p>")
    fourth = _fetch(wp_source(server), client, third.cursor)
    assert [i["author"] for i in fourth.items] == ["Hal"]


def test_wp_rest_429_with_retry_after(server, client, clock):
    server.fail(COMMENTS, 429, "Too Many Requests", {"Retry-After": "7"})
    assert len(_fetch(wp_source(server), client).items) == 4
    assert clock.sleeps == [7.0]


def test_wp_rest_500_then_success(server, client, clock):
    server.fail(COMMENTS, 500, "<h1>Error establishing a database connection</h1>", times=2)
    assert len(_fetch(wp_source(server), client).items) == 4
    assert clock.sleeps == [0.5, 1.0]  # exponential backoff
    assert len(server.requests_to(COMMENTS)) == 3


def test_wp_rest_500_for_good_is_a_clear_error(server, client):
    server.fail(COMMENTS, 503, "busy", times=5)
    with pytest.raises(SourceError) as exc:
        _fetch(wp_source(server), client)
    assert exc.value.kind == "http_status" and exc.value.source_name == "wp"
    assert "HTTP 503" in exc.value.message and "3 attempts" in exc.value.message


def test_wp_rest_malformed_json(server, client):
    server.fail(COMMENTS, 200, '[{"id": 1, "content": {"rendered": "<p>cut', JSON_HEADERS)
    with pytest.raises(SourceError) as exc:
        _fetch(wp_source(server), client)
    err = exc.value
    assert err.kind == "malformed_json"
    assert server.url(COMMENTS) in err.message and "REST API" in err.message


def test_wp_rest_html_instead_of_json(server, client):
    server.fail(
        COMMENTS, 200, "<!doctype html><title>Kestrel</title>", {"Content-Type": "text/html"}
    )
    with pytest.raises(SourceError) as exc:
        _fetch(wp_source(server), client)
    assert exc.value.kind == "malformed_json" and "text/html" in exc.value.message


def test_wp_rest_no_rest_api(client):
    with BlogServer() as srv:
        srv.fail(COMMENTS, 404, json.dumps({"code": "rest_no_route", "message": "No route"}))
        with pytest.raises(SourceError) as exc:
            _fetch(wp_source(srv), client)
    assert exc.value.kind == "not_found" and "wordpress_feed" in exc.value.message


def test_wp_rest_trashed_spam_and_held_comments(server, client, model):
    post = next(iter(model.posts.values()))
    gone = model.add_comment(post, "Troll", "<p>spam spam</p>", status="spam")
    trashed = model.add_comment(post, "Ivy", "<p>Deleted by the author</p>", status="trash")
    reply = model.add_comment(post, "Jo", "<p>Replying to a deleted comment.</p>", parent=trashed)
    model.add_comment(post, "Kim", "<p>Waiting for moderation</p>", status="hold")
    items = _by_author(_fetch(wp_source(server), client).items)
    assert {"Troll", "Ivy", "Kim"}.isdisjoint(items)
    assert items["Jo"]["parent_native_id"] == str(trashed.id)  # the thread still says so
    # a site that lists every status (logged in, or a plugin): only approved ones are kept
    server.show_all_statuses = True
    items = _by_author(_fetch(wp_source(server), client).items)
    assert {"Troll", "Ivy", "Kim"}.isdisjoint(items) and str(reply.id) == items["Jo"]["native_id"]
    assert gone.id not in {int(i["native_id"]) for i in items.values()}


# -- WordPress comment feeds --------------------------------------------------------------


def test_wp_feed_site_comments(server, client, model):
    result = _fetch(feed_source(server), client)
    items = _by_author(result.items)
    assert list(items) == ["Ana", "Ben", "Zoë", "Chen"]
    ana, ben, zoe = items["Ana"], items["Ben"], items["Zoë"]
    dark = next(p for p in model.posts.values() if p.title.startswith("Dark"))
    guid = server.url(f"?p={dark.id}")
    assert ben["native_id"] == f"{guid}#comment-{int(ana['native_id'].split('-')[-1]) + 1}"
    assert ben["parent_native_id"] == ana["native_id"] and ana["parent_native_id"] is None
    assert ben["thread_native_id"] == guid == ana["thread_native_id"]
    assert ben["thread_title"] == "Dark mode is here (almost)"  # from "Comment on X by Ben"
    assert ben["thread_url"] == server.post_url(dark)
    assert ben["url"].startswith(server.post_url(dark) + "#comment-")
    assert ben["content_html"] == "<p>+1, my eyes at 2am agree.</p>"
    assert zoe["thread_title"] == "What's new in sync" and "génial" in zoe["content_html"]
    assert zoe["published_at"] == model.comments[int(zoe["native_id"].split("-")[-1])].date


def test_wp_feed_french_titles_and_no_threading(client):
    model = BlogModel(lang="fr")
    post = model.add_post("Mode sombre : c’est pour bientôt par étapes")
    model.add_comment(post, "Léa Dupont", "<p>Merci ! Et un mode hors-ligne sur Android ?</p>")
    with BlogServer(model) as srv:
        srv.thread_in_feeds = False
        (item,) = _fetch(feed_source(srv), client).items
    assert item["thread_title"] == "Mode sombre : c’est pour bientôt par étapes"
    assert item["author"] == "Léa Dupont" and item["parent_native_id"] is None
    assert item["thread_native_id"] == item["native_id"].split("#")[0]


def test_post_title_patterns():
    title = wordpress_feed.post_title
    assert title("Comment on Tips by Ana by Ben", "Ben") == "Tips by Ana"
    assert title("Comment on Tips by Ana by Ben", None) == "Tips by Ana"
    assert title("Commentaire sur Astuces par Léa par Jo", "Jo") == "Astuces par Léa"
    assert title("By: Ben", "Ben") is None and title(None, None) is None


def test_wp_feed_incremental_and_304(server, client, model):
    first = _fetch(feed_source(server), client)
    model.add_comment(next(iter(model.posts.values())), "Dee", "<p>Recurring tasks!</p>")
    second = _fetch(feed_source(server), client, first.cursor)
    assert [i["author"] for i in second.items] == ["Dee"]
    third = _fetch(feed_source(server), client, second.cursor)
    assert third.items == [] and third.cursor == second.cursor
    last = server.requests_to(SITE_FEED)[-1]
    assert last.headers["if-none-match"] == second.cursor["feeds"][server.url(SITE_FEED)]["etag"]
    assert last.headers["if-modified-since"]


def test_wp_feed_only_shows_the_newest(client):
    model = BlogModel()
    post = model.add_post("Busy post")
    for n in range(15):
        model.add_comment(post, f"u{n}", f"<p>{n}</p>")
    with BlogServer(model, feed_size=10) as srv:
        assert len(_fetch(feed_source(srv), client).items) == 10  # posts_per_rss


def test_wp_feed_one_posts_feed(server, client, model):
    sync = next(p for p in model.posts.values() if "sync" in p.title)
    path = urlsplit(server.comment_feed_url(sync)).path
    items = _fetch(feed_source(server, path), client).items
    assert [i["author"] for i in items] == ["Zoë", "Chen"]
    assert {i["thread_title"] for i in items} == {"What's new in sync"}  # from the channel
    assert {i["thread_url"] for i in items} == {server.post_url(sync)}


def test_wp_feed_posts_feed_follows_comment_feeds(server, client, model):
    first = _fetch(feed_source(server, "/feed/"), client)
    assert sorted(i["author"] for i in first.items) == ["Ana", "Ben", "Chen", "Zoë"]
    assert first.cursor["feed_kind"] == "posts"
    assert all(i["thread_title"] for i in first.items)
    dark = next(p for p in model.posts.values() if p.title.startswith("Dark"))
    model.add_comment(dark, "Dee", "<p>Two-factor authentication, please.</p>")
    before = len(server.requests)
    second = _fetch(feed_source(server, "/feed/"), client, first.cursor)
    assert [i["author"] for i in second.items] == ["Dee"]
    fetched = [r.path for r in server.requests[before:]]
    assert fetched == ["/feed/", urlsplit(server.comment_feed_url(dark)).path]
    third = _fetch(feed_source(server, "/feed/"), client, second.cursor)
    assert third.items == [] and third.cursor == second.cursor


def test_wp_feed_posts_feed_respects_max_pages(server, client, model):
    first = _fetch(feed_source(server, "/feed/", max_pages=1), client)
    assert len({i["thread_native_id"] for i in first.items}) == 1
    second = _fetch(feed_source(server, "/feed/", max_pages=1), client, first.cursor)
    assert len({i["thread_native_id"] for i in second.items}) == 1
    assert len(first.items) + len(second.items) == 4


def test_wp_feed_429_and_500_then_success(server, client, clock):
    when = datetime.fromtimestamp(time.time() + 30, UTC)
    server.fail(SITE_FEED, 429, headers={"Retry-After": _http_date(when)})
    server.fail(SITE_FEED, 502, "<h1>502 Bad Gateway</h1>")
    assert len(_fetch(feed_source(server), client).items) == 4
    assert 28 <= clock.sleeps[0] <= 30 and clock.sleeps[1] == 1.0


def test_wp_feed_malformed_xml(server, client):
    server.fail(SITE_FEED, 200, "<?xml version='1.0'?><rss><channel><item><title>x", RSS_HEADERS)
    with pytest.raises(SourceError) as exc:
        _fetch(feed_source(server), client)
    assert exc.value.kind == "malformed_feed" and server.url(SITE_FEED) in exc.value.message


def test_wp_feed_html_page(server, client):
    server.fail(
        SITE_FEED, 200, "<html><title>Maintenance</title></html>", {"Content-Type": "text/html"}
    )
    with pytest.raises(SourceError) as exc:
        _fetch(feed_source(server), client)
    assert exc.value.kind == "not_a_feed" and "Maintenance" in exc.value.message


def test_wp_feed_trashed_parent(server, client, model):
    post = next(iter(model.posts.values()))
    trashed = model.add_comment(post, "Ivy", "<p>gone</p>", status="trash")
    model.add_comment(post, "Jo", "<p>Reply to a deleted comment</p>", parent=trashed)
    model.add_comment(post, "Troll", "<p>spam</p>", status="spam")
    items = _by_author(_fetch(feed_source(server), client).items)
    assert {"Ivy", "Troll"}.isdisjoint(items)
    assert items["Jo"]["parent_native_id"].endswith(f"#comment-{trashed.id}")


# -- Disqus -------------------------------------------------------------------------------


def test_disqus_first_fetch_maps_every_field(server, client, model, disqus_key):
    model.add_comment(next(iter(model.posts.values())), "Anon", "<p>Hi</p>", anonymous=True)
    model.comments[101].likes, model.comments[101].dislikes = 5, 1
    items = _by_author(_fetch(disqus_source(server), client).items)
    assert list(items) == ["Ana", "Ben", "Zoë", "Chen", "Anon"]
    ana, ben = items["Ana"], items["Ben"]
    dark = next(p for p in model.posts.values() if p.title.startswith("Dark"))
    assert tuple(ben) == ITEM_FIELDS
    assert ana["native_id"] == "101" and ana["score"] == 4
    assert ben["parent_native_id"] == "101" and ana["parent_native_id"] is None
    assert ben["thread_native_id"] == str(dark.id)
    assert ben["thread_title"] == "Dark mode is here (almost)"
    assert ben["thread_url"] == server.post_url(dark)
    assert ben["url"] == server.post_url(dark) + "#comment-102"
    assert ben["published_at"] == model.comments[102].date
    assert ben["content_html"] == "<p>+1, my eyes at 2am agree.</p>"
    assert items["Zoë"]["thread_title"] == "What's new in sync"
    (req,) = server.requests_to(LIST_POSTS)
    assert req.query == {
        "forum": model.forum,
        "api_key": KEY,
        "limit": "100",
        "order": "asc",
        "related": "thread",
    }


def test_disqus_pagination_and_incremental(server, client, model, disqus_key):
    post = model.add_post("Nested tags")
    for n in range(21):
        model.add_comment(post, f"user{n}", f"<p>Idée {n} : des étiquettes imbriquées</p>")
    first = _fetch(disqus_source(server, per_page=10), client)
    assert len(first.items) == 25
    cursors = [r.query.get("cursor") for r in server.requests_to(LIST_POSTS)]
    assert cursors == [None, "10:0:0", "20:0:0"]
    new = model.add_comment(post, "Dee", "<p>Un plan étudiant ?</p>")
    second = _fetch(disqus_source(server, per_page=10), client, first.cursor)
    assert [i["native_id"] for i in second.items] == [str(new.id)]
    since = datetime.fromisoformat(first.cursor["latest_at"]) - timedelta(days=1)
    assert server.requests_to(LIST_POSTS)[-1].query["since"] == str(int(since.timestamp()))
    third = _fetch(disqus_source(server, per_page=10), client, second.cursor)
    assert third.items == [] and third.cursor == second.cursor


def test_disqus_max_pages(server, client, model, disqus_key):
    post = model.add_post("Nested tags")
    for n in range(21):
        model.add_comment(post, f"user{n}", "<p>x</p>")
    first = _fetch(disqus_source(server, per_page=10, max_pages=2), client)
    assert len(first.items) == 20 and first.cursor["truncated"]
    second = _fetch(disqus_source(server, per_page=10, max_pages=2), client, first.cursor)
    assert len(second.items) == 5 and not second.cursor["truncated"]


def test_disqus_threads_list_posts(server, client, model, disqus_key):
    sync = next(p for p in model.posts.values() if "sync" in p.title)
    items = _fetch(disqus_source(server, post_ids=[sync.id]), client).items
    assert [i["author"] for i in items] == ["Zoë", "Chen"]
    (req,) = server.requests_to("/api/3.0/threads/listPosts.json")
    assert req.query["thread"] == str(sync.id)


def test_disqus_deleted_and_spam(server, client, model, disqus_key):
    post = next(iter(model.posts.values()))
    trashed = model.add_comment(post, "Ivy", "<p>gone</p>", status="trash")
    model.add_comment(post, "Jo", "<p>Reply to a deleted comment</p>", parent=trashed)
    model.add_comment(post, "Troll", "<p>spam</p>", status="spam")
    listed = server.answer(LIST_POSTS, {"forum": model.forum, "api_key": KEY}, {})
    placeholders = [p for p in json.loads(listed.body)["response"] if p["isDeleted"]]
    assert [p["id"] for p in placeholders] == [str(trashed.id)]  # the API does list it
    items = _by_author(_fetch(disqus_source(server), client).items)
    assert {"Ivy", "Troll"}.isdisjoint(items)
    assert items["Jo"]["parent_native_id"] == str(trashed.id)


def test_disqus_missing_key(server, client, monkeypatch):
    monkeypatch.delenv("DISQUS_API_KEY", raising=False)
    with pytest.raises(SourceError) as exc:
        _fetch(disqus_source(server), client)
    assert exc.value.kind == "missing_credentials"
    assert "$DISQUS_API_KEY" in exc.value.message and "disqus_default" in exc.value.message
    assert server.requests == []


def test_disqus_key_never_in_errors_or_logs(server, client, monkeypatch, caplog):
    wrong = "wrong-key-987654"
    monkeypatch.setenv("DISQUS_API_KEY", wrong)
    caplog.set_level(logging.DEBUG)
    with pytest.raises(SourceError) as exc:
        _fetch(disqus_source(server), client)
    err = exc.value
    assert err.kind == "auth" and "Invalid API key" in err.message
    assert "$DISQUS_API_KEY" in err.message and "api_key=***" in err.message
    assert server.requests_to(LIST_POSTS)[0].query["api_key"] == wrong  # it was sent...
    assert "listPosts.json" in caplog.text  # urllib3 logged the request line...
    for text in (str(err), err.message, repr(err.__cause__), caplog.text):
        assert wrong not in text  # ...but never the key


def test_disqus_key_not_in_connection_errors(client, monkeypatch):
    monkeypatch.setenv("DISQUS_API_KEY", KEY)
    source = BlogCommentsSource(
        name="dq",
        channel="blog_comments",
        platform="disqus",
        forum="f",
        api_url="http://127.0.0.1:9/api/3.0",
    )
    with pytest.raises(SourceError) as exc:
        _fetch(source, client)
    assert exc.value.kind == "connection" and KEY not in str(exc.value)


def test_disqus_unknown_forum(server, client, disqus_key):
    with pytest.raises(SourceError) as exc:
        _fetch(disqus_source(server, forum="nope"), client)
    assert exc.value.kind == "bad_request" and "Unable to find forum 'nope'" in exc.value.message


def test_disqus_429_with_retry_after_and_500_then_success(server, client, clock, disqus_key):
    rate = json.dumps({"code": 13, "response": "You have exceeded your hourly limit"})
    server.fail(LIST_POSTS, 429, rate, {"Retry-After": "3"})
    server.fail(LIST_POSTS, 500, json.dumps({"code": 15, "response": "Internal error"}))
    assert len(_fetch(disqus_source(server), client).items) == 4
    assert clock.sleeps == [3.0, 1.0]


def test_disqus_rate_limit_for_good(server, client, disqus_key):
    rate = json.dumps({"code": 13, "response": "You have exceeded your hourly limit"})
    server.fail(LIST_POSTS, 429, rate, {"Retry-After": "3600"})
    with pytest.raises(SourceError) as exc:
        _fetch(disqus_source(server), client)
    assert exc.value.kind == "rate_limited" and "3600" in exc.value.message
    assert KEY not in exc.value.message


def test_disqus_malformed_json(server, client, disqus_key):
    server.fail(LIST_POSTS, 200, '{"code": 0, "response": [', JSON_HEADERS)
    with pytest.raises(SourceError) as exc:
        _fetch(disqus_source(server), client)
    assert exc.value.kind == "malformed_json" and "listPosts.json" in exc.value.message
    assert KEY not in exc.value.message


def test_disqus_error_envelope_with_200(server, client, disqus_key):
    server.fail(LIST_POSTS, 200, json.dumps({"code": 5, "response": "Invalid API key"}))
    with pytest.raises(SourceError) as exc:
        _fetch(disqus_source(server), client)
    assert exc.value.kind == "auth" and KEY not in exc.value.message


# -- politeness ---------------------------------------------------------------------------


class ClockedSession(requests.Session):
    """Records the (fake) time each request leaves."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__()
        self.clock = clock
        self.sent: list[float] = []

    def request(self, *args, **kwargs):
        self.sent.append(self.clock())
        return super().request(*args, **kwargs)


def test_per_host_rate_is_respected(server, model, clock):
    post = model.add_post("Paged")
    for n in range(40):
        model.add_comment(post, f"u{n}", "<p>x</p>")
    session = ClockedSession(clock)
    limiter = HostRateLimiter(clock=clock, sleep=clock.sleep)
    client = HttpClient(session=session, rate_per_host=2, burst=1, limiter=limiter)
    result = _fetch(wp_source(server, per_page=10), client)
    assert len(result.items) == 44
    assert len(session.sent) == 6  # 5 pages of comments + 1 post lookup
    gaps = [b - a for a, b in zip(session.sent, session.sent[1:], strict=False)]
    assert all(g >= 0.5 - 1e-9 for g in gaps), gaps


# -- several sources in one run -----------------------------------------------------------


def test_a_broken_source_does_not_stop_the_others(server, tmp_path, monkeypatch):
    monkeypatch.setenv("DISQUS_API_KEY", KEY)
    with BlogServer(BlogModel()) as broken:
        broken.fail(COMMENTS, 200, "{not json", JSON_HEADERS, times=10)
        broken.fail(SITE_FEED, 200, "<rss><channel><item>", RSS_HEADERS, times=10)
        base = {"channel": "blog_comments"}
        settings = write_config(
            tmp_path,
            [
                {**base, "name": "bad-wp", "platform": "wordpress_rest", "site_url": broken.url()},
                {**base, "name": "wp", "platform": "wordpress_rest", "site_url": server.url()},
                {
                    **base,
                    "name": "bad-feed",
                    "platform": "wordpress_feed",
                    "feed_url": broken.url(SITE_FEED),
                },
                {
                    **base,
                    "name": "dq",
                    "platform": "disqus",
                    "forum": server.model.forum,
                    "api_url": server.url("api/3.0"),
                },
            ],
        )
        run = RunContext("run-1", NOW)
        outcomes = {s.name: steps.fetch_source(settings, s.name, run) for s in settings.sources}
    assert {n: o["status"] for n, o in outcomes.items()} == {
        "bad-wp": "error",
        "wp": "ok",
        "bad-feed": "error",
        "dq": "ok",
    }
    assert outcomes["bad-wp"]["error_kind"] == "malformed_json"
    assert outcomes["bad-feed"]["error_kind"] == "malformed_feed"
    steps.load(settings, run)
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        errors = con.execute(
            "SELECT source_name, error_kind FROM meta.source_errors ORDER BY 1"
        ).fetchall()
        counts = dict(
            con.execute("SELECT source_name, count(*) FROM raw.items GROUP BY 1").fetchall()
        )
    assert errors == [("bad-feed", "malformed_feed"), ("bad-wp", "malformed_json")]
    assert counts == {"wp": 4, "dq": 4}


# -- demo recordings ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("folder", "platform", "extra", "expected"),
    [
        ("wordpress", "wordpress_rest", {"site_url": "https://blog.kestrelnotes.example"}, 40),
        ("disqus", "disqus", {"forum": "kestrel-fr"}, 25),
    ],
)
def test_demo_recordings_replay_everything(folder, platform, extra, expected, monkeypatch):
    monkeypatch.delenv("DISQUS_API_KEY", raising=False)  # replay needs no key
    path = DEMO / folder
    size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    assert size < 200_000
    source = BlogCommentsSource(
        name=f"demo-{folder}",
        channel="blog_comments",
        platform=platform,
        replay_dir=path,
        per_page=25,
        **extra,
    )
    session = ReplaySession(path)
    with HttpClient(session=session) as client:
        result = _fetch(source, client)
        again = _fetch(source, client, result.cursor)
    assert len(result.items) >= expected
    assert all(i["thread_title"] and i["thread_url"] and i["author"] for i in result.items)
    assert any(i["parent_native_id"] for i in result.items)
    dates = [i["published_at"] for i in result.items]
    assert datetime(2026, 8, 15, tzinfo=UTC) <= min(dates)
    assert max(dates) <= datetime(2026, 11, 26, tzinfo=UTC)
    assert again.items == []  # and every request was answered from the folder


# -- throughput (a figure for the closing note, not an assertion) -------------------------


def test_items_per_second(client, capsys, monkeypatch):
    monkeypatch.setenv("DISQUS_API_KEY", KEY)
    model = BlogModel(api_key=KEY)
    posts = [model.add_post(f"Post {n}") for n in range(10)]
    for n in range(2000):
        model.add_comment(posts[n % 10], f"user{n % 97}", f"<p>Comment {n}: idée n°{n} ✓</p>")
    rates = {}
    with BlogServer(model, feed_size=2000) as srv:
        for label, source in (
            ("wordpress_rest", wp_source(srv)),
            ("wordpress_feed", feed_source(srv)),
            ("disqus", disqus_source(srv)),
        ):
            started = time.perf_counter()
            result = _fetch(source, client)
            elapsed = time.perf_counter() - started
            assert len(result.items) == 2000
            rates[label] = len(result.items) / elapsed
    with capsys.disabled():
        print()
        for label, rate in rates.items():
            print(f"  blog_comments/{label}: {rate:,.0f} items/s (2000 comments, local server)")


JSON_HEADERS = {"Content-Type": "application/json; charset=UTF-8"}
RSS_HEADERS = {"Content-Type": "application/rss+xml; charset=UTF-8"}


def _http_date(when: datetime) -> str:
    from email.utils import format_datetime

    return format_datetime(when, usegmt=True)
