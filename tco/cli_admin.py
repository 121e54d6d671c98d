"""Admin commands: API keys and run import (the store's write side)."""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import time
from pathlib import Path
from typing import IO, Any

from tco.cli_store import add_store_argument

# Files at least this large get a progress line (smaller ones import in well under a second).
PROGRESS_MIN_BYTES = 1_000_000
_READ_CHUNK_BYTES = 1 << 20


def add_admin_commands(sub: Any) -> None:
    keys = sub.add_parser("keys", help="manage API keys")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, help="what to do with keys")
    create = keys_sub.add_parser("create", help="create a key; prints it once, on the last line")
    create.add_argument("--name", required=True, help="who or what holds the key (unique)")
    create.add_argument(
        "--role",
        choices=["viewer", "editor", "admin"],
        required=True,
        help="viewer reads, editor also writes prices and runs, admin also deletes",
    )
    for p in (
        create,
        keys_sub.add_parser("list", help="list keys (never the secret)"),
        revoke := keys_sub.add_parser("revoke", help="revoke a key"),
    ):
        add_store_argument(p)
    revoke.add_argument("name", help="the key's name, or its prefix as `tco keys list` shows it")

    from tco.ingest import FORMATS

    imp = sub.add_parser(
        "import", help="import benchmark files into the store, each file as one atomic run"
    )
    imp.add_argument(
        "files", nargs="+", metavar="FILE", help="benchmark files (JSON or CSV), one run each"
    )
    add_store_argument(imp, "the store to import into")
    imp.add_argument("--format", choices=FORMATS, help="default: detected from each file")
    imp.add_argument(
        "--date", type=dt.date.fromisoformat, help="run date, for InferenceX runner agg files"
    )
    imp.add_argument("--source", help="provenance recorded with each run (default: the path)")
    imp.add_argument(
        "--recipe",
        metavar="FILE.json",
        help="for benchmark tools' files (vllm_bench, sglang_bench, aiperf, guidellm, llmperf): "
        "a JSON object with the deployment they do not record (hardware, gpus, tp, framework, "
        "precision, spec_method, date, model, isl, osl, ...; the fields of POST /v1/runs). "
        "Default: FILE.recipe.json beside each file, if there is one",
    )
    imp.add_argument(
        "--strict",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="--strict: every sanity check rejects a file; --no-strict: they only warn "
        "(default: TCO_SANITY_WARN, else only disagg_gpus warns)",
    )


class _Progress:
    """Progress of one large file on stderr. On a terminal one line redrawn in place: a bar while
    the file is read, then the phase (parsing, storing) with its elapsed seconds, ticking (each
    phase is one call, with no row count to report). Elsewhere (logs, CI) a line per phase."""

    def __init__(self, label: str, stream: IO[str], enabled: bool) -> None:
        self.label, self.stream, self.enabled = label, stream, enabled
        self.tty = enabled and stream.isatty()
        self._phase, self._started = "", time.monotonic()
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def _write(self, text: str) -> None:
        self.stream.write(
            f"\r\033[K{self.label}  {text}" if self.tty else f"{self.label}  {text}\n"
        )
        self.stream.flush()

    def bar(self, done: int, total: int, width: int = 30) -> None:
        if self.tty:
            filled = width * done // max(total, 1)
            self._write(
                f"reading [{'#' * filled}{'.' * (width - filled)}] {done / 1e6:.1f}/{total / 1e6:.1f} MB"
            )

    def phase(self, name: str) -> None:
        self._phase, self._started = name, time.monotonic()
        if not self.enabled:
            return
        if not self.tty:
            self._write(f"{name}...")
        elif self._ticker is None:
            self._ticker = threading.Thread(target=self._tick, daemon=True)
            self._ticker.start()

    def _tick(self) -> None:
        while not self._stop.wait(0.25):
            self._write(f"{self._phase} {time.monotonic() - self._started:.1f} s")

    def close(self) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join()
        if self.tty:
            self.stream.write("\r\033[K")
            self.stream.flush()


def _read(path: Path, progress: _Progress) -> bytes:
    size, chunks, done = path.stat().st_size, [], 0
    with path.open("rb") as fh:
        while chunk := fh.read(_READ_CHUNK_BYTES):
            chunks.append(chunk)
            done += len(chunk)
            progress.bar(done, size)
    return b"".join(chunks)


def _import_files(args: argparse.Namespace) -> int:
    """Each file is one run, stored completely or not at all; a rejected file does not stop
    the others. One result line per file on stdout; errors and warnings on stderr. Exit status
    1 if any file was rejected."""
    from tco.app.live import SANITY_SETTING, import_run, open_seeded_store, warn_checks
    from tco.ingest import IngestError
    from tco.store import InvalidData

    try:
        warn = warn_checks(args.strict, os.environ.get(SANITY_SETTING))
    except ValueError as exc:
        raise SystemExit(f"tco import: {exc}") from None
    from tco.app.catalog import apply_catalog

    rejected = 0
    store = open_seeded_store(args.database)
    apply_catalog(store.catalog)  # keys added to this store's catalog are accepted in its runs
    try:
        for name in args.files:
            path = Path(name)
            if not path.is_file():
                print(f"{name}: rejected, not a readable file", file=sys.stderr)
                rejected += 1
                continue
            try:
                recipe = _recipe_for(path, args.recipe)
            except IngestError as exc:
                rejected += 1
                print(f"{name}: rejected, nothing stored: {exc}", file=sys.stderr)
                continue
            large = path.stat().st_size >= PROGRESS_MIN_BYTES
            progress = _Progress(name, sys.stderr, enabled=large)
            started = time.monotonic()
            try:
                imported = import_run(
                    store,
                    _read(path, progress),
                    source=args.source or str(path),
                    actor="cli",
                    request_id=None,
                    warn=warn,
                    format=args.format,
                    date=args.date,
                    on_phase=progress.phase,
                    recipe=recipe,
                )
            except IngestError as exc:
                rejected += 1
                print(f"{name}: rejected, nothing stored: {exc.total} error(s)", file=sys.stderr)
                for e in exc.errors:
                    where = "file" if e.index < 0 else f"row {e.index}"
                    print(f"  {where} {e.field}: {e.reason}", file=sys.stderr)
                continue
            except InvalidData as exc:
                rejected += 1
                print(f"{name}: rejected, nothing stored: {exc}", file=sys.stderr)
                continue
            finally:
                progress.close()
            r = imported.result
            print(
                f"{name}: {imported.format}, {imported.rows} rows: {r.rows_added} added, "
                f"{r.duplicates} already stored, {imported.warnings_total} warning(s); "
                f"{'run ' + r.run_id if r.run_id else 'no new run'} "
                f"({time.monotonic() - started:.1f} s)"
            )
            for note in imported.notes:
                print(f"  note: {note}", file=sys.stderr)
            for w in imported.warnings:
                print(
                    f"  warning: row {w.index} {w.field} [{w.check}]: {w.reason}", file=sys.stderr
                )
    finally:
        store.close()
    return 1 if rejected else 0


def _recipe_for(path: Path, given: str | None) -> Any:
    """The recipe sidecar of a tool's file: --recipe, else FILE.recipe.json if present."""
    from tco.ingest.rows import file_error
    from tco.ingest.tools.recipe import recipe_from_json

    sidecar = Path(given) if given else path.with_name(path.name + ".recipe.json")
    if not sidecar.is_file():
        if given:
            raise file_error("recipe", f"{given}: not a readable file")
        return None
    return recipe_from_json(sidecar.read_bytes())


def _keys(args: argparse.Namespace) -> int:
    """The key is printed once, alone on the last line, so scripts can take ``tail -n 1``."""
    from tco.app.live import open_seeded_store
    from tco.store import Role, StoreError

    store = open_seeded_store(args.database)
    try:
        if args.keys_command == "create":
            key = store.create_key(args.name, Role[args.role.upper()])
            print(f"created {args.role} key {args.name!r}; it is shown once, store it now:")
            print(key)
        elif args.keys_command == "list":
            print("name\trole\tprefix\tcreated\tstatus")
            for k in store.list_keys():
                status = f"revoked {k.revoked_at:%Y-%m-%d}" if k.revoked_at else "active"
                print(
                    f"{k.name}\t{k.role.name.lower()}\t{k.prefix}\t{k.created_at:%Y-%m-%d}\t{status}"
                )
        else:
            revoked = store.revoke_key(args.name)
            print(f"revoked {revoked.role.name.lower()} key {revoked.name!r} ({revoked.prefix}...)")
    except StoreError as exc:  # a duplicate name, an unknown key: one line, no traceback
        print(f"tco keys: {exc}", file=sys.stderr)
        return 2
    finally:
        store.close()
    return 0


def run_admin(args: argparse.Namespace) -> int:
    if args.command == "keys":
        return _keys(args)
    if args.command == "import":
        return _import_files(args)
    raise SystemExit(f"unknown command {args.command}")
