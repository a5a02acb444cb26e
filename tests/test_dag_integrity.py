"""The DAG folder parses cleanly, stays light, and wires the pipeline as documented.

Airflow runs in a fresh child process (tests/airflow_support.py) with a temporary
AIRFLOW_HOME: it parses dags/ with DagBag (no database) and reports what it found, including
which heavy modules the parse imported. Nothing here imports Airflow into the test process.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.airflow_support import (
    DAG_IDS,
    DAGS_FOLDER,
    INGEST_DAG_IDS,
    airflow_env,
    run_support,
)

CHANNELS = {"ideas_ingest_rss": "rss", "ideas_ingest_reddit": "reddit"}
CHANNELS["ideas_ingest_blog_comments"] = "blog_comments"
LANDING_ASSETS = sorted(f"ideas_landing_{c}" for c in CHANNELS.values())
MARTS_ASSET = "ideas_marts"
WRITING_TASKS = ("load", "enrich", "build_marts", "snapshot")
DEFAULT_SCHEDULES = {
    "ideas_ingest_rss": "@hourly",
    "ideas_ingest_reddit": "*/30 * * * *",
    "ideas_ingest_blog_comments": "0 */6 * * *",
}


def _config(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """DagBag's view of dags/ from a fresh process, once per config: none, custom, broken."""
    home = tmp_path_factory.mktemp("airflow-parse")
    base = "warehouse: w.duckdb\nlanding: landing\n"
    configs = {
        "missing": str(home / "no-such-ideas.yml"),
        "custom": _config(
            home,
            "custom.yml",
            base
            + yaml.safe_dump(
                {
                    "airflow": {
                        "schedules": {
                            "rss": "*/15 * * * *",
                            "reddit": None,
                            "reconsolidate": "0 3 * * 0",
                        }
                    }
                },
            ),
        ),
        "invalid": _config(
            home, "invalid.yml", base + "airflow:\n  schedules:\n    rss: every hour\n"
        ),
        "broken_yaml": _config(home, "broken.yml", "warehouse: [unclosed\n"),
    }
    args = [arg for path in configs.values() for arg in ("--config", path)]
    report = run_support(airflow_env(home), "parse", home / "report.json", *args, timeout=240)
    return {name: report["by_config"][path] for name, path in configs.items()}


@pytest.fixture(scope="module")
def parsed(reports: dict[str, Any]) -> dict[str, Any]:
    return reports["custom"]


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


def test_parsing_the_dag_folder_does_not_import_the_model_stack(reports):
    for name, report in reports.items():
        assert report["heavy_modules_loaded"] == [], name


def test_each_ingest_dag_maps_one_fetch_per_source_and_updates_its_landing_asset(parsed):
    for dag_id in INGEST_DAG_IDS:
        dag = parsed["dags"][dag_id]
        assert dag["catchup"] is False
        fetch = dag["tasks"]["fetch"]
        assert fetch["mapped"] is True, dag_id
        assert fetch["map_index_template"], "mapped fetches are labelled by source in the UI"
        assert fetch["upstream"] == ["list_sources"]
        assert fetch["outlets"] == [f"ideas_landing_{CHANNELS[dag_id]}"]
        assert fetch["queue"] == "ingest", "ingest workers scale on their own Celery queue"
        assert set(dag["tasks"]) == {"list_sources", "fetch"}


def test_ingest_schedules_come_from_the_config(reports):
    custom = {d: reports["custom"]["dags"][d]["schedule"] for d in INGEST_DAG_IDS}
    assert custom == {
        "ideas_ingest_rss": "*/15 * * * *",
        "ideas_ingest_reddit": None,  # null: no schedule, runs only when triggered
        "ideas_ingest_blog_comments": DEFAULT_SCHEDULES["ideas_ingest_blog_comments"],
    }
    assert reports["custom"]["dags"]["ideas_ingest_reddit"]["timetable"] == "NullTimetable"
    assert reports["custom"]["warnings"] == []


@pytest.mark.parametrize("case", ["missing", "invalid", "broken_yaml"])
def test_a_missing_or_broken_config_gives_default_schedules_and_a_warning(reports, case):
    report = reports[case]
    assert report["import_errors"] == {}
    assert set(report["dags"]) == set(DAG_IDS)
    schedules = {d: report["dags"][d]["schedule"] for d in INGEST_DAG_IDS}
    assert schedules == DEFAULT_SCHEDULES
    assert len([w for w in report["warnings"] if "ideas_ingest_" in w]) == len(INGEST_DAG_IDS)


def test_load_enrich_runs_on_any_landing_asset_through_the_writer_pool(parsed):
    dag = parsed["dags"]["ideas_load_enrich"]
    assert dag["timetable"] == "AssetTriggeredTimetable"
    assert dag["schedule_assets"] == LANDING_ASSETS
    assert dag["schedule_condition"] == "AssetAny", "any one landing is enough"
    tasks = dag["tasks"]
    assert set(tasks) == set(WRITING_TASKS)
    assert {t: tasks[t]["pool"] for t in WRITING_TASKS} == dict.fromkeys(
        WRITING_TASKS, "warehouse_writer"
    )
    assert tasks["enrich"]["upstream"] == ["load"]
    assert tasks["build_marts"]["upstream"] == ["enrich"]
    assert tasks["snapshot"]["upstream"] == ["build_marts"]
    assert tasks["snapshot"]["outlets"] == [MARTS_ASSET], "marts are announced once readable"
    assert all(tasks[t]["outlets"] == [] for t in ("load", "enrich", "build_marts"))


def test_publish_runs_on_the_marts_asset_in_the_writer_pool(parsed):
    dag = parsed["dags"]["ideas_publish"]
    assert dag["timetable"] == "AssetTriggeredTimetable"
    assert dag["schedule_assets"] == [MARTS_ASSET]
    assert set(dag["tasks"]) == {"dashboard"}
    assert dag["tasks"]["dashboard"]["pool"] == "warehouse_writer"  # it records alerts


def test_reconsolidate_runs_weekly_by_default_in_the_writer_pool_and_announces_the_marts(
    reports,
):
    assert reports["missing"]["dags"]["ideas_reconsolidate"]["schedule"] == "@weekly"
    dag = reports["custom"]["dags"]["ideas_reconsolidate"]
    assert dag["schedule"] == "0 3 * * 0", "airflow.schedules.reconsolidate sets it"
    tasks = dag["tasks"]
    assert set(tasks) == {"reconsolidate", "build_marts", "snapshot"}
    assert {t["pool"] for t in tasks.values()} == {"warehouse_writer"}
    assert tasks["build_marts"]["upstream"] == ["reconsolidate"]
    assert tasks["snapshot"]["upstream"] == ["build_marts"]
    assert tasks["snapshot"]["outlets"] == [MARTS_ASSET], "publish follows a reconsolidation"


def test_every_dag_runs_one_at_a_time_and_retries_with_exponential_backoff(parsed):
    for dag_id, dag in parsed["dags"].items():
        assert dag["max_active_runs"] == 1, dag_id
        for task_id, task in dag["tasks"].items():
            where = f"{dag_id}.{task_id}"
            assert task["retries"] >= 1, where
            assert task["retry_delay_s"] >= 10, where
            # Airflow 3.3 reads this as a multiplier: True would be 1.0, no backoff at all.
            assert task["retry_exponential_backoff"] == 2.0, where
            assert task["max_retry_delay_s"] and task["max_retry_delay_s"] <= 3600, where
