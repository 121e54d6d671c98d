"""The store interface: what the API and CLI may ask of persistence, independent of the backend.

Everything here is backend-neutral: the records the repositories return (frozen
msgspec structs, so the API can serialize them directly), the errors, and the pure helpers
whose results are persisted (offer diffs, point content hashes, key hashing). Keeping the
helpers here means a PostgreSQL backend computes byte-identical hashes and summaries.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import msgspec
import polars as pl

from tco.domain.catalog_entries import ENTRY_TYPES, EntryVersion
from tco.domain.points import POINT_FIELDS, POINT_SCHEMA, Point
from tco.domain.pricing import Offer

# --------------------------------------------------------------------------------------- errors


class StoreError(Exception):
    """Base of every store error. Messages name the object and are safe to show a client."""


class NotFound(StoreError):
    """The table, version, run or key does not exist (or was deleted)."""


class Conflict(StoreError):
    """The object already exists, or a name is ambiguous."""


class InvalidData(StoreError):
    """The data breaks a store constraint (e.g. a point without a required measure)."""


class StoreUnavailable(StoreError):
    """The database cannot be reached (server down, connection lost): HTTP 503, retry later.
    Nothing of the interrupted transaction was committed."""


class PreconditionFailed(StoreError):
    """A write named a version that is no longer the latest (HTTP 412)."""

    def __init__(self, current_version: int, *, target: str = "", expected: int | None = None):
        self.current_version = current_version
        self.expected_version = expected
        what = target or "the object"
        super().__init__(
            f"{what} is at version {current_version}, not the expected version {expected}; "
            "re-read it and retry"
        )


# ---------------------------------------------------------------------------------- API keys


class Role(enum.IntEnum):
    """Key roles, ordered so that a higher role allows everything a lower one does."""

    VIEWER = 1
    EDITOR = 2
    ADMIN = 3

    def allows(self, required: Role) -> bool:
        return self >= required

    @classmethod
    def parse(cls, value: str | Role) -> Role:
        if isinstance(value, Role):
            return value
        try:
            return cls[value.strip().upper()]
        except KeyError:
            names = ", ".join(r.name.lower() for r in cls)
            raise InvalidData(f"unknown role {value!r}; expected one of {names}") from None


KEY_PREFIX = "tco_"
# Shown in listings and logs to tell keys apart: "tco_" + 8 of the 43 random characters, which
# leaves ~210 bits secret.
KEY_DISPLAY_CHARS = 12


def new_api_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_api_key(plaintext: str) -> str:
    # A plain SHA-256 is enough (no salt, no slow KDF): keys carry 256 random bits, so there is
    # nothing to brute-force, and a deterministic hash lets authenticate() look keys up by index.
    return hashlib.sha256(plaintext.encode()).hexdigest()


class KeyInfo(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    prefix: str  # the first KEY_DISPLAY_CHARS characters of the key; not a secret
    role: Role
    created_at: dt.datetime
    created_by: str
    revoked_at: dt.datetime | None = None


# ----------------------------------------------------------------------------- pricing tables


class OfferKey(msgspec.Struct, frozen=True, kw_only=True):
    """An offer's identity within a table: what "the same offer, new price" means."""

    hardware: str
    provider: str
    kind: str
    region: str | None


def offer_key(offer: Offer) -> OfferKey:
    return OfferKey(
        hardware=offer.hardware, provider=offer.provider, kind=offer.kind, region=offer.region
    )


class VersionSummary(msgspec.Struct, kw_only=True, frozen=True):
    """How a version differs from the one before it (the first version adds every offer)."""

    offer_count: int
    added: int
    removed: int
    changed: int
    unchanged: int
    added_offers: tuple[OfferKey, ...] = ()
    removed_offers: tuple[OfferKey, ...] = ()
    changed_offers: tuple[OfferKey, ...] = ()


def summarize_offers(previous: Sequence[Offer], current: Sequence[Offer]) -> VersionSummary:
    """Diff two versions by offer identity.

    Identities need not be unique (shipped tables list e.g. two GCP h100 on-demand prices in
    one region, from different sources), so this is a multiset diff: per identity, offers equal
    in every field pair off as unchanged, then leftover old/new offers pair off as changed, and
    what remains on either side counts as added or removed.
    """
    before: dict[OfferKey, list[Offer]] = defaultdict(list)
    after: dict[OfferKey, list[Offer]] = defaultdict(list)
    for offer in previous:
        before[offer_key(offer)].append(offer)
    for offer in current:
        after[offer_key(offer)].append(offer)
    added: list[OfferKey] = []
    removed: list[OfferKey] = []
    changed: list[OfferKey] = []
    unchanged = 0
    for key in dict.fromkeys([*before, *after]):  # first-seen order, for readable listings
        old = list(before.get(key, ()))
        new: list[Offer] = []
        for offer in after.get(key, ()):
            if offer in old:
                old.remove(offer)
                unchanged += 1
            else:
                new.append(offer)
        paired = min(len(old), len(new))
        changed += [key] * paired
        added += [key] * (len(new) - paired)
        removed += [key] * (len(old) - paired)
    return VersionSummary(
        offer_count=len(current),
        added=len(added),
        removed=len(removed),
        changed=len(changed),
        unchanged=unchanged,
        added_offers=tuple(added),
        removed_offers=tuple(removed),
        changed_offers=tuple(changed),
    )


class TableInfo(msgspec.Struct, kw_only=True, frozen=True):
    name: str
    version: int  # the latest version
    description: str
    offer_count: int
    updated_at: dt.datetime
    updated_by: str


class VersionInfo(msgspec.Struct, kw_only=True, frozen=True):
    version: int
    created_at: dt.datetime
    created_by: str
    request_id: str | None
    description: str
    deleted: bool  # a tombstone: the table was deleted by this version
    summary: VersionSummary


# -------------------------------------------------------------------------- benchmark runs

# Provenance is left out of a point's content hash so that the same measurement re-imported
# from another file or format (different ``source``, different raw spellings) is a duplicate.
_PROVENANCE_FIELDS = frozenset(
    {"source", "model_raw", "hardware_raw", "framework_raw", "precision_raw"}
)
_HASH_CASTS = {
    name: {pl.Float64(): float, pl.Boolean(): bool, pl.Int64(): int}.get(dtype)
    for name, dtype in POINT_SCHEMA.items()
    if name not in _PROVENANCE_FIELDS
}


def point_hash(point: Point) -> str:
    """The content hash that makes re-posting the same rows a no-op.

    Hashes the non-None, non-provenance fields by name (so a new optional Point field does not
    change existing hashes), with numbers normalized (``100`` and ``100.0`` are one value).
    """
    content: dict[str, object] = {}
    for name, value in zip(POINT_FIELDS, msgspec.structs.astuple(point), strict=True):
        if value is None or name not in _HASH_CASTS:
            continue
        cast = _HASH_CASTS[name]
        content[name] = cast(value) if cast is not None else value
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()


class RunInfo(msgspec.Struct, kw_only=True, frozen=True):
    id: str
    created_at: dt.datetime
    created_by: str
    request_id: str | None
    source: str
    format: str
    row_count: int  # points this run added (duplicates of stored points are not counted)
    duplicates: int


class RunResult(msgspec.Struct, kw_only=True, frozen=True):
    # None when every row was already stored: no run is recorded and the dataset is unchanged.
    run_id: str | None
    rows_added: int
    duplicates: int
    existing_run_ids: tuple[str, ...] = ()  # runs already holding the duplicate rows
    dataset_generation: int


class Dataset(msgspec.Struct, kw_only=True, frozen=True):
    """All stored points and the generation they were read at (one consistent snapshot)."""

    generation: int
    points: pl.DataFrame


# ------------------------------------------------------------------------------------ audit


class AuditEntry(msgspec.Struct, kw_only=True, frozen=True):
    seq: int
    at: dt.datetime
    actor: str
    request_id: str | None
    action: str  # pricing.create|replace|delete, key.create|revoke, run.ingest|delete
    target: str
    summary: dict[str, object]


# ------------------------------------------------------------------------------- background jobs


class SyncRecord(msgspec.Struct, kw_only=True, frozen=True):
    """One finished sync, as ``GET /v1/sync`` and ``/healthz`` report it."""

    id: str
    source: str  # e.g. "inferencex https://inferencex.semianalysis.com"
    started_at: dt.datetime
    finished_at: dt.datetime
    status: str  # ok | partial | failed
    summary: dict[str, Any]


class RunFrame(msgspec.Struct, kw_only=True, frozen=True):
    """A live run with its stored points (the change log replays runs in ingest order)."""

    id: str
    generation: int  # the dataset generation this run's ingest produced
    created_at: dt.datetime
    source: str
    points: pl.DataFrame


# -------------------------------------------------------------------------- catalog entries


def decoded_entry(kind: str, version: EntryVersion) -> Any:
    """A stored entry version's body as its domain type (tco.domain.catalog_entries)."""
    return msgspec.convert(version.entry, ENTRY_TYPES[kind])


def catalog_token(entries: list[EntryVersion]) -> str:
    """What a dataset version mixes in: every entry's kind, key and version."""
    return "\n".join(f"{e.kind}/{e.key}/v{e.version}" for e in sorted(entries, key=_entry_order))


def _entry_order(e: EntryVersion) -> tuple[str, str]:
    return (e.kind, e.key)
