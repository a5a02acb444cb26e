"""Emerging ideas (emerging.html): ideas spiking against their own baseline."""

from __future__ import annotations

import json
from datetime import timedelta

from dashboards.context import SiteContext
from dashboards.markup import chips, esc, fmt_int
from dashboards.pages.parts import empty_state, idea_link
from dashboards.trends import weekly_series


def _explain(ctx: SiteContext) -> str:
    rule = ctx.options.rule
    start = ctx.as_of - timedelta(days=rule.window_days - 1)
    how = (
        f"the column <code>{esc(ctx.data.spike_column)}</code> of the marts flags them"
        if ctx.data.spike_column
        else (
            f"the posts and comments mentioning them from {start} to {ctx.as_of} reach "
            f"{rule.min_mentions} and "
            f"{rule.ratio:g} times their average per {rule.window_days} days over the "
            f"{rule.baseline_weeks} weeks before (an average under 1 counts as 1)"
        )
    )
    return f'<p class="muted">Ideas spiking against their own baseline: {how}.</p>'


def render(ctx: SiteContext) -> str:
    """The whole emerging-ideas page."""
    rule = ctx.options.rule
    weeks = ctx.options.sparkline_weeks
    if not ctx.data.ideas:
        body = empty_state()
    elif not ctx.emerging:
        body = (
            f'<section class="empty"><h2>Nothing is spiking right now</h2>{_explain(ctx)}</section>'
        )
    else:
        rows = []
        for t in ctx.emerging:
            idea = ctx.ideas_by_id[t.idea_id]
            spark = json.dumps(weekly_series(ctx.totals.get(t.idea_id, {}), ctx.as_of, weeks))
            rows.append(
                "<tr>"
                f'<td class="num">{idea.rank}</td>'
                f'<td class="label">{idea_link(idea)}</td>'
                f'<td class="num">{fmt_int(t.recent)}</td>'
                f'<td class="num">{t.baseline:g}</td>'
                f'<td class="num">×{t.growth:g}</td>'
                f'<td class="num">{fmt_int(idea.mentions)}</td>'
                f"<td>{chips(idea.channels, 'channel')}</td>"
                f"<td>{chips(idea.languages, 'lang')}</td>"
                f'<td><div class="spark" data-series="{esc(spark)}" '
                f'aria-label="Mentions per week, {weeks} weeks"></div></td>'
                "</tr>"
            )
        body = (
            _explain(ctx) + '<div class="table-wrap"><table class="grid"><thead><tr>'
            '<th class="num">Rank</th><th>Idea</th>'
            f'<th class="num">Posts and comments, last {rule.window_days} days</th>'
            f'<th class="num">Usual per {rule.window_days} days</th>'
            '<th class="num">Growth</th><th class="num">All mentions</th>'
            f"<th>Channels</th><th>Languages</th><th>Weekly trend ({weeks} weeks)</th>"
            f"</tr></thead><tbody>{''.join(rows)}</tbody></table></div>"
        )
    return ctx.page(
        title="Emerging ideas",
        page_id="emerging",
        body=f"<h1>Emerging ideas</h1>{body}",
        charts=bool(ctx.emerging),
    )
