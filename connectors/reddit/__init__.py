"""The Reddit connector: a subreddit's new submissions with their comment trees, its comment
stream and configured searches, through praw (see ``api``), incremental by a cursor.

Each run: (1) looks up the items of the last 7 days again (``/api/info``, at most 200, two
requests) and keeps those whose text changed: edits, deletions, removals (see ``things``);
(2) polls ``/r/X/new`` and each ``/r/X/search?q=...&restrict_sr=1&sort=new`` newest first
down to the last run's mark (at most ``limit`` items each), loads each new submission's
comment tree (``/comments/{id}``) and expands its ``more`` stubs with ``/api/morechildren``
(or the "continue this thread" page), at most ``more_expansion_budget`` requests per run;
stubs left over wait in the cursor for the next run, oldest first; (3) polls the comment
stream ``/r/X/comments`` down to its mark, which brings new comments on older threads.
Reddit's listings stop at about 1,000 items: poll often enough; nothing is backfilled.

Cursor (JSON)::

    {"version": 1,
     "marks": {"new": {"fullname": "t3_…", "created_utc": 1763…},
               "comments": {...}, "search:I wish": {...}},      # newest thing per listing
     "pending_more": [{"link_id": "t3_…", "parent_id": "t1_…", "children": ["id36", …],
                       "count": 4, "title": "…", "permalink": "/r/…/"}],
     "watch": {"t1_…": ["<first 12 hex of content_hash>", created_utc], …}}

A listing's item is new when (created_utc, base-36 id) is above its mark, so a deleted mark
item does no harm (unlike Reddit's ``before=``). A post approved by moderators long after it
was created can be missed: its created_utc is already behind the mark.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from connectors.base import FetchResult, SourceError
from connectors.http import HttpClient
from connectors.reddit.api import open_api
from connectors.reddit.cursor import Cursor
from connectors.reddit.harvest import Harvest
from connectors.reddit.things import CHANNEL, ShapeError
from idea_harvester.config import RedditSource

__all__ = ["CHANNEL", "fetch"]


def fetch(
    source: RedditSource, cursor: dict[str, Any] | None, client: HttpClient, now: datetime
) -> FetchResult:
    """Fetch what is new in one subreddit; raise SourceError when it cannot be fetched."""
    now = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
    state = Cursor.load(cursor)
    api = open_api(source, client)
    try:
        items = Harvest(source, api, state, now).run()
    except ShapeError as err:
        raise SourceError(source.name, "unexpected_shape", str(err)) from None
    return FetchResult(source.name, CHANNEL, items, state.dump())
