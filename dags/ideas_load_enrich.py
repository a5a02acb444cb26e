"""Load landed batches into DuckDB, enrich them into ideas and rebuild the marts.

Scheduled on the landing assets. Every task here writes to the warehouse, so each runs in
the one-slot ``warehouse_writer`` pool: DuckDB allows a single writing process.
"""

from __future__ import annotations

from airflow.sdk import dag, get_current_context, task

from idea_harvester.orchestration import (
    DEFAULT_ARGS,
    LANDING_RSS,
    MARTS,
    START_DATE,
    WAREHOUSE_POOL,
    run_context,
)


@dag(
    dag_id="ideas_load_enrich",
    schedule=[LANDING_RSS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["idea-harvester", "warehouse"],
    doc_md=__doc__,
)
def ideas_load_enrich():
    @task(pool=WAREHOUSE_POOL)
    def load() -> dict:
        from idea_harvester.config import load_settings
        from idea_harvester.steps import load

        return load(load_settings(), run_context(get_current_context()))

    @task(pool=WAREHOUSE_POOL)
    def enrich() -> dict:
        from idea_harvester.config import load_settings
        from idea_harvester.steps import enrich

        return enrich(load_settings(), run_context(get_current_context()))

    @task(pool=WAREHOUSE_POOL, outlets=[MARTS])
    def build_marts() -> dict:
        from idea_harvester.config import load_settings
        from idea_harvester.steps import build_marts

        return build_marts(load_settings(), run_context(get_current_context()))

    load() >> enrich() >> build_marts()


ideas_load_enrich()
