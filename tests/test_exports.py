"""Exports: every mart (and meta.alerts) as CSV and Parquet that DuckDB reads back whole."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import duckdb
import pytest

from dashboards.exports import export_tables, write_exports
from tests.test_dashboard_support import (
    RUN_AT,
    XSS_SCRIPT,
    fill_marts,
    insert,
    mention,
    open_warehouse,
    synthetic_rows,
)

TRICKY = [
    'A "quoted", comma-separated\nmulti-line suggestion',
    '=HYPERLINK("http://evil.example", "click")',
    "+1 for dark mode",
    "@channel please",
    XSS_SCRIPT,
    "Ce serait génial « vraiment » 👍",
]


@pytest.fixture
def warehouse(tmp_path: Path) -> Path:
    """Synthetic marts plus an idea whose mentions hold CSV-hostile text, and one alert."""
    con = open_warehouse(tmp_path / "wh.duckdb")
    labels, mentions = synthetic_rows(40)
    labels["tricky"] = "Tricky texts"
    mentions += [
        mention("tricky", n, RUN_AT - timedelta(hours=n), quote=text, author=None if n else "=x")
        for n, text in enumerate(TRICKY)
    ]
    fill_marts(con, labels, mentions)
    insert(
        con,
        "meta.alerts",
        [
            {
                "alert_id": "a1",
                "kind": "top_n",
                "idea_id": "tricky",
                "alert_key": "top10",
                "message_text": "New in the top 10",
                "payload_json": "{}",
                "run_id": "r",
                "detected_at": RUN_AT,
                "delivery": "table",
                "status": "recorded",
            }
        ],
    )
    con.close()
    return tmp_path / "wh.duckdb"


def _count(con: duckdb.DuckDBPyConnection, sql: str, *params: object) -> int:
    return int(con.execute(sql, list(params)).fetchone()[0])


def test_every_mart_exported_with_the_same_row_counts(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        files = write_exports(con, tmp_path / "site")
        assert [f.table for f in files] == export_tables(con)
        assert {f.table for f in files} == {
            "marts.top_ideas",
            "marts.idea_mentions",
            "marts.idea_mentions_daily",
            "meta.alerts",
        }
        for f in files:
            expected = _count(con, f"SELECT count(*) FROM {f.table}")
            assert expected > 0 and f.rows == expected
            csv = tmp_path / "site" / f.csv
            parquet = tmp_path / "site" / f.parquet
            assert _count(con, "SELECT count(*) FROM read_csv(?)", str(csv)) == expected, f.csv
            assert _count(con, "SELECT count(*) FROM read_parquet(?)", str(parquet)) == expected


def test_parquet_keeps_values_exactly(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        for f in write_exports(con, tmp_path / "site"):
            path = str(tmp_path / "site" / f.parquet)
            for a, b in (
                (f.table, f"read_parquet('{path}')"),
                (f"read_parquet('{path}')", f.table),
            ):
                diff = _count(con, f"SELECT count(*) FROM (FROM {a} EXCEPT ALL FROM {b})")
                assert diff == 0, f.table


def test_csv_round_trips_text_and_defuses_formulas(warehouse: Path, tmp_path: Path) -> None:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        write_exports(con, tmp_path / "site")
        csv = str(tmp_path / "site" / "exports" / "marts.idea_mentions.csv")
        quotes = {
            q
            for (q,) in con.execute(
                "SELECT quote FROM read_csv(?) WHERE idea_id = 'tricky'", [csv]
            ).fetchall()
        }
        authors = {
            a
            for (a,) in con.execute(
                "SELECT author FROM read_csv(?) WHERE idea_id = 'tricky'", [csv]
            ).fetchall()
        }
    assert TRICKY[0] in quotes and XSS_SCRIPT in quotes and TRICKY[5] in quotes
    assert "'" + TRICKY[1] in quotes  # a spreadsheet shows it, never runs it
    assert "'+1 for dark mode" in quotes and "'@channel please" in quotes
    assert "'=x" in authors and None in authors


def test_exports_of_vanished_tables_are_removed(warehouse: Path, tmp_path: Path) -> None:
    stale = tmp_path / "site" / "exports" / "marts.old_mart.csv"
    stale.parent.mkdir(parents=True)
    stale.write_text("x\n1\n")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        write_exports(con, tmp_path / "site")
    assert not stale.exists()
    assert not list((tmp_path / "site" / "exports").glob(".*"))  # no temp files left
