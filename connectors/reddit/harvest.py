"""One fetch of one subreddit: recheck, listings, comment trees and bounded `more` expansion."""

from __future__ import annotations

import logging
from collections import Counter, deque
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from connectors.reddit.api import RedditApi
from connectors.reddit.cursor import HASH_CHARS, WATCH_DAYS, Cursor, Mark, Pending
from connectors.reddit.things import (
    MoreStub,
    Thread,
    comment_item,
    listing_things,
    morechildren_things,
    sort_key,
    submission_item,
    thread_of,
    thread_of_comment,
    thread_page,
    walk_tree,
)
from idea_harvester.config import RedditSource

log = logging.getLogger(__name__)

PAGE_SIZE = 100  # Reddit's largest listing page
TREE_PARAMS = {"limit": 500, "sort": "confidence"}
MORECHILDREN_MAX_IDS = 100  # Reddit's limit per /api/morechildren request
INFO_MAX_IDS = 100  # Reddit's limit per /api/info request


class Harvest:
    """Collects the items of one run and moves ``cursor`` (mutated in place)."""

    def __init__(self, source: RedditSource, api: RedditApi, cursor: Cursor, now: datetime):
        self.source = source
        self.api = api
        self.cursor = cursor
        self.now = now
        self.items: dict[str, dict[str, Any]] = {}
        self.stubs: deque[Pending] = deque(cursor.pending)
        self.expansions = 0
        self._replies: Counter[str] = Counter()  # parent fullname -> direct replies seen
        self._edges: set[tuple[str, str]] = set()
        self._in_tree: set[str] = set()  # comments whose replies we saw (not stream-only)

    def run(self) -> list[dict[str, Any]]:
        sub = self.source.subreddit
        if self.cursor.watch:
            self.recheck()
        posts: dict[str, dict[str, Any]] = {}
        if "new" in self.source.listings:
            posts.update((p["name"], p) for p in self.poll("new", f"/r/{sub}/new", {}, "t3"))
        if "search" in self.source.listings:
            for query in self.source.search_queries:
                params = {"q": query, "restrict_sr": 1, "sort": "new", "t": "all"}
                found = self.poll(f"search:{query}", f"/r/{sub}/search", params, "t3")
                posts.update((p["name"], p) for p in found if p["name"] not in posts)
        for post in sorted(posts.values(), key=sort_key):
            self.items[post["name"]] = submission_item(self.source.name, post, self.now)
            self.load_thread(post)
        self.expand()
        if "comments" in self.source.listings:
            for data in self.poll("comments", f"/r/{sub}/comments", {}, "t1"):
                self._edge(data)
                if data["name"] not in self.items:
                    thread = thread_of_comment(data)
                    item = comment_item(self.source.name, data, thread, self.now)
                    self.items[data["name"]] = item
        self._finish(listing_keys(self.source))
        return list(self.items.values())

    # -- listings ---------------------------------------------------------------------------

    def poll(self, key: str, path: str, params: dict[str, Any], kind: str) -> list[dict[str, Any]]:
        """Page through a newest-first listing until the mark (or ``limit`` items)."""
        mark = self.cursor.marks.get(key)
        found: list[dict[str, Any]] = []
        after: str | None = None
        reached = False
        while len(found) < self.source.limit:
            page = {**params, "limit": min(PAGE_SIZE, self.source.limit - len(found))}
            if after:
                page["after"] = after
            things, after = listing_things(self.api.get(path, page), f"GET {path}")
            for thing in things:
                if thing["kind"] != kind:
                    continue
                data = thing["data"]
                if mark is not None and sort_key(data) <= mark.key:
                    reached = True
                    break
                found.append(data)
            if reached or after is None or not things:
                break
        found = found[: self.source.limit]
        if found:
            newest = max(found, key=sort_key)
            self.cursor.marks[key] = Mark(newest["name"], float(newest["created_utc"]))
        if mark is not None and not reached and len(found) >= self.source.limit:
            log.warning(
                "reddit source %s: %s gave %d new items without reaching the last run's mark; "
                "older ones are skipped (poll more often or raise `limit`)",
                self.source.name,
                key,
                len(found),
            )
        return found

    # -- comment trees ----------------------------------------------------------------------

    def load_thread(self, post: dict[str, Any]) -> None:
        path = f"/comments/{post['name'].removeprefix('t3_')}"
        data, things = thread_page(self.api.get(path, dict(TREE_PARAMS)), f"GET {path}")
        thread = thread_of(data)
        comments, stubs = walk_tree(things, thread.fullname)
        self._add_comments(comments, thread)
        self.stubs.extend(Pending(s, thread) for s in stubs)

    def expand(self) -> None:
        """Load `more` stubs, oldest first, within ``more_expansion_budget`` requests."""
        while self.stubs and self.expansions < self.source.more_expansion_budget:
            entry = self.stubs.popleft()
            if not entry.stub.children:  # "continue this thread"
                if entry.stub.parent_id.startswith("t1_"):
                    self.expansions += 1
                    self._continue_thread(entry)
                continue
            entry.stub.children = [c for c in entry.stub.children if not self._known(c)]
            if entry.stub.children:
                self.expansions += 1
                self._more_children(entry)

    def _more_children(self, first: Pending) -> None:
        """One /api/morechildren request for up to 100 ids of one thread's stubs."""
        link, thread = first.stub.link_id, first.thread
        ids = first.stub.children[:MORECHILDREN_MAX_IDS]
        if len(first.stub.children) > MORECHILDREN_MAX_IDS:
            rest = MoreStub(link, first.stub.parent_id, first.stub.children[len(ids) :])
            self.stubs.appendleft(Pending(rest, thread))
        for other in list(self.stubs):
            s = other.stub
            if s.link_id == link and s.children and len(ids) + len(s.children) <= 100:
                ids.extend(s.children)
                self.stubs.remove(other)
        data = {"link_id": link, "children": ",".join(ids), "sort": TREE_PARAMS["sort"]}
        things = morechildren_things(self.api.post("/api/morechildren", data), "morechildren")
        comments, stubs = walk_tree(things, link)
        self._add_comments(comments, thread)
        self.stubs.extend(Pending(s, thread) for s in stubs)

    def _continue_thread(self, entry: Pending) -> None:
        """A "continue this thread" stub: the page of the parent comment's subtree."""
        link36 = entry.stub.link_id.removeprefix("t3_")
        path = f"/comments/{link36}/_/{entry.stub.parent_id.removeprefix('t1_')}"
        _, things = thread_page(self.api.get(path, dict(TREE_PARAMS)), f"GET {path}")
        comments, stubs = walk_tree(things, entry.stub.link_id)
        self._add_comments(comments, entry.thread)
        self.stubs.extend(Pending(s, entry.thread) for s in stubs)

    def _add_comments(self, comments: list[dict[str, Any]], thread: Thread) -> None:
        for data in comments:
            name = data.get("name")
            if not isinstance(name, str):
                continue
            sort_key(data)  # validates name and created_utc
            self._edge(data)
            self._in_tree.add(name)
            if name not in self.items:
                self.items[name] = comment_item(self.source.name, data, thread, self.now)

    def _edge(self, data: dict[str, Any]) -> None:
        """Count a comment as a reply of its parent, once."""
        name, parent = data.get("name"), data.get("parent_id")
        if isinstance(name, str) and isinstance(parent, str) and (parent, name) not in self._edges:
            self._edges.add((parent, name))
            self._replies[parent] += 1

    def _known(self, id36: str) -> bool:
        name = f"t1_{id36}"
        return name in self.items or name in self.cursor.watch

    # -- edits and deletions ----------------------------------------------------------------

    def recheck(self) -> None:
        """Look up recent items again (/api/info); keep those whose content changed."""
        watch = self.cursor.watch
        changed: list[dict[str, Any]] = []
        threads: dict[str, Thread] = {}
        for data, kind in self._info(list(watch)):
            name = data.get("name")
            if name not in watch:
                continue
            if kind == "t3":
                threads[name] = thread_of(data)
                item = submission_item(self.source.name, data, self.now)
                if item["content_hash"][:HASH_CHARS] != watch[name][0]:
                    self.items[name] = item
            elif kind == "t1":
                probe = comment_item(self.source.name, data, Thread("", None, ""), self.now)
                if probe["content_hash"][:HASH_CHARS] != watch[name][0]:
                    changed.append(data)
        missing = sorted({str(d.get("link_id")) for d in changed} - set(threads))
        for data, kind in self._info(missing):
            if kind == "t3":
                threads[data["name"]] = thread_of(data)
        for data in changed:
            thread = threads.get(str(data.get("link_id"))) or thread_of_comment(data)
            self.items[data["name"]] = comment_item(self.source.name, data, thread, self.now)
        if self.items:
            log.info("reddit source %s: %d items changed", self.source.name, len(self.items))

    def _info(self, fullnames: list[str]) -> Iterator[tuple[dict[str, Any], str]]:
        for start in range(0, len(fullnames), INFO_MAX_IDS):
            chunk = ",".join(fullnames[start : start + INFO_MAX_IDS])
            things, _ = listing_things(self.api.get("/api/info", {"id": chunk}), "GET /api/info")
            for thing in things:
                yield thing["data"], thing["kind"]

    # -- the end of a run -------------------------------------------------------------------

    def _finish(self, keys: set[str]) -> None:
        # marks of listings no longer configured would only grow the cursor
        self.cursor.marks = {k: m for k, m in self.cursor.marks.items() if k in keys}
        for name in self._in_tree:
            if name in self.items:
                self.items[name]["count_comments"] = self._replies[name]
        self.cursor.pending = []
        for entry in self.stubs:  # the comment stream may have brought some of their ids
            children = [c for c in entry.stub.children if not self._known(c)]
            if children or not entry.stub.children:
                entry.stub.children = children
                self.cursor.pending.append(entry)
        since = self.now.timestamp() - WATCH_DAYS * 86400
        entries = dict(self.cursor.watch)
        for name, item in self.items.items():
            when = item["published_at"]
            if when is not None:
                entries[name] = (item["content_hash"][:HASH_CHARS], when.timestamp())
        self.cursor.set_watch(entries, since)
        log.info(
            "reddit source %s: %d items, %d requests, %d of %d `more` expansions, %d stubs left",
            self.source.name,
            len(self.items),
            self.api.stats["requests"],
            self.expansions,
            self.source.more_expansion_budget,
            len(self.cursor.pending),
        )


def listing_keys(source: RedditSource) -> set[str]:
    """The cursor's mark keys for the listings the source polls."""
    keys = {name for name in source.listings if name != "search"}
    if "search" in source.listings:
        keys |= {f"search:{q}" for q in source.search_queries}
    return keys
