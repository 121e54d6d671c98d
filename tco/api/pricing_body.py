"""The body of a pricing table write: its wire types (what a client may send, each field's rule
stated for the OpenAPI document) and the checks no schema can state (a price given or computed
from owned inputs, real dates, one price per offer, hardware the catalog holds), each failure a
problem naming the offer and field. The HTTP handlers are in ``tco.api.pricing``; CSV bodies in
``tco.api.pricing_csv``.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Collection, Sequence
from typing import Annotated, Any, ClassVar, Literal, TypeVar

import msgspec
from msgspec import Meta
from msgspec.structs import asdict

from tco.api.errors import FieldError, ProblemException
from tco.domain.owned import OwnedTcoInputs, owned_usd_per_gpu_hour
from tco.domain.pricing import (
    MAX_USD_PER_GPU_HOUR,
    MIN_USD_PER_GPU_HOUR,
    OFFER_KINDS,
    Offer,
    OfferKind,
    OfferStatus,
    UsdPerGpuHour,
)

# ------------------------------------------------------------------------------- wire types

T = TypeVar("T")
# Patterns mean the same in Python and in the ECMA dialect of the OpenAPI document: explicit
# ASCII classes, no \s or '.', whose sets differ. One difference remains: Python's '$' also
# matches before a final newline, so values are checked again with re.fullmatch
# (check_patterns) after msgspec's re.search.
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


def field_reason(message: str, field: str) -> str:
    """msgspec's message without its path, regexes in words, known values listed."""
    reason = _PATH.sub("", message)
    for pattern, text in _REASONS.items():
        if pattern in reason:
            return text
    if field.endswith("kind"):
        reason += f" (one of: {', '.join(OFFER_KINDS)})"
    return reason


_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]*)`")


def field_path(message: str, default: str) -> str:
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
    field = field_path(message, "body")
    reason = field_reason(message, field)
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


def offers_problem(status: int, errors: list[FieldError], what: str) -> ProblemException:
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


def check_patterns(offers: Sequence[OfferInput], name: str | None = None) -> None:
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


def unknown_hardware(key: str, known: Collection[str]) -> str | None:
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
        unknown = unknown_hardware(o.hardware, hardware)
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
        raise offers_problem(422, errors, "offers")
    return tuple(priced)
