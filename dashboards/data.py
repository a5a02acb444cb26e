"""Read what the dashboard shows from the warehouse (marts, plus raw/core counts if present).

Columns of ``marts.top_ideas`` beyond the ones known here are kept in ``Idea.extras``; those
named ``score_*`` are the parts of the score and get their own table columns. Mentions are
streamed idea by idea so that thousands of idea pages never sit in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import duckdb

#: The marts' spike columns: an idea page shows them as one fact ("Posts and comments, last
#: 7 days: 4 (usual 1.75, ×2.29) · spiking"), not one by one.
SPIKE_COLUMNS = frozenset(
    {
        "count_mentions_window",
        "count_mentions_baseline",
        "spike_growth",
        "is_spiking",
        "spike_as_of",
    }
)
KNOWN_COLUMNS = frozenset(
    {
        "idea_rank",
        "idea_id",
        "label",
        "representative_quote",
        "representative_url",
        "score",
        "count_mentions",
        "count_distinct_authors",
        "count_items",
        "count_channels",
        "channels",
        "languages",
        "first_mentioned_at",
        "last_mentioned_at",
        "total_engagement",
    }
)


@dataclass(frozen=True)
class Column:
    """An extra column of ``marts.top_ideas`` with its documentation comment."""

    name: str
    comment: str = ""

    @property
    def title(self) -> str:
        """Human name: ``score_authors`` -> ``+Authors`` for score parts (what adds up to
        the score, told apart from the counts beside it: "Authors", "Engagement")."""
        if self.name.startswith("score_") and self.name != "score_":
            bare = self.name.removeprefix("score_").replace("_", " ").strip()
            return f"+{bare.capitalize()}" if bare else self.name
        return self.name.replace("_", " ").strip().capitalize() or self.name


@dataclass(frozen=True)
class Counts:
    """Headline numbers; ``None`` when the source table is absent."""

    items: int | None = None
    suggestions: int | None = None
    ideas: int | None = None
    new_ideas: int | None = None
    mentions: int | None = None


@dataclass
class Idea:
    """One row of ``marts.top_ideas``."""

    rank: int
    idea_id: str
    label: str = ""
    quote: str | None = None
    url: str | None = None
    score: float | None = None
    mentions: int = 0
    authors: int = 0
    items: int = 0
    count_channels: int = 0
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    engagement: int | None = None
    extras: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Mention:
    """One row of ``marts.idea_mentions``."""

    quote: str | None
    item_title: str | None
    author: str | None
    channel: str | None
    source_name: str | None
    language: str | None
    mentioned_at: datetime | None
    url: str | None


@dataclass(frozen=True)
class DailyRow:
    """One row of ``marts.idea_mentions_daily``: ``count`` mentions (suggestions) from
    ``items`` posts and comments (an item that asks twice is one)."""

    idea_id: str
    day: date
    channel: str
    language: str
    count: int
    items: int


@dataclass(frozen=True)
class AlertRow:
    """One row of ``meta.alerts``, for the alerts page."""

    kind: str
    idea_id: str
    label: str | None
    alert_key: str
    detected_at: datetime | None
    status: str
    attempts: int
    message_text: str


@dataclass
class SiteData:
    """Everything but the mentions (see :func:`iter_mentions`)."""

    counts: Counts = field(default_factory=Counts)
    ideas: list[Idea] = field(default_factory=list)
    score_parts: list[Column] = field(default_factory=list)
    extra_columns: list[Column] = field(default_factory=list)
    spike_column: str | None = None
    daily: list[DailyRow] = field(default_factory=list)
    alerts: list[AlertRow] | None = None


def tables(con: duckdb.DuckDBPyConnection) -> set[str]:
    """``schema.table`` names of the connection's current database."""
    rows = con.execute(
        "SELECT table_schema || '.' || table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database()"
    ).fetchall()
    return {str(name) for (name,) in rows}


def _scalar(con: duckdb.DuckDBPyConnection, sql: str, params: list | None = None) -> int:
    row = con.execute(sql, params or []).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def load_counts(con: duckdb.DuckDBPyConnection, have: set[str], run_at: datetime) -> Counts:
    """Items harvested, suggestions, ideas, ideas first seen in the 7 days to ``run_at``."""
    week_ago = run_at - timedelta(days=7)
    ideas = new_ideas = None
    if "core.ideas" in have:
        ideas = _scalar(con, "SELECT count(*) FROM core.ideas WHERE count_members > 0")
        new_ideas = _scalar(
            con,
            "SELECT count(*) FROM core.ideas WHERE count_members > 0 "
            "AND first_mentioned_at > ? AND first_mentioned_at <= ?",
            [week_ago, run_at],
        )
    elif "marts.top_ideas" in have:
        ideas = _scalar(con, "SELECT count(*) FROM marts.top_ideas")
        new_ideas = _scalar(
            con,
            "SELECT count(*) FROM marts.top_ideas "
            "WHERE first_mentioned_at > ? AND first_mentioned_at <= ?",
            [week_ago, run_at],
        )
    return Counts(
        items=_scalar(con, "SELECT count(*) FROM raw.items") if "raw.items" in have else None,
        suggestions=(
            _scalar(con, "SELECT count(*) FROM core.suggestions")
            if "core.suggestions" in have
            else None
        ),
        ideas=ideas,
        new_ideas=new_ideas,
        mentions=(
            _scalar(con, "SELECT count(*) FROM marts.idea_mentions")
            if "marts.idea_mentions" in have
            else None
        ),
    )


def _columns(con: duckdb.DuckDBPyConnection, mart: str = "top_ideas") -> list[Column]:
    rows = con.execute(
        "SELECT column_name, coalesce(comment, '') FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = 'marts' "
        "AND table_name = ? ORDER BY column_index",
        [mart],
    ).fetchall()
    return [Column(str(name), str(comment)) for name, comment in rows]


def _idea(row: dict[str, Any], extras: list[Column]) -> Idea:
    def num(name: str) -> int:
        return int(row.get(name) or 0)

    score = row.get("score")
    engagement = row.get("total_engagement")
    return Idea(
        rank=num("idea_rank"),
        idea_id=str(row["idea_id"]),
        label=str(row.get("label") or row.get("representative_quote") or "(unlabelled idea)"),
        quote=row.get("representative_quote"),
        url=row.get("representative_url"),
        score=None if score is None else float(score),
        mentions=num("count_mentions"),
        authors=num("count_distinct_authors"),
        items=num("count_items"),
        count_channels=num("count_channels"),
        channels=tuple(sorted(str(c) for c in row.get("channels") or () if c)),
        languages=tuple(sorted(str(c) for c in row.get("languages") or () if c)),
        first_seen=row.get("first_mentioned_at"),
        last_seen=row.get("last_mentioned_at"),
        engagement=None if engagement is None else int(engagement),
        extras={c.name: row.get(c.name) for c in extras},
    )


def _is_scalar(value: object) -> bool:
    return value is None or isinstance(value, (int, float, str, bool, date))


def load_site_data(con: duckdb.DuckDBPyConnection, run_at: datetime) -> SiteData:
    """Read counts, ranked ideas, daily counts and alerts; absent tables give empty parts."""
    con.execute("SET TimeZone = 'UTC'")
    have = tables(con)
    data = SiteData(counts=load_counts(con, have, run_at))
    if "marts.top_ideas" in have:
        extras = [c for c in _columns(con) if c.name not in KNOWN_COLUMNS]
        result = con.execute("SELECT * FROM marts.top_ideas ORDER BY idea_rank, idea_id")
        names = [d[0] for d in result.description]
        data.ideas = [_idea(dict(zip(names, r, strict=True)), extras) for r in result.fetchall()]
        data.score_parts = [c for c in extras if c.name.startswith("score_")]
        sample = data.ideas[0].extras if data.ideas else {}
        data.extra_columns = [
            c
            for c in extras
            if not c.name.startswith("score_")
            and c.name not in SPIKE_COLUMNS
            and _is_scalar(sample.get(c.name))
        ]
        spiky = [
            c.name for c in extras if "spik" in c.name and isinstance(sample.get(c.name), bool)
        ]
        data.spike_column = spiky[0] if spiky else None
    if "marts.idea_mentions_daily" in have:
        # Spikes count items (an item that asks twice counts once), as the marts do; a
        # warehouse from before that column counts suggestions there too.
        items = (
            "coalesce(count_items, count_mentions)"
            if any(c.name == "count_items" for c in _columns(con, "idea_mentions_daily"))
            else "count_mentions"
        )
        rows = con.execute(
            f"SELECT idea_id, mention_date, channel, language, count_mentions, {items} "
            "FROM marts.idea_mentions_daily WHERE mention_date IS NOT NULL "
            "ORDER BY mention_date, idea_id, channel, language"
        ).fetchall()
        data.daily = [
            DailyRow(str(i), d, str(c), str(lang), int(n or 0), int(k or 0))
            for i, d, c, lang, n, k in rows
        ]
    if "meta.alerts" in have:
        rows = con.execute(
            "SELECT kind, idea_id, label, alert_key, detected_at, status, attempts, message_text "
            "FROM meta.alerts ORDER BY detected_at DESC, alert_id"
        ).fetchall()
        data.alerts = [AlertRow(*r) for r in rows]
    return data


def iter_mentions(
    con: duckdb.DuckDBPyConnection, batch: int = 5000
) -> Iterator[tuple[str, list[Mention]]]:
    """(idea_id, mentions newest first) for each ranked idea that has mentions."""
    have = tables(con)
    if "marts.idea_mentions" not in have or "marts.top_ideas" not in have:
        return
    cursor = con.cursor()  # its own result set: the caller may query meanwhile
    cursor.execute("SET TimeZone = 'UTC'")
    result = cursor.execute(
        """
        SELECT idea_id, quote, item_title, author, channel, source_name, language,
               mentioned_at, url
        FROM marts.idea_mentions
        WHERE idea_id IN (SELECT idea_id FROM marts.top_ideas)
        ORDER BY idea_id, mentioned_at DESC NULLS LAST, sentence_id
        """
    )
    current: str | None = None
    bucket: list[Mention] = []
    while rows := result.fetchmany(batch):
        for idea_id, *rest in rows:
            if idea_id != current:
                if current is not None:
                    yield current, bucket
                current, bucket = idea_id, []
            bucket.append(Mention(*rest))
    if current is not None:
        yield current, bucket
