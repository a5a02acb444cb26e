"""The Reddit cursor, stored as JSON with each landing batch (see connectors/reddit/__init__).

Reddit's listings stop at about 1,000 items, so nothing here backfills: each run polls the
newest items, keeps what is newer than the marks, and persists the new marks.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from connectors.reddit.things import MoreStub, Thread

log = logging.getLogger(__name__)

VERSION = 1
#: `more` stubs left for later runs hold at most this many comment ids (oldest dropped).
PENDING_MAX_IDS = 1000
#: Items rechecked for edits and deletions: those of the last WATCH_DAYS, at most WATCH_MAX.
WATCH_DAYS = 7
WATCH_MAX = 200
HASH_CHARS = 12


@dataclass(frozen=True)
class Mark:
    """The newest thing a listing returned: its fullname and created_utc."""

    fullname: str
    created_utc: float

    @property
    def key(self) -> tuple[float, int]:
        try:
            number = int(self.fullname.split("_", 1)[1], 36)
        except (IndexError, ValueError):
            number = 0
        return self.created_utc, number

    def as_json(self) -> dict[str, Any]:
        return {"fullname": self.fullname, "created_utc": self.created_utc}

    @classmethod
    def from_json(cls, value: Any) -> Mark | None:
        if not isinstance(value, dict):
            return None
        name, created = value.get("fullname"), value.get("created_utc")
        if not isinstance(name, str) or not isinstance(created, int | float):
            return None
        return cls(name, float(created))


@dataclass
class Pending:
    """A `more` stub not expanded yet, with its thread (later runs have no submission page)."""

    stub: MoreStub
    thread: Thread

    def as_json(self) -> dict[str, Any]:
        return {
            **self.stub.as_json(),
            "title": self.thread.title,
            "permalink": self.thread.permalink,
        }

    @classmethod
    def from_json(cls, value: Any) -> Pending | None:
        stub = MoreStub.from_json(value)
        if stub is None:
            return None
        title = value.get("title") if isinstance(value.get("title"), str) else None
        permalink = value.get("permalink") if isinstance(value.get("permalink"), str) else ""
        return cls(stub, Thread(stub.link_id, title, permalink))


@dataclass
class Cursor:
    marks: dict[str, Mark] = field(default_factory=dict)
    pending: list[Pending] = field(default_factory=list)
    #: fullname -> (first HASH_CHARS of content_hash, created_utc)
    watch: dict[str, tuple[str, float]] = field(default_factory=dict)

    @classmethod
    def load(cls, value: dict[str, Any] | None) -> Cursor:
        if not value:
            return cls()
        if value.get("version") != VERSION:
            log.warning("ignoring a Reddit cursor of unknown version %r", value.get("version"))
            return cls()
        marks = {
            k: m
            for k, v in (value.get("marks") or {}).items()
            if (m := Mark.from_json(v)) is not None
        }
        pending = [p for v in value.get("pending_more") or [] if (p := Pending.from_json(v))]
        watch = {}
        for name, entry in (value.get("watch") or {}).items():
            if isinstance(entry, list) and len(entry) == 2 and isinstance(entry[1], int | float):
                watch[str(name)] = (str(entry[0]), float(entry[1]))
        return cls(marks, pending, watch)

    def dump(self) -> dict[str, Any]:
        return {
            "version": VERSION,
            "marks": {k: m.as_json() for k, m in sorted(self.marks.items())},
            "pending_more": [p.as_json() for p in _cap_pending(self.pending)],
            "watch": {k: [h, t] for k, (h, t) in sorted(self.watch.items())},
        }

    def set_watch(self, entries: dict[str, tuple[str, float]], since: float) -> None:
        """Keep the newest WATCH_MAX entries created at ``since`` or later."""
        recent = [(t, name, h) for name, (h, t) in entries.items() if t >= since]
        recent.sort(reverse=True)
        self.watch = {name: (h, t) for t, name, h in recent[:WATCH_MAX]}


def _cap_pending(pending: list[Pending]) -> list[Pending]:
    """Keep the newest stubs (the end of the list) within PENDING_MAX_IDS comment ids."""
    kept: list[Pending] = []
    total = 0
    for entry in reversed(pending):
        size = max(len(entry.stub.children), 1)
        if total + size > PENDING_MAX_IDS:
            dropped = len(pending) - len(kept)
            log.warning("dropping %d unexpanded 'more' stubs beyond the cap", dropped)
            break
        kept.append(entry)
        total += size
    return list(reversed(kept))
