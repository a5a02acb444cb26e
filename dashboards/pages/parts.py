"""Pieces shared by several pages: filter bars, stat cards, the empty state, links."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from dashboards.context import idea_href
from dashboards.data import Idea
from dashboards.markup import esc


def options(values: Iterable[str], all_label: str) -> str:
    """``<option>`` list: an 'all' choice, then each value."""
    items = [f'<option value="">{esc(all_label)}</option>']
    items += [f'<option value="{esc(v)}">{esc(v)}</option>' for v in values]
    return "".join(items)


def filter_bar(
    channels: Sequence[str],
    languages: Sequence[str],
    *,
    search: str | None = None,
    day_min: str = "",
    day_max: str = "",
    extra: str = "",
) -> str:
    """Search box (optional), channel, language and date-range filters."""
    parts = ['<form class="filters" role="search" aria-label="Filters">']
    if search:
        parts.append(
            '<label>Search <input id="f-search" type="search" autocomplete="off" '
            f'placeholder="{esc(search)}"></label>'
        )
    parts.append(
        f'<label>Channel <select id="f-channel">{options(channels, "All")}</select></label>'
    )
    parts.append(
        f'<label>Language <select id="f-language">{options(languages, "All")}</select></label>'
    )
    bounds = f' min="{esc(day_min)}" max="{esc(day_max)}"' if day_min and day_max else ""
    parts.append(f'<label>From <input id="f-from" type="date"{bounds}></label>')
    parts.append(f'<label>To <input id="f-to" type="date"{bounds}></label>')
    parts.append(extra)
    parts.append('<button type="reset" id="f-reset">Reset</button></form>')
    return "".join(parts)


def stat_cards(stats: Sequence[tuple[str, str, str]]) -> str:
    """Headline numbers: (name, shown value, tooltip)."""
    cards = "".join(
        f'<li title="{esc(tip)}"><span class="num">{esc(value)}</span>'
        f'<span class="what">{esc(name)}</span></li>'
        for name, value, tip in stats
    )
    return f'<ul class="stats" aria-label="Totals">{cards}</ul>'


def idea_link(idea: Idea, root: str = "") -> str:
    """Link to an idea's own page, showing its label."""
    return f'<a href="{root}{esc(idea_href(idea.idea_id))}">{esc(idea.label)}</a>'


def empty_state() -> str:
    """What the pages show before the pipeline has produced any idea."""
    return (
        '<section class="empty"><h2>No ideas yet</h2>'
        "<p>The warehouse holds no ranked ideas. Run the pipeline to harvest suggestions and "
        "group them into ideas; it rebuilds this dashboard:</p><p><code>ideas run</code></p>"
        "</section>"
    )
