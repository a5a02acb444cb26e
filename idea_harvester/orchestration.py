"""What the Airflow DAGs share: assets, default task arguments, schedules, the ingest factory.

Kept light on purpose: DAG files import this at parse time, so it imports nothing heavy (the
step functions are imported inside the tasks, when they run).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from airflow.sdk import DAG, Asset, dag, get_current_context, task

from idea_harvester.run_context import RunContext

log = logging.getLogger(__name__)

WAREHOUSE_POOL = "warehouse_writer"  # one slot: DuckDB allows one writing process
#: Celery queue of the fetches, so that ingest workers scale apart from the warehouse's
#: (the LocalExecutor ignores queues). Workers must listen to it: ``--queues default,ingest``.
INGEST_QUEUE = "ingest"
CHANNELS = ("rss", "reddit", "blog_comments")

#: One asset per channel's landing zone: updated when a fetch lands a batch (or an error).
LANDING: dict[str, Asset] = {
    channel: Asset(name=f"ideas_landing_{channel}", uri=f"file:///idea-harvester/landing/{channel}")
    for channel in CHANNELS
}
LANDING_RSS = LANDING["rss"]
LANDING_REDDIT = LANDING["reddit"]
LANDING_BLOG_COMMENTS = LANDING["blog_comments"]
#: Any channel landed something: what the load-and-enrich DAG is scheduled on.
ANY_LANDING = LANDING_RSS | LANDING_REDDIT | LANDING_BLOG_COMMENTS
#: New marts, readable in the warehouse snapshot: what the publish DAG is scheduled on.
MARTS = Asset(name="ideas_marts", uri="file:///idea-harvester/warehouse/snapshot")

DEFAULT_ARGS: dict[str, Any] = {
    "owner": "idea-harvester",
    "retries": 2,
    "retry_delay": timedelta(seconds=30),
    # Airflow 3.3 takes a multiplier here: True would mean 1.0, a constant delay.
    "retry_exponential_backoff": 2.0,
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


def run_step(step: str, *args: Any) -> dict[str, Any]:
    """Run one of idea_harvester.steps inside an Airflow task, with the config from
    $IDEAS_CONFIG and the task's run context. Imports happen here, at run time."""
    from idea_harvester import steps
    from idea_harvester.config import load_settings

    return getattr(steps, step)(load_settings(), *args, run_context(get_current_context()))


def channel_schedule(channel: str) -> str | None:
    """The schedule of a channel's ingest DAG (or of ``reconsolidate``) from the config's
    ``airflow.schedules``, read at parse time. Only that section is read, so a broken source
    elsewhere does not change it; a missing or invalid file gives the default with a warning,
    never an import error."""
    import yaml

    from idea_harvester.config import DEFAULT_SCHEDULES, AirflowSettings, resolve_config_path

    default = DEFAULT_SCHEDULES[channel]
    dag_id = f"ideas_ingest_{channel}" if channel in CHANNELS else f"ideas_{channel}"
    path = resolve_config_path()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        section = data.get("airflow") if isinstance(data, dict) else None
        return AirflowSettings.model_validate(section or {}).schedules[channel]
    except FileNotFoundError:
        log.warning("config %s not found: %s runs %s", path, dag_id, default)
    except Exception as err:  # a DAG file must import, whatever the config holds
        log.warning(
            "cannot read airflow.schedules from %s (%s): %s runs %s",
            path,
            str(err).replace("\n", " "),
            dag_id,
            default,
        )
    return default


def ingest_dag(channel: str) -> DAG:
    """The ingest DAG of one channel: one mapped ``fetch`` per enabled source of the channel.

    A fetch that lands a batch (or an error record) updates the channel's landing asset; a
    fetch with nothing new is skipped, so it updates nothing and triggers no load.
    """

    @dag(
        dag_id=f"ideas_ingest_{channel}",
        schedule=channel_schedule(channel),
        start_date=START_DATE,
        catchup=False,
        max_active_runs=1,
        default_args=DEFAULT_ARGS,
        tags=["idea-harvester", "ingest", channel],
        doc_md=f"Fetch every enabled `{channel}` source into the landing zone "
        f"(one mapped task per source); updates the `{LANDING[channel].name}` asset.",
    )
    def ingest() -> None:
        @task
        def list_sources() -> list[str]:
            from idea_harvester.config import load_settings

            return [s.name for s in load_settings().enabled_sources(channel)]

        @task(
            outlets=[LANDING[channel]],
            queue=INGEST_QUEUE,
            map_index_template="{{ task.op_kwargs['source_name'] }}",
        )
        def fetch(source_name: str) -> dict:
            from airflow.sdk.exceptions import AirflowSkipException

            outcome = run_step("fetch_source", source_name)
            if outcome["status"] == "unchanged":
                raise AirflowSkipException(f"{source_name}: nothing new since the last fetch")
            return outcome

        fetch.expand(source_name=list_sources())

    return ingest()
