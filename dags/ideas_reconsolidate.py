"""Reconsolidate the ideas: refit the grouping space on the warehouse's own suggestions and
merge ideas that have become alike, then rebuild the marts and publish a snapshot.

Idea ids never change: a merge keeps the older idea and records the other in
``core.idea_redirects``; pairs an analyst kept apart are never merged. Weekly by default
(``airflow.schedules.reconsolidate`` in the config). Every task writes the warehouse, so each
runs in the one-slot ``warehouse_writer`` pool; ``snapshot`` updates the ``ideas_marts``
asset, so the dashboard is published next.
"""

from __future__ import annotations

from airflow.sdk import dag, task

from idea_harvester.orchestration import (
    DEFAULT_ARGS,
    MARTS,
    START_DATE,
    WAREHOUSE_POOL,
    channel_schedule,
    run_step,
)


@dag(
    dag_id="ideas_reconsolidate",
    schedule=channel_schedule("reconsolidate"),
    start_date=START_DATE,
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    tags=["idea-harvester", "warehouse"],
    doc_md=__doc__,
)
def ideas_reconsolidate():
    @task(pool=WAREHOUSE_POOL)
    def reconsolidate() -> dict:
        return run_step("reconsolidate")

    @task(pool=WAREHOUSE_POOL)
    def build_marts() -> dict:
        return run_step("build_marts")

    @task(pool=WAREHOUSE_POOL, outlets=[MARTS])
    def snapshot() -> dict:
        return run_step("snapshot")

    reconsolidate() >> build_marts() >> snapshot()


ideas_reconsolidate()
