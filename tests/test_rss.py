"""The RSS/Atom connector: mapping, identity, dates, cursor, failures, and the real corpus."""

from __future__ import annotations

import collections
import json
from datetime import UTC, datetime
from pathlib import Path

import feedparser
import pytest

from connectors import rss
from connectors.base import (
    ITEM_FIELDS,
    FetchResult,
    SourceError,
    items_to_table,
    make_item_id,
    sha1_hex,
)
from connectors.http import HostRateLimiter, HttpClient
from idea_harvester.config import RssSource
from tests.feed_server import FeedServer, Route

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
CORPUS = Path("/work/shared/data/feeds")
NOW = datetime(2024, 6, 1, 12, 0, tzinfo=UTC)
RSS_TYPE = {"Content-Type": "application/rss+xml; charset=utf-8"}


def _source(url: str, name: str = "test-feed") -> RssSource:
    return RssSource(name=name, channel="rss", url=url)


def _fetch(url: str, cursor: dict | None = None, client: HttpClient | None = None) -> FetchResult:
    return rss.fetch(_source(url), cursor, client or HttpClient(timeout_s=5), NOW)


def _rss(*items: str, title: str = "Feed") -> str:
    """A small RSS 2.0 document around the given <item> bodies."""
    body = "".join(f"<item>{i}</item>" for i in items)
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        f"<title>{title}</title><link>https://x.example/</link><description>d</description>"
        f"{body}</channel></rss>"
    )


def _item(guid: str, date: str | None = None) -> str:
    pub = f"<pubDate>{date}</pubDate>" if date else ""
    return (
        f"<guid>{guid}</guid><title>Idea {guid}</title><description>body {guid}</description>{pub}"
    )


# -- mapping ------------------------------------------------------------------------------


def test_rss_mapping_every_field() -> None:
    result = _fetch(str(FEEDS / "rss_en.xml"))
    assert (result.source_name, result.channel) == ("test-feed", "rss")
    first, second = result.items
    assert tuple(first) == ITEM_FIELDS
    assert first == {
        "item_id": make_item_id("test-feed", "ideas-example-42"),
        "source_name": "test-feed",
        "channel": "rss",
        "native_id": "ideas-example-42",
        "url": "https://ideas.example.com/posts/dark-mode",
        "title": "Add a dark mode — please!",
        "author": "Zoë Smith",
        "published_at": datetime(2024, 1, 2, 8, 30, tzinfo=UTC),
        "content_html": "<p>It would be great if the app had a <b>dark mode</b> "
        "for night use. ☾</p>",
        "parent_native_id": None,
        "thread_native_id": None,
        "thread_title": None,
        "thread_url": None,
        "score": None,
        "count_comments": 17,
        "content_hash": sha1_hex("Add a dark mode — please!", first["content_html"]),
        "fetched_at": NOW,
    }
    assert second["native_id"] == "https://ideas.example.com/posts/csv"
    assert second["author"] == "Jo Bloggs"  # the name, not "jo@example.com (Jo Bloggs)"
    assert second["content_html"] == "<p>I wish I could export my reports to CSV.</p>"
    assert second["count_comments"] is None  # "lots" is junk
    assert second["published_at"] == datetime(2024, 1, 1, 9, 0, tzinfo=UTC)
    assert items_to_table(result.items).num_rows == 2


def test_atom_mapping_every_field(feed_server: FeedServer) -> None:
    body = (FEEDS / "atom_fr.xml").read_bytes()
    url = feed_server.add("/atom", body, headers={"Content-Type": "application/atom+xml"})
    result = _fetch(url)
    polices, offline = result.items
    assert polices["native_id"] == "tag:idees.exemple.fr,2024:suggestion-7"
    assert polices["url"] == "https://idees.exemple.fr/suggestions/7"
    assert polices["title"] == "Pouvoir régler la taille des polices"
    assert polices["author"] == "Hélène Dupré"
    assert polices["published_at"] == datetime(2024, 3, 4, 17, 15, tzinfo=UTC)  # published wins
    assert polices["content_html"] == (
        "<p>Ce serait très pratique d'agrandir le texte, surtout sur mobile. Merci !</p>"
    )
    assert polices["count_comments"] is None and polices["thread_url"] is None
    assert offline["author"] == "François"
    assert offline["published_at"] == datetime(2024, 3, 5, 9, 30, tzinfo=UTC)  # updated only
    assert offline["content_html"].startswith("J'aimerais utiliser l'application")
    assert result.cursor["latest_at"] == "2024-03-05T09:30:00+00:00"
    assert items_to_table(result.items).num_rows == 2


def test_charset_from_http_header(feed_server: FeedServer) -> None:
    """A Latin-1 feed without an XML encoding declaration relies on the content-type."""
    body = (FEEDS / "rss_fr_latin1_noheader.xml").read_bytes()
    headers = {"Content-Type": "application/rss+xml; charset=ISO-8859-1"}
    (item,) = _fetch(feed_server.add("/latin1", body, headers=headers)).items
    assert item["title"] == "Thème sombre élégant"
    assert item["content_html"] == "Ça serait génial, à côté du thème clair."


def test_relative_links_resolve_against_feed_url(feed_server: FeedServer) -> None:
    doc = _rss("<title>Rel</title><link>/ideas/9</link>")
    url = feed_server.add("/sub/feed.xml", doc, headers=RSS_TYPE)
    (item,) = _fetch(url).items
    assert item["url"] == feed_server.url("/ideas/9")


def test_entry_cleanup() -> None:
    entry = feedparser.FeedParserDict(
        id="  id\x00-1 ",
        title="Ti\x00tle",
        summary="   ",
        author_detail=feedparser.FeedParserDict(name="Ann\x00"),
        slash_comments=" 3 ",
        published_parsed=(2024, 2, 29, 23, 59, 60, 3, 60, 0),  # leap second
    )
    item = rss.entry_to_item("s", entry, NOW)
    assert item is not None
    assert (item["native_id"], item["title"], item["author"]) == ("id-1", "Title", "Ann")
    assert item["content_html"] is None
    assert item["count_comments"] == 3
    assert item["published_at"] == datetime(2024, 2, 29, 23, 59, 59, tzinfo=UTC)
    junk = feedparser.FeedParserDict(title="t", slash_comments="-2", published_parsed="x")
    junk_item = rss.entry_to_item("s", junk, NOW)
    assert junk_item is not None
    assert junk_item["count_comments"] is None and junk_item["published_at"] is None


# -- identity -----------------------------------------------------------------------------


def test_identity_fallbacks_and_dedup() -> None:
    path = str(FEEDS / "rss_fallbacks.xml")
    result = _fetch(path)
    link_only, hashed = result.items  # the empty item is skipped, the duplicate link dropped
    assert link_only["native_id"] == "https://fallbacks.example.org/link-only"
    assert link_only["title"] == "Link only"
    assert hashed["url"] is None
    assert hashed["native_id"] == sha1_hex(hashed["title"], hashed["content_html"])
    again = _fetch(path)
    assert [i["item_id"] for i in again.items] == [i["item_id"] for i in result.items]


def test_dates_are_utc(feed_server: FeedServer) -> None:
    doc = _rss(
        _item("a", "Sat, 09 Mar 2024 23:30:00 -0500"),
        _item("b", "2024-03-10T01:00:00+09:00"),
        _item("c"),
    )
    items = _fetch(feed_server.add("/d", doc, headers=RSS_TYPE)).items
    assert [i["published_at"] for i in items] == [
        datetime(2024, 3, 10, 4, 30, tzinfo=UTC),
        datetime(2024, 3, 9, 16, 0, tzinfo=UTC),
        None,
    ]
    assert all(i["published_at"].tzinfo == UTC for i in items[:2])


# -- cursor -------------------------------------------------------------------------------


def test_cursor_incremental(feed_server: FeedServer) -> None:
    jan1, jan2, jan3 = (f"Mon, 0{d} Jan 2024 10:00:00 GMT" for d in (1, 2, 3))
    url = feed_server.add("/feed", _rss(_item("1", jan1), _item("2", jan2)), headers=RSS_TYPE)
    first = _fetch(url)
    # non-URL guids stay as they are (not resolved against the feed URL)
    assert [i["native_id"] for i in first.items] == ["1", "2"]
    assert first.cursor == {
        "etag": None,
        "last_modified": None,
        "latest_at": "2024-01-02T10:00:00+00:00",
    }
    json.dumps(first.cursor)

    doc = _rss(_item("3", jan3), _item("undated"), _item("2", jan2), _item("1", jan1))
    feed_server.add("/feed", doc, headers=RSS_TYPE)
    second = _fetch(url, first.cursor)
    assert [i["native_id"] for i in second.items] == ["3", "undated"]
    assert second.cursor["latest_at"] == "2024-01-03T10:00:00+00:00"

    third = _fetch(url, second.cursor)
    assert [i["native_id"] for i in third.items] == ["undated"]
    assert third.cursor["latest_at"] == second.cursor["latest_at"]


def test_cursor_keeps_latest_when_nothing_newer(feed_server: FeedServer) -> None:
    url = feed_server.add("/old", _rss(_item("old", "Mon, 01 Jan 2024 10:00:00 GMT")))
    cursor = {"etag": None, "last_modified": None, "latest_at": "2024-05-01T00:00:00+00:00"}
    result = _fetch(url, cursor)
    assert result.items == []
    assert result.cursor["latest_at"] == "2024-05-01T00:00:00+00:00"


def test_cursor_uses_newest_of_published_and_updated() -> None:
    """The Atom entry published on 4 March but updated on 5 March counts as 5 March."""
    cursor = {"latest_at": "2024-03-05T06:00:00+00:00"}
    result = _fetch(str(FEEDS / "atom_fr.xml"), cursor)
    assert [i["title"] for i in result.items] == [
        "Pouvoir régler la taille des polices",
        "Mode hors-ligne",
    ]


def test_future_dates_do_not_push_the_cursor_past_now(feed_server: FeedServer) -> None:
    url = feed_server.add("/future", _rss(_item("f", "Fri, 01 Jan 2100 00:00:00 GMT")))
    result = _fetch(url)
    assert len(result.items) == 1
    assert result.cursor["latest_at"] == NOW.isoformat()


def test_garbage_cursor_is_ignored() -> None:
    result = _fetch(str(FEEDS / "rss_en.xml"), {"latest_at": "not a date", "etag": 5})
    assert len(result.items) == 2


def test_304_keeps_cursor(feed_server: FeedServer) -> None:
    lm = "Tue, 02 Jan 2024 10:00:00 GMT"
    doc = _rss(_item("1", "Mon, 01 Jan 2024 10:00:00 GMT"))
    url = feed_server.add("/c", doc, headers=RSS_TYPE, etag='"abc"', last_modified=lm)
    first = _fetch(url)
    assert first.cursor["etag"] == '"abc"' and first.cursor["last_modified"] == lm
    second = _fetch(url, first.cursor)
    assert second.items == [] and second.cursor == first.cursor
    req = feed_server.requests_to("/c")[1]
    assert req.headers["if-none-match"] == '"abc"'
    assert req.headers["if-modified-since"] == lm
    assert req.headers["user-agent"].startswith("IdeaHarvester/")


# -- failures -----------------------------------------------------------------------------


def test_html_page_is_not_a_feed(feed_server: FeedServer) -> None:
    body = (FEEDS / "notafeed.html").read_bytes()
    url = feed_server.add("/", body, headers={"Content-Type": "text/html; charset=utf-8"})
    with pytest.raises(SourceError) as exc:
        _fetch(url)
    err = exc.value
    assert (err.source_name, err.kind) == ("test-feed", "not_a_feed")
    assert "text/html" in err.message and "Widget Community" in err.message
    assert "https://ideas.example.com/feed.xml" in err.message


def test_empty_document_is_not_a_feed(tmp_path: Path) -> None:
    (tmp_path / "empty.xml").write_bytes(b"")
    with pytest.raises(SourceError) as exc:
        _fetch(str(tmp_path / "empty.xml"))
    assert exc.value.kind == "not_a_feed" and "empty" in exc.value.message


def test_truncated_xml_is_malformed() -> None:
    with pytest.raises(SourceError) as exc:
        _fetch(str(FEEDS / "truncated.xml"))
    assert exc.value.kind == "malformed_feed"
    assert "no element found" in exc.value.message


def test_bozo_feed_with_entries_is_accepted() -> None:
    result = _fetch(str(FEEDS / "bozo_entries.xml"))
    assert [i["native_id"] for i in result.items] == ["sloppy-1", "sloppy-2"]
    assert result.items[0]["title"] == "Import & export settings"


def test_valid_feed_without_entries(feed_server: FeedServer) -> None:
    url = feed_server.add("/none", _rss(), headers={"Content-Type": "text/plain"})
    result = _fetch(url)
    assert result.items == [] and result.cursor["latest_at"] is None


@pytest.mark.parametrize(
    ("status", "kind"), [(404, "http_status"), (500, "http_status"), (None, "timeout")]
)
def test_http_errors_become_source_errors(
    feed_server: FeedServer, status: int | None, kind: str
) -> None:
    if status is None:
        url = feed_server.add("/e", _rss(), delay_s=2)
    else:
        url = feed_server.add("/e", b"error", status=status)
    with pytest.raises(SourceError) as exc:
        rss.fetch(_source(url), None, HttpClient(timeout_s=0.3, sleep=lambda s: None), NOW)
    assert exc.value.kind == kind
    assert url in exc.value.message


# -- polite fetching ----------------------------------------------------------------------


class _Queue(FeedServer):
    """Answers each request with the next route of a list (the last one repeats)."""

    def __init__(self, *answers: Route) -> None:
        super().__init__()
        self.answers = list(answers)

    def _lookup(self, path: str) -> Route | None:
        with self._lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def test_429_with_retry_after_then_success() -> None:
    sleeps: list[float] = []
    doc = _rss(_item("1", "Mon, 01 Jan 2024 10:00:00 GMT"))
    with _Queue(
        Route(status=429, headers={"Retry-After": "4"}),
        Route(status=500),
        Route(body=doc.encode(), headers=RSS_TYPE),
    ) as srv:
        client = HttpClient(timeout_s=5, sleep=sleeps.append, rate_per_host=0)
        result = _fetch(srv.url("/feed"), client=client)
        assert len(srv.requests) == 3
    assert [i["native_id"] for i in result.items] == ["1"]
    assert sleeps == [4.0, 1.0]  # Retry-After, then backoff for the 2nd retry


def test_rate_limited_for_good_is_a_clear_error() -> None:
    with _Queue(Route(status=429, headers={"Retry-After": "86400"})) as srv:
        with pytest.raises(SourceError) as exc:
            _fetch(srv.url("/feed"), client=HttpClient(timeout_s=5, sleep=lambda s: None))
    assert exc.value.kind == "rate_limited" and "86400" in exc.value.message


def test_per_host_rate_applies_to_feeds(feed_server: FeedServer) -> None:
    waits: list[float] = []
    now = [0.0]

    def sleep(s: float) -> None:
        waits.append(s)
        now[0] += s

    limiter = HostRateLimiter(clock=lambda: now[0], sleep=sleep)
    url = feed_server.add("/f", _rss(_item("1")), headers=RSS_TYPE)
    client = HttpClient(rate_per_host=0.5, burst=2, limiter=limiter)
    for _ in range(4):
        _fetch(url, client=client)
    assert waits == [2.0, 2.0]  # a burst of two, then one every 2 s


def test_missing_file_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(SourceError) as exc:
        _fetch(str(tmp_path / "nope.xml"))
    assert exc.value.kind == "not_found"


# -- the real corpus ----------------------------------------------------------------------


def test_corpus_never_crashes() -> None:
    """Every file of the shared feed corpus gives a FetchResult or a SourceError."""
    if not CORPUS.is_dir():
        pytest.skip(f"feed corpus {CORPUS} is absent")
    client = HttpClient(timeout_s=5)
    tally: collections.Counter[str] = collections.Counter()
    crashes: list[str] = []
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file())
    for path in files:
        try:
            result = rss.fetch(_source(str(path), "corpus"), None, client, NOW)
        except SourceError as err:
            tally[f"error:{err.kind}"] += 1
            continue
        except Exception as err:  # the point of this test is to catch anything else
            crashes.append(f"{path}: {type(err).__name__}: {err}")
            continue
        tally["with items" if result.items else "zero items"] += 1
        items_to_table(result.items)  # every item fits ITEM_SCHEMA
        json.dumps(result.cursor)
    print(f"\nfeed corpus: {len(files)} files")
    for key, count in sorted(tally.items()):
        print(f"  {key:<22} {count}")
    assert not crashes, "\n".join(crashes[:20])
    assert tally["with items"] > 0
