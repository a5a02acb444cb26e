"""Top ideas (ideas.html): a sortable, searchable, filterable, paginated table.

The rows travel as JSON (no markup) and the page script builds the visible page of rows with
DOM text nodes, so thousands of ideas stay fast and no user string is ever parsed as HTML.
"""

from __future__ import annotations

import math
from datetime import date, timedelta
from typing import Any

from dashboards.context import SiteContext, idea_href
from dashboards.data import Idea
from dashboards.markup import iso_day, json_block
from dashboards.pages.parts import empty_state, filter_bar
from dashboards.trends import weekly_series

PAGE_SIZES = (25, 50, 100, 250)


def _number(value: object) -> float | int | None:
    """A JSON-safe number (NaN and infinities become null), else ``None``."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def columns(ctx: SiteContext) -> list[dict[str, str]]:
    """Table columns: key, header, kind (num, text, link, list, date, spark) and tooltip."""
    cols = [
        {"key": "rank", "label": "Rank", "type": "num", "title": "Rank by score"},
        {"key": "label", "label": "Idea", "type": "link", "title": "Open the idea's page"},
        {"key": "score", "label": "Score", "type": "num", "title": "Ranking score"},
    ]
    cols += [
        {"key": f"p.{c.name}", "label": c.title, "type": "num", "title": c.comment or c.name}
        for c in ctx.data.score_parts
    ]
    cols += [
        {"key": "mentions", "label": "Mentions", "type": "num", "title": "Suggestions grouped"},
        {"key": "inrange", "label": "In range", "type": "num", "title": "Mentions in the dates"},
        {"key": "authors", "label": "Authors", "type": "num", "title": "Distinct authors"},
        {"key": "channels", "label": "Channels", "type": "list", "title": "Where it was said"},
        {"key": "languages", "label": "Languages", "type": "list", "title": "Languages used"},
        {"key": "first", "label": "First seen", "type": "date", "title": "Earliest mention"},
        {"key": "last", "label": "Last seen", "type": "date", "title": "Latest mention"},
        {
            "key": "trend",
            "label": "Trend",
            "type": "spark",
            "title": f"Mentions per week, {ctx.options.sparkline_weeks} weeks to {ctx.as_of}",
        },
    ]
    return cols


def _row(ctx: SiteContext, idea: Idea, day0: date | None) -> dict[str, Any]:
    counts = ctx.totals.get(idea.idea_id, {})
    spark = weekly_series(counts, ctx.as_of, ctx.options.sparkline_weeks)
    days = [[(d - day0).days, n] for d, n in sorted(counts.items())] if day0 else []
    return {
        "rank": idea.rank,
        "href": idea_href(idea.idea_id),
        "label": idea.label,
        "score": _number(idea.score),
        "p": {c.name: _number(idea.extras.get(c.name)) for c in ctx.data.score_parts},
        "mentions": idea.mentions,
        "authors": idea.authors,
        "channels": list(idea.channels),
        "languages": list(idea.languages),
        "first": iso_day(idea.first_seen),
        "last": iso_day(idea.last_seen),
        "trend": spark,
        "days": days,
    }


def table_data(ctx: SiteContext) -> dict[str, Any]:
    """Everything the table script needs, as JSON-able data."""
    day0 = min((r.day for r in ctx.data.daily), default=None)
    end = ctx.as_of - timedelta(days=ctx.as_of.weekday())
    n = ctx.options.sparkline_weeks
    weeks = [end - timedelta(weeks=n - 1 - i) for i in range(n)]
    return {
        "columns": columns(ctx),
        "rows": [_row(ctx, idea, day0) for idea in ctx.data.ideas],
        "day0": day0.isoformat() if day0 else None,
        "weeks": [w.isoformat() for w in weeks],
        "pageSize": ctx.options.page_size,
    }


def render(ctx: SiteContext) -> str:
    """The whole top-ideas page."""
    ideas = ctx.data.ideas
    common = {"title": "Top ideas", "page_id": "ideas"}
    if not ideas:
        return ctx.page(body="<h1>Top ideas</h1>" + empty_state(), **common)
    channels = sorted({c for i in ideas for c in i.channels})
    languages = sorted({lang for i in ideas for lang in i.languages})
    days = [r.day for r in ctx.data.daily]
    sizes = sorted(set(PAGE_SIZES) | {ctx.options.page_size})
    size_options = "".join(
        f'<option value="{n}"{" selected" if n == ctx.options.page_size else ""}>{n}</option>'
        for n in sizes
    )
    extra = f'<label>Per page <select id="f-size">{size_options}</select></label>'
    body = (
        "<h1>Top ideas</h1>"
        f'<p class="muted">{len(ideas):,} ideas ranked by score. Click a header to sort; '
        "the date range counts the mentions made in it.</p>"
        + filter_bar(
            channels,
            languages,
            search="Words in the idea, a channel, a language…",
            day_min=min(days).isoformat() if days else "",
            day_max=max(days).isoformat() if days else "",
            extra=extra,
        )
        + '<p class="muted" id="table-status" aria-live="polite"></p>'
        '<div class="table-wrap"><table class="grid ideas" id="ideas-table">'
        "<thead></thead><tbody></tbody></table></div>"
        '<nav class="pager" aria-label="Pages">'
        '<button type="button" id="page-prev">← Previous</button>'
        '<span id="page-info"></span><button type="button" id="page-next">Next →</button></nav>'
        "<noscript><p>This table needs JavaScript. The same data is in "
        '<a href="exports/marts.top_ideas.csv">marts.top_ideas.csv</a>.</p></noscript>'
    )
    return ctx.page(
        body=body, data=json_block("ideas-data", table_data(ctx)), charts=True, **common
    )
