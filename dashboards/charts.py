"""Chart data, shaped for the Plotly charts that ``assets/app.js`` draws.

Python only shapes numbers and category names into compact JSON; the page script builds the
Plotly figures (so that filters can redraw them) and passes every category name through its
``plotText`` escape, since Plotly reads a few HTML tags in text.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from dashboards.data import DailyRow
from dashboards.trends import week_start


def _index(values: Iterable[str]) -> dict[str, int]:
    return {v: i for i, v in enumerate(sorted(set(values)))}


def overview_series(daily: Sequence[DailyRow]) -> dict[str, Any]:
    """All mentions per day, channel and language, for the filterable overview charts.

    Rows are ``[day offset from start, channel index, language index, count]``.
    """
    if not daily:
        return {"start": None, "end": None, "channels": [], "languages": [], "rows": []}
    start = min(r.day for r in daily)
    end = max(r.day for r in daily)
    channels = _index(r.channel for r in daily)
    languages = _index(r.language for r in daily)
    merged: dict[tuple[int, int, int], int] = defaultdict(int)
    for r in daily:
        merged[((r.day - start).days, channels[r.channel], languages[r.language])] += r.count
    return {
        "start": start.isoformat(),
        "end": end.isoformat(),
        "channels": list(channels),
        "languages": list(languages),
        "rows": [[d, c, lang, n] for (d, c, lang), n in sorted(merged.items())],
    }


def idea_weekly(daily: Sequence[DailyRow], as_of: date) -> dict[str, Any]:
    """One idea's mentions per week and channel, from its first week to the run's week."""
    if not daily:
        return {"weeks": [], "series": []}
    first = week_start(min(r.day for r in daily))
    last = week_start(max(as_of, max(r.day for r in daily)))
    weeks = [first + timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]
    by_channel: dict[str, list[int]] = {}
    for r in daily:
        series = by_channel.setdefault(r.channel, [0] * len(weeks))
        series[(week_start(r.day) - first).days // 7] += r.count
    return {
        "weeks": [w.isoformat() for w in weeks],
        "series": [{"name": name, "y": by_channel[name]} for name in sorted(by_channel)],
    }
