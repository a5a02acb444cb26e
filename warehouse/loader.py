"""The single writer's load step: landing batches -> raw.items, with each source's cursor.

Each batch loads in one transaction together with its row in meta.loads and its source's
cursor, so a crash leaves either all of it or none. A batch already in meta.loads is skipped:
loading twice changes nothing. Rows are upserted by item_id and only rewritten when their
content hash changed (an edited post).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from connectors.base import ITEM_FIELDS
from idea_harvester.landing import Manifest, iter_manifests, verify_batch

log = logging.getLogger(__name__)

# A batch failing with one of these is unreadable for good (it is immutable): record and skip.
_UNREADABLE = (FileNotFoundError, ValueError, duckdb.InvalidInputException, duckdb.IOException)
_UPDATABLE = [f for f in ITEM_FIELDS if f not in ("item_id", "source_name", "native_id")]


@dataclass
class LoadReport:
    batches_loaded: int = 0
    items_upserted: int = 0
    errors_recorded: int = 0
    batches_skipped: int = 0
    problems: list[str] = field(default_factory=list)

    def as_counts(self) -> dict[str, int]:
        return {
            "batches_loaded": self.batches_loaded,
            "items_upserted": self.items_upserted,
            "errors_recorded": self.errors_recorded,
            "batches_skipped": self.batches_skipped,
        }


def _known_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    rows = con.execute(
        "SELECT batch_id FROM meta.loads UNION ALL SELECT error_id FROM meta.source_errors"
    ).fetchall()
    return {r[0] for r in rows}


def _record_error(
    con: duckdb.DuckDBPyConnection, error_id: str, m: Manifest, kind: str, message: str
) -> None:
    con.execute(
        "INSERT INTO meta.source_errors VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [error_id, m.source_name, m.channel, kind, message, m.fetched_at],
    )


def _load_batch(con: duckdb.DuckDBPyConnection, root: Path, m: Manifest) -> int:
    path = verify_batch(root, m)
    columns = ", ".join(ITEM_FIELDS)
    updates = ", ".join(f"{c} = excluded.{c}" for c in _UPDATABLE)
    changed = con.execute(
        """
        SELECT count(*) FROM read_parquet(?) AS b
        LEFT JOIN raw.items AS r USING (item_id)
        WHERE r.item_id IS NULL OR r.content_hash <> b.content_hash
        """,
        [str(path)],
    ).fetchone()[0]
    con.execute(
        f"""
        INSERT INTO raw.items ({columns}, batch_id)
        SELECT {columns}, ? AS batch_id FROM (
            SELECT *, row_number() OVER (PARTITION BY item_id ORDER BY fetched_at DESC) AS rn
            FROM read_parquet(?)
        ) WHERE rn = 1
        ON CONFLICT (item_id) DO UPDATE SET {updates}, batch_id = excluded.batch_id
        WHERE raw.items.content_hash <> excluded.content_hash
        """,
        [m.batch_id, str(path)],
    )
    cursor_json = json.dumps(m.cursor or {}, sort_keys=True)
    con.execute(
        "INSERT INTO meta.loads VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
            m.batch_id,
            m.source_name,
            m.channel,
            m.count_rows,
            m.checksum,
            cursor_json,
            m.fetched_at,
            m.data_file,
        ],
    )
    con.execute(
        """
        INSERT INTO meta.source_cursors VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (source_name) DO UPDATE SET
            channel = excluded.channel, cursor_json = excluded.cursor_json,
            batch_id = excluded.batch_id, updated_at = excluded.updated_at
        WHERE excluded.updated_at >= meta.source_cursors.updated_at
        """,
        [m.source_name, m.channel, cursor_json, m.batch_id, m.fetched_at],
    )
    return changed


def load_landing(con: duckdb.DuckDBPyConnection, root: Path) -> LoadReport:
    """Load every landed batch not loaded yet, oldest first, one transaction per batch."""
    report = LoadReport()
    known = _known_ids(con)
    for m in iter_manifests(Path(root)):
        if m.batch_id in known:
            report.batches_skipped += 1
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            if m.is_error:
                _record_error(con, m.batch_id, m, m.error_kind or "error", m.error_message or "")
                report.errors_recorded += 1
            else:
                report.items_upserted += _load_batch(con, Path(root), m)
                report.batches_loaded += 1
            con.execute("COMMIT")
        except _UNREADABLE as err:
            con.execute("ROLLBACK")
            problem = f"source {m.source_name!r}: landing batch {m.batch_id} not loaded: {err}"
            log.error(problem)
            report.problems.append(problem)
            con.execute("BEGIN TRANSACTION")
            _record_error(con, m.batch_id, m, "landing_unreadable", str(err))
            con.execute("COMMIT")
            report.errors_recorded += 1
        except BaseException:
            con.execute("ROLLBACK")
            raise
        known.add(m.batch_id)
    return report
