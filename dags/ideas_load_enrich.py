"""Load landed batches into DuckDB, enrich them into ideas, rebuild the marts, snapshot.

Scheduled on any channel's landing asset (``ideas_landing_rss | ideas_landing_reddit |
ideas_landing_blog_comments``), so a fetch, or an asset event posted to Airflow's REST API by
an outside system, starts it without waiting for a clock. Every task here opens the warehouse
read-write, so each runs in the one-slot ``warehouse_writer`` pool: DuckDB allows one writing
process. ``snapshot`` then publishes the read-only copy that analysts and dashboards read, and
updates the ``ideas_marts`` asset.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from idea_harvester.orchestration import (
    ANY_LANDING,
    DEFAULT_ARGS,
    MARTS,
    START_DATE,
    WAREHOUSE_POOL,
    run_step,
)


@dag(
    dag_id="ideas_load_enrich",
    schedule=ANY_LANDING,
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
        return run_step("load")

    @task(pool=WAREHOUSE_POOL)
    def enrich() -> dict:
        return run_step("enrich")

    @task(pool=WAREHOUSE_POOL)
    def build_marts() -> dict:
        return run_step("build_marts")

    @task(pool=WAREHOUSE_POOL, outlets=[MARTS])
    def snapshot() -> dict:
        return run_step("snapshot")

    load() >> enrich() >> build_marts() >> snapshot()


ideas_load_enrich()
