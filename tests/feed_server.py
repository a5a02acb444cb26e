"""A local HTTP server for tests: static routes, gzip, ETag/304, slow routes, a request log.

with FeedServer() as srv:
    url = srv.add("/feed.xml", b"<rss/>", headers={"Content-Type": "application/rss+xml"})
    ...
    assert srv.requests[0].headers["user-agent"].startswith("IdeaHarvester")
"""

from __future__ import annotations

import gzip
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from typing import Any

from tests.local_server import LocalServer


@dataclass
class Route:
    """What the server answers for one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    gzip: bool = False  # gzip-encode the body when the request accepts gzip
    etag: str | None = None  # send ETag; answer 304 to a matching If-None-Match
    last_modified: str | None = None  # send Last-Modified; 304 to an equal If-Modified-Since
    delay_s: float = 0.0  # sleep before answering (to provoke client timeouts)
    send_length: bool = True  # False: no Content-Length, the body ends when the socket closes


@dataclass
class LoggedRequest:
    """One request the server received; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]


RouteSpec = Route | tuple[int, dict[str, str], bytes | str]


class FeedServer(LocalServer):
    """A threaded HTTP server on 127.0.0.1 with an ephemeral port; use as a context manager."""

    def __init__(self, routes: dict[str, RouteSpec] | None = None):
        self.routes: dict[str, Route] = {}
        self.requests: list[LoggedRequest] = []
        self._lock = threading.Lock()
        for path, spec in (routes or {}).items():
            self.route(path, spec)

    # -- lifecycle ------------------------------------------------------------------------

    # -- routes and log -------------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        return f"http://127.0.0.1:{self.port}/{path.lstrip('/')}"

    def route(self, path: str, spec: RouteSpec) -> str:
        """Register (or replace) a route; return its URL when the server runs."""
        if not isinstance(spec, Route):
            status, headers, body = spec
            spec = Route(body=_as_bytes(body), status=status, headers=dict(headers))
        with self._lock:
            self.routes["/" + path.lstrip("/")] = spec
        return self.url(path) if self._httpd else path

    def add(
        self,
        path: str,
        body: bytes | str = b"",
        status: int = 200,
        headers: dict[str, str] | None = None,
        **options: Any,
    ) -> str:
        """Shortcut for ``route(path, Route(...))``; options are Route fields."""
        route = Route(body=_as_bytes(body), status=status, headers=dict(headers or {}), **options)
        return self.route(path, route)

    def requests_to(self, path: str) -> list[LoggedRequest]:
        path = "/" + path.lstrip("/")
        with self._lock:
            return [r for r in self.requests if r.path == path]

    def _lookup(self, path: str) -> Route | None:
        with self._lock:
            return self.routes.get(path) or self.routes.get(path.split("?", 1)[0])

    def _log(self, request: LoggedRequest) -> None:
        with self._lock:
            self.requests.append(request)


class _Handler(BaseHTTPRequestHandler):
    server: Any

    def log_message(self, format: str, *args: Any) -> None:
        """No access log on stderr."""

    def do_GET(self) -> None:
        srv = self.server.feed_server
        headers = {k.lower(): v for k, v in self.headers.items()}
        srv._log(LoggedRequest("GET", self.path, headers))
        route = srv._lookup(self.path)
        if route is None:
            self._send(404, {"Content-Type": "text/plain"}, b"not found", True)
            return
        if route.delay_s:
            time.sleep(route.delay_s)
        out_headers = dict(route.headers)
        if route.etag:
            out_headers["ETag"] = route.etag
        if route.last_modified:
            out_headers["Last-Modified"] = route.last_modified
        if _not_modified(route, headers):
            self._send(304, out_headers, b"", True)
            return
        body = route.body
        if route.gzip and "gzip" in headers.get("accept-encoding", ""):
            body = gzip.compress(body)
            out_headers["Content-Encoding"] = "gzip"
        self._send(route.status, out_headers, body, route.send_length)

    def _send(self, status: int, headers: dict[str, str], body: bytes, with_length: bool) -> None:
        try:
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            if with_length:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if body and status != 304:
                self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


def _not_modified(route: Route, headers: dict[str, str]) -> bool:
    if route.etag and headers.get("if-none-match") == route.etag:
        return True
    return bool(route.last_modified and headers.get("if-modified-since") == route.last_modified)


def _as_bytes(body: bytes | str) -> bytes:
    return body.encode("utf-8") if isinstance(body, str) else body


FeedServer.handler = _Handler
FeedServer.server_attribute = "feed_server"
