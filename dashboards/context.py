"""What every page needs: the loaded data plus derived trends, links and settings."""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from dashboards.data import DailyRow, Idea, SiteData
from dashboards.exports import ExportFile
from dashboards.markup import as_utc, page
from dashboards.trends import SpikeRule, Trend, daily_totals, emerging, trend

IDEA_DIR = "idea"
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")


def idea_filename(idea_id: str) -> str:
    """File name of an idea's page: the id when it is a safe token, else a hash of it."""
    if _SAFE_ID.match(idea_id):
        return f"{idea_id}.html"
    return "h-" + hashlib.sha256(idea_id.encode("utf-8")).hexdigest()[:24] + ".html"


def idea_href(idea_id: str) -> str:
    """Link to an idea's page, relative to the site root."""
    return f"{IDEA_DIR}/{idea_filename(idea_id)}"


@dataclass(frozen=True)
class Options:
    """Dashboard settings the pages use (see ``DashboardSettings``)."""

    title: str = "Idea Harvester"
    page_size: int = 50
    sparkline_weeks: int = 12
    rule: SpikeRule = field(default_factory=SpikeRule)


@dataclass
class SiteContext:
    """The data and everything derived from it once, shared by all pages."""

    data: SiteData
    run_at: datetime
    options: Options
    exports: list[ExportFile] = field(default_factory=list)
    #: Mentions per idea and day (charts), and posts and comments (spikes: an item that asks
    #: twice counts once, as in the marts).
    totals: dict[str, dict[date, int]] = field(default_factory=dict)
    item_totals: dict[str, dict[date, int]] = field(default_factory=dict)
    trends: dict[str, Trend] = field(default_factory=dict)
    emerging: list[Trend] = field(default_factory=list)
    spiking: frozenset[str] = frozenset()
    daily_by_idea: dict[str, list[DailyRow]] = field(default_factory=dict)
    ideas_by_id: dict[str, Idea] = field(default_factory=dict)

    def page(self, **kwargs: Any) -> str:
        """A whole page of this site: markup.page with the site's title and generation time;
        the Alerts link shows when the warehouse has alerts."""
        kwargs.setdefault("show_alerts", self.data.alerts is not None)
        return page(site_title=self.options.title, generated_at=self.run_at, **kwargs)

    @property
    def as_of(self) -> date:
        """The run's logical day (UTC): 'this week' and trends end here."""
        return (as_utc(self.run_at) or self.run_at).date()

    @classmethod
    def build(
        cls, data: SiteData, run_at: datetime, options: Options, exports: list[ExportFile]
    ) -> SiteContext:
        """Derive trends and per-idea groupings from ``data``."""
        ctx = cls(data=data, run_at=run_at, options=options, exports=exports)
        ctx.ideas_by_id = {i.idea_id: i for i in data.ideas}
        by_idea: dict[str, list[DailyRow]] = defaultdict(list)
        for row in data.daily:
            if row.idea_id in ctx.ideas_by_id:
                by_idea[row.idea_id].append(row)
        ctx.daily_by_idea = dict(by_idea)
        ctx.totals = daily_totals((r.idea_id, r.day, r.count) for r in data.daily)
        ctx.item_totals = daily_totals((r.idea_id, r.day, r.items) for r in data.daily)
        ranked = {k: v for k, v in ctx.item_totals.items() if k in ctx.ideas_by_id}
        ctx.trends = {i: trend(i, c, ctx.as_of, options.rule) for i, c in ranked.items()}
        flags = None
        if data.spike_column:
            flags = {i.idea_id: bool(i.extras.get(data.spike_column)) for i in data.ideas}
        ctx.emerging = emerging(ranked, ctx.as_of, options.rule, flags)
        ctx.spiking = frozenset(t.idea_id for t in ctx.emerging)
        return ctx
