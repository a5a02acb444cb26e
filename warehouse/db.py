"""Opening the DuckDB warehouse and applying versioned migrations.

Migrations are the numbered ``migrations/NNN_name.sql`` files beside this module; each runs
once, in its own transaction, and is recorded in ``meta.schema_version``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

log = logging.getLogger(__name__)

_MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")


class WarehouseError(Exception):
    """The warehouse cannot be opened or used; the message says what to do."""


class WarehouseLocked(WarehouseError):
    """Another process holds the warehouse file (DuckDB allows one writer, and no reader
    beside it)."""


def migrations() -> list[tuple[int, str, str]]:
    """All migrations shipped with the package, as (version, file name, SQL), in order."""
    folder = resources.files("warehouse") / "migrations"
    found = []
    for entry in folder.iterdir():
        m = _MIGRATION_NAME.match(entry.name)
        if m:
            found.append((int(m.group(1)), entry.name, entry.read_text(encoding="utf-8")))
    return sorted(found)


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    exists = con.execute(
        "SELECT count(*) FROM information_schema.tables "
        "WHERE table_schema = 'meta' AND table_name = 'schema_version'"
    ).fetchone()[0]
    if not exists:
        return 0
    return con.execute("SELECT coalesce(max(version), 0) FROM meta.schema_version").fetchone()[0]


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """Commit the block's statements together, or roll them all back if it raises."""
    con.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        con.execute("ROLLBACK")
        raise
    con.execute("COMMIT")


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply pending migrations; returns the names applied."""
    current = schema_version(con)
    applied = []
    for version, name, sql in migrations():
        if version <= current:
            continue
        with transaction(con):
            con.execute(sql)
            con.execute(
                "INSERT INTO meta.schema_version VALUES (?, ?, ?)",
                [version, name, datetime.now(UTC)],
            )
        log.info("warehouse: applied migration %s", name)
        applied.append(name)
    return applied


def _open(path: Path, read_only: bool) -> duckdb.DuckDBPyConnection:
    try:
        return duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as err:
        if "lock" in str(err).lower():
            todo = (
                "wait for the running pipeline step to finish, or read the published snapshot "
                "(what `ideas sql` and `ideas status` read unless given --live)"
                if read_only
                else "wait for the other process to finish: a running pipeline step, or a "
                "reader of the live file (`--live`)"
            )
            raise WarehouseLocked(
                f"warehouse {path} is locked by another process (DuckDB allows one writer, and "
                f"no reader beside it): {todo}"
            ) from err
        raise WarehouseError(f"cannot open warehouse {path}: {err}") from err


def require_existing(path: Path) -> None:
    """Raise ``WarehouseError`` saying what to run when there is no warehouse at ``path``: for
    commands that read or amend what a run stored."""
    if not Path(path).exists():
        raise WarehouseError(
            f"warehouse {path} does not exist yet: run `ideas run` (or `ideas demo`) first"
        )


@contextmanager
def connect(path: Path, *, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse. Read-write opens create it and apply pending migrations."""
    path = Path(path)
    if read_only:
        require_existing(path)
        con = _open(path, read_only=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        con = _open(path, read_only=False)
        migrate(con)
    try:
        yield con
    finally:
        con.close()


@contextmanager
def arrow_view(con: duckdb.DuckDBPyConnection, name: str, table: pa.Table) -> Iterator[None]:
    """Expose an Arrow table to SQL as ``name`` for the duration of the block."""
    con.register(name, table)
    try:
        yield
    finally:
        con.unregister(name)
