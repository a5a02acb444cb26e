"""The Reddit connector against a local Reddit API (tests/reddit_server.py) and the demo replay."""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors import reddit
from connectors.base import ITEM_FIELDS, FetchResult, SourceError, items_to_table
from connectors.http import HttpClient
from connectors.reddit import api
from connectors.reddit.api import RetryPolicy
from connectors.replay import ReplaySession
from idea_harvester import steps
from idea_harvester.config import RedditSource
from idea_harvester.run_context import RunContext
from tests.pipeline_support import feed_bytes, write_config
from tests.reddit_server import RedditServer, Subreddit

ROOT = Path(__file__).resolve().parents[1]
RECORDED = ROOT.parent / "shared" / "data" / "reddit-api" / "responses"
DEMO = ROOT / "idea_harvester" / "demo_data" / "reddit"
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
START = NOW.timestamp() - 2 * 86400
SUB = "KestrelNotes"


@pytest.fixture(autouse=True)
def fast_retries(monkeypatch):
    """Short backoffs; Retry-After up to 5 s is still honoured."""
    monkeypatch.setattr(api, "RETRY", RetryPolicy(max_attempts=3, backoff_s=0.05, max_wait_s=5))


@pytest.fixture
def server(monkeypatch):
    with RedditServer() as srv:
        monkeypatch.setenv("REDDIT_CLIENT_ID", srv.client_id)
        monkeypatch.setenv("REDDIT_CLIENT_SECRET", srv.client_secret)
        yield srv


def small_subreddit() -> Subreddit:
    """Three threads; the second has a nested tree."""
    sub = Subreddit(SUB, start=START)
    p1 = sub.submit("Dark theme for the browser version?", "My eyes hurt at night.", author="ana")
    sub.reply(p1, "Same here, please add it.", author="ben")
    p2 = sub.submit("Sync stuck after update", "Version 4.8 never finishes syncing.", author="cy")
    c1 = sub.reply(p2, "Did you try signing out?", author="dee", score=5)
    c2 = sub.reply(c1, "Yes, no luck.", author="cy")
    sub.reply(c2, "Support fixed it for me in a day.", author="eli")
    sub.reply(p2, "It would be nice to see sync progress.", author="fay")
    sub.submit("Loving the web clipper", "", author="gus")
    return sub


def source(srv: RedditServer, **fields) -> RedditSource:
    values = {"name": "kestrel-reddit", "channel": "reddit", "subreddit": SUB}
    values.update(oauth_url=srv.url, reddit_url=srv.url, **fields)
    return RedditSource(**values)


def run(src: RedditSource, cursor=None, **client) -> FetchResult:
    with HttpClient(**client) as http:
        return reddit.fetch(src, cursor, http, NOW)


def by_id(result: FetchResult) -> dict[str, dict]:
    return {item["native_id"]: item for item in result.items}


# -- the server is faithful ---------------------------------------------------------------


def _kinds(value, out: dict, where: str) -> None:
    """Collect the key sets of every thing and Listing in a body, by kind and place."""
    if isinstance(value, dict):
        if value.get("kind") and isinstance(value.get("data"), dict):
            kind = value["kind"]
            if kind == "t1" and "link_title" in value["data"]:
                kind = "t1 stream"
            if kind == "t3" and where == "thread":
                kind = "t3 thread"
            out.setdefault(kind, set()).add(frozenset(value["data"]))
        for v in value.values():
            _kinds(v, out, where)
    elif isinstance(value, list):
        for v in value:
            _kinds(v, out, where)


RECORDED_FILES = {
    "listing": "TestSubredditListings.test_new__01__r_askreddit_new.json",
    "thread": "TestSubmission.test_comments__01__comments_2gmzqe.json",
    "tree": "TestCommentForest.test_replace__all__01__comments_3hahrw.json",
    "stream": "TestSubredditListings.test_comments__01__r_askreddit_comments.json",
    "search": "TestSubreddit.test_search__01__r_all_search.json",
    "more": "TestCommentForest.test_replace__all__02__api_morechildren.json",
}


@pytest.mark.skipif(not RECORDED.is_dir(), reason=f"recorded Reddit responses absent: {RECORDED}")
def test_generated_bodies_have_the_recorded_key_sets(server):
    sub = server.add(Subreddit(SUB, start=START))
    post = sub.submit("Idea: nested tags", "Tags inside tags, please.", author="ana")
    for i in range(6):
        sub.reply(sub.reply(post, f"Top {i}", author="ben"), "Reply", author="cy")
    small = RedditServer(tree_limit=4)
    recorded, generated = {}, {}
    for where, name in RECORDED_FILES.items():
        _kinds(json.loads((RECORDED / name).read_text()), recorded, where)
    with small:
        small.add(sub)
        session = _session(small)
        for where, path, params in [
            ("listing", f"/r/{SUB}/new", {"limit": 5}),
            ("thread", f"/comments/{post.id36}", {}),
            ("stream", f"/r/{SUB}/comments", {}),
            ("search", f"/r/{SUB}/search", {"q": "tags", "restrict_sr": 1}),
        ]:
            _kinds(session.get(small.url + path, params=params).json(), generated, where)
        first = post.comments[0]
        more = session.post(
            small.url + "/api/morechildren",
            data={"link_id": post.fullname, "children": first.replies[0].id36},
        ).json()
        _kinds(more, generated, "more")
    assert set(more) == {"json"} and set(more["json"]) == {"errors", "data"}
    for kind in ("t3", "t3 thread", "t1", "t1 stream", "more"):
        assert generated[kind] <= recorded[kind], kind
    listing_keys = {frozenset(k) for k in recorded["Listing"]}
    assert generated["Listing"] <= listing_keys
    assert frozenset({"modhash", "children", "after", "before", "facets"}) in generated["Listing"]


def _session(srv: RedditServer):
    import requests

    session = requests.Session()
    token = session.post(
        srv.url + "/api/v1/access_token",
        auth=(srv.client_id, srv.client_secret),
        data={"grant_type": "client_credentials"},
    ).json()["access_token"]
    session.headers["Authorization"] = f"bearer {token}"
    return session


# -- fetching -----------------------------------------------------------------------------


def test_first_fetch_maps_submissions_and_comments(server):
    sub = server.add(small_subreddit())
    result = run(source(server))
    items = by_id(result)
    assert result.channel == "reddit" and result.source_name == "kestrel-reddit"
    posts, comments = sub.submissions, sub.all_comments()
    assert set(items) == {p.fullname for p in posts} | {c.fullname for c in comments}
    assert list(items_to_table(result.items).schema.names) == list(ITEM_FIELDS)

    p2 = posts[1]
    post = items[p2.fullname]
    assert (
        post["url"] == f"https://www.reddit.com/r/{SUB}/comments/{p2.id36}/sync_stuck_after_update/"
    )
    assert post["title"] == "Sync stuck after update" and post["author"] == "cy"
    assert (
        post["content_html"] == '<div class="md"><p>Version 4.8 never finishes syncing.</p>\n</div>'
    )
    assert post["published_at"] == datetime.fromtimestamp(p2.created_utc, UTC)
    assert post["count_comments"] == 4 and post["thread_native_id"] == p2.fullname
    assert post["parent_native_id"] is None

    c2 = p2.comments[0].replies[0]
    reply = items[c2.fullname]
    assert reply["title"] is None and reply["thread_title"] == "Sync stuck after update"
    assert reply["parent_native_id"] == p2.comments[0].fullname
    assert reply["thread_native_id"] == p2.fullname and reply["thread_url"] == post["url"]
    assert reply["url"].startswith(post["url"].rstrip("/")) and c2.id36 in reply["url"]
    assert reply["count_comments"] == 1 and items[p2.comments[0].fullname]["score"] == 5
    assert items[posts[2].fullname]["content_html"] is None  # a title-only post

    marks = result.cursor["marks"]
    assert marks["new"] == {"fullname": posts[-1].fullname, "created_utc": posts[-1].created_utc}
    newest = max(comments, key=lambda c: c.created_utc)
    assert marks["comments"]["fullname"] == newest.fullname
    assert json.loads(json.dumps(result.cursor)) == result.cursor

    token = server.requests_to("/api/v1/access_token")
    assert len(token) == 1 and token[0].form == {"grant_type": "client_credentials"}
    api_calls = [r for r in server.requests if r.path != "/api/v1/access_token"]
    assert all(r.headers["authorization"].startswith("bearer ") for r in api_calls)
    agent = api_calls[0].headers["user-agent"]
    assert agent.startswith("IdeaHarvester/") and "kestrel-reddit" in agent and "PRAW" in agent
    search = server.requests_to(f"/r/{SUB}/search")
    assert {r.query["q"] for r in search} == {"feature request", "I wish", "would be nice"}
    assert all(r.query["restrict_sr"] == "1" and r.query["sort"] == "new" for r in search)


def test_second_fetch_returns_only_what_is_new(server):
    sub = server.add(small_subreddit())
    src = source(server)
    first = run(src)
    old_post = sub.submissions[0]
    late = sub.reply(
        old_post, "Coming back to say: an OLED-friendly black theme too.", author="hal"
    )
    new_post = sub.submit("Feature request: calendar week view", "Seven columns.", author="ivy")
    answer = sub.reply(new_post, "+1, I wish it had this.", author="jo")

    second = run(src, first.cursor)
    assert set(by_id(second)) == {late.fullname, new_post.fullname, answer.fullname}
    assert by_id(second)[late.fullname]["thread_title"] == old_post.title
    assert second.cursor["marks"]["new"]["fullname"] == new_post.fullname
    assert second.cursor["marks"]["search:feature request"]["fullname"] == new_post.fullname

    third = run(src, second.cursor)
    assert third.items == [] and third.cursor == second.cursor


def test_later_pages_are_followed_until_the_limit(server):
    sub = server.add(Subreddit(SUB, start=START))
    posts = [sub.submit(f"Post {i}", f"Body {i}") for i in range(130)]
    result = run(source(server, listings=["new"], limit=120))
    assert {i["native_id"] for i in result.items if i["native_id"].startswith("t3_")} == {
        p.fullname for p in posts[-120:]
    }
    pages = server.requests_to(f"/r/{SUB}/new")
    assert [r.query.get("limit") for r in pages] == ["100", "20"]
    assert pages[1].query["after"] == posts[-100].fullname


# -- politeness and failures ----------------------------------------------------------------


def test_429_waits_for_retry_after_then_succeeds(server):
    server.add(small_subreddit())
    server.fail(f"/r/{SUB}/new", 429, {"Retry-After": "1"})
    result = run(source(server))
    assert len(result.items) == 8
    first, second = server.requests_to(f"/r/{SUB}/new")
    assert first.status == 429 and second.status == 200
    assert second.at - first.at >= 0.95


def test_429_with_a_long_retry_after_fails_at_once(server, monkeypatch):
    def no_long_sleep(seconds: float) -> None:
        assert seconds <= 5, f"asked to sleep {seconds} s"

    monkeypatch.setattr(api, "sleep", no_long_sleep)
    server.add(small_subreddit())
    server.fail(f"/r/{SUB}/new", 429, {"Retry-After": "3600"})
    started = time.monotonic()
    with pytest.raises(SourceError) as err:
        run(source(server))
    assert time.monotonic() - started < 5
    assert err.value.kind == "rate_limited" and "3600" in err.value.message
    assert err.value.source_name == "kestrel-reddit"


def test_500_then_success_is_retried(server):
    sub = server.add(small_subreddit())
    server.fail("/comments/", 500, body="<html>oops</html>")
    result = run(source(server))
    assert len(result.items) == 8
    statuses = [r.status for r in server.requests_to("/comments/")]
    assert statuses == [500] + [200] * len(sub.submissions)


def test_a_persistent_5xx_is_an_error_after_bounded_retries(server, caplog):
    server.add(small_subreddit())
    server.fail(f"/r/{SUB}/new", 503, times=10)
    with (
        caplog.at_level("WARNING", logger="connectors.reddit.api"),
        pytest.raises(SourceError) as err,
    ):
        run(source(server))
    assert err.value.kind == "http_status" and "503" in err.value.message
    # Every attempt reached the server, except one that a busy machine may lose before it
    # does (the client logs it as a connection failure and retries it like a 5xx).
    lost = [r for r in caplog.records if f"/r/{SUB}/new failed (connection)" in r.getMessage()]
    answered = server.requests_to(f"/r/{SUB}/new")
    assert len(answered) + len(lost) == api.RETRY.max_attempts
    assert [r.status for r in answered] == [503] * len(answered) and len(answered) >= 2


def test_rate_limit_headers_slow_the_client_down():
    """4 requests per 1-second window: the client must pause instead of hitting a 429."""
    with RedditServer(ratelimit=4, window_s=1.0) as srv, pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDDIT_CLIENT_ID", srv.client_id)
        mp.setenv("REDDIT_CLIENT_SECRET", srv.client_secret)
        srv.add(small_subreddit())
        started = time.monotonic()
        result = run(source(srv))
        elapsed = time.monotonic() - started
    assert len(result.items) == 8
    statuses = [r.status for r in srv.requests if r.path != "/api/v1/access_token"]
    assert len(statuses) == 8 and 429 not in statuses
    assert elapsed >= 1.0


def test_malformed_json_is_a_clear_error(server):
    server.add(small_subreddit())
    server.malformed(f"/r/{SUB}/new")
    with pytest.raises(SourceError) as err:
        run(source(server))
    assert err.value.kind == "malformed_json"
    assert f"/r/{SUB}/new" in err.value.message and "not valid JSON" in err.value.message
    assert "kestrel-reddit" in str(err.value)


def test_an_unexpected_shape_is_a_clear_error(server):
    server.add(small_subreddit())
    server.fail(f"/r/{SUB}/new", 200, {"Content-Type": "application/json"}, '{"error": 1}')
    with pytest.raises(SourceError) as err:
        run(source(server))
    assert err.value.kind == "unexpected_shape" and "Listing" in err.value.message


def test_an_unknown_subreddit_and_a_size_cap(server):
    with pytest.raises(SourceError) as err:
        run(source(server))  # no subreddit registered: Reddit redirects to a search
    assert err.value.kind == "not_found" and SUB in err.value.message
    server.add(small_subreddit())
    with pytest.raises(SourceError) as err:
        run(source(server), max_bytes=2_000)
    assert err.value.kind == "too_large"


def test_a_broken_reddit_source_does_not_stop_the_others(server, feed_server, tmp_path):
    server.add(small_subreddit())
    server.malformed(f"/r/{SUB}/new")
    feed_server.add("/good.rss", feed_bytes(), headers={"Content-Type": "application/rss+xml"})
    reddit_source = source(server).model_dump(mode="json", exclude_defaults=True)
    reddit_source["channel"] = "reddit"
    settings = write_config(
        tmp_path,
        [reddit_source, {"name": "good", "channel": "rss", "url": feed_server.url("/good.rss")}],
    )
    ctx = RunContext(run_id="r1", run_at=NOW)
    outcomes = {s.name: steps.fetch_source(settings, s.name, ctx) for s in settings.sources}
    assert outcomes["kestrel-reddit"]["status"] == "error"
    assert outcomes["kestrel-reddit"]["error_kind"] == "malformed_json"
    assert outcomes["good"]["status"] == "ok"
    loaded = steps.load(settings, ctx)
    assert loaded["errors_recorded"] == 1


# -- content states -----------------------------------------------------------------------


def test_deleted_removed_and_edited_content(server):
    sub = server.add(small_subreddit())
    p2 = sub.submissions[1]
    gone_before = sub.reply(p2, "I will delete this.", author="kim")
    sub.delete(gone_before)
    src = source(server)
    first = run(src)
    item = by_id(first)[gone_before.fullname]
    assert item["content_html"] is None and item["author"] is None
    assert item["parent_native_id"] == p2.fullname and item["thread_title"] == p2.title

    asked, answered, later = p2.comments[0], p2.comments[0].replies[0], p2.comments[1]
    sub.delete(asked)  # its replies stay
    sub.remove(answered)
    sub.edit(later, "It would be nice to see sync progress, and a retry button.")
    sub.delete(sub.submissions[0])
    second = run(src, first.cursor)
    changed = by_id(second)
    assert set(changed) == {
        asked.fullname,
        answered.fullname,
        later.fullname,
        sub.submissions[0].fullname,
    }
    for fullname in (asked.fullname, answered.fullname):
        assert changed[fullname]["content_html"] is None and changed[fullname]["author"] is None
        assert changed[fullname]["thread_title"] == p2.title
        assert changed[fullname]["content_hash"] != by_id(first)[fullname]["content_hash"]
    assert "retry button" in changed[later.fullname]["content_html"]
    assert changed[later.fullname]["author"] == "fay"
    post = changed[sub.submissions[0].fullname]
    assert post["content_html"] is None and post["author"] is None and post["title"]
    assert len(server.requests_to("/api/info")) == 1

    assert run(src, second.cursor).items == []


def test_non_ascii_text_survives(server):
    sub = server.add(Subreddit(SUB, start=START))
    title = "Idée : un mode « sombre » pour l’appli web 🌙"
    body = "Ce serait bien d’avoir le thème sombre. 日本語のメモ、ありがとう！ العربية"
    post = sub.submit(title, body, author="zoé_42")
    comment = sub.reply(
        post, "J’aimerais aussi des étiquettes imbriquées — merci ✨", author="Łukasz"
    )
    result = run(source(server, search_queries=["idée"]))
    items = by_id(result)
    assert items[post.fullname]["title"] == title and body in items[post.fullname]["content_html"]
    assert items[post.fullname]["author"] == "zoé_42"
    assert "étiquettes imbriquées — merci ✨" in items[comment.fullname]["content_html"]
    assert items[comment.fullname]["author"] == "Łukasz"
    assert server.requests_to(f"/r/{SUB}/search")[0].query["q"] == "idée"
    assert result.cursor["marks"]["search:idée"]["fullname"] == post.fullname


def test_a_tree_larger_than_the_budget_is_expanded_over_several_runs():
    sub = Subreddit(SUB, start=START)
    post = sub.submit("Megathread: what should we build next?", "One idea per comment.")
    for i in range(12):
        top = sub.reply(post, f"Idea {i}: something", author=f"user{i}")
        parent = top
        for depth in range(4 if i % 3 == 0 else 1):
            parent = sub.reply(parent, f"Reply {i}.{depth}")
    total = len(post.all_comments())
    budget = 3
    server = RedditServer(tree_limit=8, morechildren_limit=6, max_depth=3)
    with server, pytest.MonkeyPatch.context() as mp:
        mp.setenv("REDDIT_CLIENT_ID", server.client_id)
        mp.setenv("REDDIT_CLIENT_SECRET", server.client_secret)
        server.add(sub)
        src = source(server, listings=["new"], more_expansion_budget=budget)
        seen: list[str] = []
        cursor = None
        runs = 0
        while runs < 10:
            before = len(server.requests)
            result = run(src, cursor)
            runs += 1
            calls = server.requests[before:]
            expansions = [r for r in calls if r.path in ("/api/morechildren",) or "/_/" in r.path]
            assert len(expansions) <= budget
            assert all(len(r.form.get("children", "").split(",")) <= 100 for r in calls)
            if runs == 1:
                assert result.cursor["marks"]["new"]["fullname"] == post.fullname
                assert result.cursor["pending_more"], "the budget should leave stubs for later"
                assert total > 8 + budget
            else:
                assert post.fullname not in by_id(result)  # the mark moved past it
            seen += [i["native_id"] for i in result.items if i["native_id"].startswith("t1_")]
            cursor = result.cursor
            if not cursor["pending_more"]:
                break
    assert runs > 1
    assert len(seen) == len(set(seen)) == total
    assert any("/_/" in r.path for r in server.requests)  # a "continue this thread" page


# -- credentials and secrets --------------------------------------------------------------


def test_missing_credentials_name_what_to_set(server, monkeypatch):
    monkeypatch.delenv("REDDIT_CLIENT_ID")
    monkeypatch.delenv("REDDIT_CLIENT_SECRET", raising=False)
    with pytest.raises(SourceError) as err:
        run(source(server))
    assert err.value.kind == "missing_credentials"
    assert "REDDIT_CLIENT_ID" in err.value.message and "reddit_default" in err.value.message
    assert server.requests == []


def test_wrong_credentials_are_an_auth_error(server, monkeypatch):
    monkeypatch.setenv("REDDIT_CLIENT_SECRET", "not-the-secret")
    server.add(small_subreddit())
    with pytest.raises(SourceError) as err:
        run(source(server))
    assert err.value.kind == "auth_failed" and "REDDIT_CLIENT_SECRET" in err.value.message
    assert "not-the-secret" not in str(err.value)


def test_secrets_never_reach_the_logs(server, caplog):
    caplog.set_level(logging.DEBUG)
    server.add(small_subreddit())
    server.fail(f"/r/{SUB}/new", 429, {"Retry-After": "0"})
    server.fail("/comments/", 502)
    src = source(server)
    first = run(src)
    server.malformed(f"/r/{SUB}/comments")
    with pytest.raises(SourceError) as err:
        run(src, first.cursor)
    text = caplog.text + str(err.value) + json.dumps(first.cursor)
    assert "HTTP 429" in caplog.text and "retry" in caplog.text  # the logs did capture
    assert server.tokens
    for secret in [server.client_secret, *server.tokens]:
        assert secret not in text


# -- replay -------------------------------------------------------------------------------


def replay_source() -> RedditSource:
    return RedditSource(
        name="kestrel-reddit", channel="reddit", subreddit=SUB, replay_dir=DEMO, limit=100
    )


def replay(cursor=None) -> tuple[FetchResult, ReplaySession]:
    session = ReplaySession(DEMO)
    with HttpClient(session=session) as http:
        return reddit.fetch(replay_source(), cursor, http, NOW), session


def test_the_demo_recordings_replay_in_full(monkeypatch):
    monkeypatch.delenv("REDDIT_CLIENT_ID", raising=False)
    size = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert size < 300_000
    result, session = replay()
    items = result.items
    posts = [i for i in items if i["native_id"].startswith("t3_")]
    comments = [i for i in items if i["native_id"].startswith("t1_")]
    assert len(posts) == 15 and 55 <= len(comments) <= 70
    assert any(path.endswith("/api/morechildren") for _, path in session.calls)
    recorded_comments = _recorded_comment_ids()
    assert {i["native_id"] for i in comments} == recorded_comments
    first, last = datetime(2026, 8, 15, tzinfo=UTC), datetime(2026, 11, 26, tzinfo=UTC)
    assert all(first <= i["published_at"] < last for i in items)
    gone = [i for i in comments if i["content_html"] is None]
    assert len(gone) == 2 and all(i["author"] is None for i in gone)
    french = [i for i in comments if i["content_html"] and "aimerais" in i["content_html"]]
    assert french
    assert all(i["thread_title"] for i in comments)

    again, _ = replay(result.cursor)
    assert again.items == []


def _recorded_comment_ids() -> set[str]:
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            if value.get("kind") == "t1":
                found.add(value["data"]["name"])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for path in DEMO.glob("*.json"):
        if path.name != "recordings.json" and not path.name.startswith("info"):
            walk(json.loads(path.read_text(encoding="utf-8")))
    return found


# -- a figure for the closing note --------------------------------------------------------


def test_items_per_second_against_the_local_server(server, capsys):
    sub = server.add(Subreddit(SUB, start=START, step_s=5))
    for i in range(40):
        post = sub.submit(f"Thread {i}", "Body text " * 20)
        for j in range(12):
            sub.reply(sub.reply(post, f"Comment {j} " * 10), "A reply.")
    src = source(server, listings=["new", "comments"], limit=1000)
    run(source(server, listings=["new"], limit=1))  # warm-up: imports, token
    started = time.perf_counter()
    result = run(src)
    elapsed = time.perf_counter() - started
    assert len(result.items) == 40 + 40 * 24
    with capsys.disabled():
        print(
            f"\n[reddit] {len(result.items)} items in {elapsed:.2f} s = "
            f"{len(result.items) / elapsed:.0f} items/s "
            f"({len(server.requests)} requests to the local server)"
        )
