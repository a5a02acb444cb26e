"""One page per idea (idea/<id>.html): its quote, numbers, weekly trend and every mention."""

from __future__ import annotations

from collections.abc import Sequence

from dashboards.charts import idea_weekly
from dashboards.context import SiteContext
from dashboards.data import Idea, Mention
from dashboards.markup import (
    DASH,
    chips,
    esc,
    external_link,
    fmt_day,
    fmt_int,
    fmt_num,
    iso_day,
    json_block,
)
from dashboards.pages.parts import filter_bar

ROOT = "../"


def _facts(ctx: SiteContext, idea: Idea) -> str:
    items: list[tuple[str, str, str]] = [
        ("Rank", f"#{idea.rank}", "Rank by score"),
        ("Score", fmt_num(idea.score), "Ranking score"),
    ]
    items += [
        (c.title, fmt_num(idea.extras.get(c.name)), c.comment or c.name)
        for c in ctx.data.score_parts
    ]
    items += [
        ("Mentions", fmt_int(idea.mentions), "Suggestions grouped in the idea"),
        ("Distinct authors", fmt_int(idea.authors), "People who made the suggestion"),
        ("Posts and comments", fmt_int(idea.items), "Items mentioning the idea"),
        ("Engagement", fmt_int(idea.engagement), "Score + comments given by the sources"),
    ]
    t = ctx.trends.get(idea.idea_id)
    if t is not None:
        window = ctx.options.rule.window_days
        items.append(
            (
                f"Posts and comments, last {window} days",
                f"{t.recent} (usual {t.baseline:g}, ×{t.growth:g})"
                + (" · spiking" if idea.idea_id in ctx.spiking else ""),
                f"Posts and comments mentioning it in the {window} days to {ctx.as_of}, "
                "against the weeks before",
            )
        )
    items += [
        (c.title, fmt_num(idea.extras.get(c.name)), c.comment or c.name)
        for c in ctx.data.extra_columns
    ]
    cells = "".join(
        f'<div title="{esc(tip)}"><dt>{esc(name)}</dt><dd>{esc(value)}</dd></div>'
        for name, value, tip in items
    )
    seen = (
        f"<div><dt>Channels</dt><dd>{chips(idea.channels, 'channel') or DASH}</dd></div>"
        f"<div><dt>Languages</dt><dd>{chips(idea.languages, 'lang') or DASH}</dd></div>"
        f"<div><dt>First seen</dt><dd>{fmt_day(idea.first_seen)}</dd></div>"
        f"<div><dt>Last seen</dt><dd>{fmt_day(idea.last_seen)}</dd></div>"
    )
    return f'<dl class="facts">{cells}{seen}</dl>'


def _mention_rows(mentions: Sequence[Mention]) -> str:
    rows = []
    for m in mentions:
        title = m.item_title or m.source_name or "original post"
        rows.append(
            f'<tr data-channel="{esc(m.channel)}" data-language="{esc(m.language)}" '
            f'data-day="{iso_day(m.mentioned_at)}">'
            f'<td class="quote"><q>{esc(m.quote)}</q></td>'
            f"<td>{esc(m.author) or DASH}</td>"
            f"<td>{chips([m.channel or ''], 'channel')}</td>"
            f"<td>{chips([m.language or ''], 'lang')}</td>"
            f'<td class="when">{fmt_day(m.mentioned_at)}</td>'
            f"<td>{external_link(m.url, title)}</td>"
            "</tr>"
        )
    return "".join(rows)


def render(ctx: SiteContext, idea: Idea, mentions: Sequence[Mention]) -> str:
    """The whole page of one idea."""
    quote = ""
    if idea.quote:
        source = external_link(idea.url, "original post ↗") if idea.url else ""
        quote = (
            f'<figure class="quote"><blockquote>{esc(idea.quote)}</blockquote>'
            f"<figcaption>Representative quote · {source}</figcaption></figure>"
        )
    channels = sorted({m.channel for m in mentions if m.channel})
    languages = sorted({m.language for m in mentions if m.language})
    days = sorted(d for d in (iso_day(m.mentioned_at) for m in mentions) if d)
    listing = (
        f'<h2>Every mention <span class="muted">({len(mentions):,})</span></h2>'
        + filter_bar(
            channels,
            languages,
            search="Words in the quote, an author…",
            day_min=days[0] if days else "",
            day_max=days[-1] if days else "",
        )
        + '<p class="muted" id="table-status" aria-live="polite"></p>'
        '<div class="table-wrap"><table class="grid mentions" id="mentions-table"><thead><tr>'
        "<th>Quote</th><th>Author</th><th>Channel</th><th>Language</th><th>Date</th>"
        f"<th>Original post</th></tr></thead><tbody>{_mention_rows(mentions)}</tbody></table>"
        "</div>"
    )
    body = (
        f'<p class="crumbs"><a href="{ROOT}ideas.html">← Top ideas</a></p>'
        f'<h1 class="idea-title">{esc(idea.label)}</h1>'
        f"{quote}{_facts(ctx, idea)}"
        '<section class="card wide"><h2>Weekly trend</h2>'
        '<div id="chart-idea" class="chart"></div></section>'
        f"{listing}"
    )
    trend = idea_weekly(ctx.daily_by_idea.get(idea.idea_id, []), ctx.as_of)
    return ctx.page(
        title=idea.label,
        page_id="idea",
        body=body,
        root=ROOT,
        data=json_block("idea-data", trend),
        charts=True,
    )
