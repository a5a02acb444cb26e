"""Trends from daily mention counts: weekly series and ideas spiking against their baseline.

Pure functions of the counts and of ``as_of`` (the run's logical day), never of the clock,
so the dashboard and the alerts agree and a rerun of a run gives the same answer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta


@dataclass(frozen=True)
class SpikeRule:
    """An idea spikes when its mentions in the last ``window_days`` (to ``as_of``) reach
    ``min_mentions`` and ``ratio`` times its average per window over the
    ``baseline_weeks`` before (an average under 1 counts as 1). The daily counts are items
    mentioning the idea (``marts.idea_mentions_daily.count_items``), as in the marts."""

    window_days: int = 7
    baseline_weeks: int = 4
    min_mentions: int = 3
    ratio: float = 2.0

    @classmethod
    def from_settings(cls, settings: object) -> SpikeRule:
        """Build from a :class:`~idea_harvester.config.DashboardSettings`."""
        return cls(
            window_days=settings.spike_window_days,
            baseline_weeks=settings.spike_baseline_weeks,
            min_mentions=settings.spike_min_mentions,
            ratio=settings.spike_ratio,
        )


@dataclass(frozen=True)
class Trend:
    """How an idea moves: mentions in the window against its own baseline."""

    idea_id: str
    recent: int
    baseline: float
    growth: float
    spiking: bool


def week_start(day: date) -> date:
    """Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


def iso_week(day: date) -> str:
    """ISO week label such as ``2026-W48``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def daily_totals(rows: Iterable[tuple[str, date, int]]) -> dict[str, dict[date, int]]:
    """Sum (idea_id, day, count) rows over channels and languages: idea -> day -> count."""
    out: dict[str, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for idea_id, day, count in rows:
        out[idea_id][day] += int(count or 0)
    return {idea: dict(days) for idea, days in out.items()}


def weekly_series(counts: Mapping[date, int], last_week: date, weeks: int) -> list[int]:
    """Mentions per week for the ``weeks`` weeks ending with the week of ``last_week``."""
    end = week_start(last_week)
    start = end - timedelta(weeks=weeks - 1)
    series = [0] * weeks
    for day, count in counts.items():
        if start <= day < end + timedelta(days=7):
            series[(week_start(day) - start).days // 7] += int(count)
    return series


def trend(idea_id: str, counts: Mapping[date, int], as_of: date, rule: SpikeRule) -> Trend:
    """Mentions in the window ending ``as_of`` against the baseline before it."""
    window_start = as_of - timedelta(days=rule.window_days - 1)
    baseline_days = rule.baseline_weeks * 7
    baseline_start = window_start - timedelta(days=baseline_days)
    recent = sum(c for d, c in counts.items() if window_start <= d <= as_of)
    before = sum(c for d, c in counts.items() if baseline_start <= d < window_start)
    baseline = before * rule.window_days / baseline_days
    growth = recent / max(baseline, 1.0)
    spiking = recent >= rule.min_mentions and growth >= rule.ratio
    return Trend(idea_id, recent, round(baseline, 3), round(growth, 3), spiking)


def emerging(
    totals: Mapping[str, Mapping[date, int]],
    as_of: date,
    rule: SpikeRule,
    flags: Mapping[str, bool] | None = None,
) -> list[Trend]:
    """Spiking ideas, strongest growth first. ``flags`` (idea -> spiking), when the marts
    carry a spike column, decide instead of the rule."""
    found = []
    for idea_id, counts in totals.items():
        t = trend(idea_id, counts, as_of, rule)
        if flags is not None:
            t = Trend(t.idea_id, t.recent, t.baseline, t.growth, bool(flags.get(idea_id)))
        if t.spiking:
            found.append(t)
    return sorted(found, key=lambda t: (-t.growth, -t.recent, t.idea_id))
