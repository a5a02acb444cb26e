"""The DAGs under the real Airflow scheduler: runs chained by asset events, not by the clock.

One scenario, run once (tests/airflow_cluster.py starts api-server, scheduler and
dag-processor on 127.0.0.1, SQLite, LocalExecutor, in a temporary AIRFLOW_HOME):

1. Unpause the five DAGs and trigger ``ideas_ingest_rss`` against a local feed server. Its
   landing asset event starts ``ideas_load_enrich``, whose snapshot's marts asset event starts
   ``ideas_publish``: rows in the marts and a dashboard file, with no other trigger.
2. An outside system lands a batch itself and announces it: it logs in (``POST /auth/token``,
   a user with the ``op`` role) and posts an asset event (``POST /api/v2/assets/events``).
   ``ideas_load_enrich`` runs again at once. In that run ``load`` is made to crash once right
   after its transaction committed (a test-only cluster policy, tests/airflow_fault_policy.py)
   and succeeds on retry, leaving no duplicate row. Meanwhile an analyst in another process
   holds the snapshot open: the load does not wait for them.

A hard deadline bounds the whole scenario, and every process is stopped, even on failure.
"""

from __future__ import annotations

import json
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import pytest

from idea_harvester import steps
from idea_harvester.config import load_settings
from idea_harvester.run_context import RunContext
from idea_harvester.snapshot import snapshot_path
from tests import airflow_support as af
from tests.airflow_cluster import AirflowCluster, AirflowError
from tests.analyst import analyst_on
from tests.feed_server import FeedServer

DEADLINE_S = 270
AT = datetime(2026, 11, 2, 10, 0, tzinfo=UTC)
GOOD = "widget-forum"
NEW_POSTS = [
    ("widget-1", "Home screen", "Please add a home screen widget for quick notes.", "ivy"),
    ("widget-2", "Widget", "It would be great to have a widget on the home screen.", "jon"),
]
RSS = {"Content-Type": "application/rss+xml"}


@dataclass
class Scenario:
    seconds: float
    warehouse: Path
    dashboards: Path
    runs: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    task_instances: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    upstream_events: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    posted_event: dict[str, Any] = field(default_factory=dict)
    bad_login: str = ""
    items_seen_by_analyst: tuple[int, int] = (0, 0)
    fault_fired: dict[str, Any] | None = None
    retried_load_returned: dict[str, Any] | None = None
    pids_left: list[int] = field(default_factory=list)


def _dag_ids_parsed(cluster: AirflowCluster, token: str) -> set[str]:
    dags = cluster.api("GET", "/api/v2/dags?limit=100", token)["dags"]
    return {d["dag_id"] for d in dags}


def _asset_id(cluster: AirflowCluster, token: str, name: str) -> int:
    found = cluster.api("GET", f"/api/v2/assets?name_pattern={name}", token)["assets"]
    (asset,) = [a for a in found if a["name"] == name]
    return asset["id"]


def _run_details(cluster: AirflowCluster, token: str, scenario: Scenario, dag_id: str, n: int):
    run = scenario.runs[dag_id][n - 1]
    key = f"{dag_id}#{n}"
    path = f"/api/v2/dags/{dag_id}/dagRuns/{run['dag_run_id']}"
    scenario.task_instances[key] = cluster.task_instances(token, dag_id, run["dag_run_id"])
    scenario.upstream_events[key] = cluster.api("GET", f"{path}/upstreamAssetEvents", token)[
        "asset_events"
    ]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Scenario:
    started = time.monotonic()
    deadline = started + DEADLINE_S
    work = tmp_path_factory.mktemp("ideas-scheduler")
    passwords = {"admin": secrets.token_urlsafe(12), "announcer": secrets.token_urlsafe(12)}
    with FeedServer() as server:
        url = server.add("/good.xml", af.good_feed(AT), headers=RSS)
        # No clock: ingest and reconsolidate run only when triggered, so every run is caused.
        unscheduled = dict.fromkeys(("rss", "reddit", "blog_comments", "reconsolidate"))
        config = af.write_config(work, {GOOD: url}, schedules=unscheduled)
        settings = load_settings(config)
        result = Scenario(seconds=0.0, warehouse=settings.warehouse, dashboards=work / "dashboards")
        cluster = AirflowCluster(
            work / "airflow",
            users={
                "admin": ("admin", passwords["admin"]),
                "announcer": ("op", passwords["announcer"]),
            },
            IDEAS_CONFIG=str(config),
        )
        try:
            cluster.start(deadline)
            admin = cluster.login("admin", passwords["admin"])
            cluster.api(
                "POST",
                "/api/v2/pools",
                admin,
                json={"name": af.WAREHOUSE_POOL, "slots": 1, "description": "one DuckDB writer"},
            )
            cluster.wait(
                lambda: set(af.DAG_IDS) <= _dag_ids_parsed(cluster, admin),
                deadline,
                "the DAG processor to parse the six DAGs",
            )
            for dag_id in af.DAG_IDS:
                cluster.api("PATCH", f"/api/v2/dags/{dag_id}", admin, json={"is_paused": False})

            # 1. one manual ingest run; everything after it follows from asset events
            cluster.api(
                "POST", "/api/v2/dags/ideas_ingest_rss/dagRuns", admin, json={"logical_date": None}
            )
            for dag_id in af.CHAIN:
                cluster.wait_for_run(admin, dag_id, 1, deadline)

            # 2. an outside system lands a batch, then announces it through the REST API
            server.add("/good.xml", af.good_feed(AT, NEW_POSTS), headers=RSS)
            landed = steps.fetch_source(settings, GOOD, RunContext("cms-push-1", AT))
            assert landed["status"] == "ok", landed
            (cluster.faults / "ideas_load_enrich.load").touch()  # crash once, after commit
            with analyst_on(snapshot_path(settings.warehouse)) as analyst:
                before = analyst.count_items()
                try:
                    cluster.login("announcer", "not-the-password")
                except AirflowError as err:
                    result.bad_login = str(err)
                announcer = cluster.login("announcer", passwords["announcer"])
                result.posted_event = cluster.api(
                    "POST",
                    "/api/v2/assets/events",
                    announcer,
                    json={
                        "asset_id": _asset_id(cluster, announcer, "ideas_landing_rss"),
                        "extra": {"announced_by": "cms", "batch_id": landed["batch_id"]},
                    },
                )
                cluster.wait_for_run(admin, "ideas_load_enrich", 2, deadline)
                result.items_seen_by_analyst = (before, analyst.count_items())
            cluster.wait_for_run(admin, "ideas_publish", 2, deadline)

            for dag_id in af.DAG_IDS:
                result.runs[dag_id] = cluster.dag_runs(admin, dag_id)
            for dag_id, n in [*((d, 1) for d in af.CHAIN), ("ideas_load_enrich", 2)]:
                _run_details(cluster, admin, result, dag_id, n)
            run_id = result.runs["ideas_load_enrich"][1]["dag_run_id"]
            result.retried_load_returned = cluster.api(
                "GET",
                f"/api/v2/dags/ideas_load_enrich/dagRuns/{run_id}/taskInstances/load"
                "/xcomEntries/return_value?deserialize=true",
                admin,
            )["value"]
            fired = cluster.faults / "ideas_load_enrich.load.fired"
            result.fault_fired = json.loads(fired.read_text()) if fired.exists() else None
        finally:
            result.pids_left = cluster.stop()
    result.seconds = time.monotonic() - started
    print(f"\nreal-scheduler scenario: {result.seconds:.0f} s")
    return result


def _query(path: Path, sql: str) -> list[tuple]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def _ti(scenario: Scenario, key: str, task_id: str) -> list[dict[str, Any]]:
    return [ti for ti in scenario.task_instances[key] if ti["task_id"] == task_id]


def test_every_process_started_is_stopped(scenario):
    assert scenario.pids_left == []


def test_the_scenario_stays_within_its_time_bound(scenario):
    assert scenario.seconds < DEADLINE_S


def test_one_manual_ingest_run_and_everything_else_from_asset_events(scenario):
    runs = scenario.runs
    assert [r["run_type"] for r in runs["ideas_ingest_rss"]] == ["manual"]
    assert [r["run_type"] for r in runs["ideas_load_enrich"]] == ["asset_triggered"] * 2
    assert [r["run_type"] for r in runs["ideas_publish"]] == ["asset_triggered"] * 2
    assert runs["ideas_ingest_reddit"] == runs["ideas_ingest_blog_comments"] == []
    assert runs["ideas_reconsolidate"] == []
    for dag_id in af.CHAIN:
        assert {r["state"] for r in runs[dag_id]} == {"success"}, dag_id


def test_the_ingest_landing_event_started_load_and_enrich(scenario):
    (fetch,) = _ti(scenario, "ideas_ingest_rss#1", "fetch")
    assert (fetch["rendered_map_index"], fetch["state"]) == (GOOD, "success")
    events = scenario.upstream_events["ideas_load_enrich#1"]
    assert [(e["name"], e["source_dag_id"]) for e in events] == [
        ("ideas_landing_rss", "ideas_ingest_rss")
    ]
    tis = scenario.task_instances["ideas_load_enrich#1"]
    assert {ti["task_id"]: ti["pool"] for ti in tis} == dict.fromkeys(
        ("load", "enrich", "build_marts", "snapshot"), af.WAREHOUSE_POOL
    )
    publish_events = scenario.upstream_events["ideas_publish#1"]
    assert [(e["name"], e["source_task_id"]) for e in publish_events] == [
        ("ideas_marts", "snapshot")
    ]


def test_the_chain_ends_with_marts_rows_and_a_dashboard(scenario):
    snap = snapshot_path(scenario.warehouse)
    assert _query(snap, "SELECT count(*) FROM marts.top_ideas")[0][0] > 0
    assert (scenario.dashboards / "index.html").is_file()
    assert "<html" in (scenario.dashboards / "index.html").read_text().lower()


def test_an_asset_event_posted_through_the_rest_api_starts_load_and_enrich(scenario):
    assert "HTTP 401" in scenario.bad_login
    assert scenario.posted_event["extra"]["from_rest_api"] is True
    events = scenario.upstream_events["ideas_load_enrich#2"]
    assert len(events) == 1
    assert events[0]["id"] == scenario.posted_event["id"]
    assert events[0]["source_dag_id"] is None and events[0]["extra"]["announced_by"] == "cms"
    guids = {g for (g,) in _query(scenario.warehouse, "SELECT native_id FROM raw.items")}
    assert {guid for guid, *_ in NEW_POSTS} <= guids


def test_a_load_that_crashed_after_committing_succeeds_on_retry_without_duplicates(scenario):
    assert scenario.fault_fired is not None, "the injected crash happened"
    assert scenario.fault_fired["batches_loaded"] == 1
    (load,) = _ti(scenario, "ideas_load_enrich#2", "load")
    assert (load["state"], load["try_number"]) == ("success", 2)
    live = scenario.warehouse
    total, distinct = _query(live, "SELECT count(*), count(DISTINCT item_id) FROM raw.items")[0]
    assert total == distinct == len(af.SUGGESTION_POSTS + af.OTHER_POSTS + NEW_POSTS)
    assert scenario.retried_load_returned["batches_loaded"] == 0, "the retry found it done"
    assert _query(live, "SELECT count(*), count(DISTINCT batch_id) FROM meta.loads") == [(2, 2)]
    sentences = _query(
        live, "SELECT count(*) = count(DISTINCT (item_id, sentence_index)) FROM core.sentences"
    )
    assert sentences == [(True,)]


def test_an_analyst_holding_the_snapshot_open_does_not_stop_the_load(scenario):
    before, during = scenario.items_seen_by_analyst
    assert before == during == len(af.SUGGESTION_POSTS + af.OTHER_POSTS)
    snap = snapshot_path(scenario.warehouse)
    assert _query(snap, "SELECT count(*) FROM raw.items")[0][0] == before + len(NEW_POSTS)
