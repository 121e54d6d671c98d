"""Schema migrations, applied in order on open and recorded in ``schema_version``.

Migrations are frozen history: never edit one that has shipped, append a new one.

One list for both backends (SQLite and PostgreSQL), applied by tco.store.sql.migrate with the
same numbering and the same ``schema_version`` table. Portable SQL rather than a migration tool
(alembic would bring SQLAlchemy, a second way to talk to the database, for ~10 statements a
release): the DDL sticks to types and clauses both accept (TEXT, INTEGER, BIGINT, DOUBLE
PRECISION, BOOLEAN, composite keys, partial unique indexes), and the PostgreSQL backend makes
two mechanical substitutions (tco.store.postgres.database.pg_ddl): BYTEA for BLOB, and TEXT
COLLATE "C" for TEXT, so text compares and sorts by code point as in SQLite whatever the
server's locale. Dates and timestamps are ISO 8601 text (UTC for timestamps): readable in a SQL
shell, ordered correctly as text, and the same values on both backends.

Each migration is a tuple of single statements, because sqlite3's ``executescript`` commits
the open transaction first and would make a half-applied migration possible.
"""

from __future__ import annotations

_POINT_COLUMNS = """
    "model" TEXT NOT NULL,
    "isl" BIGINT NOT NULL,
    "osl" BIGINT NOT NULL,
    "hardware" TEXT NOT NULL,
    "framework" TEXT NOT NULL,
    "precision" TEXT NOT NULL,
    "spec_method" TEXT NOT NULL,
    "disagg" BOOLEAN NOT NULL,
    "tp" BIGINT,
    "ep" BIGINT,
    "dp_attention" BOOLEAN,
    "pp" BIGINT NOT NULL,
    "prefill_tp" BIGINT,
    "prefill_ep" BIGINT,
    "prefill_dp_attention" BOOLEAN,
    "prefill_num_workers" BIGINT,
    "decode_tp" BIGINT,
    "decode_ep" BIGINT,
    "decode_dp_attention" BOOLEAN,
    "decode_num_workers" BIGINT,
    "num_prefill_gpu" BIGINT,
    "num_decode_gpu" BIGINT,
    "conc" BIGINT NOT NULL,
    "date" TEXT NOT NULL,
    "framework_version" TEXT,
    "image" TEXT,
    "source" TEXT NOT NULL,
    "model_raw" TEXT,
    "hardware_raw" TEXT,
    "framework_raw" TEXT,
    "precision_raw" TEXT,
    "tput_per_gpu" DOUBLE PRECISION NOT NULL,
    "output_tput_per_gpu" DOUBLE PRECISION,
    "input_tput_per_gpu" DOUBLE PRECISION,
    "interactivity" DOUBLE PRECISION NOT NULL,
    "tpot_s" DOUBLE PRECISION NOT NULL,
    "ttft_s" DOUBLE PRECISION,
    "ttft_p90_s" DOUBLE PRECISION,
    "ttft_p99_s" DOUBLE PRECISION,
    "e2el_s" DOUBLE PRECISION"""

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    # 1: pricing tables, API keys, audit, benchmark runs
    (
        """CREATE TABLE pricing_table (
            name TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            deleted_at TEXT
        )""",
        # One row per immutable version. A delete appends a version with deleted = 1 (a
        # tombstone), so version numbers are never reused and older versions stay quotable.
        """CREATE TABLE pricing_version (
            name TEXT NOT NULL REFERENCES pricing_table (name),
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            request_id TEXT,
            description TEXT NOT NULL,
            deleted BOOLEAN NOT NULL,
            offer_count INTEGER NOT NULL,
            summary_json TEXT NOT NULL,
            PRIMARY KEY (name, version)
        )""",
        """CREATE TABLE offer (
            name TEXT NOT NULL,
            version INTEGER NOT NULL,
            ordinal INTEGER NOT NULL,
            hardware TEXT NOT NULL,
            provider TEXT NOT NULL,
            kind TEXT NOT NULL,
            usd_per_gpu_hour DOUBLE PRECISION NOT NULL,
            region TEXT,
            effective_from TEXT,
            source TEXT NOT NULL,
            source_date TEXT,
            notes TEXT,
            currency TEXT NOT NULL,
            PRIMARY KEY (name, version, ordinal),
            FOREIGN KEY (name, version) REFERENCES pricing_version (name, version)
        )""",
        # Only the SHA-256 of a key is stored; the hash is the primary key (the lookup path).
        """CREATE TABLE api_key (
            key_hash TEXT PRIMARY KEY,
            prefix TEXT NOT NULL,
            name TEXT NOT NULL,
            role TEXT NOT NULL CHECK (role IN ('viewer', 'editor', 'admin')),
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            revoked_at TEXT
        )""",
        # A name may be reused once its previous key is revoked (key rotation).
        "CREATE UNIQUE INDEX api_key_active_name ON api_key (name) WHERE revoked_at IS NULL",
        # seq is assigned as MAX + 1 inside the (serialized) write transaction rather than by
        # an auto-increment, whose syntax differs between SQLite and PostgreSQL.
        """CREATE TABLE audit (
            seq BIGINT PRIMARY KEY,
            at TEXT NOT NULL,
            actor TEXT NOT NULL,
            request_id TEXT,
            action TEXT NOT NULL,
            target TEXT NOT NULL,
            summary_json TEXT NOT NULL
        )""",
        # A single-row counter bumped in the same transaction as every ingest or run delete,
        # so the app can tell cheaply whether its frontier index is stale.
        """CREATE TABLE dataset_state (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            generation BIGINT NOT NULL
        )""",
        "INSERT INTO dataset_state (id, generation) VALUES (1, 0)",
        """CREATE TABLE run (
            id TEXT PRIMARY KEY,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            request_id TEXT,
            source TEXT NOT NULL,
            format TEXT NOT NULL,
            row_count INTEGER NOT NULL,
            duplicates INTEGER NOT NULL,
            deleted_at TEXT,
            -- The run's stored points as an Arrow IPC (zstd) frame in POINT_SCHEMA: a cache
            -- written in the same transaction as the point rows, so loading the dataset is a
            -- few blob reads instead of millions of Python values (PostgreSQL: BYTEA).
            frame BLOB
        )""",
        f"""CREATE TABLE point (
            run_id TEXT NOT NULL REFERENCES run (id),
            ordinal INTEGER NOT NULL,
            point_hash TEXT NOT NULL,{_POINT_COLUMNS},
            PRIMARY KEY (run_id, ordinal)
        )""",
        # The idempotency guarantee: one stored row per measurement, whichever run brought it.
        "CREATE UNIQUE INDEX point_hash_unique ON point (point_hash)",
    ),
    # 2: an owned offer may carry its TCO inputs (OwnedTcoInputs as JSON); its price is
    # computed from them when quoted.
    ("ALTER TABLE offer ADD COLUMN owned_inputs_json TEXT",),
    # 3: the dataset snapshot. dataset_state.snapshot holds every live point as one Arrow IPC
    # (zstd) frame as of snapshot_generation, so loading 100k points reads one blob instead of
    # 4M SQL values; ingest_generation / deleted_generation say which runs changed since.
    # Runs stored before this are numbered in creation order: all at or below the current
    # generation and above the empty snapshot's 0, so the first load merges them.
    (
        "ALTER TABLE dataset_state ADD COLUMN snapshot_generation BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE dataset_state ADD COLUMN snapshot BLOB",
        "ALTER TABLE run ADD COLUMN ingest_generation BIGINT NOT NULL DEFAULT 0",
        "ALTER TABLE run ADD COLUMN deleted_generation BIGINT",
        """UPDATE run SET ingest_generation = (
            SELECT COUNT(*) FROM run AS earlier
            WHERE earlier.created_at < run.created_at
               OR (earlier.created_at = run.created_at AND earlier.id <= run.id)
        )""",
        """UPDATE run SET deleted_generation = (SELECT generation FROM dataset_state)
            WHERE deleted_at IS NOT NULL""",
    ),
    # 4: background jobs. sync_log records every sync (InferenceX or another source) with its
    # summary, so GET /v1/sync and /healthz can say what the last one did; job_lock holds at
    # most one live lease per job name, so one sync runs at a time across processes (a lease
    # expires, so a crashed holder does not block the job forever).
    (
        """CREATE TABLE sync_log (
            id TEXT PRIMARY KEY,
            source TEXT NOT NULL,
            started_at TEXT NOT NULL,
            finished_at TEXT NOT NULL,
            status TEXT NOT NULL,
            summary_json TEXT NOT NULL
        )""",
        "CREATE INDEX sync_log_finished ON sync_log (finished_at)",
        """CREATE TABLE job_lock (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at TEXT NOT NULL
        )""",
    ),
    # 5: an offer's status as its source gives it (published, placeholder, derived,
    # approximate, assumption; tco.domain.pricing.OfferStatus); NULL: not stated.
    ("ALTER TABLE offer ADD COLUMN status TEXT",),
    # 6: a point's data caveats (Point.date_stand_in, Point.inconsistent) and its accelerator
    # count when it is not tp x pp (Point.num_gpu)
    (
        'ALTER TABLE point ADD COLUMN "date_stand_in" BOOLEAN',
        'ALTER TABLE point ADD COLUMN "num_gpu" BIGINT',
        'ALTER TABLE point ADD COLUMN "inconsistent" TEXT',
    ),
    # 7: catalog entries added by editors (models, hardware, frameworks), one row per
    # immutable version (tco.store.sql.catalog)
    (
        """CREATE TABLE catalog_entry (
            kind TEXT NOT NULL,
            key TEXT NOT NULL,
            version INTEGER NOT NULL,
            created_at TEXT NOT NULL,
            created_by TEXT NOT NULL,
            request_id TEXT,
            body_json TEXT NOT NULL,
            PRIMARY KEY (kind, key, version)
        )""",
    ),
    # 8: the per-key write rate limit (tco.store.sql.limits), shared by every process and
    # replica on the store: one token bucket per key name, its tokens as of at_s (Unix time).
    (
        """CREATE TABLE write_bucket (
            key_name TEXT PRIMARY KEY,
            tokens DOUBLE PRECISION NOT NULL,
            at_s DOUBLE PRECISION NOT NULL
        )""",
    ),
)
