"""HttpClient: headers, gzip, size cap, timeouts, statuses, files."""

from __future__ import annotations

import email.utils
import gzip
import logging
import socket
import threading
import time
from pathlib import Path

import pytest

from connectors.http import (
    DEFAULT_USER_AGENT,
    SHARED_LIMITER,
    HostRateLimiter,
    HttpClient,
    HttpError,
    HttpResponse,
    conditional_headers,
    parse_retry_after,
    redact,
    validators,
    with_params,
)
from connectors.replay import ReplaySession
from idea_harvester.config import HttpSettings
from tests.feed_server import FeedServer, Route

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


@pytest.mark.parametrize(("status", "attempts"), [(404, 1), (500, 3)])
def test_error_status(feed_server: FeedServer, status: int, attempts: int) -> None:
    url = feed_server.add("/err", b"oops", status=status)
    with pytest.raises(HttpError) as exc:
        HttpClient(sleep=lambda s: None).get(url)
    assert exc.value.kind == "http_status"
    assert exc.value.status == status
    assert str(status) in exc.value.message and url in exc.value.message
    assert exc.value.body == b"oops"
    assert len(feed_server.requests) == attempts  # 5xx are retried, 4xx are not


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


# -- polite fetching ----------------------------------------------------------------------


class FakeClock:
    """A clock that moves only when someone sleeps; sleeps are recorded."""

    def __init__(self, start: float = 1000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 6))
        self.now += seconds


class Sequence(FeedServer):
    """A FeedServer whose route answers a queue of responses, then the last one forever."""

    def __init__(self, answers: list[Route]) -> None:
        super().__init__()
        self.answers = answers

    def _lookup(self, path: str) -> Route | None:
        with self._lock:
            return self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]


def _client(clock: FakeClock, **kw) -> HttpClient:
    return HttpClient(timeout_s=5, rate_per_host=0, sleep=clock.sleep, wall_clock=clock, **kw)


def test_from_settings_polite_fields() -> None:
    http = HttpSettings(
        retries=4,
        backoff_s=2,
        backoff_max_s=9,
        max_retry_wait_s=30,
        rate_per_host=0.5,
        burst=2,
        host_rates={"disqus.com": 0.25},
    )
    c = HttpClient.from_settings(http)
    assert (c.retries, c.backoff_s, c.backoff_max_s, c.max_retry_wait_s) == (4, 2, 9, 30)
    assert (c.rate_per_host, c.burst, c.host_rates) == (0.5, 2, {"disqus.com": 0.25})
    assert c.limiter is SHARED_LIMITER
    defaults = HttpSettings()
    assert (defaults.retries, defaults.rate_per_host, defaults.burst) == (2, 1.0, 5)


def test_retries_5xx_with_exponential_backoff() -> None:
    clock = FakeClock()
    answers = [Route(status=503), Route(status=502), Route(status=500), Route(body=BODY)]
    with Sequence(answers) as srv:
        resp = _client(clock, retries=3, backoff_s=0.5).get(srv.url("/x"))
    assert resp.body == BODY
    assert clock.sleeps == [0.5, 1.0, 2.0]


def test_backoff_is_capped() -> None:
    clock = FakeClock()
    answers = [Route(status=500)] * 4 + [Route(body=BODY)]
    with Sequence(answers) as srv:
        _client(clock, retries=4, backoff_s=10, backoff_max_s=15, max_retry_wait_s=100).get(
            srv.url("/x")
        )
    assert clock.sleeps == [10, 15, 15, 15]


def test_429_honours_retry_after_seconds() -> None:
    clock = FakeClock()
    answers = [Route(status=429, headers={"Retry-After": "12"}), Route(body=BODY)]
    with Sequence(answers) as srv:
        assert _client(clock).get(srv.url("/x")).body == BODY
    assert clock.sleeps == [12.0]


def test_429_honours_retry_after_http_date() -> None:
    clock = FakeClock(start=1_800_000_000.0)
    when = email.utils.formatdate(1_800_000_000 + 42, usegmt=True)
    answers = [Route(status=503, headers={"Retry-After": when}), Route(body=BODY)]
    with Sequence(answers) as srv:
        _client(clock).get(srv.url("/x"))
    assert clock.sleeps == [42.0]


def test_retry_after_beyond_the_budget_gives_up_at_once() -> None:
    clock = FakeClock()
    answers = [Route(status=429, headers={"Retry-After": "3600"}), Route(body=BODY)]
    with Sequence(answers) as srv:
        with pytest.raises(HttpError) as exc:
            _client(clock, max_retry_wait_s=60).get(srv.url("/x"))
        assert len(srv.requests) == 1
    assert exc.value.kind == "rate_limited" and exc.value.status == 429
    assert "3600" in exc.value.message and "max_retry_wait_s" in exc.value.message
    assert clock.sleeps == []


def test_total_wait_is_bounded() -> None:
    clock = FakeClock()
    with Sequence([Route(status=503)]) as srv:
        with pytest.raises(HttpError) as exc:
            _client(clock, retries=10, backoff_s=4, max_retry_wait_s=20).get(srv.url("/x"))
    assert sum(clock.sleeps) <= 20 and clock.sleeps == [4, 8]
    assert exc.value.kind == "http_status" and "3 attempts" in exc.value.message


def test_429_exhausted_is_rate_limited() -> None:
    clock = FakeClock()
    with Sequence([Route(status=429)]) as srv:
        with pytest.raises(HttpError) as exc:
            _client(clock, retries=1).get(srv.url("/x"))
    assert exc.value.kind == "rate_limited" and "rate_per_host" in exc.value.message


@pytest.mark.parametrize("status", [400, 404, 501])
def test_not_retried(status: int) -> None:
    clock = FakeClock()
    with Sequence([Route(status=status), Route(body=BODY)]) as srv:
        with pytest.raises(HttpError):
            _client(clock).get(srv.url("/x"))
        assert len(srv.requests) == 1 and clock.sleeps == []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("5", 5.0),
        (" 0 ", 0.0),
        ("-3", 0.0),
        ("Thu, 15 Jan 2027 08:00:10 GMT", 10.0),
        ("Thu, 15 Jan 2027 07:00:00 GMT", 0.0),
        ("soon", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_retry_after(value, expected) -> None:
    now = email.utils.parsedate_to_datetime("Thu, 15 Jan 2027 08:00:00 GMT").timestamp()
    assert parse_retry_after(value, now) == expected


def test_conditional_helpers() -> None:
    assert conditional_headers(None) == {}
    assert conditional_headers({"etag": '"v1"', "last_modified": None, "x": 1}) == {
        "If-None-Match": '"v1"'
    }
    assert conditional_headers({"etag": 5, "last_modified": "Mon"}) == {"If-Modified-Since": "Mon"}
    resp = HttpResponse("u", 200, {"etag": '"a"', "last-modified": "Tue"})
    assert validators(resp) == {"etag": '"a"', "last_modified": "Tue"}
    assert HttpResponse("u", 304).not_modified


def test_with_params() -> None:
    assert with_params("http://h/p", None) == "http://h/p"
    assert with_params("http://h/p?a=1", {"b": "x y", "c": None, "d": [1, 2], "e": True}) == (
        "http://h/p?a=1&b=x+y&d=1%2C2&e=true"
    )


def test_get_json(feed_server: FeedServer) -> None:
    url = feed_server.add("/api", '{"ok": "é"}', headers={"Content-Type": "application/json"})
    resp = HttpClient().get_json(url, params={"page": 2})
    assert resp.data == {"ok": "é"} and resp.status == 200
    (req,) = feed_server.requests
    assert req.path == "/api?page=2" and req.headers["accept"] == "application/json"


@pytest.mark.parametrize("body", [b"{not json", b"<html>hi</html>", b"", b"\xff\xfe{"])
def test_get_json_malformed(feed_server: FeedServer, body: bytes) -> None:
    url = feed_server.add("/api", body, headers={"Content-Type": "text/html"})
    with pytest.raises(HttpError) as exc:
        HttpClient().get_json(url, params={"api_key": "SECRET123", "q": "x"})
    err = exc.value
    assert err.kind == "malformed_json" and "did not return valid JSON" in err.message
    assert feed_server.url("/api") in err.message and "text/html" in err.message
    assert "SECRET123" not in str(err) and "api_key=***" in err.message


def test_get_json_304(feed_server: FeedServer) -> None:
    url = feed_server.add("/api", "[]", etag='"e1"')
    resp = HttpClient().get_json(url, headers={"If-None-Match": '"e1"'})
    assert resp.not_modified and resp.data is None


def test_redact() -> None:
    text = "GET /x?api_key=abc&forum=f&access_token=t0k HTTP/1.1 key=zz, monkey=ok"
    assert redact(text) == "GET /x?api_key=***&forum=f&access_token=*** HTTP/1.1 key=***, monkey=ok"


def test_secrets_never_reach_urllib3_debug_log(feed_server: FeedServer, caplog) -> None:
    url = feed_server.add("/api", "{}")
    caplog.set_level(logging.DEBUG, logger="urllib3")
    HttpClient().get_json(url, params={"api_key": "SECRET123"})
    assert "/api?api_key=***" in caplog.text and "SECRET123" not in caplog.text


def test_rate_limiter_token_bucket() -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock=clock, sleep=clock.sleep)
    sent = []
    for _ in range(6):
        limiter.acquire("a.example", rate=2, burst=3)
        sent.append(clock.now - 1000)
    assert sent == [0, 0, 0, 0.5, 1.0, 1.5]  # a burst of 3, then one every 0.5 s
    limiter.acquire("b.example", rate=2, burst=1)  # another host has its own bucket
    assert clock.now - 1000 == 1.5
    clock.now += 10  # idle time refills the bucket (up to the burst)
    assert [limiter.acquire("a.example", 2, 3) for _ in range(4)] == [0, 0, 0, 0.5]
    assert limiter.acquire("a.example", rate=0) == 0  # 0 = no limit


def test_rate_limiter_is_thread_safe() -> None:
    # A frozen clock: every caller asks "now", so each must be booked its own later slot.
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(round(seconds, 6))

    limiter = HostRateLimiter(clock=lambda: 1000.0, sleep=record)

    def worker() -> None:
        for _ in range(3):
            limiter.acquire("h", rate=50, burst=1)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # 12 requests at 50/s: the first goes at once, the others 20 ms apart, no slot shared.
    assert sorted(waits) == [round(0.02 * n, 6) for n in range(1, 12)]


def test_client_keeps_the_per_host_rate(feed_server: FeedServer) -> None:
    clock = FakeClock()
    limiter = HostRateLimiter(clock=clock, sleep=clock.sleep)
    url = feed_server.add("/feed.xml", BODY)
    client = HttpClient(rate_per_host=4, burst=1, limiter=limiter)
    for _ in range(3):
        client.get(url)
    assert clock.sleeps == [0.25, 0.25]
    other = HttpClient(rate_per_host=4, burst=1, limiter=limiter, host_rates={"127.0.0.1": 1})
    other.get(url)
    assert clock.sleeps[-1] == 0.25  # booked after the others, then at 1/s for this host
    other.get(url)
    assert clock.sleeps[-1] == 1.0


def test_replay_sessions_skip_the_rate_limit(tmp_path: Path) -> None:
    (tmp_path / "recordings.json").write_text('[{"url": "https://x.example/a", "body": "{}"}]')
    clock = FakeClock()
    limiter = HostRateLimiter(clock=clock, sleep=clock.sleep)
    client = HttpClient(session=ReplaySession(tmp_path), rate_per_host=1, burst=1, limiter=limiter)
    for _ in range(5):
        assert client.get_json("https://x.example/a").data == {}
    assert clock.sleeps == []
