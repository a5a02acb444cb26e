"""A small HTTP client for connectors: polite, bounded, and with one error type.

- timeouts, a size cap, gzip, file:// URLs and local paths (feedparser's own fetching has no
  timeout, so connectors fetch bytes here and parse them themselves);
- a clear User-Agent naming the project;
- conditional GET helpers (``conditional_headers``/``validators``; a 304 means nothing new);
- retries with exponential backoff on 429 and 5xx, honouring ``Retry-After`` (seconds or an
  HTTP date), with a bounded total wait;
- a per-host token bucket shared by every client of the process (thread-safe);
- ``get_json`` for JSON APIs.

Every failure is an ``HttpError`` with a short ``kind`` tag. Secrets in query strings
(``api_key=...`` and the like) are masked in every error message and in urllib3's debug log.
Sleeping and clocks are injectable, so tests run fast.
"""

from __future__ import annotations

import email.utils
import gzip
import io
import json
import logging
import os
import re
import threading
import time
import urllib.parse
import urllib.request
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests
from urllib3.exceptions import ReadTimeoutError

if TYPE_CHECKING:
    from idea_harvester.config import HttpSettings

DEFAULT_USER_AGENT = "IdeaHarvester/0.1 (+https://github.com/idea-harvester/idea-harvester)"
HTTP_KINDS = (
    "http_status",
    "timeout",
    "connection",
    "too_large",
    "not_found",
    "bad_url",
    "rate_limited",
    "malformed_json",
)
_CHUNK = 64 * 1024
_GZIP_MAGIC = b"\x1f\x8b"
#: The whole download may take this many times ``timeout_s`` (guards against slow drips).
_TOTAL_TIMEOUT_FACTOR = 3
#: How much of an error response's body is kept on the HttpError (APIs explain errors there).
_ERROR_BODY_BYTES = 16 * 1024
#: Query parameters whose values never appear in messages or logs.
SECRET_PARAMS = (
    "api_key",
    "api_secret",
    "access_token",
    "client_secret",
    "key",
    "token",
    "password",
    "secret",
)
_SECRET_RE = re.compile(
    r"(?i)(?<![A-Za-z0-9_])((?:" + "|".join(SECRET_PARAMS) + r")=)[^&#\s'\"<>,;)]+"
)

Sleep = Callable[[float], None]
Clock = Callable[[], float]


def redact(text: str) -> str:
    """Mask the values of secret query parameters (``api_key=...`` -> ``api_key=***``)."""
    return _SECRET_RE.sub(r"\1***", text)


class HttpError(Exception):
    """A fetch failed. ``kind`` is one of HTTP_KINDS; ``status`` is set for HTTP statuses.

    ``body`` holds the start of an error response's body (APIs put their reason there).
    The message never contains secret query parameters.
    """

    def __init__(
        self, kind: str, message: str, status: int | None = None, body: bytes = b""
    ) -> None:
        message = redact(message)
        super().__init__(f"{kind}: {message}")
        self.kind = kind
        self.message = message
        self.status = status
        self.body = body


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

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class JsonResponse(HttpResponse):
    """An HttpResponse whose body was decoded as JSON (``data`` is None for a 304)."""

    data: Any = None


# -- conditional GET ----------------------------------------------------------------------


def conditional_headers(cursor: Mapping[str, Any] | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from stored ``etag`` / ``last_modified`` values."""
    cursor = cursor or {}
    headers = {}
    etag, modified = cursor.get("etag"), cursor.get("last_modified")
    if isinstance(etag, str) and etag:
        headers["If-None-Match"] = etag
    if isinstance(modified, str) and modified:
        headers["If-Modified-Since"] = modified
    return headers


def validators(resp: HttpResponse) -> dict[str, str | None]:
    """The response's ``etag`` and ``last_modified``, to store for the next conditional GET."""
    return {"etag": resp.header("etag"), "last_modified": resp.header("last-modified")}


# -- per-host rate ------------------------------------------------------------------------


class HostRateLimiter:
    """A token bucket per host: ``burst`` requests at once, then ``rate`` per second.

    Thread-safe: each caller reserves its slot under a lock, then sleeps outside it, so
    concurrent callers are spaced out rather than released together.
    """

    def __init__(self, clock: Clock = time.monotonic, sleep: Sleep = time.sleep) -> None:
        self.clock = clock
        self.sleep = sleep
        self._lock = threading.Lock()
        self._tat: dict[str, float] = {}  # per host: theoretical arrival time (GCRA)

    def acquire(self, host: str, rate: float, burst: int = 1) -> float:
        """Wait until ``host`` may get one more request; return the seconds waited."""
        if rate <= 0:
            return 0.0
        interval = 1.0 / rate
        with self._lock:
            now = self.clock()
            tat = max(self._tat.get(host, now), now)
            send_at = max(now, tat - (max(burst, 1) - 1) * interval)
            self._tat[host] = tat + interval
        wait = send_at - now
        if wait > 0:
            self.sleep(wait)
        return max(wait, 0.0)

    def reset(self) -> None:
        with self._lock:
            self._tat.clear()


#: The limiter every HttpClient shares unless given its own: all sources of one process
#: (``ideas run`` fetches them one after another) share each host's budget.
SHARED_LIMITER = HostRateLimiter()


def _is_offline(session: requests.Session) -> bool:
    """A replay session answers from files: no server to be polite to."""
    from connectors.replay import ReplaySession

    return isinstance(session, ReplaySession)


class HttpClient:
    """GET http(s):// URLs, file:// URLs and local paths, politely and within bounds."""

    def __init__(
        self,
        timeout_s: float = 20,
        max_bytes: int = 10_000_000,
        user_agent: str = DEFAULT_USER_AGENT,
        session: requests.Session | None = None,
        *,
        retries: int = 2,
        backoff_s: float = 0.5,
        backoff_max_s: float = 30.0,
        max_retry_wait_s: float = 60.0,
        rate_per_host: float = 1.0,
        burst: int = 5,
        host_rates: Mapping[str, float] | None = None,
        limiter: HostRateLimiter | None = None,
        sleep: Sleep = time.sleep,
        wall_clock: Clock = time.time,
    ):
        self.timeout_s = timeout_s
        self.max_bytes = max_bytes
        self.user_agent = user_agent
        self.retries = retries
        self.backoff_s = backoff_s
        self.backoff_max_s = backoff_max_s
        self.max_retry_wait_s = max_retry_wait_s
        self.rate_per_host = rate_per_host
        self.burst = burst
        self.host_rates = {k.lower(): v for k, v in (host_rates or {}).items()}
        self.limiter = limiter or SHARED_LIMITER
        self.sleep = sleep
        self.wall_clock = wall_clock
        self._own_session = session is None
        self.session = session or requests.Session()
        self._offline = _is_offline(self.session)

    @classmethod
    def from_settings(
        cls, http: HttpSettings, session: requests.Session | None = None, **overrides: Any
    ) -> HttpClient:
        """A client configured from the ``http`` settings; ``overrides`` are keyword args."""
        options: dict[str, Any] = {
            "timeout_s": http.timeout_s,
            "max_bytes": http.max_bytes,
            "user_agent": http.user_agent,
            "session": session,
            "retries": http.retries,
            "backoff_s": http.backoff_s,
            "backoff_max_s": http.backoff_max_s,
            "max_retry_wait_s": http.max_retry_wait_s,
            "rate_per_host": http.rate_per_host,
            "burst": http.burst,
            "host_rates": http.host_rates,
        }
        options.update(overrides)
        return cls(**options)

    def close(self) -> None:
        if self._own_session:
            self.session.close()

    def __enter__(self) -> HttpClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def get(
        self,
        url: str,
        headers: dict[str, str] | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> HttpResponse:
        """Fetch ``url``. 304 comes back as a response with an empty body; >= 400 raises.

        ``params`` are added to the query string (http(s) only).
        """
        scheme = urllib.parse.urlsplit(url).scheme.lower() if "://" in url else ""
        if scheme in ("http", "https"):
            return self._get_http(with_params(url, params), headers or {})
        if scheme == "file":
            return self._get_file(url, _file_url_to_path(url))
        if scheme:
            raise HttpError("bad_url", f"unsupported URL scheme {scheme!r} in {url!r}")
        if not url.strip():
            raise HttpError("bad_url", "empty URL")
        return self._get_file(url, Path(os.path.expanduser(url)))

    def get_json(
        self,
        url: str,
        params: Mapping[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> JsonResponse:
        """GET a JSON document; a body that is not JSON raises HttpError("malformed_json")."""
        resp = self.get(
            url, headers={"Accept": "application/json", **(headers or {})}, params=params
        )
        if resp.not_modified:
            return JsonResponse(resp.url, resp.status, resp.headers, resp.body, None)
        try:
            data = json.loads(resp.body.decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError) as err:
            ctype = resp.header("content-type") or "no content-type"
            raise HttpError(
                "malformed_json",
                f"{resp.url} did not return valid JSON ({ctype}; {_json_reason(err)}; "
                f"starts with {_snippet(resp.body)!r})",
                status=resp.status,
                body=resp.body[:_ERROR_BODY_BYTES],
            ) from None
        return JsonResponse(resp.url, resp.status, resp.headers, resp.body, data)

    def throttle(self, url: str) -> float:
        """Wait for ``url``'s host's turn under the per-host rate; return the seconds waited.

        Connectors that drive ``self.session`` themselves call this before each request.
        """
        if self._offline:
            return 0.0
        host = (urllib.parse.urlsplit(url).hostname or "").lower()
        netloc = urllib.parse.urlsplit(url).netloc.lower()
        rate = self.host_rates.get(host, self.host_rates.get(netloc, self.rate_per_host))
        return self.limiter.acquire(netloc or host, rate, self.burst)

    # -- http(s) --------------------------------------------------------------------------

    def _get_http(self, url: str, extra: dict[str, str]) -> HttpResponse:
        headers = {"User-Agent": self.user_agent, "Accept-Encoding": "gzip, deflate", **extra}
        if not headers.get("User-Agent"):
            headers["User-Agent"] = self.user_agent
        waited = 0.0
        attempt = 0
        while True:
            self.throttle(url)
            try:
                resp = self.session.get(
                    url, headers=headers, stream=True, timeout=(self.timeout_s, self.timeout_s)
                )
            except requests.RequestException as err:
                raise _translate(err, url) from err
            with resp:
                final_url = resp.url or url
                resp_headers = {k.lower(): v for k, v in resp.headers.items()}
                status = resp.status_code
                if status == 304:
                    return HttpResponse(final_url, 304, resp_headers, b"")
                if status >= 400:
                    body = _read_error_body(resp)
                    delay = self._retry_delay(status, resp_headers, attempt, waited, final_url)
                    if delay is None:
                        raise self._status_error(resp, final_url, attempt, body)
                    self.sleep(delay)
                    waited += delay
                    attempt += 1
                    continue
                self._check_declared_length(resp_headers.get("content-length"), final_url)
                body = self._read_stream(resp, final_url)
            return HttpResponse(final_url, status, resp_headers, self._gunzip(body, url))

    def _retry_delay(
        self, status: int, headers: dict[str, str], attempt: int, waited: float, url: str
    ) -> float | None:
        """Seconds to wait before retrying, or None to give up (raises when over budget)."""
        if not is_retryable(status) or attempt >= self.retries:
            return None
        backoff = min(self.backoff_max_s, self.backoff_s * (2**attempt))
        asked = parse_retry_after(headers.get("retry-after"), self.wall_clock())
        delay = backoff if asked is None else asked
        if waited + delay > self.max_retry_wait_s:
            if asked is None:
                return None
            kind = "rate_limited" if status == 429 else "http_status"
            raise HttpError(
                kind,
                f"HTTP {status} for {url}: the server asked to retry after {asked:g} s, more "
                f"than the {self.max_retry_wait_s:g} s allowed (http.max_retry_wait_s); "
                "the next run will try again",
                status=status,
            )
        return delay

    def _status_error(
        self, resp: requests.Response, url: str, attempt: int, body: bytes
    ) -> HttpError:
        status = resp.status_code
        reason = f" {resp.reason}" if resp.reason else ""
        tries = f" (after {attempt + 1} attempts)" if attempt else ""
        if status == 429:
            return HttpError(
                "rate_limited",
                f"HTTP 429{reason} for {url}{tries}: the server is rate-limiting us; lower "
                "http.rate_per_host (or http.host_rates) or fetch less often",
                status=status,
                body=body,
            )
        return HttpError(
            "http_status", f"HTTP {status}{reason} for {url}{tries}", status=status, body=body
        )

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


# -- retries, params, JSON ----------------------------------------------------------------


def is_retryable(status: int) -> bool:
    """429 and 5xx are worth retrying, except 501/505 (the server will never do it)."""
    return status == 429 or (500 <= status < 600 and status not in (501, 505))


def parse_retry_after(value: str | None, now: float) -> float | None:
    """``Retry-After`` as seconds from ``now`` (a Unix time): delta-seconds or an HTTP date."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - now)


def with_params(url: str, params: Mapping[str, Any] | None) -> str:
    """``url`` with ``params`` appended to its query (None values are left out)."""
    if not params:
        return url
    pairs = [(k, _param_str(v)) for k, v in params.items() if v is not None]
    if not pairs:
        return url
    parts = urllib.parse.urlsplit(url)
    query = "&".join(q for q in (parts.query, urllib.parse.urlencode(pairs)) if q)
    return urllib.parse.urlunsplit(parts._replace(query=query))


def _param_str(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple | set):
        return ",".join(str(v) for v in value)
    return str(value)


def _read_error_body(resp: requests.Response) -> bytes:
    try:
        return next(resp.iter_content(chunk_size=_ERROR_BODY_BYTES), b"")[:_ERROR_BODY_BYTES]
    except (requests.RequestException, StopIteration, OSError):
        return b""


def _json_reason(err: Exception) -> str:
    if isinstance(err, UnicodeDecodeError):
        return "not UTF-8"
    if isinstance(err, json.JSONDecodeError):
        return f"{err.msg} at line {err.lineno} column {err.colno}"
    return str(err)


def _snippet(body: bytes, n: int = 60) -> str:
    text = " ".join(body[:400].decode("utf-8", "replace").split())
    return text if len(text) <= n else text[: n - 1] + "…"


class _RedactSecrets(logging.Filter):
    """urllib3 logs request lines (with query strings) at DEBUG: mask secrets there too."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken log call is not ours to fix
            return True
        clean = redact(message)
        if clean != message:
            record.msg, record.args = clean, None
        return True


def _install_log_redaction() -> None:
    for name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
        logger = logging.getLogger(name)
        if not any(isinstance(f, _RedactSecrets) for f in logger.filters):
            logger.addFilter(_RedactSecrets())


_install_log_redaction()
