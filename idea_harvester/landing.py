"""The landing zone: immutable Parquet batches, each with a small JSON manifest.

Layout: ``<landing>/<channel>/<source_name>/<batch_id>.parquet`` and ``<batch_id>.json``.
Both are written to a temporary name and renamed into place, data first: a manifest only
exists for a complete batch, so a crash mid-write leaves nothing a loader would pick up.
A failed fetch lands as an error manifest (no Parquet), so the single writer records it too.

Batch ids are content-addressed (source, item ids and content hashes, cursor): fetching the
same content twice gives the same id, and the second write is skipped.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from connectors.base import FetchResult, SourceError, items_to_table, sha1_hex

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class Manifest:
    batch_id: str
    source_name: str
    channel: str
    status: str  # "ok" or "error"
    fetched_at: str  # ISO-8601 UTC
    count_rows: int = 0
    checksum: str | None = None  # sha256 of the Parquet file
    data_file: str | None = None  # relative to the landing root
    cursor: dict[str, Any] | None = None
    error_kind: str | None = None
    error_message: str | None = None

    @property
    def is_error(self) -> bool:
        return self.status == "error"


def _atomic_write_bytes(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _source_dir(root: Path, channel: str, source_name: str) -> Path:
    return root / channel / source_name


def _write_manifest(root: Path, manifest: Manifest) -> Path:
    path = _source_dir(root, manifest.channel, manifest.source_name) / f"{manifest.batch_id}.json"
    body = {"manifest_version": MANIFEST_VERSION, **manifest.__dict__}
    _atomic_write_bytes(path, json.dumps(body, indent=2, sort_keys=True).encode("utf-8"))
    return path


def write_batch(
    root: Path,
    result: FetchResult,
    fetched_at: datetime,
    previous_cursor: dict[str, Any] | None = None,
) -> Manifest | None:
    """Land one fetch result. Returns its manifest, or None when nothing at all changed.

    A fetch with no new items but a moved cursor (a new ETag, say) still lands, as an
    empty batch, so the cursor is stored like any other.
    """
    if not result.items and result.cursor == (previous_cursor or {}):
        return None
    batch_id = (
        "b"
        + sha1_hex(
            result.source_name,
            json.dumps(result.cursor, sort_keys=True, default=str),
            *sorted(f"{i['item_id']}:{i['content_hash']}" for i in result.items),
        )[:24]
    )
    folder = _source_dir(root, result.channel, result.source_name)
    existing = read_manifest(folder / f"{batch_id}.json")
    if existing is not None:
        return existing  # the same content already landed: immutable, never rewritten
    data_path = folder / f"{batch_id}.parquet"
    folder.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{batch_id}.", suffix=".parquet", dir=folder)
    os.close(fd)
    try:
        pq.write_table(items_to_table(result.items), tmp, compression="zstd")
        os.replace(tmp, data_path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    manifest = Manifest(
        batch_id=batch_id,
        source_name=result.source_name,
        channel=result.channel,
        status="ok",
        fetched_at=_iso(fetched_at),
        count_rows=len(result.items),
        checksum=_sha256_file(data_path),
        data_file=str(data_path.relative_to(root)),
        cursor=result.cursor,
    )
    _write_manifest(root, manifest)
    return manifest


def write_error(root: Path, channel: str, error: SourceError, occurred_at: datetime) -> Manifest:
    """Land a failed fetch so the loader records it in meta.source_errors."""
    when = _iso(occurred_at)
    batch_id = "e" + sha1_hex(error.source_name, error.kind, error.message, when)[:24]
    manifest = Manifest(
        batch_id=batch_id,
        source_name=error.source_name,
        channel=channel,
        status="error",
        fetched_at=when,
        error_kind=error.kind,
        error_message=error.message,
    )
    _write_manifest(root, manifest)
    return manifest


def read_manifest(path: Path) -> Manifest | None:
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    body.pop("manifest_version", None)
    return Manifest(**body)


def iter_manifests(root: Path) -> Iterator[Manifest]:
    """Every complete batch under the landing root, oldest fetch first."""
    if not root.exists():
        return iter(())
    found = [read_manifest(p) for p in root.glob("*/*/*.json")]
    return iter(sorted((m for m in found if m), key=lambda m: (m.fetched_at, m.batch_id)))


def latest_cursor(root: Path, channel: str, source_name: str) -> dict[str, Any] | None:
    """The cursor of the newest successful batch of a source, if any landed."""
    newest: Manifest | None = None
    for path in _source_dir(root, channel, source_name).glob("*.json"):
        m = read_manifest(path)
        if m and not m.is_error and (newest is None or m.fetched_at > newest.fetched_at):
            newest = m
    return newest.cursor if newest else None


def verify_batch(root: Path, manifest: Manifest) -> Path:
    """Path of the batch's Parquet file, after checking it against the manifest."""
    path = root / (manifest.data_file or "")
    if not path.is_file():
        raise FileNotFoundError(
            f"landing batch {manifest.batch_id} of source {manifest.source_name!r}: "
            f"data file {path} is missing"
        )
    if _sha256_file(path) != manifest.checksum:
        raise ValueError(
            f"landing batch {manifest.batch_id} of source {manifest.source_name!r}: "
            f"{path} does not match its manifest checksum (file changed after landing)"
        )
    return path


def _iso(value: datetime) -> str:
    return value.isoformat()
