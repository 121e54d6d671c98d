"""Benchmark runs, their points and the dataset snapshot, in SQL.

Loading points: the frontier index needs every point as one polars frame. Fetching 100k rows x
40 columns through a DB-API driver costs ~4M Python objects (~1 s), so each ingest also stores
its rows as an Arrow IPC frame, merged lazily into a whole-dataset snapshot blob; a load reads
the snapshot plus the frames of runs ingested since (see ``load_dataset``). The point rows
remain the source of truth (dedup, ``get_run``, future SQL filters); the blobs are derived
from them in the same transactions.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import uuid
from collections.abc import Iterator, Sequence
from typing import Any

import msgspec
import polars as pl

from tco.domain.points import POINT_FIELDS, POINT_SCHEMA, Point, points_frame
from tco.store.base import (
    Dataset,
    InvalidData,
    NotFound,
    RunFrame,
    RunInfo,
    RunResult,
    point_hash,
)
from tco.store.sql.db import Connection, Database, audit, now_text, ts

_POINT_COLUMN_SQL = ", ".join(f'"{name}"' for name in POINT_FIELDS)
_DATE_INDEXES = tuple(i for i, n in enumerate(POINT_FIELDS) if POINT_SCHEMA[n] == pl.Date())
_BOOL_INDEXES = tuple(i for i, n in enumerate(POINT_FIELDS) if POINT_SCHEMA[n] == pl.Boolean())
_FLOAT_INDEXES = tuple(i for i, n in enumerate(POINT_FIELDS) if POINT_SCHEMA[n] == pl.Float64())
_IN_CHUNK = 500  # bound parameters per IN (...) list, well under every backend's limit
# The dataset snapshot keeps each point's run id, so deleting a run can be applied to it.
_RUN_ID = "_run_id"
_SNAPSHOT_SCHEMA: dict[str, pl.DataType] = {**POINT_SCHEMA, _RUN_ID: pl.Utf8()}
# Merge run frames into the snapshot at ingest once this many are pending, so a load after
# a bulk import of many small runs never has to read thousands of blobs.
SNAPSHOT_AFTER_RUNS = 64
_RUN_COLUMNS = "id, created_at, created_by, request_id, source, format, row_count, duplicates"


class SqlRuns:
    """:class:`~tco.store.protocols.Runs` on any :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add_run(
        self,
        points: Sequence[Point],
        *,
        source: str,
        format: str,
        actor: str,
        request_id: str | None,
    ) -> RunResult:
        """Store a run's points atomically; rows already stored (by content) are skipped."""
        run_id = "run_" + uuid.uuid4().hex[:16]
        # The CPU work (hashing, row tuples, the frame) happens before taking the write lock.
        try:
            hashes = [point_hash(p) for p in points]
            rows = [
                point_row(run_id, i, h, p)
                for i, (h, p) in enumerate(zip(hashes, points, strict=True))
            ]
            frame = points_frame(points)
        except (pl.exceptions.PolarsError, TypeError, ValueError, AttributeError) as exc:
            raise InvalidData(
                f"run not stored, a point has a value of the wrong type: {exc}"
            ) from exc
        try:
            return self._add_run(
                run_id=run_id,
                rows=rows,
                hashes=hashes,
                frame=frame,
                source=source,
                format=format,
                actor=actor,
                request_id=request_id,
            )
        except _NothingNew as nothing:
            return nothing.result

    def _add_run(
        self,
        *,
        run_id: str,
        rows: list[tuple[object, ...]],
        hashes: list[str],
        frame: pl.DataFrame,
        source: str,
        format: str,
        actor: str,
        request_id: str | None,
    ) -> RunResult:
        with self._db.tx(write=True) as conn:
            generation = _generation(conn) + 1
            conn.execute(
                "INSERT INTO run (id, created_at, created_by, request_id, source, format, "
                "row_count, duplicates, ingest_generation) VALUES (?, ?, ?, ?, ?, ?, 0, 0, ?)",
                (run_id, now_text(), actor, request_id, source, format, generation),
            )
            try:
                conn.executemany(
                    f"INSERT INTO point (run_id, ordinal, point_hash, {_POINT_COLUMN_SQL}) "
                    f"VALUES (?, ?, ?{', ?' * len(POINT_FIELDS)}) "
                    "ON CONFLICT (point_hash) DO NOTHING",
                    rows,
                )
            except self._db.integrity_errors as exc:
                # NOT NULL on a required field (None, or NaN, stored as NULL: point_row).
                raise InvalidData(f"run not stored, a point breaks a constraint: {exc}") from exc
            # Counted, not taken from the driver: executemany's row count is not portable.
            added = int(
                conn.execute("SELECT COUNT(*) FROM point WHERE run_id = ?", (run_id,)).fetchone()[0]
            )
            duplicates = len(rows) - added
            existing = _runs_holding(conn, hashes, run_id) if duplicates else ()
            if added == 0:
                # Nothing new: roll back (no run recorded, generation and indexes untouched).
                raise _NothingNew(
                    RunResult(
                        run_id=None,
                        rows_added=0,
                        duplicates=duplicates,
                        existing_run_ids=existing,
                        dataset_generation=generation - 1,
                    )
                )
            if duplicates:
                stored = conn.execute(
                    "SELECT ordinal FROM point WHERE run_id = ? ORDER BY ordinal", (run_id,)
                )
                frame = frame[[r[0] for r in stored]]
            conn.execute(
                "UPDATE run SET row_count = ?, duplicates = ?, frame = ? WHERE id = ?",
                (added, duplicates, frame_blob(frame), run_id),
            )
            conn.execute("UPDATE dataset_state SET generation = ? WHERE id = 1", (generation,))
            audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="run.ingest",
                target=f"run:{run_id}",
                summary={
                    "rows_added": added,
                    "duplicates": duplicates,
                    "source": source,
                    "format": format,
                },
            )
            pending = conn.execute(
                "SELECT COUNT(*) FROM run, dataset_state WHERE run.deleted_at IS NULL "
                "AND run.ingest_generation > dataset_state.snapshot_generation"
            ).fetchone()[0]
            if pending >= SNAPSHOT_AFTER_RUNS:
                # Bound the blobs a load must merge when many small runs arrive between loads.
                _, merged, _ = _snapshot(conn)
                _save_snapshot(conn, generation, merged)
        return RunResult(
            run_id=run_id,
            rows_added=added,
            duplicates=duplicates,
            existing_run_ids=existing,
            dataset_generation=generation,
        )

    def dataset_generation(self) -> int:
        with self._db.tx(write=False) as conn:
            return _generation(conn)

    def list_runs(self) -> list[RunInfo]:
        """Live runs, newest first."""
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM run WHERE deleted_at IS NULL "
                "ORDER BY ingest_generation DESC"
            ).fetchall()
        return [_run_info(r) for r in rows]

    def get_run(self, run_id: str) -> tuple[RunInfo, list[Point]]:
        with self._db.tx(write=False) as conn:
            row = conn.execute(
                f"SELECT {_RUN_COLUMNS} FROM run WHERE id = ? AND deleted_at IS NULL",
                (run_id,),
            ).fetchone()
            if row is None:
                raise NotFound(f"run {run_id!r} does not exist")
            rows = conn.execute(
                f"SELECT {_POINT_COLUMN_SQL} FROM point WHERE run_id = ? ORDER BY ordinal",
                (run_id,),
            ).fetchall()
        return _run_info(row), [_row_point(r) for r in rows]

    def delete_run(self, run_id: str, *, actor: str, request_id: str | None) -> int:
        """Delete a run's points (the run record stays, marked deleted, for the audit trail).

        The points are removed rather than hidden so that re-posting them later stores them
        again. Returns the new dataset generation.
        """
        with self._db.tx(write=True) as conn:
            found = conn.execute(
                "SELECT 1 FROM run WHERE id = ? AND deleted_at IS NULL", (run_id,)
            ).fetchone()
            if found is None:
                raise NotFound(f"run {run_id!r} does not exist")
            generation = _generation(conn) + 1
            removed = conn.execute("DELETE FROM point WHERE run_id = ?", (run_id,)).rowcount
            conn.execute(
                "UPDATE run SET deleted_at = ?, deleted_generation = ?, frame = NULL WHERE id = ?",
                (now_text(), generation, run_id),
            )
            conn.execute("UPDATE dataset_state SET generation = ? WHERE id = 1", (generation,))
            audit(
                conn,
                actor=actor,
                request_id=request_id,
                action="run.delete",
                target=f"run:{run_id}",
                summary={"rows_removed": removed},
            )
        return generation

    def load_dataset(self) -> Dataset:
        """Every stored point as the canonical frame, with the generation it was read at.

        Reads happen in one transaction (a consistent snapshot), so the generation describes
        exactly these points. Row order is stable: runs in ingest order, rows as posted. Cost:
        the snapshot blob plus the frames of runs ingested since; the merged result is saved
        back as the new snapshot, so the next load is a single blob.
        """
        with self._db.tx(write=False) as conn:
            generation, merged, stale = _snapshot(conn)
        if stale:
            try:
                with self._db.tx(write=True) as conn:
                    _save_snapshot(conn, generation, merged)
            except self._db.read_only_errors:
                pass  # only a cache (e.g. a read-only file): the next load merges again
        return Dataset(generation=generation, points=merged.drop(_RUN_ID))

    def load_points(self) -> pl.DataFrame:
        return self.load_dataset().points

    def run_frames(self, after_generation: int = 0) -> Iterator[RunFrame]:
        """Live runs ingested after ``after_generation``, oldest first, with their points."""
        with self._db.tx(write=False) as conn:
            rows = conn.execute(
                "SELECT id, ingest_generation, created_at, source, frame FROM run "
                "WHERE deleted_at IS NULL AND ingest_generation > ? ORDER BY ingest_generation",
                (after_generation,),
            ).fetchall()
        for run_id, generation, created_at, source, blob in rows:
            yield RunFrame(
                id=run_id,
                generation=int(generation),
                created_at=ts(created_at),
                source=source,
                points=blob_frame(bytes(blob), POINT_SCHEMA),
            )


class _NothingNew(Exception):
    """Aborts an ingest transaction that added no rows, carrying the answer."""

    def __init__(self, result: RunResult) -> None:
        self.result = result


def _generation(conn: Connection) -> int:
    return int(conn.execute("SELECT generation FROM dataset_state WHERE id = 1").fetchone()[0])


def _runs_holding(conn: Connection, hashes: Sequence[str], exclude: str) -> tuple[str, ...]:
    found: set[str] = set()
    unique = sorted(set(hashes))
    for start in range(0, len(unique), _IN_CHUNK):
        chunk = unique[start : start + _IN_CHUNK]
        found.update(
            r[0]
            for r in conn.execute(
                "SELECT DISTINCT run_id FROM point WHERE run_id <> ? AND point_hash IN "
                f"({', '.join('?' * len(chunk))})",
                (exclude, *chunk),
            )
        )
    return tuple(sorted(found))


def _run_info(r: Sequence[Any]) -> RunInfo:
    return RunInfo(
        id=r[0],
        created_at=ts(r[1]),
        created_by=r[2],
        request_id=r[3],
        source=r[4],
        format=r[5],
        row_count=r[6],
        duplicates=r[7],
    )


def _snapshot(conn: Connection) -> tuple[int, pl.DataFrame, bool]:
    """(generation, all live points with their run id, whether the stored snapshot lagged)."""
    generation, base, blob = conn.execute(
        "SELECT generation, snapshot_generation, snapshot FROM dataset_state WHERE id = 1"
    ).fetchone()
    frame = _empty_snapshot() if blob is None else blob_frame(bytes(blob), _SNAPSHOT_SCHEMA)
    if base == generation:
        return generation, frame, False
    deleted = [
        r[0] for r in conn.execute("SELECT id FROM run WHERE deleted_generation > ?", (base,))
    ]
    if deleted:
        frame = frame.filter(~pl.col(_RUN_ID).is_in(deleted))
    added = conn.execute(
        "SELECT id, frame FROM run WHERE deleted_at IS NULL AND ingest_generation > ? "
        "ORDER BY ingest_generation",
        (base,),
    )
    frames = [
        frame,
        *(
            blob_frame(bytes(b), POINT_SCHEMA).with_columns(pl.lit(i).alias(_RUN_ID))
            for i, b in added
        ),
    ]
    return generation, pl.concat(frames, how="vertical"), True


def _save_snapshot(conn: Connection, generation: int, frame: pl.DataFrame) -> None:
    # Conditional: never replace a newer snapshot another process saved meanwhile.
    conn.execute(
        "UPDATE dataset_state SET snapshot_generation = ?, snapshot = ? "
        "WHERE id = 1 AND snapshot_generation < ?",
        (generation, frame_blob(frame), generation),
    )


# ------------------------------------------------------------------------ row conversion


def point_row(run_id: str, ordinal: int, digest: str, point: Point) -> tuple[object, ...]:
    values: list[object] = list(msgspec.structs.astuple(point))
    for i in _DATE_INDEXES:
        # Explicit ISO text: sqlite3's implicit date adapter is deprecated since Python 3.12.
        values[i] = values[i].isoformat()  # type: ignore[attr-defined]
    for i in _FLOAT_INDEXES:
        # NaN is no measurement: NULL on every backend (SQLite stores a NaN as NULL by itself,
        # PostgreSQL would keep it), so a NaN required measure breaks NOT NULL on both.
        value = values[i]
        if isinstance(value, float) and math.isnan(value):
            values[i] = None
    return (run_id, ordinal, digest, *values)


def _row_point(row: Sequence[Any]) -> Point:
    values = list(row)
    for i in _DATE_INDEXES:
        values[i] = dt.date.fromisoformat(values[i])
    for i in _BOOL_INDEXES:
        if values[i] is not None:
            values[i] = bool(values[i])
    return Point(**dict(zip(POINT_FIELDS, values, strict=True)))


def frame_blob(frame: pl.DataFrame) -> bytes:
    buffer = io.BytesIO()
    frame.write_ipc(buffer, compression="zstd")
    return buffer.getvalue()


def blob_frame(blob: bytes, schema: dict[str, pl.DataType]) -> pl.DataFrame:
    frame = pl.read_ipc(io.BytesIO(blob))
    if list(frame.schema.items()) != list(schema.items()):  # order matters, dict == does not
        # Written before Point gained a field (or a column changed type): conform, so one
        # frame schema reaches the index whatever release wrote the blob.
        frame = frame.select(
            (pl.col(name) if name in frame.columns else pl.lit(None)).cast(dtype).alias(name)
            for name, dtype in schema.items()
        )
    return frame


def _empty_snapshot() -> pl.DataFrame:
    return pl.DataFrame(schema=_SNAPSHOT_SCHEMA)
