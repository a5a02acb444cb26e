"""Build the whole dashboard site from the warehouse.

Layout of ``out_dir`` (open ``index.html`` from disk; nothing is fetched from the network)::

    index.html        overview: totals, mentions over time by channel, language split
    ideas.html        top ideas: sortable, searchable, filterable, paginated
    emerging.html     ideas spiking against their own baseline
    alerts.html       alerts raised and their delivery (when meta.alerts exists)
    idea/<id>.html    one page per idea: quote, numbers, weekly trend, every mention
    assets/           app.js, style.css, plotly.min.js
    exports/          every mart (and meta.alerts) as CSV and Parquet
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import duckdb

from dashboards.context import IDEA_DIR, Options, SiteContext, idea_filename
from dashboards.data import iter_mentions, load_site_data, tables
from dashboards.exports import ExportFile, write_exports
from dashboards.files import write_assets, write_atomic
from dashboards.pages import alert_log, emerging, idea, ideas, overview
from dashboards.trends import SpikeRule


@dataclass(frozen=True)
class SiteReport:
    """What was built: the entry page, how many pages, their bytes, and the exports."""

    index: Path
    pages: int
    page_bytes: int
    exports: list[ExportFile] = field(default_factory=list)


def options_from(settings: object | None) -> Options:
    """:class:`Options` from a ``DashboardSettings`` (defaults when ``None``)."""
    if settings is None:
        return Options()
    return Options(
        title=settings.title,
        page_size=settings.page_size,
        sparkline_weeks=settings.sparkline_weeks,
        rule=SpikeRule.from_settings(settings),
    )


def build_site(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    run_at: datetime,
    settings: object | None = None,
) -> SiteReport:
    """Read the warehouse through ``con`` and write the site into ``out_dir``.

    ``run_at`` is the run's logical time: 'this week' and the trends end there.
    ``settings`` is a ``DashboardSettings`` (title, page size, spike rule, exports).
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_assets(out)
    exports = write_exports(con, out) if getattr(settings, "exports", True) else []
    ctx = SiteContext.build(load_site_data(con, run_at), run_at, options_from(settings), exports)

    written = 0
    count = 0
    top = {
        "index.html": overview.render(ctx),
        "ideas.html": ideas.render(ctx),
        "emerging.html": emerging.render(ctx),
    }
    if ctx.data.alerts is not None:
        top["alerts.html"] = alert_log.render(ctx)
    else:
        (out / "alerts.html").unlink(missing_ok=True)
    for name, text in top.items():
        written += write_atomic(out / name, text)
        count += 1

    folder = out / IDEA_DIR
    folder.mkdir(exist_ok=True)
    pending = dict(ctx.ideas_by_id)
    for idea_id, mentions in iter_mentions(con):
        item = pending.pop(idea_id, None)
        if item is not None:
            written += write_atomic(
                folder / idea_filename(idea_id), idea.render(ctx, item, mentions)
            )
            count += 1
    for idea_id, item in pending.items():  # ranked ideas without any mention row
        written += write_atomic(folder / idea_filename(idea_id), idea.render(ctx, item, []))
        count += 1

    keep = {idea_filename(i) for i in ctx.ideas_by_id}
    for from_id, to_id in merged_ideas(con).items():
        if idea_filename(to_id) in keep and idea_filename(from_id) not in keep:
            written += write_atomic(folder / idea_filename(from_id), redirect_page(from_id, to_id))
            keep.add(idea_filename(from_id))
    for stale in folder.glob("*.html"):
        if stale.name not in keep:
            stale.unlink()
    return SiteReport(index=out / "index.html", pages=count, page_bytes=written, exports=exports)


def merged_ideas(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Merged idea id -> the idea that finally absorbed it (``core.idea_redirects``, chains
    followed), so links saved before a merge keep working."""
    if "core.idea_redirects" not in tables(con):
        return {}
    from transforms.grouping import resolve
    from transforms.idea_store import redirects

    merged = redirects(con)
    return {from_id: resolve(merged, from_id) for from_id in merged}


def redirect_page(from_id: str, to_id: str) -> str:
    """A page at a merged idea's old address that sends the reader to the surviving idea."""
    target = html.escape(idea_filename(to_id), quote=True)
    return (
        '<!doctype html>\n<html><head><meta charset="utf-8">'
        f'<meta http-equiv="refresh" content="0; url={target}">'
        f"<title>Idea {html.escape(from_id)} was merged</title></head><body>"
        f"<p>Idea {html.escape(from_id)} was merged into "
        f'<a href="{target}">{html.escape(to_id)}</a>.</p></body></html>\n'
    )
