"""Every mart (and the alerts log) as CSV and Parquet files beside the dashboard.

Files are written by DuckDB's COPY to a temporary name, then renamed, so a reader never sees
half a file. In the CSV files, text cells that a spreadsheet would run as a formula (starting
with ``= + - @``, tab or carriage return) get a leading apostrophe; the Parquet files keep
the values exactly.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import duckdb

EXPORTS_DIR = "exports"
_EXTRA_TABLES = ("meta.alerts",)


@dataclass(frozen=True)
class ExportFile:
    """One exported table: its row count and the two files, relative to the site root."""

    table: str
    rows: int
    csv: str
    parquet: str


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def export_tables(con: duckdb.DuckDBPyConnection) -> list[str]:
    """``schema.table`` of every mart, then of the extra tables that exist."""
    rows = con.execute(
        "SELECT schema_name, table_name FROM duckdb_tables() "
        "WHERE database_name = current_database() ORDER BY schema_name, table_name"
    ).fetchall()
    found = [f"{s}.{t}" for s, t in rows]
    return [t for t in found if t.startswith("marts.")] + [t for t in _EXTRA_TABLES if t in found]


def _csv_select(con: duckdb.DuckDBPyConnection, table: str) -> str:
    """SELECT of ``table`` with formula-like text cells neutralised for spreadsheets."""
    schema, name = table.split(".", 1)
    cols = con.execute(
        "SELECT column_name, data_type FROM duckdb_columns() "
        "WHERE database_name = current_database() AND schema_name = ? AND table_name = ? "
        "ORDER BY column_index",
        [schema, name],
    ).fetchall()
    parts = []
    for col, kind in cols:
        q = _ident(col)
        if kind == "VARCHAR":
            parts.append(
                f"CASE WHEN regexp_matches({q}, '^[=+\\-@\\t\\r]') THEN '''' || {q} "
                f"ELSE {q} END AS {q}"
            )
        else:
            parts.append(q)
    return f"SELECT {', '.join(parts)} FROM {_ident(schema)}.{_ident(name)}"


def _copy(con: duckdb.DuckDBPyConnection, select: str, path: Path, options: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        con.execute(f"COPY ({select}) TO {_literal(str(tmp))} ({options})")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_exports(con: duckdb.DuckDBPyConnection, site_dir: Path) -> list[ExportFile]:
    """Write ``exports/<schema.table>.csv`` and ``.parquet`` under ``site_dir``; remove
    exports of tables that no longer exist."""
    folder = Path(site_dir) / EXPORTS_DIR
    folder.mkdir(parents=True, exist_ok=True)
    con.execute("SET TimeZone = 'UTC'")
    written = []
    for table in export_tables(con):
        schema, name = table.split(".", 1)
        plain = f"SELECT * FROM {_ident(schema)}.{_ident(name)}"
        _copy(con, _csv_select(con, table), folder / f"{table}.csv", "FORMAT csv, HEADER true")
        _copy(con, plain, folder / f"{table}.parquet", "FORMAT parquet, COMPRESSION zstd")
        rows = con.execute(f"SELECT count(*) FROM {_ident(schema)}.{_ident(name)}").fetchone()[0]
        written.append(
            ExportFile(
                table, int(rows), f"{EXPORTS_DIR}/{table}.csv", f"{EXPORTS_DIR}/{table}.parquet"
            )
        )
    keep = {Path(f.csv).name for f in written} | {Path(f.parquet).name for f in written}
    for stale in folder.iterdir():
        if stale.suffix in {".csv", ".parquet"} and stale.name not in keep:
            stale.unlink()
    return written
