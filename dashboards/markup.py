"""Safe HTML building blocks: escaping, links, embedded JSON, dates and the page shell.

Every value that may come from users (labels, quotes, authors, titles, urls, channel names)
goes through :func:`esc` or :func:`json_block`. Links to original posts are emitted only for
absolute http(s) urls. The shell sets a Content-Security-Policy that allows scripts only
from the site's own files, so even a string that escaped escaping could not run.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

_SAFE_SCHEMES = frozenset({"http", "https"})
_UNSAFE_CHARS = re.compile(r"[\s\x00-\x1f\x7f]")
DASH = '<span class="muted">—</span>'

# Scripts only from the site's own files (assets/), no inline script, no network at all;
# Trusted Types make any HTML-string sink (innerHTML and the like) throw instead of parse.
# 'unsafe-inline' styles: Plotly sets inline styles on the charts it draws.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'none'; object-src 'none'; "
    "base-uri 'none'; form-action 'none'; require-trusted-types-for 'script'"
)

NAV = (
    ("overview", "index.html", "Overview"),
    ("ideas", "ideas.html", "Top ideas"),
    ("emerging", "emerging.html", "Emerging"),
    ("alerts", "alerts.html", "Alerts"),
)


def esc(value: object) -> str:
    """Escape any value for HTML text or a quoted attribute; ``None`` becomes ''."""
    return "" if value is None else html.escape(str(value), quote=True)


def safe_url(url: str | None) -> str | None:
    """Return the url stripped when it is an absolute http(s) url, else ``None``."""
    if not url:
        return None
    candidate = url.strip()
    if not candidate or _UNSAFE_CHARS.search(candidate):
        return None
    try:
        parts = urlsplit(candidate)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.netloc:
        return None
    return candidate


def external_link(url: str | None, text: str) -> str:
    """A link to an original post (new tab, no referrer), or the plain text if unsafe."""
    href = safe_url(url)
    if href is None:
        return esc(text)
    return f'<a href="{esc(href)}" target="_blank" rel="noopener noreferrer">{esc(text)}</a>'


def json_block(element_id: str, value: Any) -> str:
    """Data for the page script, as a non-executable JSON ``<script>`` element.

    ``<``, ``>`` and ``&`` are written as ``\\u`` escapes, so no user string can close
    the element or open a tag; the script reads it with ``JSON.parse(el.textContent)``.
    """
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    text = (
        text.replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )
    return f'<script type="application/json" id="{esc(element_id)}">{text}</script>'


def as_utc(moment: datetime | None) -> datetime | None:
    """Convert to UTC; naive datetimes are taken to be UTC already."""
    if moment is None:
        return None
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def iso_day(moment: datetime | date | None) -> str:
    """``YYYY-MM-DD`` (UTC for datetimes), or '' when unknown."""
    if moment is None:
        return ""
    if isinstance(moment, datetime):
        moment = as_utc(moment)
    return f"{moment:%Y-%m-%d}"


def fmt_day(moment: datetime | None) -> str:
    """``<time>`` element showing the UTC day, with the full time as tooltip."""
    utc = as_utc(moment)
    if utc is None:
        return DASH
    iso = utc.isoformat(timespec="seconds").replace("+00:00", "Z")
    return f'<time datetime="{iso}" title="{utc:%Y-%m-%d %H:%M} UTC">{utc:%Y-%m-%d}</time>'


def fmt_int(value: int | None) -> str:
    """Thousands-separated integer, or a dash when unknown."""
    return "—" if value is None else f"{int(value):,}"


def fmt_num(value: object) -> str:
    """A number for display: integers as is, others with up to three decimals."""
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}".rstrip("0").rstrip(".")
    return str(value)


def chips(values: Iterable[str], css_class: str) -> str:
    """Small inline labels for channels or languages."""
    return " ".join(f'<span class="chip {css_class}">{esc(v)}</span>' for v in values if v)


def page(
    *,
    title: str,
    site_title: str,
    page_id: str,
    body: str,
    generated_at: datetime,
    root: str = "",
    data: str = "",
    charts: bool = False,
    show_alerts: bool = True,
) -> str:
    """A whole page: CSP, stylesheet, navigation, ``body``, footer and the site's scripts.

    ``root`` is the relative path to the site's root ('' or '../'); ``data`` holds the
    page's :func:`json_block` elements; ``charts`` loads Plotly before the page script.
    """
    generated = as_utc(generated_at) or datetime.now(UTC)
    links = []
    for key, href, name in NAV:
        if key == "alerts" and not show_alerts:
            continue
        current = ' aria-current="page"' if key == page_id else ""
        links.append(f'<a href="{root}{href}"{current}>{name}</a>')
    scripts = f'<script src="{root}assets/plotly.min.js"></script>\n' if charts else ""
    scripts += f'<script src="{root}assets/app.js"></script>\n'
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(CSP)}">\n'
        '<meta name="referrer" content="no-referrer">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)} · {esc(site_title)}</title>\n"
        f'<link rel="stylesheet" href="{root}assets/style.css">\n'
        "</head>\n"
        f'<body data-page="{esc(page_id)}">\n'
        '<header class="site"><div class="wrap">'
        f'<a class="brand" href="{root}index.html">{esc(site_title)}</a>'
        f'<nav aria-label="Dashboard pages">{"".join(links)}</nav>'
        f'<span class="muted asof">Data as of {generated:%Y-%m-%d %H:%M} UTC</span>'
        "</div></header>\n"
        f'<main class="wrap">\n{body}\n</main>\n'
        '<footer class="wrap muted">Built by Idea Harvester from the DuckDB marts. '
        "Quotes are shown as users wrote them; links open the original posts. "
        "Works offline: every file it needs is beside this page.</footer>\n"
        f"{data}\n"
        f"{scripts}"
        "</body>\n</html>\n"
    )
