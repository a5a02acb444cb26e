"""Marketing dashboard: one self-contained HTML page built from the warehouse marts.

The page needs no network: CSS and the small sort/search script are inline, and a
Content-Security-Policy forbids loading anything else. Every string that came from users
(labels, quotes, titles, authors, urls) is escaped with ``html.escape(quote=True)``, links
are emitted only for http(s) urls, and the script reads no embedded data: it sorts and
filters the rendered rows.
"""

from __future__ import annotations

import base64
import hashlib
import html
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

DEFAULT_TITLE = "Idea Harvester — top ideas"
SPARKLINE_WEEKS = 12
_SAFE_SCHEMES = frozenset({"http", "https"})
_DASH = '<span class="muted">—</span>'


@dataclass(frozen=True)
class HeaderCounts:
    """Numbers shown in the page header; ``None`` when the source table is absent."""

    items: int | None = None
    sentences: int | None = None
    suggestions: int | None = None
    ideas: int | None = None
    mentions: int | None = None


@dataclass(frozen=True)
class IdeaRow:
    """One row of ``marts.top_ideas``."""

    idea_rank: int
    idea_id: str
    label: str | None = None
    representative_quote: str | None = None
    representative_url: str | None = None
    score: float | None = None
    count_mentions: int = 0
    count_distinct_authors: int = 0
    count_items: int = 0
    count_channels: int = 0
    channels: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    first_mentioned_at: datetime | None = None
    last_mentioned_at: datetime | None = None
    total_engagement: int | None = None


@dataclass(frozen=True)
class MentionRow:
    """One row of ``marts.idea_mentions``: a suggestion sentence and where it was said."""

    quote: str | None = None
    item_title: str | None = None
    author: str | None = None
    channel: str | None = None
    source_name: str | None = None
    language: str | None = None
    mentioned_at: datetime | None = None
    url: str | None = None


@dataclass
class DashboardData:
    """Everything the page shows, as plain Python data (no DuckDB needed to render)."""

    title: str = DEFAULT_TITLE
    generated_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    counts: HeaderCounts = field(default_factory=HeaderCounts)
    ideas: list[IdeaRow] = field(default_factory=list)
    mentions: dict[str, list[MentionRow]] = field(default_factory=dict)
    # Mentions per week (key: Monday of the week) for each idea_id, for the sparklines.
    weekly_mentions: dict[str, dict[date, int]] = field(default_factory=dict)


# --------------------------------------------------------------------------- helpers


def _esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute; ``None`` becomes ''."""
    return "" if value is None else html.escape(str(value), quote=True)


def safe_url(url: str | None) -> str | None:
    """Return the url stripped when it is an absolute http(s) url, else ``None``."""
    if not url:
        return None
    candidate = url.strip()
    if not candidate or any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.netloc:
        return None
    return candidate


def _link(url: str | None, text: str, *, css_class: str = "") -> str:
    """An external link opening in a new tab, or the plain text when the url is unsafe."""
    href = safe_url(url)
    if href is None:
        return _esc(text)
    cls = f' class="{css_class}"' if css_class else ""
    return f'<a href="{_esc(href)}"{cls} target="_blank" rel="noopener noreferrer">{_esc(text)}</a>'


def _as_utc(moment: datetime | None) -> datetime | None:
    """Convert to UTC; naive datetimes are taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def _fmt_day(moment: datetime | None) -> str:
    """``<time>`` element showing the UTC day, with the full time as tooltip."""
    utc = _as_utc(moment)
    if utc is None:
        return _DASH
    iso = utc.isoformat(timespec="seconds").replace("+00:00", "Z")
    title = utc.strftime("%Y-%m-%d %H:%M UTC")
    return f'<time datetime="{_esc(iso)}" title="{_esc(title)}">{utc:%Y-%m-%d}</time>'


def _sort_key_time(moment: datetime | None) -> str:
    """Sortable value for a time cell (ISO UTC, empty when unknown)."""
    utc = _as_utc(moment)
    return "" if utc is None else utc.isoformat(timespec="seconds")


def _fmt_int(value: int | None) -> str:
    """Thousands-separated integer, or a dash when unknown."""
    return "—" if value is None else f"{value:,}"


def _fmt_score(value: float | None) -> str:
    """Score with two decimals, or a dash when unknown."""
    return "—" if value is None else f"{value:,.2f}"


def _week_start(day: date) -> date:
    """Monday of the ISO week containing ``day``."""
    return day - timedelta(days=day.weekday())


def _chips(values: Iterable[str], css_class: str) -> str:
    """Small inline labels for channels or languages."""
    return " ".join(f'<span class="chip {css_class}">{_esc(v)}</span>' for v in values if v)


# --------------------------------------------------------------------------- sparkline


def _sparkline_window(weekly: Mapping[str, Mapping[date, int]]) -> list[date]:
    """The last ``SPARKLINE_WEEKS`` weeks, ending at the latest week with any mention."""
    latest = max((week for per_idea in weekly.values() for week in per_idea), default=None)
    if latest is None:
        return []
    end = _week_start(latest)
    return [end - timedelta(weeks=SPARKLINE_WEEKS - 1 - i) for i in range(SPARKLINE_WEEKS)]


def _sparkline(counts: Mapping[date, int], window: Sequence[date]) -> tuple[str, int]:
    """Inline SVG bars of mentions per week over ``window``; returns (svg, total)."""
    values = [int(counts.get(week, 0)) for week in window]
    total = sum(values)
    if not window:
        return _DASH, 0
    bar, gap, height = 5, 2, 20
    peak = max(values) or 1
    rects = []
    for i, value in enumerate(values):
        h = max(1, round(value / peak * height)) if value else 1
        cls = "bar" if value else "bar zero"
        rects.append(
            f'<rect class="{cls}" x="{i * (bar + gap)}" y="{height - h}" '
            f'width="{bar}" height="{h}"><title>week of {window[i]:%Y-%m-%d}: '
            f"{value}</title></rect>"
        )
    width = len(values) * (bar + gap) - gap
    label = f"Mentions per week, {len(values)} weeks to {window[-1]:%Y-%m-%d}: " + ", ".join(
        str(v) for v in values
    )
    svg = (
        f'<svg class="spark" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{_esc(label)}">{"".join(rects)}</svg>'
    )
    return svg, total


# --------------------------------------------------------------------------- page parts

_CSS = """
:root { --fg:#1d2330; --muted:#5d6778; --line:#d9dee7; --bg:#ffffff; --soft:#f4f6fa;
  --accent:#2457c5; --bar:#2457c5; --zero:#c9cfdb; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, Arial,
  sans-serif; color: var(--fg); background: var(--bg); }
header.page, main, footer { max-width: 1400px; margin: 0 auto; padding: 0 20px; }
header.page { padding-top: 24px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
.muted { color: var(--muted); }
.generated { margin: 0 0 16px; }
.stats { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 20px; padding: 0;
  list-style: none; }
.stats li { background: var(--soft); border: 1px solid var(--line); border-radius: 8px;
  padding: 8px 14px; min-width: 120px; }
.stats .num { display: block; font-size: 1.35rem; font-weight: 650;
  font-variant-numeric: tabular-nums; }
.stats .what { font-size: .8rem; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; }
.controls { display: flex; align-items: center; gap: 12px; margin: 0 0 12px; flex-wrap: wrap; }
.controls input { font: inherit; padding: 6px 10px; border: 1px solid var(--line);
  border-radius: 6px; min-width: 320px; }
table.ideas { width: 100%; border-collapse: collapse; }
table.ideas th, table.ideas td { text-align: left; vertical-align: top; padding: 8px 6px;
  border-bottom: 1px solid var(--line); }
table.ideas thead th { position: sticky; top: 0; background: var(--bg); z-index: 1;
  border-bottom: 2px solid var(--fg); font-size: .85rem; white-space: nowrap; }
th button { font: inherit; font-weight: 650; color: inherit; background: none; border: 0;
  padding: 0; cursor: pointer; }
th button::after { content: " ↕"; color: var(--zero); }
th[aria-sort="ascending"] button::after { content: " ↑"; color: var(--accent); }
th[aria-sort="descending"] button::after { content: " ↓"; color: var(--accent); }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.label { font-weight: 600; min-width: 140px; }
td.quote { min-width: 260px; max-width: 520px; }
td.quote q { quotes: "“" "”"; }
td.when { white-space: nowrap; }
tbody.idea > tr.main > td { border-bottom: 0; }
tbody.idea[hidden] { display: none; }
tr.more > td { padding-top: 0; }
details > summary { cursor: pointer; color: var(--accent); font-size: .9rem; }
details[open] > summary { margin-bottom: 6px; }
.chip { display: inline-block; background: var(--soft); border: 1px solid var(--line);
  border-radius: 10px; padding: 0 7px; font-size: .78rem; margin: 1px 0; }
table.mentions { width: 100%; border-collapse: collapse; font-size: .88rem;
  background: var(--soft); }
table.mentions th, table.mentions td { padding: 5px 8px; border-bottom: 1px solid var(--line);
  text-align: left; vertical-align: top; }
table.mentions th { font-size: .78rem; color: var(--muted); text-transform: uppercase; }
a { color: var(--accent); }
svg.spark rect.bar { fill: var(--bar); }
svg.spark rect.zero { fill: var(--zero); }
.empty { border: 1px dashed var(--line); border-radius: 8px; padding: 24px;
  background: var(--soft); }
.empty h2 { margin-top: 0; }
code { background: var(--soft); border: 1px solid var(--line); border-radius: 4px;
  padding: 0 4px; }
footer { margin: 28px auto; font-size: .8rem; }
@media print {
  body { font-size: 10.5pt; }
  .controls, th button::after { display: none; }
  table.ideas thead th { position: static; }
  tbody.idea { break-inside: avoid; }
  a { color: inherit; text-decoration: none; }
  .stats li { border-color: #999; }
}
"""

# No data is embedded for this script: it sorts and filters the rendered <tbody> rows.
_JS = """
(function () {
  "use strict";
  var table = document.getElementById("ideas");
  if (!table) { return; }
  var search = document.getElementById("idea-search");
  var shown = document.getElementById("ideas-shown");
  var noMatch = document.getElementById("no-match");
  var groups = Array.prototype.slice.call(table.tBodies);
  // Search text: every cell but the trend sparkline, plus the mentions.
  var texts = groups.map(function (g) {
    var cells = Array.prototype.slice.call(g.rows[0].cells, 0, -1);
    var parts = cells.map(function (c) { return c.textContent; });
    if (g.rows[1]) { parts.push(g.rows[1].textContent); }
    return parts.join(" ").toLowerCase();
  });
  var heads = Array.prototype.slice.call(table.tHead.rows[0].cells);

  function key(group, col, numeric) {
    var cell = group.rows[0].cells[col];
    var raw = cell.getAttribute("data-sort");
    if (raw === null) { raw = cell.textContent; }
    if (numeric) { var n = parseFloat(raw); return isNaN(n) ? -Infinity : n; }
    return raw.trim().toLowerCase();
  }

  function sortBy(col, numeric, dir) {
    groups.sort(function (a, b) {
      var x = key(a, col, numeric), y = key(b, col, numeric);
      var c = x < y ? -1 : (x > y ? 1 : 0);
      return c !== 0 ? dir * c : key(a, 0, true) - key(b, 0, true);
    });
    groups.forEach(function (g) { table.appendChild(g); });
  }

  heads.forEach(function (th, col) {
    var button = th.querySelector("button");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var numeric = th.getAttribute("data-type") === "num";
      var current = th.getAttribute("aria-sort");
      var dir;
      if (current === "ascending") { dir = -1; }
      else if (current === "descending") { dir = 1; }
      else { dir = th.getAttribute("data-first") === "desc" ? -1 : 1; }
      heads.forEach(function (h) { h.setAttribute("aria-sort", "none"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      sortBy(col, numeric, dir);
    });
  });

  function filter() {
    var terms = search.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var count = 0;
    groups.forEach(function (g, i) {
      var ok = terms.every(function (t) { return texts[i].indexOf(t) !== -1; });
      g.hidden = !ok;
      if (ok) { count += 1; }
    });
    shown.textContent = String(count);
    noMatch.hidden = count !== 0;
  }
  if (search) { search.addEventListener("input", filter); }
})();
"""

# (header text, css class, data-type, first sort direction).
_COLUMNS: tuple[tuple[str, str, str, str], ...] = (
    ("Rank", "num", "num", "asc"),
    ("Idea", "", "text", "asc"),
    ("Representative quote", "", "text", "asc"),
    ("Score", "num", "num", "desc"),
    ("Mentions", "num", "num", "desc"),
    ("Authors", "num", "num", "desc"),
    ("Channels", "", "text", "asc"),
    ("Languages", "", "text", "asc"),
    ("First seen", "", "text", "asc"),
    ("Last seen", "", "text", "desc"),
    ("Trend", "", "num", "desc"),
)


def _script_hash(script: str) -> str:
    """CSP source expression allowing exactly this inline script."""
    digest = hashlib.sha256(script.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"


def _header(data: DashboardData) -> str:
    """Title, generation time and the headline counts."""
    generated = _as_utc(data.generated_at) or datetime.now(UTC)
    stats = (
        ("Items", data.counts.items),
        ("Sentences", data.counts.sentences),
        ("Suggestions", data.counts.suggestions),
        ("Ideas", data.counts.ideas),
        ("Mentions", data.counts.mentions),
    )
    cards = "".join(
        f'<li><span class="num">{_fmt_int(value)}</span><span class="what">{name}</span></li>'
        for name, value in stats
    )
    iso = generated.isoformat(timespec="seconds").replace("+00:00", "Z")
    return (
        '<header class="page">'
        f"<h1>{_esc(data.title)}</h1>"
        f'<p class="generated muted">Generated <time datetime="{_esc(iso)}">'
        f"{generated:%Y-%m-%d %H:%M} UTC</time></p>"
        f'<ul class="stats" aria-label="Warehouse totals">{cards}</ul>'
        "</header>"
    )


def _empty_state() -> str:
    """What the page shows before the pipeline has produced any idea."""
    return (
        '<section class="empty">'
        "<h2>No ideas yet</h2>"
        "<p>The warehouse holds no ranked ideas. Run the pipeline to harvest suggestions "
        "and group them into ideas, then rebuild this dashboard:</p>"
        "<p><code>ideas run</code></p>"
        "</section>"
    )


def _mentions_block(idea: IdeaRow, mentions: Sequence[MentionRow]) -> str:
    """The expandable list of an idea's mentions."""
    facts = [
        f"{_fmt_int(idea.count_mentions)} mentions",
        f"{_fmt_int(idea.count_items)} items",
        f"{_fmt_int(idea.count_channels)} channels",
    ]
    if idea.total_engagement is not None:
        facts.append(f"engagement {_fmt_int(idea.total_engagement)}")
    if not mentions:
        return f'<p class="muted">{" · ".join(facts)} · no mention details available.</p>'
    rows = []
    for m in mentions:
        title = m.item_title or m.source_name or "original post"
        rows.append(
            "<tr>"
            f'<td class="quote"><q>{_esc(m.quote)}</q></td>'
            f"<td>{_esc(m.author) or _DASH}</td>"
            f"<td>{_chips([m.channel or ''], 'channel')}</td>"
            f"<td>{_chips([m.language or ''], 'lang')}</td>"
            f'<td class="when">{_fmt_day(m.mentioned_at)}</td>'
            f"<td>{_link(m.url, title)}</td>"
            "</tr>"
        )
    more = len(mentions) < idea.count_mentions
    summary = (
        f"Show {len(mentions)} of {_fmt_int(idea.count_mentions)} mentions"
        if more
        else f"Show {len(mentions)} mention{'s' if len(mentions) != 1 else ''}"
    )
    return (
        f"<details><summary>{summary}</summary>"
        f'<p class="muted">{" · ".join(facts)}</p>'
        '<table class="mentions"><thead><tr><th>Quote</th><th>Author</th><th>Channel</th>'
        "<th>Language</th><th>Date</th><th>Original post</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></details>"
    )


def _idea_group(
    idea: IdeaRow,
    mentions: Sequence[MentionRow],
    weekly: Mapping[date, int],
    window: Sequence[date],
) -> str:
    """One <tbody> per idea: the ranked row, then its expandable mentions."""
    label = idea.label or "(unlabelled idea)"
    quote = f"<q>{_esc(idea.representative_quote)}</q>" if idea.representative_quote else ""
    source = ""
    if safe_url(idea.representative_url) is not None:
        source = _link(idea.representative_url, "source ↗", css_class="src")
    spark, spark_total = _sparkline(weekly, window)
    channels = sorted(c for c in idea.channels if c)
    languages = sorted(lang for lang in idea.languages if lang)
    score_key = "" if idea.score is None else repr(float(idea.score))
    cells = (
        f'<td class="num" data-sort="{idea.idea_rank}">{idea.idea_rank}</td>',
        f'<td class="label">{_esc(label)}</td>',
        f'<td class="quote">{quote} {source}</td>',
        f'<td class="num" data-sort="{score_key}">{_fmt_score(idea.score)}</td>',
        f'<td class="num" data-sort="{idea.count_mentions}">{_fmt_int(idea.count_mentions)}</td>',
        f'<td class="num" data-sort="{idea.count_distinct_authors}">'
        f"{_fmt_int(idea.count_distinct_authors)}</td>",
        f'<td data-sort="{_esc(" ".join(channels))}">{_chips(channels, "channel")}</td>',
        f'<td data-sort="{_esc(" ".join(languages))}">{_chips(languages, "lang")}</td>',
        f'<td class="when" data-sort="{_sort_key_time(idea.first_mentioned_at)}">'
        f"{_fmt_day(idea.first_mentioned_at)}</td>",
        f'<td class="when" data-sort="{_sort_key_time(idea.last_mentioned_at)}">'
        f"{_fmt_day(idea.last_mentioned_at)}</td>",
        f'<td data-sort="{spark_total}">{spark}</td>',
    )
    return (
        f'<tbody class="idea" id="idea-{_esc(idea.idea_id)}">'
        f'<tr class="main">{"".join(cells)}</tr>'
        f'<tr class="more"><td></td><td colspan="{len(_COLUMNS) - 1}">'
        f"{_mentions_block(idea, mentions)}</td></tr>"
        "</tbody>"
    )


def _ideas_table(data: DashboardData) -> str:
    """Search box and the sortable table of ideas."""
    window = _sparkline_window(data.weekly_mentions)
    heads = []
    for index, (name, css, kind, first) in enumerate(_COLUMNS):
        cls = f' class="{css}"' if css else ""
        sort = "ascending" if index == 0 else "none"
        heads.append(
            f'<th scope="col"{cls} data-type="{kind}" data-first="{first}" aria-sort="{sort}">'
            f'<button type="button">{name}</button></th>'
        )
    groups = "".join(
        _idea_group(
            idea,
            data.mentions.get(idea.idea_id, []),
            data.weekly_mentions.get(idea.idea_id, {}),
            window,
        )
        for idea in data.ideas
    )
    total = len(data.ideas)
    trend_note = (
        f"Trend: mentions per week over the {SPARKLINE_WEEKS} weeks to {window[-1]:%Y-%m-%d}."
        if window
        else ""
    )
    return (
        '<div class="controls">'
        '<label for="idea-search">Search</label>'
        '<input id="idea-search" type="search" autocomplete="off" '
        'placeholder="Filter by words in labels, quotes, authors, channels…">'
        f'<span class="muted"><span id="ideas-shown">{total}</span> of {total} ideas shown. '
        f"Click a column header to sort. {trend_note}</span>"
        "</div>"
        f'<table class="ideas" id="ideas"><thead><tr>{"".join(heads)}</tr></thead>'
        f"{groups}</table>"
        '<p id="no-match" class="muted" hidden>No idea matches your search.</p>'
    )


def render_dashboard(data: DashboardData) -> str:
    """Render the whole page as a self-contained HTML string (pure function)."""
    body = _ideas_table(data) if data.ideas else _empty_state()
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src {_script_hash(_JS)}; base-uri 'none'; form-action 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{_esc(csp)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{_esc(data.title)}</title>\n"
        f"<style>{_CSS}</style>\n"
        "</head>\n<body>\n"
        f"{_header(data)}\n"
        f"<main>{body}</main>\n"
        '<footer class="muted">Built by Idea Harvester from the DuckDB marts '
        "(top_ideas, idea_mentions, idea_mentions_daily). Quotes are shown as published; "
        "links open the original posts.</footer>\n"
        f"<script>{_JS}</script>\n"
        "</body>\n</html>\n"
    )


# --------------------------------------------------------------------------- warehouse


def _existing_tables(con: Any) -> set[tuple[str, str]]:
    """(schema, name) of the tables and views of the connection's current database."""
    rows = con.execute(
        "SELECT table_schema, table_name FROM information_schema.tables "
        "WHERE table_catalog = current_database()"
    ).fetchall()
    return {(str(schema), str(name)) for schema, name in rows}


def _count(con: Any, sql: str) -> int:
    """Run a COUNT query and return its single number."""
    row = con.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


def _utc(value: datetime | None) -> datetime | None:
    """Tag a naive UTC timestamp (as produced by ``timezone('UTC', ts)``) as UTC."""
    return None if value is None else value.replace(tzinfo=UTC)


def load_dashboard_data(
    con: Any,
    *,
    title: str = DEFAULT_TITLE,
    generated_at: datetime | None = None,
    max_ideas: int = 500,
    max_mentions_per_idea: int = 50,
) -> DashboardData:
    """Read the marts (and, when present, raw/core counts) into a :class:`DashboardData`."""
    tables = _existing_tables(con)
    data = DashboardData(title=title, generated_at=generated_at or datetime.now(UTC))
    has_ideas = ("marts", "top_ideas") in tables
    has_mentions = ("marts", "idea_mentions") in tables
    has_daily = ("marts", "idea_mentions_daily") in tables

    sentences = suggestions = None
    if ("core", "sentences") in tables:
        row = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE is_suggestion) FROM core.sentences"
        ).fetchone()
        sentences, suggestions = int(row[0]), int(row[1] or 0)
    data.counts = HeaderCounts(
        items=_count(con, "SELECT count(*) FROM raw.items") if ("raw", "items") in tables else None,
        sentences=sentences,
        suggestions=suggestions,
        ideas=_count(con, "SELECT count(*) FROM marts.top_ideas") if has_ideas else None,
        mentions=_count(con, "SELECT count(*) FROM marts.idea_mentions") if has_mentions else None,
    )
    if not has_ideas or max_ideas <= 0:
        return data

    rows = con.execute(
        """
        SELECT idea_rank, idea_id, label, representative_quote, representative_url, score,
               count_mentions, count_distinct_authors, count_items, count_channels,
               channels, languages,
               timezone('UTC', first_mentioned_at), timezone('UTC', last_mentioned_at),
               total_engagement
        FROM marts.top_ideas
        ORDER BY idea_rank, idea_id
        LIMIT ?
        """,
        [max_ideas],
    ).fetchall()
    data.ideas = [
        IdeaRow(
            idea_rank=int(r[0]),
            idea_id=str(r[1]),
            label=r[2],
            representative_quote=r[3],
            representative_url=r[4],
            score=None if r[5] is None else float(r[5]),
            count_mentions=int(r[6] or 0),
            count_distinct_authors=int(r[7] or 0),
            count_items=int(r[8] or 0),
            count_channels=int(r[9] or 0),
            channels=tuple(str(c) for c in (r[10] or ()) if c is not None),
            languages=tuple(str(c) for c in (r[11] or ()) if c is not None),
            first_mentioned_at=_utc(r[12]),
            last_mentioned_at=_utc(r[13]),
            total_engagement=None if r[14] is None else int(r[14]),
        )
        for r in rows
    ]
    top_filter = (
        "idea_id IN (SELECT idea_id FROM marts.top_ideas ORDER BY idea_rank, idea_id LIMIT ?)"
    )

    if has_mentions and max_mentions_per_idea > 0:
        mention_rows = con.execute(
            f"""
            SELECT idea_id, quote, item_title, author, channel, source_name, language,
                   timezone('UTC', mentioned_at), url
            FROM marts.idea_mentions
            WHERE {top_filter}
            QUALIFY row_number() OVER (
                PARTITION BY idea_id ORDER BY mentioned_at DESC NULLS LAST, sentence_id
            ) <= ?
            ORDER BY idea_id, mentioned_at DESC NULLS LAST, sentence_id
            """,
            [max_ideas, max_mentions_per_idea],
        ).fetchall()
        for r in mention_rows:
            data.mentions.setdefault(str(r[0]), []).append(
                MentionRow(
                    quote=r[1],
                    item_title=r[2],
                    author=r[3],
                    channel=r[4],
                    source_name=r[5],
                    language=r[6],
                    mentioned_at=_utc(r[7]),
                    url=r[8],
                )
            )

    if has_daily:
        daily_rows = con.execute(
            f"""
            SELECT idea_id, CAST(date_trunc('week', mention_date) AS DATE) AS week,
                   sum(count_mentions)
            FROM marts.idea_mentions_daily
            WHERE mention_date IS NOT NULL AND {top_filter}
            GROUP BY ALL
            """,
            [max_ideas],
        ).fetchall()
        for idea_id, week, count in daily_rows:
            data.weekly_mentions.setdefault(str(idea_id), {})[week] = int(count or 0)
    return data


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temp file in the same folder and ``os.replace``."""
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def build_dashboard(
    con: Any,
    out_dir: Path,
    *,
    title: str = DEFAULT_TITLE,
    generated_at: datetime | None = None,
    max_ideas: int = 500,
    max_mentions_per_idea: int = 50,
) -> Path:
    """Read the marts through ``con`` and write ``out_dir/index.html``; return its path."""
    data = load_dashboard_data(
        con,
        title=title,
        generated_at=generated_at,
        max_ideas=max_ideas,
        max_mentions_per_idea=max_mentions_per_idea,
    )
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "index.html"
    _write_atomically(path, render_dashboard(data))
    return path
