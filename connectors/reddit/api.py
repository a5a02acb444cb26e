"""The Reddit API through praw: credentials, a polite requestor, errors as SourceError.

praw (prawcore) does the OAuth token exchange, adds ``raw_json=1`` and paces requests by
Reddit's ``X-Ratelimit-Remaining/Used/Reset`` headers (it sleeps until the reset when
nothing remains). prawcore does not retry a 429 and retries 5xx with its own random sleeps,
so ``PoliteRequestor`` (praw's documented ``requestor_class`` hook) does the retrying: 429,
5xx and connection failures, honouring ``Retry-After``, with a bounded number of attempts.
When it gives up it raises ``GaveUp``, which prawcore does not retry again. It also caps the
response size, like our HttpClient.

``RedditApi.get/post`` return the parsed JSON (plain dicts, no lazy praw objects: every
field we read is in the response, and no attribute access can trigger a hidden request).
"""

from __future__ import annotations

import email.utils
import logging
import random
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import praw
import praw.exceptions
import prawcore
import requests

from connectors.base import SourceError
from connectors.http import HttpClient
from connectors.replay import ReplayMiss
from idea_harvester.config import RedditSource
from idea_harvester.secrets import MissingCredentials, get_credentials

log = logging.getLogger(__name__)

CREDENTIAL_ENV = {"client_id": "REDDIT_CLIENT_ID", "client_secret": "REDDIT_CLIENT_SECRET"}
REPLAY_CREDENTIALS = {"client_id": "replay-client", "client_secret": "replay-secret"}
#: Statuses worth another try: prawcore's retry set plus 429.
RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504, 520, 522})


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try: attempts per request, exponential backoff, the longest wait."""

    max_attempts: int = 4
    backoff_s: float = 1.0  # first wait without Retry-After; doubles on each attempt
    max_wait_s: float = 60.0  # a longer Retry-After is not waited for: the run fails instead

    def backoff(self, attempt: int) -> float:
        base = self.backoff_s * 2 ** (attempt - 1)
        return min(base * (1 + 0.1 * random.random()), self.max_wait_s)  # noqa: S311


#: The policy fetch uses; tests swap in a faster one.
RETRY = RetryPolicy()
#: Sleep function used between attempts (tests may replace it).
sleep: Callable[[float], None] = time.sleep


class GaveUp(Exception):
    """A request failed for good. ``kind`` follows SourceError kinds; prawcore won't retry."""

    def __init__(self, kind: str, message: str, status: int | None = None):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.status = status


class PoliteRequestor(prawcore.Requestor):
    """prawcore's requestor plus retries (429/5xx/connection, Retry-After) and a size cap."""

    def __init__(
        self,
        *args: Any,
        policy: RetryPolicy | None = None,
        max_bytes: int = 10_000_000,
        stats: Counter | None = None,
        **kwargs: Any,
    ):
        super().__init__(*args, **kwargs)
        self.policy = policy or RetryPolicy()
        self.max_bytes = max_bytes
        self.stats = stats if stats is not None else Counter()

    def request(self, *args: Any, timeout: float | None = None, **kwargs: Any) -> requests.Response:
        method, url = str(args[0]).upper(), str(args[1])
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                resp = self._send(args, kwargs)
            except GaveUp as err:
                raise prawcore.RequestException(err, args, kwargs) from None
            except ReplayMiss as err:  # a replay folder lacks this request: no point retrying
                gave_up = GaveUp("replay_miss", str(err))
                raise prawcore.RequestException(gave_up, args, kwargs) from None
            except requests.RequestException as err:
                kind = "timeout" if isinstance(err, requests.Timeout) else "connection"
                if attempt < self.policy.max_attempts:
                    wait = self.policy.backoff(attempt)
                    log.warning("%s %s failed (%s); retry in %.1f s", method, url, kind, wait)
                    self._wait(wait)
                    continue
                msg = f"{method} {url} failed after {attempt} attempts: {_describe(err)}"
                raise prawcore.RequestException(GaveUp(kind, msg), args, kwargs) from None
            self.stats["requests"] += 1
            if resp.status_code not in RETRY_STATUSES:
                return resp
            self.stats[f"status_{resp.status_code}"] += 1
            retry_after = _retry_after_s(resp.headers.get("retry-after"))
            wait = retry_after if retry_after is not None else self.policy.backoff(attempt)
            if attempt < self.policy.max_attempts and wait <= self.policy.max_wait_s:
                log.warning(
                    "%s %s: HTTP %d; retry in %.1f s (attempt %d of %d)",
                    method,
                    url,
                    resp.status_code,
                    wait,
                    attempt,
                    self.policy.max_attempts,
                )
                self._wait(wait)
                continue
            raise prawcore.RequestException(
                _gave_up_on(resp, method, url, attempt, retry_after, self.policy), args, kwargs
            ) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _send(self, args: tuple, kwargs: dict) -> requests.Response:
        """One request, streamed and read with the size cap (our timeout wins)."""
        kwargs = {**kwargs, "timeout": self.timeout, "stream": True}
        resp = self._http.request(*args, **kwargs)
        declared = resp.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_bytes:
            resp.close()
            raise GaveUp("too_large", f"{resp.url}: {declared} bytes announced; {self._cap()}")
        chunks, total = [], 0
        for chunk in resp.iter_content(chunk_size=64 * 1024):
            total += len(chunk)
            if total > self.max_bytes:
                resp.close()
                raise GaveUp("too_large", f"{resp.url}: the body {self._cap()}")
            chunks.append(chunk)
        resp._content = b"".join(chunks)
        resp._content_consumed = True
        return resp

    def _cap(self) -> str:
        return f"exceeds the {self.max_bytes}-byte limit (http.max_bytes)"

    def _wait(self, seconds: float) -> None:
        self.stats["waited_s"] += seconds
        sleep(seconds)


def _retry_after_s(value: str | None) -> float | None:
    """Retry-After in seconds: a number of seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(float(value), 0.0)
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - datetime.now(UTC)).total_seconds(), 0.0)


def _gave_up_on(
    resp: requests.Response,
    method: str,
    url: str,
    attempts: int,
    retry_after: float | None,
    policy: RetryPolicy,
) -> GaveUp:
    status = resp.status_code
    if status == 429:
        if retry_after is not None and retry_after > policy.max_wait_s:
            msg = (
                f"{method} {url}: HTTP 429, Reddit asks to wait {retry_after:g} s (Retry-After), "
                f"longer than the {policy.max_wait_s:g} s a run waits; the next run will retry"
            )
        else:
            msg = f"{method} {url}: still HTTP 429 (too many requests) after {attempts} attempts"
        return GaveUp("rate_limited", msg, status)
    return GaveUp("http_status", f"{method} {url}: HTTP {status} after {attempts} attempts", status)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


# -- the API ------------------------------------------------------------------------------


class RedditApi:
    """A praw session for one source; ``get``/``post`` return JSON or raise SourceError."""

    def __init__(self, source: RedditSource, client: HttpClient, policy: RetryPolicy):
        self.source = source
        self.stats: Counter = Counter()
        creds = _credentials(source)
        self.reddit = praw.Reddit(
            client_id=creds["client_id"],
            client_secret=creds["client_secret"],
            user_agent=f"{client.user_agent} (source {source.name})",
            oauth_url=source.oauth_url.rstrip("/"),
            reddit_url=source.reddit_url.rstrip("/"),
            requestor_class=PoliteRequestor,
            requestor_kwargs={
                "session": client.session,
                "timeout": client.timeout_s,
                "policy": policy,
                "max_bytes": client.max_bytes,
                "stats": self.stats,
            },
            check_for_async=False,
            check_for_updates=False,
            # explicit, so that praw_* environment variables or a praw.ini cannot switch to
            # a user login or another site
            username=None,
            password=None,
            refresh_token=None,
            site_name="DEFAULT",
        )

    def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        return self._call("GET", path, params=params)

    def post(self, path: str, data: dict[str, Any]) -> Any:
        return self._call("POST", path, data=data)

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        self.stats[f"{method} {_endpoint(path)}"] += 1
        try:
            return self.reddit.request(method=method, path=path, **kwargs)
        except (prawcore.PrawcoreException, praw.exceptions.PRAWException) as err:
            raise to_source_error(self.source, method, path, err) from None
        except ValueError as err:  # e.g. a token response that is not JSON
            raise SourceError(
                self.source.name,
                "malformed_json",
                f"{method} {path}: Reddit sent a response that is not valid JSON ({err})",
            ) from None


def _endpoint(path: str) -> str:
    """A short label for stats: /comments/abc -> /comments, /r/x/new -> /r/*/new."""
    parts = path.strip("/").split("/")
    if parts[0] == "r" and len(parts) > 2:
        return f"/r/*/{parts[2]}"
    return "/" + "/".join(parts[:2] if parts[0] == "api" else parts[:1])


def _credentials(source: RedditSource) -> dict[str, str]:
    if source.replay_dir is not None:
        return dict(REPLAY_CREDENTIALS)
    try:
        return get_credentials(
            source.credentials_conn_id, CREDENTIAL_ENV, required=["client_id", "client_secret"]
        )
    except MissingCredentials as err:
        raise SourceError(
            source.name,
            "missing_credentials",
            f"{err} (a Reddit 'script' app's id and secret: https://www.reddit.com/prefs/apps)",
        ) from None


def to_source_error(source: RedditSource, method: str, path: str, err: Exception) -> SourceError:
    """Map a praw/prawcore exception to a SourceError with a kind and a readable message."""
    name, where = source.name, f"{method} {path}"
    if isinstance(err, prawcore.RequestException):
        cause = err.original_exception
        if isinstance(cause, GaveUp):
            return SourceError(name, cause.kind, cause.message)
        return SourceError(name, "connection", f"{where} failed: {_describe(cause)}")
    if isinstance(err, prawcore.OAuthException):
        return SourceError(name, "auth_failed", f"Reddit refused the token request: {err}")
    if isinstance(err, prawcore.BadJSON):
        snippet = err.response.content[:60].decode("utf-8", "replace")
        return SourceError(
            name,
            "malformed_json",
            f"{where}: Reddit answered HTTP {err.response.status_code} with a body that is not "
            f"valid JSON (starts with {snippet!r})",
        )
    if isinstance(err, prawcore.ResponseException):
        return _status_error(source, where, err.response)
    if isinstance(err, praw.exceptions.RedditAPIException):
        return SourceError(name, "api_error", f"{where}: Reddit reported {err}")
    return SourceError(name, "api_error", f"{where}: {_describe(err)}")


def _status_error(source: RedditSource, where: str, resp: requests.Response) -> SourceError:
    status, name = resp.status_code, source.name
    if "/api/v1/access_token" in (resp.url or "") or status == 401:
        on = "the token request" if "/api/v1/access_token" in (resp.url or "") else where
        return SourceError(
            name,
            "auth_failed",
            f"Reddit refused the credentials (HTTP {status} on {on}): check the Airflow "
            f"connection {source.credentials_conn_id!r} or $REDDIT_CLIENT_ID and "
            "$REDDIT_CLIENT_SECRET",
        )
    if status in (301, 302):
        return SourceError(
            name,
            "not_found",
            f"{where}: Reddit redirected to {resp.headers.get('location')!r}; does the "
            f"subreddit r/{source.subreddit} exist?",
        )
    if status == 403:
        return SourceError(
            name, "forbidden", f"{where}: HTTP 403; r/{source.subreddit} may be private or banned"
        )
    if status == 404:
        return SourceError(name, "not_found", f"{where}: HTTP 404 from {resp.url}")
    return SourceError(name, "http_status", f"{where}: HTTP {status} from {resp.url}")


def open_api(source: RedditSource, client: HttpClient) -> RedditApi:
    return RedditApi(source, client, RETRY)
