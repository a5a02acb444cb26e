"""The read-only snapshot of the warehouse, which analysts and dashboards read.

DuckDB lets one process hold a file read-write, and while it does no other process can open
that file, not even read-only. So readers stay off the live file: after each load-and-enrich
the writer publishes a copy of it (CHECKPOINT, copy to a temporary name beside the snapshot,
fsync, ``os.replace``), and readers open the copy read-only. The rename is atomic: a reader
sees the old copy or the new one, never half of one, and a reader that holds the old copy
open goes on reading it undisturbed while the next load writes the live file.

    <warehouse dir>/ideas.duckdb             live: the pipeline's one writer
    <warehouse dir>/snapshot/ideas.duckdb    snapshot: everyone else, read-only
"""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import duckdb

SNAPSHOT_DIR = "snapshot"


def snapshot_path(warehouse: Path) -> Path:
    """Where the snapshot of the warehouse file ``warehouse`` is published."""
    warehouse = Path(warehouse)
    return warehouse.parent / SNAPSHOT_DIR / warehouse.name


def publish_snapshot(con: duckdb.DuckDBPyConnection, warehouse: Path) -> Path:
    """Copy the live warehouse to its snapshot, atomically; return the snapshot's path.

    ``con`` must be the open read-write connection to ``warehouse``, with no transaction in
    progress: holding it keeps every other writer out while the file is copied, and the
    CHECKPOINT first writes everything in the write-ahead log into the file.
    """
    target = snapshot_path(warehouse)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    con.execute("CHECKPOINT")
    try:
        shutil.copyfile(warehouse, tmp)
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
    _fsync_dir(target.parent)
    return target


def _fsync_dir(folder: Path) -> None:
    """Make the rename durable (best effort: not every file system allows it)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@dataclass(frozen=True)
class ReadTarget:
    """The file a reader should open, and a note on it for the user (or None)."""

    path: Path
    is_snapshot: bool
    note: str | None = None


def read_target(warehouse: Path, live: bool = False) -> ReadTarget:
    """What a reader opens: the snapshot, unless ``live`` or there is no snapshot yet."""
    warehouse = Path(warehouse)
    snap = snapshot_path(warehouse)
    if live:
        return ReadTarget(warehouse, is_snapshot=False)
    if not snap.exists():
        note = None
        if warehouse.exists():
            note = f"no snapshot yet ({snap}): reading the live warehouse"
        return ReadTarget(warehouse, is_snapshot=False, note=note)
    note = None
    if warehouse.exists() and warehouse.stat().st_mtime > snap.stat().st_mtime:
        note = (
            f"reading the snapshot {snap}; the live warehouse has changed since it was taken "
            "(a load is running, or ran outside Airflow): add --live to read the live file"
        )
    return ReadTarget(snap, is_snapshot=True, note=note)
