"""HttpClient: headers, gzip, size cap, timeouts, statuses, files."""

from __future__ import annotations

import gzip
import socket
import time
from pathlib import Path

import pytest

from connectors.http import DEFAULT_USER_AGENT, HttpClient, HttpError
from idea_harvester.config import HttpSettings
from tests.feed_server import FeedServer

BODY = "<rss version='2.0'><channel><title>Idées</title></channel></rss>".encode()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_sends_user_agent_and_returns_body(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed.xml", BODY, headers={"Content-Type": "application/rss+xml"})
    resp = HttpClient().get(url)
    assert resp.status == 200
    assert resp.body == BODY
    assert resp.header("Content-Type") == "application/rss+xml"
    assert resp.url == url
    (req,) = feed_server.requests_to("/feed.xml")
    assert req.headers["user-agent"] == DEFAULT_USER_AGENT


def test_custom_user_agent_and_extra_headers(feed_server: FeedServer) -> None:
    url = feed_server.add("/feed.xml", BODY)
    HttpClient(user_agent="Tester/1.0").get(url, headers={"X-Extra": "yes"})
    (req,) = feed_server.requests
    assert req.headers["user-agent"] == "Tester/1.0"
    assert req.headers["x-extra"] == "yes"


def test_from_settings() -> None:
    client = HttpClient.from_settings(HttpSettings(timeout_s=3, max_bytes=123, user_agent="UA/2"))
    assert (client.timeout_s, client.max_bytes, client.user_agent) == (3, 123, "UA/2")


def test_gzip_body_is_decoded(feed_server: FeedServer) -> None:
    url = feed_server.add("/gz.xml", BODY, gzip=True)
    resp = HttpClient().get(url)
    assert resp.body == BODY
    assert resp.header("content-encoding") == "gzip"
    assert "gzip" in feed_server.requests[0].headers["accept-encoding"]


def test_too_large_with_content_length(feed_server: FeedServer) -> None:
    url = feed_server.add("/big", b"x" * 5000)
    with pytest.raises(HttpError) as exc:
        HttpClient(max_bytes=1000).get(url)
    assert exc.value.kind == "too_large"
    assert "1000" in exc.value.message


def test_too_large_without_content_length(feed_server: FeedServer) -> None:
    url = feed_server.add("/stream", b"x" * 300_000, send_length=False)
    with pytest.raises(HttpError) as exc:
        HttpClient(max_bytes=100_000).get(url)
    assert exc.value.kind == "too_large"


def test_too_large_after_gzip_decoding(feed_server: FeedServer) -> None:
    """A small compressed body that inflates past the cap is refused."""
    url = feed_server.add("/bomb", b"a" * 500_000, gzip=True)
    with pytest.raises(HttpError) as exc:
        HttpClient(max_bytes=100_000).get(url)
    assert exc.value.kind == "too_large"


def test_body_at_the_cap_is_accepted(feed_server: FeedServer) -> None:
    url = feed_server.add("/exact", b"y" * 1000, send_length=False)
    assert len(HttpClient(max_bytes=1000).get(url).body) == 1000


def test_timeout(feed_server: FeedServer) -> None:
    url = feed_server.add("/slow", BODY, delay_s=3)
    started = time.monotonic()
    with pytest.raises(HttpError) as exc:
        HttpClient(timeout_s=0.3).get(url)
    assert exc.value.kind == "timeout"
    assert time.monotonic() - started < 2.5


@pytest.mark.parametrize("status", [404, 500])
def test_error_status(feed_server: FeedServer, status: int) -> None:
    url = feed_server.add("/err", b"oops", status=status)
    with pytest.raises(HttpError) as exc:
        HttpClient().get(url)
    assert exc.value.kind == "http_status"
    assert exc.value.status == status
    assert str(status) in exc.value.message and url in exc.value.message


def test_unknown_route_is_404(feed_server: FeedServer) -> None:
    with pytest.raises(HttpError) as exc:
        HttpClient().get(feed_server.url("/nope"))
    assert exc.value.status == 404


def test_304_is_a_normal_response(feed_server: FeedServer) -> None:
    url = feed_server.add("/etag.xml", BODY, etag='"v1"')
    client = HttpClient()
    first = client.get(url)
    assert first.header("etag") == '"v1"'
    second = client.get(url, headers={"If-None-Match": '"v1"'})
    assert (second.status, second.body) == (304, b"")
    assert feed_server.requests[1].headers["if-none-match"] == '"v1"'


def test_connection_refused() -> None:
    with pytest.raises(HttpError) as exc:
        HttpClient(timeout_s=2).get(f"http://127.0.0.1:{_free_port()}/feed")
    assert exc.value.kind == "connection"


@pytest.mark.parametrize("url", ["ftp://example.com/feed.xml", "http://", "   "])
def test_bad_url(url: str) -> None:
    with pytest.raises(HttpError) as exc:
        HttpClient().get(url)
    assert exc.value.kind == "bad_url"


def test_file_url_and_plain_path(tmp_path: Path) -> None:
    path = tmp_path / "mon flux é.xml"
    path.write_bytes(BODY)
    client = HttpClient()
    by_path = client.get(str(path))
    by_url = client.get(path.as_uri())
    assert by_path.body == by_url.body == BODY
    assert by_path.status == by_url.status == 200
    assert by_url.url == path.as_uri()
    assert by_path.headers == {}


def test_gzipped_file_is_decompressed(tmp_path: Path) -> None:
    path = tmp_path / "feed.xml.gz"
    path.write_bytes(gzip.compress(BODY))
    assert HttpClient().get(str(path)).body == BODY


def test_missing_file(tmp_path: Path) -> None:
    client = HttpClient()
    for url in (str(tmp_path / "absent.xml"), (tmp_path / "absent.xml").as_uri()):
        with pytest.raises(HttpError) as exc:
            client.get(url)
        assert exc.value.kind == "not_found"
        assert "absent.xml" in exc.value.message


def test_folder_is_not_a_file(tmp_path: Path) -> None:
    with pytest.raises(HttpError) as exc:
        HttpClient().get(str(tmp_path))
    assert exc.value.kind == "not_found"


def test_file_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"z" * 2000)
    with pytest.raises(HttpError) as exc:
        HttpClient(max_bytes=1999).get(str(path))
    assert exc.value.kind == "too_large"


def test_redirect_is_followed(feed_server: FeedServer) -> None:
    target = feed_server.add("/new.xml", BODY)
    old = feed_server.add("/old.xml", b"", status=301, headers={"Location": target})
    resp = HttpClient().get(old)
    assert (resp.status, resp.url, resp.body) == (200, target, BODY)
