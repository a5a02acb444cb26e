"""Readers never block the writer: analysts and dashboards read a snapshot of the warehouse.

DuckDB lets one process hold a file read-write; other processes then cannot open it, not even
read-only (and a reader holding it keeps the writer out). These tests use two processes: an
analyst in a child process holds a connection open, and the pipeline's load runs here.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from idea_harvester import steps
from idea_harvester.cli import main
from idea_harvester.config import Settings
from idea_harvester.run_context import RunContext
from idea_harvester.snapshot import publish_snapshot, read_target, snapshot_path
from tests.analyst import analyst_on
from tests.pipeline_support import POSTS, T0, feed_bytes, write_config
from warehouse.db import WarehouseError, connect

RUN1 = RunContext(run_id="run-1", run_at=T0 + timedelta(days=1))
RUN2 = RunContext(run_id="run-2", run_at=T0 + timedelta(days=2))
NEW_POSTS = [("p9", "ivy", "Please add a widget for the home screen.")]


def _land(settings: Settings, folder: Path, posts, ctx: RunContext) -> None:
    """Write the feed file and fetch it into a landing batch (a local path, no network)."""
    (folder / "feed.rss").write_bytes(feed_bytes(posts))
    outcome = steps.fetch_source(settings, "forum", ctx)
    assert outcome["status"] == "ok", outcome


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """A warehouse with the eight posts loaded and a first snapshot published."""
    settings = write_config(
        tmp_path, [{"name": "forum", "channel": "rss", "url": str(tmp_path / "feed.rss")}]
    )
    _land(settings, tmp_path, POSTS, RUN1)
    steps.load(settings, RUN1)
    outcome = steps.snapshot(settings, RUN1)
    assert outcome["snapshot"] == str(snapshot_path(settings.warehouse))
    return settings


def _count(path: Path) -> int:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw.items").fetchone()[0]


def test_the_snapshot_is_a_complete_read_only_copy_beside_the_warehouse(settings):
    snap = snapshot_path(settings.warehouse)
    assert snap == settings.warehouse.parent / "snapshot" / "ideas.duckdb"
    assert _count(snap) == len(POSTS)
    with duckdb.connect(str(snap), read_only=True) as con:
        steps_recorded = con.execute("SELECT step FROM meta.runs WHERE run_id = 'run-1'").fetchall()
        comments = con.execute(
            "SELECT count(*) FROM duckdb_columns() WHERE schema_name = 'marts' AND comment <> ''"
        ).fetchone()[0]
    assert sorted(s for (s,) in steps_recorded) == ["load", "snapshot"]
    assert comments > 0, "the documented columns come along"
    assert [p.name for p in snap.parent.iterdir()] == ["ideas.duckdb"], "no temporary file left"


def test_an_analyst_on_the_snapshot_does_not_stop_the_next_load(settings, tmp_path):
    snap = snapshot_path(settings.warehouse)
    with analyst_on(snap) as analyst:
        assert analyst.count_items() == len(POSTS)
        _land(settings, tmp_path, POSTS + NEW_POSTS, RUN2)
        loaded = steps.load(settings, RUN2)  # the writer, in this process
        assert loaded["items_upserted"] == len(NEW_POSTS)
        steps.snapshot(settings, RUN2)  # replaces the file the analyst holds open
        assert analyst.count_items() == len(POSTS), "an open session keeps its consistent view"
    assert _count(snap) == len(POSTS) + len(NEW_POSTS), "the next session sees the new snapshot"


def test_an_analyst_on_the_live_file_would_stop_the_load(settings, tmp_path):
    """Why the snapshot exists: a reader on the live file locks the writer out."""
    _land(settings, tmp_path, POSTS + NEW_POSTS, RUN2)
    with analyst_on(settings.warehouse) as analyst:
        assert analyst.count_items() == len(POSTS)
        with pytest.raises(WarehouseError, match="locked"):
            steps.load(settings, RUN2)
    assert steps.load(settings, RUN2)["items_upserted"] == len(NEW_POSTS)


def test_ideas_sql_reads_the_snapshot_unless_live(settings, tmp_path, capsys):
    config = str(tmp_path / "ideas.yml")
    _land(settings, tmp_path, POSTS + NEW_POSTS, RUN2)
    steps.load(settings, RUN2)  # the live file moves on; the snapshot has not been refreshed
    query = "SELECT count(*) AS n FROM raw.items"
    assert main(["--config", config, "sql", query, "--format", "csv"]) == 0
    out = capsys.readouterr()
    assert out.out.splitlines() == ["n", str(len(POSTS))]
    assert "--live" in out.err, "the reader is told that the live file has moved on"
    assert main(["--config", config, "sql", "--live", query, "--format", "csv"]) == 0
    assert capsys.readouterr().out.splitlines() == ["n", str(len(POSTS) + len(NEW_POSTS))]
    assert main(["--config", config, "status"]) == 0
    assert "reading the snapshot" in capsys.readouterr().out
    assert main(["--config", config, "status", "--live"]) == 0
    assert "reading the live warehouse" in capsys.readouterr().out


def test_without_a_snapshot_readers_fall_back_to_the_live_file(tmp_path):
    warehouse = tmp_path / "ideas.duckdb"
    with connect(warehouse):
        pass
    target = read_target(warehouse)
    assert (target.path, target.is_snapshot) == (warehouse, False)
    assert "no snapshot yet" in target.note
    assert read_target(warehouse, live=True).note is None


def test_a_failed_copy_leaves_the_previous_snapshot_and_no_temporary_file(settings, monkeypatch):
    snap = snapshot_path(settings.warehouse)
    before = snap.read_bytes()

    def broken_copy(src, dst):
        Path(dst).write_bytes(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr("idea_harvester.snapshot.shutil.copyfile", broken_copy)
    with connect(settings.warehouse) as con, pytest.raises(OSError, match="disk full"):
        publish_snapshot(con, settings.warehouse)
    assert snap.read_bytes() == before
    assert [p.name for p in snap.parent.iterdir()] == ["ideas.duckdb"]
