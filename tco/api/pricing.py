"""Pricing tables over HTTP: list, read (any version, JSON or CSV), history, and the writes
(create, replace, delete) with optimistic concurrency.

A table representation's ETag is its name and version (``"acme-v3"``; ``"acme-v3.csv"`` for
the CSV form, so a cache never answers a JSON request with a stored CSV). ``If-Match`` thus
names the version the client read, which becomes the store's ``expected_version``: the stale
check runs inside the store's write transaction, so of N writers holding the same ETag exactly
one wins and the others get 412.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import anyio.to_thread
import msgspec
from litestar import Request, Response, delete, get, post, put
from litestar.datastructures import ResponseHeader
from litestar.di import Provide
from litestar.exceptions.http_exceptions import RequestEntityTooLarge
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    OpenAPIMediaType,
    OpenAPIResponse,
    Operation,
    RequestBody,
    Schema,
)
from litestar.openapi.spec.enums import OpenAPIType
from litestar.params import HeaderParameter, Parameter
from msgspec import Meta
from msgspec.structs import asdict

from tco.api.auth import (
    API_KEY_SECURITY,
    AUTH_PROBLEMS,
    RATE_LIMIT_PROBLEM,
    api_key,
    request_id,
    requires,
)
from tco.api.deps import LiveServiceDep, StoreDep
from tco.api.errors import READ_PROBLEMS, FieldError, ProblemException, problem_spec
from tco.api.http import (
    CACHE_HEADERS,
    CSV_MEDIA_TYPE,
    READ_CACHE_CONTROL,
    CsvOperation,
    cached,
    if_match_version,
    wants_csv,
    with_head,
)
from tco.api.openapi_schema import require_header
from tco.domain.owned import OwnedTcoInputs, owned_usd_per_gpu_hour
from tco.domain.pricing import (
    MAX_USD_PER_GPU_HOUR,
    MIN_USD_PER_GPU_HOUR,
    OFFER_KINDS,
    Offer,
    OfferKind,
    OfferStatus,
    PricingTable,
    UsdPerGpuHour,
)
from tco.store import Conflict, NotFound, PreconditionFailed, Role, TableInfo, VersionInfo
from tco.tabular import rows_to_csv, unescape_cell

# ------------------------------------------------------------------------------- wire types

T = TypeVar("T")
# Patterns mean the same in Python and in the ECMA dialect of the OpenAPI document: explicit
# ASCII classes, no \s or '.', whose sets differ. One difference remains: Python's '$' also
# matches before a final newline, so values are checked again with re.fullmatch
# (_check_patterns) after msgspec's re.search.
TABLE_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
# Provider and region identify an offer: no control characters, no spaces at either end (two
# offers must not differ by a stray space only).
_LABEL_PATTERN = r"^[^\x00-\x20\x7f]([^\x00-\x1f\x7f]*[^\x00-\x20\x7f])?$"
_HAS_ALNUM = r"[A-Za-z0-9]"
MAX_OFFERS = 2000
# 2000 offers of ~400 bytes each, with headroom; the app-wide limit is sized for run uploads.
PRICING_MAX_BODY_BYTES = 1024 * 1024

# A catalog key's spelling (as tco.api.catalog_edit's EntryKey). Which keys exist is data: the
# shipped catalog (pricing/hardware.csv) plus the hardware added through POST
# /v1/catalog/hardware, checked by checked_offers (422 naming the offer and the known keys).
HARDWARE_KEY_PATTERN = r"^[a-z0-9][a-z0-9.\-]*$"
HardwareKey = Annotated[
    str,
    Meta(
        pattern=HARDWARE_KEY_PATTERN,
        max_length=100,
        description="A hardware key of the catalog (GET /v1/catalog/hardware lists them)",
    ),
]

TableNameText = Annotated[
    str,
    Meta(
        pattern=TABLE_NAME_PATTERN,
        description="Lower-case letters, digits, '.', '_' and '-'; 1 to 64 characters, "
        "starting with a letter or digit",
    ),
]
_Label = Annotated[str, Meta(min_length=1, max_length=200, pattern=_LABEL_PATTERN)]
_Description = Annotated[str, Meta(max_length=2000)]


class OfferInput(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """One offer as written by a client (the Offer fields, each validated)."""

    # _price's rule, for the OpenAPI document (tco.api.openapi_schema): a price, or (kind
    # 'owned' only) the owned-TCO inputs it is computed from. A price equal to the computed one
    # is also accepted beside the inputs (a table read as JSON writes back unchanged); the
    # document asks to leave it out.
    __schema_rules__: ClassVar[dict[str, Any]] = {
        # (allOf of if/then/else, not oneOf: generated clients keep one model, not a union.)
        "allOf": [
            {
                "if": {
                    "required": ["owned_inputs"],
                    "properties": {"owned_inputs": {"type": "object"}},
                },
                "then": {
                    "properties": {"kind": {"const": "owned"}, "usd_per_gpu_hour": {"type": "null"}}
                },
                "else": {
                    "required": ["usd_per_gpu_hour"],
                    "properties": {"usd_per_gpu_hour": {"type": "number"}},
                },
            }
        ]
    }

    hardware: HardwareKey
    provider: _Label
    kind: OfferKind
    usd_per_gpu_hour: (
        Annotated[
            UsdPerGpuHour,
            Meta(description="USD per GPU-hour; may be left out when owned_inputs give it"),
        ]
        | None
    ) = None
    region: _Label | None = None
    effective_from: dt.date | None = None
    source: Annotated[
        str,
        Meta(
            min_length=1,
            max_length=2000,
            pattern=_HAS_ALNUM,
            description="Where the price comes from (a URL, a document, a quote number)",
        ),
    ]
    source_date: (
        Annotated[
            str,
            Meta(
                min_length=1,
                max_length=100,
                description="As the source states it: an ISO date, or e.g. 'undated (2026)'",
            ),
        ]
        | None
    ) = None
    notes: Annotated[str, Meta(max_length=2000)] | None = None
    currency: Literal["USD"] = "USD"
    status: OfferStatus | None = None  # what the source says about this price; None: unstated
    # kind 'owned' only: the price is computed from these (tco.domain.owned).
    owned_inputs: OwnedTcoInputs | None = None


_Offers = Annotated[list[OfferInput], Meta(min_length=1, max_length=MAX_OFFERS)]


class TableCreate(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    name: TableNameText
    description: _Description = ""
    offers: _Offers


class TableReplace(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """The new offers (and maybe description). The read-only fields of the table as GET returns
    it may come along, so a table read, edited and sent back is accepted: they are checked
    (``name``, ``version``) or ignored (``created_at``, ``created_by``), never written."""

    name: (
        Annotated[
            str,
            Meta(
                pattern=TABLE_NAME_PATTERN,
                description="Read-only, may be left out: the table's name, as in the URL (422 "
                "otherwise)",
            ),
        ]
        | None
    ) = None
    version: (
        Annotated[
            int,
            Meta(
                ge=1,
                le=1_000_000_000,
                description="Read-only, may be left out: the version read, the one If-Match "
                "names (422 otherwise); the write makes the next one",
            ),
        ]
        | None
    ) = None
    description: _Description | None = None  # omitted: keep the current description
    offers: _Offers
    # Ignored, so any text: a client's rendering of the timestamp is never refused.
    created_at: (
        Annotated[
            str,
            Meta(max_length=100, description="Read-only, ignored: when the version read was made"),
        ]
        | None
    ) = None
    created_by: (
        Annotated[
            str, Meta(max_length=200, description="Read-only, ignored: who made the version read")
        ]
        | None
    ) = None


# CSV columns: the Offer fields, then (only when an offer has them) the owned-TCO inputs
# flattened, as in the shipped pricing/*.csv files.
CSV_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in msgspec.structs.fields(Offer) if f.name != "owned_inputs"
)
OWNED_COLUMNS: tuple[str, ...] = tuple(f.name for f in msgspec.structs.fields(OwnedTcoInputs))
_CSV_REQUIRED = ("hardware", "provider", "kind", "source")
_MAX_ERRORS_LISTED = 50

# --------------------------------------------------------------------------- validation

_PATH = re.compile(r" - at `\$\.?([^`]*)`")
_REASONS = {
    repr(_LABEL_PATTERN): "must be non-empty, without control characters or spaces at either end",
    repr(_HAS_ALNUM): "must say where the price comes from (at least one letter or digit)",
    repr(TABLE_NAME_PATTERN): f"must match {TABLE_NAME_PATTERN} (a lower-case slug)",
    repr(HARDWARE_KEY_PATTERN): "must be a catalog key: lower-case letters, digits, '.' and '-' "
    "(GET /v1/catalog/hardware lists them)",
}
_ISO_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")


def _reason(message: str, field: str) -> str:
    """msgspec's message without its path, regexes in words, known values listed."""
    reason = _PATH.sub("", message)
    for pattern, text in _REASONS.items():
        if pattern in reason:
            return text
    if field.endswith("kind"):
        reason += f" (one of: {', '.join(OFFER_KINDS)})"
    return reason


_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]*)`")


def _field_path(message: str, default: str) -> str:
    """Where msgspec says the error is; for a missing or unknown field, that field."""
    match = _PATH.search(message)
    path = match.group(1) if match else ""
    named = _NAMED_FIELD.search(message)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    return path or default


def _bad_json(exc: msgspec.MsgspecError) -> ProblemException:
    if not isinstance(exc, msgspec.ValidationError):  # (a ValidationError is a DecodeError)
        return ProblemException(400, f"body: malformed JSON ({exc})", field="body")
    message = str(exc)
    field = _field_path(message, "body")
    reason = _reason(message, field)
    return ProblemException(
        400, f"{field}: {reason}", field=field, errors=[FieldError(field=field, reason=reason)]
    )


def _integral_floats_as_ints(value: object) -> object:
    """JSON has one number type: 128.0 is a valid integer (as JSON Schema says), so it may fill
    an ``int`` field; msgspec alone would refuse it. Float fields take ints unchanged."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, list):
        return [_integral_floats_as_ints(v) for v in value]
    if isinstance(value, dict):
        return {k: _integral_floats_as_ints(v) for k, v in value.items()}
    return value


def decode_json(payload: bytes, kind: type[T]) -> T:
    """Strict JSON decoding (a string is never a number) into ``kind``, or a 400 naming the field."""
    try:
        return msgspec.json.decode(payload, type=kind)  # one pass for the usual, valid body
    except msgspec.ValidationError as exc:
        typed_error = exc
    except msgspec.DecodeError as exc:
        raise _bad_json(exc) from None
    try:
        loose = msgspec.json.decode(payload)
    except msgspec.ValidationError:  # a number out of range: only the typed pass says where
        raise _bad_json(typed_error) from None
    except msgspec.DecodeError as exc:
        # The typed pass stops at its first invalid value, before reading the whole body: only
        # this pass finds what follows it (``{}x``, ``[]]``), and that is malformed JSON.
        raise _bad_json(exc) from None
    try:
        return msgspec.convert(_integral_floats_as_ints(loose), kind)
    except msgspec.ValidationError as exc:
        raise _bad_json(exc) from None


def _offers_problem(status: int, errors: list[FieldError], what: str) -> ProblemException:
    """One problem for many offer errors: ``field`` and ``detail`` name the first."""
    first = errors[0]
    field = (
        f"offers[{first.index}].{first.field}"
        if first.field != "offers"
        else f"offers[{first.index}]"
    )
    more = f" ({len(errors)} {what} are invalid)" if len(errors) > 1 else ""
    return ProblemException(
        status,
        f"{field}: {first.reason}{more}",
        field=field,
        errors=errors[:_MAX_ERRORS_LISTED],
        errors_total=len(errors),
    )


class _Invalid(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _price(o: OfferInput) -> float:
    """The offer's $/GPU-hour: as given, or computed from its owned-TCO inputs."""
    if o.owned_inputs is None:
        if o.usd_per_gpu_hour is None:
            raise _Invalid("usd_per_gpu_hour", "required (or owned_inputs, for kind 'owned')")
        return o.usd_per_gpu_hour
    if o.kind != "owned":
        raise _Invalid("owned_inputs", f"only an offer of kind 'owned' has them, not {o.kind!r}")
    try:
        computed = owned_usd_per_gpu_hour(o.owned_inputs).total_usd_per_gpu_hour
    except ValueError as exc:  # "field: reason"
        field, _, reason = str(exc).partition(": ")
        raise _Invalid(f"owned_inputs.{field}", reason) from None
    if not (math.isfinite(computed) and MIN_USD_PER_GPU_HOUR <= computed <= MAX_USD_PER_GPU_HOUR):
        raise _Invalid(
            "owned_inputs",
            f"give ${computed:g} per GPU-hour, outside "
            f"[{MIN_USD_PER_GPU_HOUR:g}, {MAX_USD_PER_GPU_HOUR:g}]",
        )
    # Accepting an equal price lets a table read as JSON be written back unchanged.
    if o.usd_per_gpu_hour is not None and not math.isclose(
        o.usd_per_gpu_hour, computed, rel_tol=1e-9
    ):
        raise _Invalid(
            "usd_per_gpu_hour",
            f"{o.usd_per_gpu_hour!r} disagrees with the {computed!r} computed from "
            "owned_inputs; leave it out",
        )
    return computed


def _check_patterns(offers: Sequence[OfferInput], name: str | None = None) -> None:
    """The anchored patterns again, as full matches (see TABLE_NAME_PATTERN): a 400 like
    msgspec's for a value that only Python's '$' let through ('acme\\n')."""
    values = [("name", name, TABLE_NAME_PATTERN)] if name is not None else []
    for i, o in enumerate(offers):
        values += [
            (f"offers[{i}].{f}", getattr(o, f), _LABEL_PATTERN) for f in ("provider", "region")
        ]
    for field, value, pattern in values:
        if value is not None and re.fullmatch(pattern, value) is None:
            reason = _REASONS[repr(pattern)]
            raise ProblemException(
                400,
                f"{field}: {reason}",
                field=field,
                errors=[FieldError(field=field, reason=reason)],
            )


def _unknown_hardware(key: str, known: Collection[str]) -> str | None:
    """Why an offer cannot name ``key`` (None: it can): the keys are data, not a schema enum."""
    if key in known:
        return None
    return (
        f"unknown hardware {key!r} (known: {', '.join(sorted(known))}); "
        "add it with POST /v1/catalog/hardware"
    )


def checked_offers(
    offers: Sequence[OfferInput], *, hardware: Collection[str], csv_columns: bool = False
) -> tuple[Offer, ...]:
    """What the schema cannot state: hardware the catalog holds (``hardware``: shipped and
    added keys), a price (given or computed from owned inputs), real calendar dates in
    ``source_date``, and one price per offer identity (hardware, provider, kind, region). Every
    offer is checked; one 422 lists every error."""
    errors: list[FieldError] = []
    priced: list[Offer] = []
    first_of: dict[tuple[str, str, str, str | None], int] = {}
    for i, o in enumerate(offers):
        unknown = _unknown_hardware(o.hardware, hardware)
        if unknown is not None:
            errors.append(FieldError(field="hardware", index=i, reason=unknown))
        try:
            price = _price(o)
        except _Invalid as exc:
            field = exc.field.removeprefix("owned_inputs.") if csv_columns else exc.field
            errors.append(FieldError(field=field, index=i, reason=exc.reason))
            price = 0.0
        iso = _ISO_PREFIX.match(o.source_date or "")
        if iso:
            try:
                dt.date.fromisoformat(iso.group())
            except ValueError:
                reason = f"{iso.group()!r} is not a calendar date"
                errors.append(FieldError(field="source_date", index=i, reason=reason))
        priced.append(Offer(**{**asdict(o), "usd_per_gpu_hour": price}))
    for i, o in enumerate(offers):
        first = first_of.setdefault((o.hardware, o.provider, o.kind, o.region), i)
        if first != i:
            reason = (
                f"duplicates offers[{first}]: same hardware, provider, kind and region "
                f"({o.hardware}, {o.provider}, {o.kind}, {o.region or 'no region'}); "
                "a table holds one price per offer"
            )
            errors.append(FieldError(field="offers", index=i, reason=reason))
    if errors:
        raise _offers_problem(422, errors, "offers")
    return tuple(priced)


def _media_type(request: Request[Any, Any, Any]) -> str:
    return request.headers.get("content-type", "application/json").split(";")[0].strip().lower()


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


def _unsupported(media_type: str, accepted: str) -> ProblemException:
    return ProblemException(
        415,
        f"Content-Type: {media_type!r} is not accepted here; send {accepted}",
        field="Content-Type",
    )


# A CSV body is declared as a plain string, so every string is valid by the contract: what is
# wrong inside it (quoting, columns, cells) is content the server cannot process, 422; only
# bytes that are not text at all are a 400.
CSV_INVALID = 422


def _csv_rows(body: bytes) -> list[tuple[int, list[str]]]:
    """Non-blank CSV records with their line numbers."""
    try:
        text = body.decode("utf-8-sig")  # spreadsheets prepend a byte-order mark
    except UnicodeDecodeError as exc:
        raise ProblemException(
            400, f"body: CSV must be UTF-8 (invalid byte at offset {exc.start})", field="body"
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows: list[tuple[int, list[str]]] = []
    try:
        for row in reader:
            if any(cell.strip() for cell in row):
                rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ProblemException(
            CSV_INVALID, f"body: malformed CSV at line {reader.line_num}: {exc}", field="body"
        ) from None
    return rows


def _csv_header(cells: list[str]) -> list[str]:
    header = [cell.strip() for cell in cells]
    known = (*CSV_COLUMNS, *OWNED_COLUMNS)
    for column in header:
        if column not in known:
            raise ProblemException(
                CSV_INVALID,
                f"{column or '(empty)'}: unknown CSV column; columns are {', '.join(known)}",
                field=column or "header",
            )
        if header.count(column) > 1:
            raise ProblemException(CSV_INVALID, f"{column}: CSV column given twice", field=column)
    for column in _CSV_REQUIRED:
        if column not in header:
            raise ProblemException(
                CSV_INVALID, f"{column}: required CSV column missing", field=column
            )
    return header


def offers_from_csv(body: bytes, *, hardware: Collection[str]) -> tuple[Offer, ...]:
    """One offer per row, columns named as in GET's CSV; every bad row is reported."""
    rows = _csv_rows(body)
    if not rows:
        raise ProblemException(
            CSV_INVALID,
            f"body: empty CSV; expected a header row ({', '.join(CSV_COLUMNS)})",
            field="body",
        )
    header = _csv_header(rows[0][1])
    data = rows[1:]
    if not data:
        raise ProblemException(
            CSV_INVALID, "offers: the CSV has a header but no offer rows", field="offers"
        )
    if len(data) > MAX_OFFERS:
        raise ProblemException(
            CSV_INVALID,
            f"offers: {len(data)} rows; a table holds at most {MAX_OFFERS}",
            field="offers",
        )
    offers: list[OfferInput] = []
    errors: list[FieldError] = []
    for index, (line, cells) in enumerate(data):
        if len(cells) != len(header):
            reason = f"line {line} has {len(cells)} cells, the header {len(header)}"
            errors.append(FieldError(field="row", index=index, reason=reason))
            continue
        values: dict[str, object] = {}
        owned: dict[str, str] = {}
        for column, cell in zip(header, cells, strict=True):
            if cell.strip():
                # A text cell exported as "'=..." (formula-escaped) reads back as "=...".
                text = unescape_cell(cell.strip())
                (owned if column in OWNED_COLUMNS else values)[column] = text
        if owned:
            values["owned_inputs"] = owned
        try:
            offer = msgspec.convert(values, OfferInput, strict=False)
        except msgspec.ValidationError as exc:
            path = _field_path(str(exc), "row")
            reason = f"{_reason(str(exc), path)} (line {line})"
            errors.append(
                FieldError(field=path.removeprefix("owned_inputs."), index=index, reason=reason)
            )
            continue
        offers.append(offer)
        # here too (checked_offers runs only on rows that all convert): one answer lists
        # every bad row, whatever is wrong with it
        unknown = _unknown_hardware(offer.hardware, hardware)
        if unknown is not None:
            errors.append(
                FieldError(field="hardware", index=index, reason=f"{unknown} (line {line})")
            )
    if errors:
        raise _offers_problem(CSV_INVALID, errors, "rows")
    return checked_offers(offers, hardware=hardware, csv_columns=True)


def offer_csv(table: PricingTable) -> str:
    """The table as CSV in the shipped files' format: an owned offer with TCO inputs has them in
    their own columns and an empty price (it is computed from them)."""
    with_inputs = any(o.owned_inputs is not None for o in table.offers)
    rows: list[dict[str, object]] = []
    for o in table.offers:
        row = {c: getattr(o, c) for c in CSV_COLUMNS}
        if o.owned_inputs is not None:
            row["usd_per_gpu_hour"] = None
            row.update(asdict(o.owned_inputs))
        rows.append(row)
    return rows_to_csv(rows, (*CSV_COLUMNS, *(OWNED_COLUMNS if with_inputs else ())))


# ------------------------------------------------------------------------- HTTP semantics

# An ETag of a table representation: '"<name>-v<version>"', '.csv' appended for the CSV form.
ETAG_PATTERN = r'^"[a-z0-9][a-z0-9._-]{0,63}-v[1-9][0-9]{0,9}(\.csv)?"$'


def table_etag(name: str, version: int, *, as_csv: bool = False) -> str:
    return f'"{name}-v{version}{".csv" if as_csv else ""}"'


def expected_version(name: str, if_match: str | None) -> int:
    """The version an ``If-Match`` names for this table (428 without one)."""
    return if_match_version(
        if_match, entity=name, pattern=ETAG_PATTERN, example=table_etag(name, 3),
        what="pricing table",
    )  # fmt: skip


def _etag_listed(header: str | None, etag: str) -> bool:
    if not header:
        return False
    return header.strip() == "*" or any(
        tag.strip().removeprefix("W/") == etag for tag in header.split(",")
    )


def table_response(
    request: Request[Any, Any, Any],
    table: PricingTable,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> Response[Any]:
    """A read: JSON, or CSV on ``Accept: text/csv``; a write's answer: JSON. The ETag names
    the version."""
    as_csv = request.method in ("GET", "HEAD") and wants_csv(request)
    etag = table_etag(table.name, table.version, as_csv=as_csv)
    all_headers = {
        "ETag": etag,
        "Cache-Control": READ_CACHE_CONTROL,
        "Vary": "Accept",
        "X-Pricing-Version": str(table.version),
        **(headers or {}),
    }
    media_type = CSV_MEDIA_TYPE if as_csv else "application/json"
    if request.method in ("GET", "HEAD") and _etag_listed(
        request.headers.get("if-none-match"), etag
    ):
        return Response(content=b"", status_code=304, headers=all_headers, media_type=media_type)
    body = offer_csv(table).encode() if as_csv else msgspec.json.encode(table)
    return Response(
        content=body, status_code=status_code, media_type=media_type, headers=all_headers
    )


def read_table(store: StoreDep, name: str, version: int | None) -> PricingTable:
    try:
        return store.get_table(name, version)
    except NotFound as exc:
        field = "version" if version is not None else "name"
        raise ProblemException(404, str(exc), field=field) from exc


# ----------------------------------------------------------------------------- OpenAPI

TableName = Annotated[
    str, Parameter(description="Pricing table name", pattern=TABLE_NAME_PATTERN, max_length=64)
]
IfMatch = Annotated[
    str | None,
    HeaderParameter(
        name="If-Match",
        # Documented, not enforced by litestar: expected_version names the problem (and bounds
        # the length; a maxLength here would make fuzzers send pattern-breaking strings). A
        # header is a string or absent, never null. Documented as required (require_header):
        # litestar's own check would answer its absence with 400, not 428.
        schema_extra={"pattern": ETAG_PATTERN, "type": OpenAPIType.STRING, "one_of": None},
        description='ETag of the version the change is based on, as GET returned it (e.g. "acme-v3"); '
        "required: 428 without it, 412 when another write came first",
    ),
]
NOT_MODIFIED = {304: ResponseSpec(data_container=None, description="Not modified (If-None-Match)")}


def _problems(*statuses: int) -> dict[int, ResponseSpec]:
    described = {
        **READ_PROBLEMS,
        **AUTH_PROBLEMS,
        **RATE_LIMIT_PROBLEM,
        409: problem_spec("A pricing table with this name exists"),
        412: problem_spec(
            "If-Match names a version that is no longer the latest (or another table): "
            "re-read, retry"
        ),
        413: problem_spec(f"Body over {PRICING_MAX_BODY_BYTES} bytes"),
        415: problem_spec("Unsupported Content-Type"),
        422: problem_spec(
            "Content no schema can check: the same offer twice, a price that contradicts its "
            "owned inputs, an impossible date, a bad CSV row, a read-only field (name, version) "
            "sent back changed; `errors` lists each with its index"
        ),
        428: problem_spec("If-Match missing: writes must name the version they are based on"),
    }
    # 414, 431 and 500 can answer any request (READ_PROBLEMS).
    return {status: described[status] for status in (*statuses, 414, 431, 500)}


READ_RESPONSES = {**_problems(400, 401, 403, 404), **NOT_MODIFIED}
WRITE_HEADERS = [
    ResponseHeader(name="ETag", description="The new version's ETag", documentation_only=True),
    ResponseHeader(
        name="X-Pricing-Version", description="The new version", documentation_only=True
    ),
]


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    """Decoding, validation and the store's fsynced commit run on a worker thread, so the event
    loop keeps serving reads meanwhile. (Explicit rather than ``sync_to_thread=True``: litestar
    2.25 wraps such a handler twice when another handler joins its path, and the second wrapper
    returns an un-awaited coroutine.)"""
    return await anyio.to_thread.run_sync(partial(fn, *args))


async def _payload(request: Request[Any, Any, Any]) -> bytes:
    try:
        return await request.body()
    except RequestEntityTooLarge:
        raise ProblemException(
            413,
            f"body: over the {PRICING_MAX_BODY_BYTES}-byte limit of a pricing table "
            f"(at most {MAX_OFFERS} offers)",
            field="body",
        ) from None


def _documented_body(data: TableCreate) -> None:
    """Never called: its ``data`` parameter gives the OpenAPI document the create body."""


def _documented_replace_body(data: TableReplace) -> None:
    """Never called: its ``data`` parameter gives the OpenAPI document the replace body."""


# The handlers decode the raw body themselves (to take CSV, answer 415, and name the bad field
# and CSV row), so they declare no ``data`` parameter. litestar documents the ``data`` of an
# unused dependency instead; this adds the CSV alternative next to it.
@dataclass
class _CsvBodyOperation(Operation):
    def __post_init__(self) -> None:
        if isinstance(self.request_body, RequestBody):
            self.request_body.content["text/csv"] = OpenAPIMediaType(
                schema=Schema(
                    type=OpenAPIType.STRING,
                    description=f"One offer per row under a header naming its columns: "
                    f"{','.join(CSV_COLUMNS)}; an owned offer may leave the price empty and fill "
                    f"{','.join(OWNED_COLUMNS)}. The description comes from ?description= or "
                    "stays as it was.",
                )
            )


@dataclass
class _NoContentOperation(Operation):
    """litestar documents ``Response[None]`` as a JSON null body; a 204 has no body at all."""

    def __post_init__(self) -> None:
        no_content = (self.responses or {}).get("204")
        if isinstance(no_content, OpenAPIResponse):
            no_content.content = None


# ------------------------------------------------------------------------------ handlers


@get(
    "/v1/pricing/tables",
    operation_id="listPricingTables",
    summary="Pricing tables with their latest version",
    responses={**_problems(400, 401, 403), **NOT_MODIFIED},
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["pricing"],
)
def list_tables(request: Request[Any, Any, Any], store: StoreDep) -> Response[list[TableInfo]]:
    tables = store.list_tables()
    return cached(request, tables, lambda: [asdict(t) for t in tables])


@get(
    "/v1/pricing/tables/{name:str}",
    operation_id="getPricingTable",
    summary="A pricing table (latest or ?version=N); CSV with Accept: text/csv",
    responses=READ_RESPONSES,
    operation_class=CsvOperation,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["pricing"],
)
def get_table(
    request: Request[Any, Any, Any],
    store: StoreDep,
    name: TableName,
    version: Annotated[int | None, Parameter(ge=1, le=1_000_000_000)] = None,
) -> Response[PricingTable]:
    return table_response(request, read_table(store, name, version))


@get(
    "/v1/pricing/tables/{name:str}/versions",
    operation_id="listPricingTableVersions",
    summary="Version history: who, when, and offers added, removed and changed",
    responses=READ_RESPONSES,
    response_headers=CACHE_HEADERS,
    sync_to_thread=False,
    tags=["pricing"],
)
def list_versions(
    request: Request[Any, Any, Any], store: StoreDep, name: TableName
) -> Response[list[VersionInfo]]:
    try:
        versions = store.list_versions(name)
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="name") from exc
    return cached(request, versions)


@post(
    "/v1/pricing/tables",
    operation_id="createPricingTable",
    summary="Create a pricing table (version 1); needs an editor key",
    description="JSON body. Answers 201 with the table, its ETag and Location.",
    opt=requires(Role.EDITOR),
    security=API_KEY_SECURITY,
    dependencies={"documented_body": Provide(_documented_body, sync_to_thread=False)},
    responses=_problems(400, 401, 403, 409, 413, 415, 422, 429),
    response_headers=[
        *WRITE_HEADERS,
        ResponseHeader(name="Location", description="The table's URL", documentation_only=True),
    ],
    status_code=201,
    request_max_body_size=PRICING_MAX_BODY_BYTES,
    tags=["pricing"],
)
async def create_table(
    request: Request[Any, Any, Any], store: StoreDep, service: LiveServiceDep
) -> Response[PricingTable]:
    payload = await _payload(request)
    return await _off_loop(_create, request, store, service, payload)


def _create(
    request: Request[Any, Any, Any], store: StoreDep, service: LiveServiceDep, payload: bytes
) -> Response[Any]:
    media_type = _media_type(request)
    if not _is_json(media_type):
        raise _unsupported(media_type, "application/json")
    data = decode_json(payload, TableCreate)
    _check_patterns(data.offers, data.name)
    offers = checked_offers(data.offers, hardware=service.hardware_keys())
    try:
        table = store.create_table(
            data.name,
            data.description,
            offers,
            actor=api_key(request).name,
            request_id=request_id(request),
        )
    except Conflict as exc:
        raise ProblemException(409, f"name: {exc}", field="name") from exc
    return table_response(
        request,
        table,
        status_code=201,
        headers={"Location": f"/v1/pricing/tables/{table.name}"},
    )


@put(
    "/v1/pricing/tables/{name:str}",
    operation_id="replacePricingTable",
    summary="Replace a table's offers (a new version); needs an editor key and If-Match",
    description="JSON body, or text/csv with one offer per row (the GET CSV format).",
    opt=requires(Role.EDITOR),
    security=API_KEY_SECURITY,
    dependencies={"documented_body": Provide(_documented_replace_body, sync_to_thread=False)},
    operation_class=require_header(_CsvBodyOperation, "If-Match"),
    responses=_problems(400, 401, 403, 404, 412, 413, 415, 422, 428, 429),
    response_headers=WRITE_HEADERS,
    request_max_body_size=PRICING_MAX_BODY_BYTES,
    tags=["pricing"],
)
async def replace_table(
    request: Request[Any, Any, Any],
    store: StoreDep,
    service: LiveServiceDep,
    name: TableName,
    if_match: IfMatch = None,
    description: Annotated[
        str | None,
        Parameter(
            max_length=2000,
            description="The new description (for a CSV body; a JSON body may carry it instead)",
        ),
    ] = None,
) -> Response[PricingTable]:
    payload = await _payload(request)
    return await _off_loop(_replace, request, store, service, name, if_match, payload, description)


def _replace(
    request: Request[Any, Any, Any],
    store: StoreDep,
    service: LiveServiceDep,
    name: str,
    if_match: str | None,
    payload: bytes,
    description: str | None,
) -> Response[Any]:
    media_type = _media_type(request)
    read_version: int | None = None  # the version of the representation sent back, if any
    if media_type == "text/csv":
        offers = offers_from_csv(payload, hardware=service.hardware_keys())
    elif _is_json(media_type):
        data = decode_json(payload, TableReplace)
        read_version = data.version
        if data.description is not None and description is not None:
            raise ProblemException(
                422, "description: given in both the query and the body", field="description"
            )
        _check_patterns(data.offers)
        if data.name is not None and data.name != name:
            raise _read_only_mismatch("name", f"{data.name!r} is not this table ({name!r})")
        offers = checked_offers(data.offers, hardware=service.hardware_keys())
        description = data.description if description is None else description
    else:
        raise _unsupported(media_type, "application/json or text/csv")
    # After the body: a request that is wrong in itself is told so whatever version it names.
    expected = expected_version(name, if_match)
    if read_version is not None and read_version != expected:
        raise _read_only_mismatch(
            "version",
            f"{read_version} is not the version If-Match names ({expected})",
        )
    if description is None:
        # A stale If-Match is answered by the store below (412), whatever description this is.
        description = read_table(store, name, None).description
    with _versioned_write_errors():
        table = store.replace_table(
            name,
            description,
            offers,
            expected_version=expected,
            actor=api_key(request).name,
            request_id=request_id(request),
        )
    return table_response(request, table)


def _read_only_mismatch(field: str, reason: str) -> ProblemException:
    """A read-only field of the read representation sent back with another value: the request
    contradicts itself (or the URL); nothing is written."""
    reason = f"{reason} (read-only: it cannot be changed by a PUT)"  # leave it out, or as read
    return ProblemException(
        422, f"{field}: {reason}", field=field, errors=[FieldError(field=field, reason=reason)]
    )


@contextmanager
def _versioned_write_errors() -> Iterator[None]:
    """The store's answers to a replace or delete, as problems: the table is gone (404) or the
    If-Match version is not the current one any more (412)."""
    try:
        yield
    except NotFound as exc:
        raise ProblemException(404, str(exc), field="name") from exc
    except PreconditionFailed as exc:
        raise ProblemException(412, f"If-Match: {exc}", field="If-Match") from exc


@delete(
    "/v1/pricing/tables/{name:str}",
    operation_id="deletePricingTable",
    summary="Delete a table (its versions stay readable); needs an admin key and If-Match",
    opt=requires(Role.ADMIN),
    operation_class=require_header(_NoContentOperation, "If-Match"),
    security=API_KEY_SECURITY,
    responses=_problems(400, 401, 403, 404, 412, 428, 429),
    response_headers=[
        ResponseHeader(
            name="X-Pricing-Version",
            description="The version recording the deletion",
            documentation_only=True,
        )
    ],
    tags=["pricing"],
)
async def delete_table(
    request: Request[Any, Any, Any], store: StoreDep, name: TableName, if_match: IfMatch = None
) -> Response[None]:
    expected = expected_version(name, if_match)
    return await _off_loop(_delete, request, store, name, expected)


def _delete(
    request: Request[Any, Any, Any], store: StoreDep, name: str, expected: int
) -> Response[None]:
    with _versioned_write_errors():
        tombstone = store.delete_table(
            name,
            expected_version=expected,
            actor=api_key(request).name,
            request_id=request_id(request),
        )
    return Response(content=None, status_code=204, headers={"X-Pricing-Version": str(tombstone)})


PRICING_READ_HANDLERS = [*with_head(list_tables), *with_head(get_table), *with_head(list_versions)]
PRICING_WRITE_HANDLERS = [create_table, replace_table, delete_table]
