"""A real Airflow run of the three DAGs of the RSS chain against a local feed server.

Airflow runs in a child process (tests/airflow_support.py) with a temporary AIRFLOW_HOME and
SQLite metadata, migrated once per session, with the one-slot ``warehouse_writer`` pool.
``dag.test()`` does not fire asset-triggered runs, so the chain ingest -> load_enrich ->
publish is run in that order here; tests/test_scheduler.py runs the real scheduler. Sources:
a good RSS feed and a feed answering HTTP 502. The results are checked in the DuckDB
warehouse, opened read-only, and in the dashboard file.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from tests import airflow_support as af
from tests.feed_server import FeedServer

AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
GOOD, BROKEN = "widget-forum", "broken-blog"


@dataclass
class ChainRun:
    report: dict[str, Any]
    warehouse: Path
    dashboards: Path
    good_requests: int
    user_agents: list[str]

    def run(self, dag_id: str) -> dict[str, Any]:
        return self.report["runs"][dag_id]

    def task_instances(self, dag_id: str, task_id: str) -> list[dict[str, Any]]:
        return [ti for ti in self.run(dag_id)["task_instances"] if ti["task_id"] == task_id]


@pytest.fixture(scope="session")
def airflow_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite metadata database with the warehouse_writer pool (1 slot)."""
    home = tmp_path_factory.mktemp("airflow-home")
    env = af.airflow_env(home)
    af.airflow_cli(env, "db", "migrate")
    af.airflow_cli(env, "pools", "set", af.WAREHOUSE_POOL, "1", "DuckDB allows one writing process")
    return home


@pytest.fixture(scope="module")
def chain(airflow_home: Path, tmp_path_factory: pytest.TempPathFactory) -> ChainRun:
    """Run ideas_ingest_rss, ideas_load_enrich and ideas_publish once, in order."""
    work = tmp_path_factory.mktemp("ideas-airflow")
    with FeedServer() as server:
        good = server.add(
            "/good.xml", af.good_feed(AT), headers={"Content-Type": "application/rss+xml"}
        )
        broken = server.add(
            "/broken.xml", af.BROKEN_PAGE, status=502, headers={"Content-Type": "text/html"}
        )
        config = af.write_config(work, {GOOD: good, BROKEN: broken})
        env = af.airflow_env(airflow_home, IDEAS_CONFIG=str(config))
        report = af.run_support(env, "run", work / "report.json", "--at", AT.isoformat())
        requests = server.requests_to("/good.xml")
    return ChainRun(
        report=report,
        warehouse=work / "warehouse" / "ideas.duckdb",
        dashboards=work / "dashboards",
        good_requests=len(requests),
        user_agents=[r.headers.get("user-agent", "") for r in requests],
    )


def _query(chain: ChainRun, sql: str, params: list | None = None) -> list[tuple]:
    con = duckdb.connect(str(chain.warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def test_the_pool_exists_with_one_slot(chain):
    assert chain.report["pools"].get(af.WAREHOUSE_POOL) == 1


def test_each_dag_run_succeeds(chain):
    assert chain.report["import_errors"] == {}
    states = {dag_id: chain.run(dag_id)["state"] for dag_id in chain.report["runs"]}
    assert states == dict.fromkeys(af.CHAIN, "success")
    for dag_id in af.CHAIN:
        failed = [ti for ti in chain.run(dag_id)["task_instances"] if ti["state"] != "success"]
        assert failed == [], dag_id


def test_fetch_is_mapped_per_source_and_a_broken_source_does_not_fail_the_run(chain):
    fetches = chain.task_instances("ideas_ingest_rss", "fetch")
    by_source = {ti["rendered_map_index"]: ti["return_value"] for ti in fetches}
    assert sorted(ti["map_index"] for ti in fetches) == [0, 1]
    assert set(by_source) == {GOOD, BROKEN}
    assert by_source[GOOD]["status"] == "ok"
    assert by_source[GOOD]["count_items"] == len(af.SUGGESTION_POSTS) + len(af.OTHER_POSTS)
    assert by_source[BROKEN]["status"] == "error"
    assert by_source[BROKEN]["error_kind"] == "http_status"
    assert chain.good_requests == 1
    assert chain.user_agents[0].startswith("IdeaHarvester")


def test_warehouse_tasks_ran_in_the_writer_pool(chain):
    tis = chain.run("ideas_load_enrich")["task_instances"]
    assert {ti["task_id"]: ti["pool"] for ti in tis} == {
        "load": af.WAREHOUSE_POOL,
        "enrich": af.WAREHOUSE_POOL,
        "build_marts": af.WAREHOUSE_POOL,
        "snapshot": af.WAREHOUSE_POOL,
    }
    (dashboard,) = chain.task_instances("ideas_publish", "dashboard")
    assert dashboard["pool"] == af.WAREHOUSE_POOL


def test_the_good_source_is_loaded_at_the_runs_logical_time(chain):
    rows = _query(
        chain, "SELECT native_id, fetched_at FROM raw.items WHERE source_name = ?", [GOOD]
    )
    guids = {guid for guid, *_ in af.SUGGESTION_POSTS + af.OTHER_POSTS}
    assert {native_id for native_id, _ in rows} == guids
    assert {fetched_at for _, fetched_at in rows} == {AT}  # the data interval, not the clock
    assert _query(chain, "SELECT count(*) FROM raw.items WHERE source_name = ?", [BROKEN]) == [(0,)]


def test_the_broken_source_is_recorded_with_its_name(chain):
    rows = _query(chain, "SELECT source_name, error_kind, error_message FROM meta.source_errors")
    assert len(rows) == 1
    name, kind, message = rows[0]
    assert (name, kind) == (BROKEN, "http_status")
    assert "502" in message


def test_top_ideas_come_from_the_good_feed(chain):
    rows = _query(chain, "SELECT label, representative_url FROM marts.top_ideas")
    assert len(rows) > 0
    assert all(url.startswith("https://ideas.example.com/posts/") for _, url in rows)


def test_warehouse_steps_are_recorded_under_the_airflow_run_id(chain):
    run_id = chain.run("ideas_load_enrich")["run_id"]
    rows = _query(chain, "SELECT step FROM meta.runs WHERE run_id = ? ORDER BY step", [run_id])
    assert [step for (step,) in rows] == ["enrich", "load", "marts", "snapshot"]


def test_the_snapshot_holds_the_marts_for_readers(chain):
    (snapshot,) = chain.task_instances("ideas_load_enrich", "snapshot")
    path = chain.warehouse.parent / "snapshot" / "ideas.duckdb"
    assert snapshot["return_value"]["snapshot"] == str(path)
    con = duckdb.connect(str(path), read_only=True)
    try:
        in_snapshot = con.execute("SELECT count(*) FROM marts.top_ideas").fetchone()[0]
    finally:
        con.close()
    assert in_snapshot == _query(chain, "SELECT count(*) FROM marts.top_ideas")[0][0] > 0


def test_publish_writes_the_dashboard(chain):
    path = chain.dashboards / "index.html"
    assert path.is_file()
    (dashboard,) = chain.task_instances("ideas_publish", "dashboard")
    assert dashboard["return_value"] == {"dashboard": str(path)}
    assert "<html" in path.read_text(encoding="utf-8").lower()
