"""Rebuild the marts from core, in the caller's transaction.

Marts are derived entirely from core, so they are refreshed wholesale (delete + insert into
tables created by the migrations, which keeps their documented columns). Nothing here reads
the clock: the same core gives the same marts.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb

MART_TABLES = ("marts.top_ideas", "marts.idea_mentions", "marts.idea_mentions_daily")

_IDEA_MENTIONS = """
INSERT INTO marts.idea_mentions
SELECT m.sentence_id, m.idea_id, g.suggestion_text, coalesce(r.title, r.thread_title),
       m.item_id, m.source_name, m.channel, m.author, m.mentioned_at, m.url, m.language
FROM core.mentions m
JOIN core.suggestions g USING (sentence_id)
JOIN raw.items r ON r.item_id = m.item_id
"""

_DAILY = """
INSERT INTO marts.idea_mentions_daily
SELECT idea_id, CAST(timezone('UTC', mentioned_at) AS DATE), channel, language, count(*),
       count(DISTINCT item_id)
FROM core.mentions
WHERE mentioned_at IS NOT NULL
GROUP BY ALL
"""


@dataclass(frozen=True)
class SpikeWindow:
    """An idea spikes when its mentions in the ``window_days`` up to ``as_of`` reach
    ``min_mentions`` and ``ratio`` times its average per window over the ``baseline_weeks``
    before (an average under 1 counts as 1). Mentions are counted as items (posts,
    comments): an item that asks twice counts once. The same rule as ``dashboards.trends``."""

    window_days: int = 7
    baseline_weeks: int = 4
    min_mentions: int = 3
    ratio: float = 2.0


_TOP_IDEAS = """
INSERT INTO marts.top_ideas
WITH as_of AS (
    SELECT coalesce(CAST(? AS DATE),
                    (SELECT max(CAST(timezone('UTC', mentioned_at) AS DATE)) FROM core.mentions))
           AS day
),
spikes AS (
    SELECT m.idea_id,
           -- items, not sentences: one post that asks three times is no spike
           count(DISTINCT m.item_id) FILTER (WHERE d.day > a.day - ?::INTEGER AND d.day <= a.day)
               AS count_mentions_window,
           count(DISTINCT m.item_id) FILTER (WHERE d.day <= a.day - ?::INTEGER
                              AND d.day > a.day - ?::INTEGER - 7 * ?::INTEGER)
               * ?::DOUBLE / (7 * ?::INTEGER) AS count_mentions_baseline,
           any_value(a.day) AS spike_as_of
    FROM core.mentions m
    CROSS JOIN as_of a
    CROSS JOIN LATERAL (SELECT CAST(timezone('UTC', m.mentioned_at) AS DATE) AS day) d
    GROUP BY m.idea_id
),
stats AS (
    SELECT m.idea_id,
           count(*) AS count_mentions,
           count(DISTINCT coalesce(nullif(lower(trim(m.author)), ''), 'item:' || m.item_id))
               AS count_distinct_authors,
           count(DISTINCT m.item_id) AS count_items,
           count(DISTINCT m.channel) AS count_channels,
           list_sort(list_distinct(list(m.channel))) AS channels,
           list_sort(list_distinct(list(m.language))) AS languages,
           min(m.mentioned_at) AS first_mentioned_at,
           max(m.mentioned_at) AS last_mentioned_at
    FROM core.mentions m
    GROUP BY m.idea_id
),
engagement AS (
    SELECT idea_id, sum(coalesce(r.score, 0) + coalesce(r.count_comments, 0)) AS total_engagement
    FROM (SELECT DISTINCT idea_id, item_id FROM core.mentions) mi
    JOIN raw.items r USING (item_id)
    GROUP BY idea_id
),
recency AS (
    -- each distinct author counts once, by their latest mention, halving every 14 days
    SELECT idea_id, sum(weight) AS mention_weight FROM (
        SELECT m.idea_id,
               max(pow(2, -epoch(newest.at - m.mentioned_at) / 86400 / 14)) AS weight
        FROM core.mentions m, (SELECT max(mentioned_at) AS at FROM core.mentions) newest
        WHERE m.mentioned_at IS NOT NULL
        GROUP BY m.idea_id,
                 coalesce(nullif(lower(trim(m.author)), ''), 'item:' || m.item_id)
    ) GROUP BY idea_id
),
parts AS (
    SELECT s.*, coalesce(e.total_engagement, 0) AS total_engagement,
           1.0 * s.count_distinct_authors AS score_authors,
           -- an item that asks twice (a title and its text) repeats nothing
           0.5 * (s.count_items - s.count_distinct_authors) AS score_repeats,
           0.5 * (s.count_channels - 1) AS score_channels,
           0.25 * ln(1 + greatest(coalesce(e.total_engagement, 0), 0)) AS score_engagement,
           coalesce(r.mention_weight, 0) AS score_recency
    FROM stats s LEFT JOIN engagement e USING (idea_id) LEFT JOIN recency r USING (idea_id)
),
scored AS (
    SELECT *, score_authors + score_repeats + score_channels + score_engagement + score_recency
              AS score
    FROM parts
)
SELECT row_number() OVER (ORDER BY s.score DESC, s.first_mentioned_at, s.idea_id) AS idea_rank,
       s.idea_id,
       coalesce(i.label, CASE WHEN length(g.suggestion_text) > 80
                              THEN rtrim(left(g.suggestion_text, 77)) || '...'
                              ELSE g.suggestion_text END) AS label,
       g.suggestion_text AS representative_quote,
       r.url AS representative_url,
       round(s.score, 4) AS score,
       s.count_mentions, s.count_distinct_authors, s.count_items, s.count_channels,
       s.channels, s.languages, s.first_mentioned_at, s.last_mentioned_at, s.total_engagement,
       round(s.score_authors, 4), round(s.score_repeats, 4), round(s.score_channels, 4),
       round(s.score_engagement, 4), round(s.score_recency, 4),
       k.count_mentions_window,
       round(k.count_mentions_baseline, 4),
       round(k.count_mentions_window / greatest(k.count_mentions_baseline, 1.0), 4),
       k.count_mentions_window >= ?
           AND k.count_mentions_window / greatest(k.count_mentions_baseline, 1.0) >= ?,
       k.spike_as_of
FROM scored s
JOIN spikes k USING (idea_id)
JOIN core.ideas i USING (idea_id)
JOIN core.suggestions g ON g.sentence_id = i.representative_sentence_id
JOIN raw.items r ON r.item_id = g.item_id
WHERE i.count_members > 0
QUALIFY idea_rank <= ?
"""


def build_marts(
    con: duckdb.DuckDBPyConnection,
    top_ideas_limit: int,
    as_of: date | None = None,
    spike: SpikeWindow = SpikeWindow(),
) -> dict[str, int]:
    """Refresh every mart; returns row counts. ``as_of`` ends the spike window (the run's
    logical date); without it, the newest mention's day does, so rebuilds stay identical."""
    for table in MART_TABLES:
        con.execute(f"DELETE FROM {table}")
    con.execute(_IDEA_MENTIONS)
    con.execute(_DAILY)
    w, b = spike.window_days, spike.baseline_weeks
    con.execute(
        _TOP_IDEAS,
        [as_of, w, w, w, b, w, b, spike.min_mentions, spike.ratio, top_ideas_limit],
    )
    return {
        table: con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in MART_TABLES
    }
