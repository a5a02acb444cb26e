"""The overview (index.html): totals, mentions over time by channel, language split,
the leading and emerging ideas, and the export files."""

from __future__ import annotations

from datetime import timedelta

from dashboards.charts import overview_series
from dashboards.context import SiteContext
from dashboards.markup import esc, fmt_int, json_block
from dashboards.pages.parts import empty_state, filter_bar, idea_link, stat_cards

TOP_SHOWN = 10
EMERGING_SHOWN = 5


def _stats(ctx: SiteContext) -> str:
    c = ctx.data.counts
    week_from = ctx.as_of - timedelta(days=6)
    return stat_cards(
        (
            ("Items harvested", fmt_int(c.items), "Posts and comments fetched (raw.items)"),
            ("Suggestions", fmt_int(c.suggestions), "Sentences judged to be suggestions"),
            ("Ideas", fmt_int(c.ideas), "Groups of suggestions that say the same thing"),
            (
                "New ideas this week",
                fmt_int(c.new_ideas),
                f"Ideas first mentioned from {week_from:%Y-%m-%d} to {ctx.as_of:%Y-%m-%d}",
            ),
            ("Mentions", fmt_int(c.mentions), "Suggestions grouped into ideas"),
        )
    )


def _top_list(ctx: SiteContext) -> str:
    rows = "".join(
        f'<li><span class="rank">#{i.rank}</span> {idea_link(i)} '
        f'<span class="muted">{fmt_int(i.mentions)} mentions</span></li>'
        for i in ctx.data.ideas[:TOP_SHOWN]
    )
    return (
        '<section class="card"><h2>Top ideas</h2>'
        f'<ol class="plain">{rows}</ol>'
        '<p><a href="ideas.html">All ideas, sortable and searchable →</a></p></section>'
    )


def _emerging_list(ctx: SiteContext) -> str:
    rule = ctx.options.rule
    shown = ctx.emerging[:EMERGING_SHOWN]
    if shown:
        items = "".join(
            f"<li>{idea_link(ctx.ideas_by_id[t.idea_id])} "
            f'<span class="muted">{t.recent} posts and comments in {rule.window_days} days, '
            f"×{t.growth:.1f} its usual rate</span></li>"
            for t in shown
        )
        body = f'<ul class="plain">{items}</ul>'
    else:
        body = (
            f'<p class="muted">No idea is spiking in the {rule.window_days} days '
            f"to {ctx.as_of}.</p>"
        )
    return (
        f'<section class="card"><h2>Emerging now</h2>{body}'
        '<p><a href="emerging.html">All emerging ideas →</a></p></section>'
    )


def _exports(ctx: SiteContext) -> str:
    if not ctx.exports:
        return ""
    rows = "".join(
        f'<tr><td>{esc(f.table)}</td><td class="num">{fmt_int(f.rows)}</td>'
        f'<td><a href="{esc(f.csv)}" download>CSV</a> · '
        f'<a href="{esc(f.parquet)}" download>Parquet</a></td></tr>'
        for f in ctx.exports
    )
    return (
        '<section class="card wide"><h2>Exports</h2>'
        '<p class="muted">The data behind this dashboard, for spreadsheets and notebooks. '
        "In CSV files, text that a spreadsheet would take for a formula starts with an "
        "apostrophe.</p>"
        '<table class="grid"><thead><tr><th>Table</th><th class="num">Rows</th><th>Files</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def render(ctx: SiteContext) -> str:
    """The whole overview page."""
    series = overview_series(ctx.data.daily)
    if ctx.data.ideas:
        charts = (
            '<section class="card wide"><h2>Mentions</h2>'
            + filter_bar(
                series["channels"],
                series["languages"],
                day_min=series["start"] or "",
                day_max=series["end"] or "",
            )
            + '<p class="muted" id="selection-total" aria-live="polite"></p>'
            '<div class="charts">'
            "<figure><figcaption>Mentions per week, by channel</figcaption>"
            '<div id="chart-timeline" class="chart"></div></figure>'
            "<figure><figcaption>Language split</figcaption>"
            '<div id="chart-languages" class="chart"></div></figure>'
            "</div></section>"
        )
        body = (
            _stats(ctx)
            + charts
            + f'<div class="cols">{_top_list(ctx)}{_emerging_list(ctx)}</div>'
            + _exports(ctx)
        )
    else:
        body = _stats(ctx) + empty_state() + _exports(ctx)
    return ctx.page(
        title="Overview",
        page_id="overview",
        body=f"<h1>Overview</h1>{body}",
        data=json_block("overview-data", series),
        charts=bool(ctx.data.ideas),
    )
