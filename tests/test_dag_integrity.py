"""The DAG folder parses cleanly, stays light, and wires the pipeline as documented.

Airflow runs in a fresh child process (tests/airflow_support.py) with a temporary
AIRFLOW_HOME: it parses dags/ with DagBag (no database) and reports what it found, including
which heavy modules the parse imported. Nothing here imports Airflow into the test process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.airflow_support import DAG_IDS, DAGS_FOLDER, airflow_env, run_support

LANDING_ASSET = "ideas_landing_rss"
MARTS_ASSET = "ideas_marts"
WRITING_TASKS = ("load", "enrich", "build_marts")


@pytest.fixture(scope="module")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """DagBag's view of dags/, from a fresh process."""
    home = tmp_path_factory.mktemp("airflow-parse")
    return run_support(airflow_env(home), "parse", home / "report.json", timeout=180)


def test_every_dag_file_imports_without_error(parsed):
    assert parsed["import_errors"] == {}
    files = sorted(p.name for p in DAGS_FOLDER.glob("*.py"))
    assert files, "dags/ holds no DAG file"
    parsed_files = {Path(d["fileloc"]).name for d in parsed["dags"].values()}
    assert parsed_files == set(files), "every file in dags/ defines a DAG"


def test_the_expected_dags_exist(parsed):
    assert set(parsed["dags"]) == set(DAG_IDS)
    for dag_id in DAG_IDS:
        assert Path(parsed["dags"][dag_id]["fileloc"]).name == f"{dag_id}.py"


def test_parsing_the_dag_folder_does_not_import_the_model_stack(parsed):
    assert parsed["heavy_modules_loaded"] == []


def test_ingest_maps_one_fetch_per_source_and_updates_the_landing_asset(parsed):
    dag = parsed["dags"]["ideas_ingest_rss"]
    assert dag["schedule"] == "@hourly"
    assert dag["catchup"] is False
    fetch = dag["tasks"]["fetch"]
    assert fetch["mapped"] is True
    assert fetch["map_index_template"], "mapped fetches are labelled by source in the UI"
    assert fetch["upstream"] == ["list_sources"]
    assert fetch["outlets"] == [LANDING_ASSET]


def test_load_enrich_runs_on_the_landing_asset_through_the_writer_pool(parsed):
    dag = parsed["dags"]["ideas_load_enrich"]
    assert dag["timetable"] == "AssetTriggeredTimetable"
    assert dag["schedule_assets"] == [LANDING_ASSET]
    tasks = dag["tasks"]
    assert set(tasks) == set(WRITING_TASKS)
    assert {t: tasks[t]["pool"] for t in WRITING_TASKS} == dict.fromkeys(
        WRITING_TASKS, "warehouse_writer"
    )
    assert tasks["enrich"]["upstream"] == ["load"]
    assert tasks["build_marts"]["upstream"] == ["enrich"]
    assert tasks["build_marts"]["outlets"] == [MARTS_ASSET]


def test_publish_runs_on_the_marts_asset(parsed):
    dag = parsed["dags"]["ideas_publish"]
    assert dag["timetable"] == "AssetTriggeredTimetable"
    assert dag["schedule_assets"] == [MARTS_ASSET]
    assert set(dag["tasks"]) == {"dashboard"}


def test_every_dag_runs_one_at_a_time_and_retries(parsed):
    for dag_id, dag in parsed["dags"].items():
        assert dag["max_active_runs"] == 1, dag_id
        assert all(t["retries"] >= 1 for t in dag["tasks"].values()), dag_id
