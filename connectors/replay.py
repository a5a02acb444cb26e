"""Replay client: a ``requests.Session`` that answers from recorded responses in a folder.

Every connector takes a session; give it a ``ReplaySession`` and it runs offline (the demo,
tests). The folder holds ``recordings.json``::

    [{"method": "GET", "url": "https://oauth.reddit.com/r/kestrel/new",
      "params": {"limit": "100"},          # optional: these must match (others are ignored)
      "data": {"link_id": "t3_x"},         # optional: form fields that must match
      "status": 200, "headers": {"Content-Type": "application/json"},
      "body_file": "new.json"}]            # or "body": "..." inline

The host of a recorded URL is ignored, so recordings replay whatever base URL is configured.
The first matching recording answers; an unmatched request fails with a clear error.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

import requests
from requests.structures import CaseInsensitiveDict

INDEX_FILE = "recordings.json"


class ReplayMiss(requests.ConnectionError):
    """No recording matches the request (raised like a network failure)."""


@dataclass
class Recording:
    method: str
    path: str
    params: dict[str, str] = field(default_factory=dict)
    data: dict[str, str] = field(default_factory=dict)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    def matches(self, method: str, path: str, params: dict[str, str], data: dict[str, str]):
        return (
            self.method == method
            and self.path == path
            and all(params.get(k) == v for k, v in self.params.items())
            and all(data.get(k) == v for k, v in self.data.items())
        )


def _norm_path(path: str) -> str:
    return "/" + path.strip("/")


def _as_str_dict(values: Any) -> dict[str, str]:
    if not values:
        return {}
    if isinstance(values, dict):
        return {str(k): str(v) for k, v in values.items() if v is not None}
    if isinstance(values, str | bytes):
        text = values.decode() if isinstance(values, bytes) else values
        return dict(parse_qsl(text, keep_blank_values=True))
    return {str(k): str(v) for k, v in values}


def load_recordings(folder: Path) -> list[Recording]:
    index = Path(folder) / INDEX_FILE
    if not index.is_file():
        raise FileNotFoundError(f"replay folder {folder} has no {INDEX_FILE}")
    out = []
    for n, entry in enumerate(json.loads(index.read_text(encoding="utf-8"))):
        try:
            if "body_file" in entry:
                body = (Path(folder) / entry["body_file"]).read_bytes()
            else:
                body = str(entry.get("body", "")).encode("utf-8")
            out.append(
                Recording(
                    method=entry.get("method", "GET").upper(),
                    path=_norm_path(urlsplit(entry["url"]).path),
                    params=_as_str_dict(entry.get("params")),
                    data=_as_str_dict(entry.get("data")),
                    status=int(entry.get("status", 200)),
                    headers=dict(entry.get("headers", {})),
                    body=body,
                )
            )
        except (KeyError, OSError, ValueError) as err:
            raise ValueError(f"{index}: recording #{n} is invalid: {err}") from err
    return out


class ReplaySession(requests.Session):
    """Serves recorded responses; no network is used."""

    def __init__(self, folder: Path):
        super().__init__()
        self.folder = Path(folder)
        self.recordings = load_recordings(self.folder)
        self.calls: list[tuple[str, str]] = []

    def request(self, method, url, params=None, data=None, headers=None, **kwargs):  # noqa: D102
        parts = urlsplit(url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        query.update(_as_str_dict(params))
        form = _as_str_dict(data)
        path = _norm_path(parts.path)
        self.calls.append((method.upper(), url))
        for rec in self.recordings:
            if rec.matches(method.upper(), path, query, form):
                return self._response(rec, url, method, headers)
        raise ReplayMiss(
            f"no recorded response in {self.folder} for {method.upper()} {path} "
            f"params={query} data={form}"
        )

    @staticmethod
    def _response(rec: Recording, url: str, method: str, headers) -> requests.Response:
        resp = requests.Response()
        resp.status_code = rec.status
        resp.headers = CaseInsensitiveDict(rec.headers)
        resp._content = rec.body
        resp._content_consumed = True
        resp.url = url
        resp.encoding = "utf-8"
        resp.request = requests.Request(method.upper(), url, headers=headers).prepare()
        resp.reason = "OK" if rec.status < 400 else "Error"
        return resp
