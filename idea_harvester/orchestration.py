"""What the Airflow DAGs share: asset names, default task arguments, the run context.

Kept light on purpose: DAG files import this at parse time, so it imports nothing heavy.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import Asset

from idea_harvester.run_context import RunContext

WAREHOUSE_POOL = "warehouse_writer"  # one slot: DuckDB allows one writing process

LANDING_RSS = Asset(name="ideas_landing_rss", uri="file:///idea-harvester/landing/rss")
MARTS = Asset(name="ideas_marts", uri="file:///idea-harvester/warehouse/marts")

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "idea-harvester",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    "retry_exponential_backoff": True,
    "max_retry_delay": timedelta(minutes=10),
}

START_DATE = datetime(2026, 1, 1, tzinfo=UTC)


def run_context(context: dict[str, Any]) -> RunContext:
    """The run's id and logical time (end of its data interval), never the wall clock."""
    run_at = (
        context.get("data_interval_end")
        or context.get("logical_date")
        or context["dag_run"].run_after
    )
    return RunContext(run_id=context["run_id"], run_at=run_at.astimezone(UTC))
