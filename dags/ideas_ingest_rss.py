"""Ingest RSS/Atom: one mapped task per configured feed, each landing one batch.

Every successful fetch updates the ``ideas_landing_rss`` asset, which schedules the
load-and-enrich DAG. The config file comes from $IDEAS_CONFIG.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from idea_harvester.orchestration import DEFAULT_ARGS, LANDING_RSS, START_DATE, run_context


@dag(
    dag_id="ideas_ingest_rss",
    schedule="@hourly",
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["idea-harvester", "ingest"],
    doc_md=__doc__,
)
def ideas_ingest_rss():
    @task
    def list_sources() -> list[str]:
        from idea_harvester.config import load_settings

        return [s.name for s in load_settings().enabled_sources("rss")]

    @task(outlets=[LANDING_RSS], map_index_template="{{ task.op_kwargs['source_name'] }}")
    def fetch(source_name: str) -> dict:
        from idea_harvester.config import load_settings
        from idea_harvester.steps import fetch_source

        return fetch_source(load_settings(), source_name, run_context(get_current_context()))

    fetch.expand(source_name=list_sources())


ideas_ingest_rss()
