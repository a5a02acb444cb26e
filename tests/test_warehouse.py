"""Warehouse: migrations, documentation of every column, and the loader's idempotency."""

from __future__ import annotations

from datetime import UTC, datetime

import duckdb
import pytest

from connectors.base import FetchResult, SourceError, make_item
from idea_harvester import landing
from warehouse.db import WarehouseError, connect, migrations, schema_version
from warehouse.loader import load_landing

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


def _item(native_id: str, body: str, when: datetime = T0) -> dict:
    return make_item(
        source_name="forum",
        channel="rss",
        native_id=native_id,
        fetched_at=when,
        title=f"post {native_id}",
        content_html=body,
        author="ana",
        published_at=when,
    )


def test_migrations_apply_once_and_record_the_version(tmp_path):
    db = tmp_path / "w.duckdb"
    with connect(db) as con:
        assert schema_version(con) == max(v for v, _, _ in migrations())
        applied = con.execute("SELECT count(*) FROM meta.schema_version").fetchone()[0]
    with connect(db) as con:  # reopening applies nothing again
        assert con.execute("SELECT count(*) FROM meta.schema_version").fetchone()[0] == applied


def test_every_table_and_column_is_documented(tmp_path):
    with connect(tmp_path / "w.duckdb") as con:
        tables = con.execute(
            "SELECT schema_name, table_name, comment FROM duckdb_tables() "
            "WHERE schema_name IN ('raw', 'core', 'marts', 'meta')"
        ).fetchall()
        columns = con.execute(
            "SELECT schema_name, table_name, column_name, comment FROM duckdb_columns() "
            "WHERE schema_name IN ('raw', 'core', 'marts', 'meta')"
        ).fetchall()
    assert {t[0] for t in tables} == {"raw", "core", "marts", "meta"}
    assert [f"{s}.{t}" for s, t, c in tables if not c] == []
    assert [f"{s}.{t}.{c}" for s, t, c, doc in columns if not doc] == []
    names = {f"{s}.{t}" for s, t, _ in tables}
    assert {"marts.top_ideas", "marts.idea_mentions_daily", "meta.source_cursors"} <= names


def test_read_only_open_of_a_missing_warehouse_says_what_to_do(tmp_path):
    with pytest.raises(WarehouseError, match="ideas run"):
        with connect(tmp_path / "nope.duckdb", read_only=True):
            pass


def test_loading_twice_changes_nothing_and_stores_the_cursor(tmp_path):
    root = tmp_path / "landing"
    result = FetchResult(
        "forum", "rss", [_item("1", "hello"), _item("2", "world")], {"latest_at": T0.isoformat()}
    )
    first = landing.write_batch(root, result, T0)
    assert landing.write_batch(root, result, T0) == first  # same content, same immutable batch
    with connect(tmp_path / "w.duckdb") as con:
        report = load_landing(con, root)
        assert (report.batches_loaded, report.items_upserted) == (1, 2)
        again = load_landing(con, root)
        assert (again.batches_loaded, again.batches_skipped) == (0, 1)
        assert con.execute("SELECT count(*) FROM raw.items").fetchone()[0] == 2
        cursor = con.execute(
            "SELECT cursor_json, batch_id FROM meta.source_cursors WHERE source_name = 'forum'"
        ).fetchone()
        assert T0.isoformat() in cursor[0] and cursor[1] == first.batch_id


def test_an_edited_item_is_updated_and_an_unchanged_one_is_not(tmp_path):
    root = tmp_path / "landing"
    later = datetime(2026, 11, 2, tzinfo=UTC)
    landing.write_batch(root, FetchResult("forum", "rss", [_item("1", "v1")], {"n": 1}), T0)
    landing.write_batch(
        root,
        FetchResult("forum", "rss", [_item("1", "v2", later), _item("2", "x", later)], {"n": 2}),
        later,
    )
    with connect(tmp_path / "w.duckdb") as con:
        load_landing(con, root)
        rows = con.execute("SELECT native_id, content_html FROM raw.items ORDER BY 1").fetchall()
        cursor = con.execute("SELECT cursor_json FROM meta.source_cursors").fetchone()[0]
    assert rows == [("1", "v2"), ("2", "x")]
    assert cursor == '{"n": 2}'


def test_error_manifests_land_in_source_errors_once(tmp_path):
    root = tmp_path / "landing"
    err = SourceError("broken", "not_a_feed", "the document is an HTML page")
    landing.write_error(root, "rss", err, T0)
    landing.write_error(root, "rss", err, T0)  # a retry of the same run: same record
    with connect(tmp_path / "w.duckdb") as con:
        load_landing(con, root)
        load_landing(con, root)
        rows = con.execute(
            "SELECT source_name, error_kind, error_message FROM meta.source_errors"
        ).fetchall()
    assert rows == [("broken", "not_a_feed", "the document is an HTML page")]


def test_a_tampered_batch_is_recorded_not_loaded_and_others_still_load(tmp_path):
    root = tmp_path / "landing"
    bad = landing.write_batch(root, FetchResult("forum", "rss", [_item("1", "a")], {}), T0)
    good = FetchResult(
        "other",
        "rss",
        [
            make_item(
                source_name="other", channel="rss", native_id="9", fetched_at=T0, content_html="b"
            )
        ],
        {},
    )
    landing.write_batch(root, good, T0)
    (root / bad.data_file).write_bytes(b"not parquet")
    with connect(tmp_path / "w.duckdb") as con:
        report = load_landing(con, root)
        assert report.batches_loaded == 1 and report.errors_recorded == 1
        assert "checksum" in report.problems[0] and "forum" in report.problems[0]
        assert con.execute("SELECT source_name FROM raw.items").fetchall() == [("other",)]


def test_a_crash_mid_batch_leaves_nothing_half_loaded(tmp_path, monkeypatch):
    root = tmp_path / "landing"
    landing.write_batch(root, FetchResult("forum", "rss", [_item("1", "a")], {"c": 1}), T0)
    import warehouse.loader as loader

    real = loader._load_batch

    def crash_after_rows(con, root_, m):
        real(con, root_, m)
        raise duckdb.InterruptException("simulated crash")

    monkeypatch.setattr(loader, "_load_batch", crash_after_rows)
    with connect(tmp_path / "w.duckdb") as con:
        with pytest.raises(duckdb.InterruptException):
            load_landing(con, root)
        counts = [
            con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("raw.items", "meta.loads", "meta.source_cursors")
        ]
        assert counts == [0, 0, 0]
        monkeypatch.setattr(loader, "_load_batch", real)
        assert load_landing(con, root).batches_loaded == 1
