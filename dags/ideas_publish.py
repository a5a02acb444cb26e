"""Publish: rebuild the dashboard (and its exports and alerts) whenever the marts change.

Scheduled on the ``ideas_marts`` asset, which the load-and-enrich DAG updates once the new
marts are in the warehouse snapshot. The task runs in the ``warehouse_writer`` pool because
publishing records alerts in the warehouse (meta.alerts), and then publishes the snapshot again
so that it holds them.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from idea_harvester.orchestration import (
    DEFAULT_ARGS,
    MARTS,
    START_DATE,
    WAREHOUSE_POOL,
    run_step,
)


@dag(
    dag_id="ideas_publish",
    schedule=[MARTS],
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["idea-harvester", "publish"],
    doc_md=__doc__,
)
def ideas_publish():
    @task(pool=WAREHOUSE_POOL)
    def dashboard() -> dict:
        return run_step("publish")

    dashboard()


ideas_publish()
