"""The pipeline's steps as plain functions: the CLI calls them, and so do the Airflow DAGs.

Each step returns small JSON-able counts (what Airflow passes through XCom), never data.
Only load, enrich and build_marts write to DuckDB; fetch writes landing batches only.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import duckdb

from connectors import connector_for
from connectors.base import SourceError
from connectors.http import HttpClient
from connectors.replay import ReplaySession
from idea_harvester import landing
from idea_harvester.config import Settings
from idea_harvester.run_context import RunContext
from warehouse.db import connect

log = logging.getLogger("idea_harvester")

Progress = Callable[[str], None]


def fetch_source(settings: Settings, source_name: str, ctx: RunContext) -> dict[str, Any]:
    """Fetch one source into a landing batch. A failing source lands an error record instead
    of raising, so that other sources go on; the loader stores it in meta.source_errors."""
    source = settings.source(source_name)
    connector = connector_for(source.channel)
    cursor = landing.latest_cursor(settings.landing, source.channel, source.name)
    replay = ReplaySession(source.replay_dir) if source.replay_dir is not None else None
    try:
        with HttpClient.from_settings(settings.http, session=replay) as client:
            result = connector.fetch(source, cursor, client, ctx.run_at)
    except SourceError as err:
        log.error("fetch failed: %s", err)
        manifest = landing.write_error(settings.landing, source.channel, err, ctx.run_at)
        return {
            "source": source.name,
            "status": "error",
            "error_kind": err.kind,
            "error": err.message,
            "batch_id": manifest.batch_id,
            "count_items": 0,
        }
    manifest = landing.write_batch(settings.landing, result, ctx.run_at, previous_cursor=cursor)
    if manifest is None:
        log.info("source %s: nothing new", source.name)
        return {"source": source.name, "status": "unchanged", "count_items": 0}
    log.info(
        "source %s: landed %d items as %s", source.name, manifest.count_rows, manifest.batch_id
    )
    return {
        "source": source.name,
        "status": "ok",
        "batch_id": manifest.batch_id,
        "count_items": manifest.count_rows,
    }


def _record_run(con, ctx: RunContext, step: str, started_at: datetime, counts: dict) -> None:
    con.execute(
        "INSERT OR REPLACE INTO meta.runs VALUES (?, ?, ?, ?, ?)",
        [ctx.run_id, step, started_at, datetime.now(UTC), json.dumps(counts, sort_keys=True)],
    )


@contextmanager
def _step_transaction(
    settings: Settings, ctx: RunContext, step: str, *, dry_run: bool = False
) -> Iterator[tuple[duckdb.DuckDBPyConnection, dict[str, Any]]]:
    """One warehouse transaction for a step: its work and its meta.runs row commit together.
    The step fills the yielded counts dict. A ``dry_run`` does the work and rolls it all back
    (no meta.runs row either)."""
    started = datetime.now(UTC)
    counts: dict[str, Any] = {}
    with connect(settings.warehouse) as con:
        con.execute("BEGIN TRANSACTION")
        try:
            yield con, counts
            if dry_run:
                con.execute("ROLLBACK")
                return
            _record_run(con, ctx, step, started, counts)
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise


def load(settings: Settings, ctx: RunContext) -> dict[str, Any]:
    """Load every pending landing batch into raw (the single writer)."""
    from warehouse.loader import load_landing

    started = datetime.now(UTC)
    with connect(settings.warehouse) as con:
        report = load_landing(con, settings.landing)
        counts = report.as_counts()
        _record_run(con, ctx, "load", started, counts)
    return counts


def enrich(settings: Settings, ctx: RunContext, progress: Progress = log.info) -> dict[str, Any]:
    """Segment, detect suggestions, embed and group everything new, in one transaction."""
    from transforms.enrich import enrich as run_enrich
    from transforms.settings import EnrichSettings

    with _step_transaction(settings, ctx, "enrich") as (con, counts):
        counts.update(run_enrich(con, EnrichSettings.from_settings(settings), progress))
    return counts


def reconsolidate(
    settings: Settings,
    ctx: RunContext,
    progress: Progress = log.info,
    *,
    dry_run: bool = False,
    threshold: float | None = None,
    with_merges: bool = False,
) -> dict[str, Any]:
    """Refit the grouping space and merge ideas that have become alike, in one transaction
    (see idea_harvester/overrides.py): ids never change, merges are recorded, analysts'
    "keep apart" decisions hold. Rebuild the marts afterwards.

    ``dry_run`` does the same work and rolls it back (nothing is recorded); ``threshold``
    overrides ``grouping.merge_similarity``; ``with_merges`` adds the list of merges (pairs
    and representative quotes) to the counts, which otherwise stay small for XCom."""
    from idea_harvester.overrides import reconsolidate as run_reconsolidate

    step = _step_transaction(settings, ctx, "reconsolidate", dry_run=dry_run)
    with step as (con, counts):
        result = run_reconsolidate(
            con, settings, progress, run_id=ctx.run_id, at=ctx.run_at, threshold=threshold
        )
        merges = result.pop("merges")
        counts.update(result, **({"dry_run": True} if dry_run else {}))
    return {**counts, "merges": merges} if with_merges else counts


def apply_override(settings: Settings, ctx: RunContext, action: str, **kwargs: Any) -> dict:
    """An analyst's override (merge, move or keep_apart; see idea_harvester/overrides.py),
    written through the same transaction and audit log as the pipeline steps."""
    from idea_harvester import overrides

    run = {
        "merge": overrides.merge_ideas,
        "move": overrides.move_mention,
        "keep_apart": overrides.keep_apart,
    }[action]
    if action in ("merge", "move"):  # these choose new representatives and labels
        kwargs["label_language"] = settings.grouping.label_language
    with _step_transaction(settings, ctx, f"override:{action}") as (con, counts):
        counts.update(run(con, **kwargs, at=ctx.run_at))
    return counts


def build_marts(settings: Settings, ctx: RunContext) -> dict[str, Any]:
    """Rebuild the marts from core, in one transaction."""
    from warehouse.marts import SpikeWindow
    from warehouse.marts import build_marts as run_marts

    d = settings.dashboard
    spike = SpikeWindow(
        d.spike_window_days, d.spike_baseline_weeks, d.spike_min_mentions, d.spike_ratio
    )
    as_of = ctx.run_at.astimezone(UTC).date()
    with _step_transaction(settings, ctx, "marts") as (con, counts):
        counts.update(run_marts(con, settings.top_ideas_limit, as_of, spike))
    return counts


def publish(settings: Settings, ctx: RunContext) -> dict[str, Any]:
    """Raise and post the alerts (recorded in meta.alerts first, each posted once), then
    build the dashboard site and the CSV/Parquet exports from the marts. When alerts were
    recorded or posted, the snapshot is published again, so that analysts read meta.alerts
    as it is and the snapshot is not older than the live file."""
    from dashboards.alerts import run_alerts
    from dashboards.site import build_site
    from dashboards.webhook import webhook_url
    from idea_harvester.snapshot import publish_snapshot

    url = webhook_url(settings.alerts.webhook_conn_id) if settings.alerts.enabled else None
    with connect(settings.warehouse) as con:
        alerts = run_alerts(con, settings, run_id=ctx.run_id, run_at=ctx.run_at, url=url)
        site = build_site(
            con, settings.dashboards_dir, run_at=ctx.run_at, settings=settings.dashboard
        )
        if alerts.recorded or alerts.sent or alerts.failed:
            publish_snapshot(con, settings.warehouse)
    log.info(
        "published %d pages and %d exports to %s; %s",
        site.pages,
        len(site.exports),
        site.index.parent,
        alerts.as_counts(),
    )
    return {"dashboard": str(site.index)}


def run_all(settings: Settings, ctx: RunContext, progress: Progress = log.info) -> dict[str, Any]:
    """Every step once, in order, without Airflow."""
    fetched = []
    sources = settings.enabled_sources()
    for n, source in enumerate(sources, 1):
        outcome = fetch_source(settings, source.name, ctx)
        fetched.append(outcome)
        detail = outcome.get("error") or f"{outcome['count_items']} new items"
        progress(f"[fetch {n}/{len(sources)}] {source.name}: {outcome['status']} ({detail})")
    loaded = load(settings, ctx)
    progress(
        f"[load] {loaded['batches_loaded']} batches, {loaded['items_upserted']} new or changed "
        f"items, {loaded['errors_recorded']} source errors recorded"
    )
    enriched = enrich(settings, ctx, progress=lambda m: progress(f"[enrich] {m}"))
    marts = build_marts(settings, ctx)
    progress(f"[marts] {marts['marts.top_ideas']} ideas ranked")
    snap = snapshot(settings, ctx)
    progress(f"[snapshot] read-only copy for analysts at {snap['snapshot']}")
    published = publish(settings, ctx)
    progress(f"[publish] dashboard written to {published['dashboard']}")
    return {
        "fetch": fetched,
        "load": loaded,
        "enrich": enriched,
        "marts": marts,
        "snapshot": snap,
        "publish": published,
    }


def snapshot(settings: Settings, ctx: RunContext) -> dict[str, Any]:
    """Publish the read-only snapshot that analysts and dashboards read (see snapshot.py).

    Runs after the marts, as the writer: the run is recorded first, so the snapshot holds it.
    """
    from idea_harvester.snapshot import publish_snapshot

    started = datetime.now(UTC)
    with connect(settings.warehouse) as con:
        tables = con.execute(
            "SELECT count(*) FROM duckdb_tables() WHERE schema_name IN ('raw', 'core', 'marts')"
        ).fetchone()[0]
        top = con.execute("SELECT count(*) FROM marts.top_ideas").fetchone()[0]
        _record_run(con, ctx, "snapshot", started, {"tables": tables, "marts.top_ideas": top})
        path = publish_snapshot(con, settings.warehouse)
    return {"snapshot": str(path), "bytes": path.stat().st_size, "marts.top_ideas": top}
