"""Airflow for the tests, in a child process: parse the DAG folder, or run the DAGs.

Importing Airflow configures logging, an ORM and a home folder (``~/airflow`` when
``AIRFLOW_HOME`` is unset). The tests therefore never import it themselves: they start
``python -m tests.airflow_support`` from the repository root with :func:`airflow_env`, and read
the JSON report it writes (Airflow's own logs go to stdout and stderr).

    python -m tests.airflow_support parse REPORT.json [--config IDEAS.yml ...]
    python -m tests.airflow_support run REPORT.json --at 2026-11-02T10:00:00+00:00

``parse`` reports the DAG folder as parsed with each given config (or $IDEAS_CONFIG); ``run``
needs a migrated metadata database and ``$IDEAS_CONFIG``. This module also builds the feeds and
the configuration that the Airflow runs use; the real scheduler lives in
``tests/airflow_cluster.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from tests.feedgen import Entry, rss_document

REPO = Path(__file__).resolve().parents[1]
DAGS_FOLDER = REPO / "dags"
INGEST_DAG_IDS = ("ideas_ingest_rss", "ideas_ingest_reddit", "ideas_ingest_blog_comments")
DAG_IDS = (*INGEST_DAG_IDS, "ideas_load_enrich", "ideas_publish", "ideas_reconsolidate")
CHAIN = ("ideas_ingest_rss", "ideas_load_enrich", "ideas_publish")  # what an RSS fetch starts
HEAVY_MODULES = ("torch", "sentence_transformers", "transformers")
WAREHOUSE_POOL = "warehouse_writer"


# --- used by the tests (no Airflow import) ---------------------------------------------------


def airflow_env(home: Path, **extra: str) -> dict[str, str]:
    """The environment for an Airflow child process: everything under ``home``, SQLite."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        AIRFLOW_HOME=str(home),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS_FOLDER),
        AIRFLOW__DATABASE__SQL_ALCHEMY_CONN=f"sqlite:///{home / 'airflow.db'}",
        PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])),
    )
    env.update(extra)
    return env


def airflow_cli(env: dict[str, str], *args: str, timeout: float = 120) -> str:
    """Run ``airflow ARGS...`` with this interpreter; return its output, raise on failure."""
    proc = subprocess.run(
        [sys.executable, "-m", "airflow", *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"airflow {' '.join(args)} failed:\n{proc.stdout}\n{proc.stderr}")
    return proc.stdout


def run_support(
    env: dict[str, str], command: str, report: Path, *args: str, timeout: float = 300
) -> dict[str, Any]:
    """Run ``python -m tests.airflow_support COMMAND REPORT ARGS...``; return the report."""
    proc = subprocess.run(
        [sys.executable, "-m", "tests.airflow_support", command, str(report), *args],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0 or not report.exists():
        tail = (proc.stdout + proc.stderr)[-8000:]
        raise RuntimeError(f"airflow_support {command} exited {proc.returncode}:\n{tail}")
    return json.loads(report.read_text(encoding="utf-8"))


SUGGESTION_POSTS = [
    ("dark-1", "Dark mode", "Please add a dark mode to the app.", "ana"),
    ("dark-2", "Night use", "It would be great to have a dark theme in the app.", "ben"),
    ("csv-1", "Exports", "I wish the app had an export to CSV.", "chloe"),
    ("csv-2", "Reports", "Could you add CSV export for reports?", "dev"),
    ("sync-1", "Offline", "Please add offline sync so I can work on the train.", "eve"),
]
OTHER_POSTS = [
    ("thanks-1", "Thanks", "Thanks for the quick fix yesterday, everything works now.", "fay"),
    ("bug-1", "Crash", "The app crashed twice this morning when I opened settings.", "gus"),
    ("howto-1", "Question", "How do I change my password on the web version?", "hal"),
]


def good_feed(at: datetime, extra_posts: list[tuple[str, str, str, str]] = ()) -> bytes:
    """An RSS feed of eight English posts published before ``at``: five suggestions (two pairs
    of paraphrases); then ``extra_posts`` (guid, title, text, author), published after it."""
    posts = SUGGESTION_POSTS + OTHER_POSTS
    published = [at - timedelta(hours=len(posts) - n) for n in range(len(posts))]
    published += [at + timedelta(minutes=n + 1) for n in range(len(extra_posts))]
    entries = [
        Entry(guid=guid, title=title, body_html=f"<p>{text}</p>", author=author, published=when)
        for (guid, title, text, author), when in zip(
            posts + list(extra_posts), published, strict=True
        )
    ]
    return rss_document("Widget ideas", entries)


BROKEN_PAGE = (
    b"<html><head><title>502 Bad Gateway</title></head>"
    b"<body><h1>502 Bad Gateway</h1><p>nginx</p></body></html>"
)


def write_config(
    folder: Path, sources: dict[str, str], schedules: dict[str, str | None] | None = None
) -> Path:
    """Write ``ideas.yml`` in ``folder`` with everything under it; ``sources``: name to URL;
    ``schedules``: the ``airflow.schedules`` section (channel to schedule), if any."""
    config: dict[str, Any] = {
        "warehouse": str(folder / "warehouse" / "ideas.duckdb"),
        "landing": str(folder / "landing"),
        "dashboards": str(folder / "dashboards"),
        "sources": [{"name": n, "channel": "rss", "url": u} for n, u in sources.items()],
        "http": {"timeout_s": 10},
    }
    if schedules is not None:
        config["airflow"] = {"schedules": schedules}
    path = folder / "ideas.yml"
    path.write_text(yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


# --- run in the child process (imports Airflow) ----------------------------------------------


def _asset_names(condition: Any) -> list[str]:
    """Names of the assets in a schedule's asset condition (nested any/all flattened)."""
    if condition is None:
        return []
    if hasattr(condition, "objects"):
        return sorted(name for obj in condition.objects for name in _asset_names(obj))
    return [condition.name]


def parse_report(dags_folder: Path = DAGS_FOLDER) -> dict[str, Any]:
    """Parse the DAG folder with DagBag (no database) and describe what it holds, with the
    warnings that the DAG files logged."""
    import logging

    from airflow.models import DagBag

    warnings: list[str] = []
    handler = logging.Handler(level=logging.WARNING)
    handler.emit = lambda record: warnings.append(record.getMessage())  # type: ignore[method-assign]
    logger = logging.getLogger("idea_harvester")
    logger.addHandler(handler)
    try:
        bag = DagBag(dag_folder=dags_folder)
    finally:
        logger.removeHandler(handler)
    dags = {}
    for dag_id, dag in bag.dags.items():
        condition = getattr(dag.timetable, "asset_condition", None)
        dags[dag_id] = {
            "fileloc": dag.fileloc,
            "timetable": type(dag.timetable).__name__,
            "schedule": dag.schedule if isinstance(dag.schedule, str) else None,
            "schedule_assets": _asset_names(condition),
            "schedule_condition": type(condition).__name__ if condition is not None else None,
            "catchup": dag.catchup,
            "max_active_runs": dag.max_active_runs,
            "tasks": {
                task.task_id: {
                    "pool": task.pool,
                    "queue": task.queue,
                    "mapped": bool(getattr(task, "is_mapped", False)),
                    "map_index_template": getattr(task, "map_index_template", None),
                    "outlets": sorted(a.name for a in task.outlets),
                    "upstream": sorted(task.upstream_task_ids),
                    "retries": task.retries,
                    "retry_delay_s": task.retry_delay.total_seconds(),
                    "retry_exponential_backoff": float(task.retry_exponential_backoff),
                    "max_retry_delay_s": (
                        task.max_retry_delay.total_seconds() if task.max_retry_delay else None
                    ),
                }
                for task in dag.tasks
            },
        }
    return {
        "import_errors": {str(k): str(v) for k, v in bag.import_errors.items()},
        "dags": dags,
        "heavy_modules_loaded": [m for m in HEAVY_MODULES if m in sys.modules],
        "warnings": warnings,
    }


def parse_reports(configs: list[str]) -> dict[str, Any]:
    """``parse_report`` once per config file (set as $IDEAS_CONFIG), or once as things are."""
    if not configs:
        return parse_report()
    reports = {}
    for config in configs:
        os.environ["IDEAS_CONFIG"] = config
        reports[config] = parse_report()
    return {"by_config": reports}


def _task_instances(dag_id: str, run_id: str) -> list[dict[str, Any]]:
    from airflow.models import TaskInstance
    from airflow.models.xcom import XComModel
    from airflow.utils.session import create_session
    from sqlalchemy import select

    rows = []
    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        ).all()
        for ti in sorted(tis, key=lambda t: (t.task_id, t.map_index)):
            xcom = session.scalars(
                select(XComModel.value).where(
                    XComModel.dag_id == dag_id,
                    XComModel.run_id == run_id,
                    XComModel.task_id == ti.task_id,
                    XComModel.map_index == ti.map_index,
                    XComModel.key == "return_value",
                )
            ).first()
            rows.append(
                {
                    "task_id": ti.task_id,
                    "map_index": ti.map_index,
                    "rendered_map_index": ti.rendered_map_index,
                    "pool": ti.pool,
                    "state": str(ti.state),
                    "return_value": _decode(xcom),
                }
            )
    return rows


def _decode(value: Any) -> Any:
    """XCom values come back as JSON text (or already decoded, depending on the backend)."""
    if isinstance(value, str | bytes):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def run_report(at: datetime) -> dict[str, Any]:
    """Run the three DAGs in order with ``dag.test()``, as the asset chain would.

    ``dag.test()`` does not create the asset-triggered runs, so each DAG is run here. The
    ingest run has a logical date (it is scheduled hourly); the downstream runs have none,
    like real asset-triggered runs in Airflow 3, only a ``run_after``. Retries are turned off
    so that a failing task fails the run at once instead of waiting for its retry delay.
    """
    from airflow.models import DagBag

    bag = DagBag(dag_folder=DAGS_FOLDER)
    if bag.import_errors:
        return {"import_errors": {str(k): str(v) for k, v in bag.import_errors.items()}}
    runs = {}
    for n, dag_id in enumerate(CHAIN):
        dag = bag.dags[dag_id]
        for task in dag.tasks:
            task.retries = 0
        logical_date = at if dag_id == "ideas_ingest_rss" else None
        dr = dag.test(run_after=at + timedelta(minutes=n), logical_date=logical_date)
        runs[dag_id] = {
            "run_id": dr.run_id,
            "state": str(dr.state),
            "task_instances": _task_instances(dag_id, dr.run_id),
        }
        if runs[dag_id]["state"] != "success":
            break
    return {"import_errors": {}, "pools": _pools(), "runs": runs}


def _pools() -> dict[str, int]:
    from airflow.models import Pool
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        return {pool.pool: pool.slots for pool in session.scalars(select(Pool))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.airflow_support")
    parser.add_argument("command", choices=["parse", "run"])
    parser.add_argument("report", type=Path, help="where to write the JSON report")
    parser.add_argument(
        "--at", type=datetime.fromisoformat, default=datetime(2026, 11, 2, tzinfo=UTC)
    )
    parser.add_argument("--config", action="append", default=[], help="parse with this config")
    args = parser.parse_args(argv)
    report = parse_reports(args.config) if args.command == "parse" else run_report(args.at)
    args.report.write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
