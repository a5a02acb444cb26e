"""A small HTTP client for connectors: timeouts, a size cap, file:// and local paths.

feedparser's own fetching has no timeout, so connectors fetch bytes here and parse them
themselves. Every failure is an ``HttpError`` with a short ``kind`` tag.
"""

from __future__ import annotations

import gzip
import io
import os
import time
import urllib.parse
import urllib.request
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import requests
from urllib3.exceptions import ReadTimeoutError

if TYPE_CHECKING:
    from idea_harvester.config import HttpSettings

DEFAULT_USER_AGENT = "IdeaHarvester/0.1 (+https://github.com/idea-harvester/idea-harvester)"
HTTP_KINDS = ("http_status", "timeout", "connection", "too_large", "not_found", "bad_url")
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
#: The whole download may take this many times ``timeout_s`` (guards against slow drips).
_TOTAL_TIMEOUT_FACTOR = 3


class HttpError(Exception):
    """A fetch failed. ``kind`` is one of HTTP_KINDS; ``status`` is set for HTTP statuses."""

    def __init__(self, kind: str, message: str, status: int | None = None):
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.status = status


@dataclass
class HttpResponse:
    """A fetched document. ``headers`` keys are lower-case; files have no headers."""

    url: str
    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def header(self, name: str) -> str | None:
        """Case-insensitive header lookup."""
        return self.headers.get(name.lower())


class HttpClient:
    """GET http(s):// URLs, file:// URLs and local paths with a timeout and a size cap."""

    def __init__(
        self,
        timeout_s: float = 20,
        max_bytes: int = 10_000_000,
        user_agent: str = DEFAULT_USER_AGENT,
        session: requests.Session | None = None,
    ):
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self._own_session = session is None
        self.session = session or requests.Session()

    @classmethod
    def from_settings(
        cls, http: HttpSettings, session: requests.Session | None = None
    ) -> HttpClient:
        return cls(
            timeout_s=http.timeout_s,
            max_bytes=http.max_bytes,
            user_agent=http.user_agent,
            session=session,
        )

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(self, url: str, headers: dict[str, str] | None = None) -> HttpResponse:
        """Fetch ``url``. 304 comes back as a response with an empty body; >= 400 raises."""
        scheme = urllib.parse.urlsplit(url).scheme.lower() if "://" in url else ""
        if scheme in ("http", "https"):
            return self._get_http(url, headers or {})
        if scheme == "file":
            return self._get_file(url, _file_url_to_path(url))
        if scheme:
            raise HttpError("bad_url", f"unsupported URL scheme {scheme!r} in {url!r}")
        if not url.strip():
            raise HttpError("bad_url", "empty URL")
        return self._get_file(url, Path(os.path.expanduser(url)))

    # -- http(s) --------------------------------------------------------------------------

    def _get_http(self, url: str, extra: dict[str, str]) -> HttpResponse:
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate", **extra}
        if not headers.get("User-Agent"):
            headers["User-Agent"] = self.user_agent
        try:
            resp = self.session.get(
                url, headers=headers, stream=True, timeout=(self.timeout_s, self.timeout_s)
            )
        except requests.RequestException as err:
            raise _translate(err, url) from err
        with resp:
            final_url = resp.url or url
            resp_headers = {k.lower(): v for k, v in resp.headers.items()}
            if resp.status_code == 304:
                return HttpResponse(final_url, 304, resp_headers, b"")
            if resp.status_code >= 400:
                reason = f" {resp.reason}" if resp.reason else ""
                raise HttpError(
                    "http_status",
                    f"HTTP {resp.status_code}{reason} for {final_url}",
                    status=resp.status_code,
                )
            self._check_declared_length(resp_headers.get("content-length"), final_url)
            body = self._read_stream(resp, final_url)
        return HttpResponse(final_url, resp.status_code, resp_headers, self._gunzip(body, url))

    def _check_declared_length(self, value: str | None, url: str) -> None:
        try:
            declared = int(value) if value else None
        except ValueError:
            declared = None
        if declared is not None and declared > self.max_bytes:
            raise HttpError("too_large", self._too_large_msg(url, f"{declared} bytes announced"))

    def _read_stream(self, resp: requests.Response, url: str) -> bytes:
        deadline = time.monotonic() + self.timeout_s * _TOTAL_TIMEOUT_FACTOR
        chunks: list[bytes] = []
        total = 0
        try:
            for chunk in resp.iter_content(chunk_size=_CHUNK):
                total += len(chunk)
                if total > self.max_bytes:
                    raise HttpError("too_large", self._too_large_msg(url, "body"))
                if time.monotonic() > deadline:
                    raise HttpError(
                        "timeout",
                        f"download of {url} took longer than "
                        f"{self.timeout_s * _TOTAL_TIMEOUT_FACTOR:g} s",
                    )
                chunks.append(chunk)
        except requests.RequestException as err:
            raise _translate(err, url) from err
        return b"".join(chunks)

    # -- files ----------------------------------------------------------------------------

    def _get_file(self, url: str, path: Path) -> HttpResponse:
        try:
            if path.is_dir():
                raise HttpError("not_found", f"{path} is a folder, not a feed file")
            size = path.stat().st_size
            if size > self.max_bytes:
                raise HttpError("too_large", self._too_large_msg(str(path), f"{size} bytes"))
            with path.open("rb") as fh:
                body = fh.read(self.max_bytes + 1)
        except FileNotFoundError:
            raise HttpError("not_found", f"file {path} does not exist") from None
        except OSError as err:
            reason = err.strerror or str(err)
            raise HttpError("connection", f"cannot read file {path}: {reason}") from None
        if len(body) > self.max_bytes:
            raise HttpError("too_large", self._too_large_msg(str(path), "file"))
        return HttpResponse(url, 200, {}, self._gunzip(body, url))

    # -- helpers --------------------------------------------------------------------------

    def _gunzip(self, body: bytes, url: str) -> bytes:
        """Decompress a gzip-compressed document (e.g. ``feed.xml.gz``); keep it if broken."""
        if not body.startswith(_GZIP_MAGIC):
            return body
        try:
            with gzip.GzipFile(fileobj=io.BytesIO(body)) as gz:
                data = gz.read(self.max_bytes + 1)
        except (OSError, EOFError, zlib.error):
            return body
        if len(data) > self.max_bytes:
            raise HttpError("too_large", self._too_large_msg(url, "decompressed body"))
        return data

    def _too_large_msg(self, where: str, what: str) -> str:
        return (
            f"{where}: {what} exceeds the {self.max_bytes}-byte limit "
            f"(raise http.max_bytes in the config if this is expected)"
        )


def _file_url_to_path(url: str) -> Path:
    parts = urllib.parse.urlsplit(url)
    if parts.netloc not in ("", "localhost"):
        raise HttpError("bad_url", f"file URL {url!r} names a remote host; use file:///path")
    return Path(urllib.request.url2pathname(parts.path))


def _translate(err: requests.RequestException, url: str) -> HttpError:
    """Map a requests exception to an HttpError with a kind and a readable message."""
    if isinstance(err, requests.Timeout) or _wraps_read_timeout(err):
        return HttpError("timeout", f"no response from {url} within the timeout")
    if isinstance(err, requests.exceptions.InvalidURL | requests.exceptions.MissingSchema):
        return HttpError("bad_url", f"invalid URL {url!r}: {err}")
    if isinstance(err, requests.exceptions.InvalidSchema):
        return HttpError("bad_url", f"unsupported URL {url!r}: {err}")
    if isinstance(err, requests.exceptions.SSLError):
        return HttpError("connection", f"TLS error talking to {url}: {err}")
    if isinstance(err, requests.TooManyRedirects):
        return HttpError("connection", f"too many redirects fetching {url}")
    if isinstance(err, requests.exceptions.ContentDecodingError):
        return HttpError("connection", f"{url} sent a body that could not be decompressed")
    return HttpError("connection", f"could not fetch {url}: {err}")


def _wraps_read_timeout(err: BaseException) -> bool:
    """requests re-raises read timeouts during streaming as ConnectionError(ReadTimeoutError)."""
    return any(isinstance(a, ReadTimeoutError) for a in getattr(err, "args", ()))
