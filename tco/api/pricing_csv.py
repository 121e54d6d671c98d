"""Pricing tables as CSV: one offer per row under a header naming its columns (the shipped
``pricing/*.csv`` format), read into checked offers and written back from a table."""

from __future__ import annotations

import csv
import io
from collections.abc import Collection

import msgspec
from msgspec.structs import asdict

from tco.api.errors import FieldError, ProblemException
from tco.api.pricing_body import (
    MAX_OFFERS,
    OfferInput,
    checked_offers,
    field_path,
    field_reason,
    offers_problem,
    unknown_hardware,
)
from tco.domain.owned import OwnedTcoInputs
from tco.domain.pricing import (
    Offer,
    PricingTable,
)
from tco.tabular import rows_to_csv, unescape_cell

# CSV columns: the Offer fields, then (only when an offer has them) the owned-TCO inputs
# flattened, as in the shipped pricing/*.csv files.
CSV_COLUMNS: tuple[str, ...] = tuple(
    f.name for f in msgspec.structs.fields(Offer) if f.name != "owned_inputs"
)
OWNED_COLUMNS: tuple[str, ...] = tuple(f.name for f in msgspec.structs.fields(OwnedTcoInputs))
_CSV_REQUIRED = ("hardware", "provider", "kind", "source")


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
            path = field_path(str(exc), "row")
            reason = f"{field_reason(str(exc), path)} (line {line})"
            errors.append(
                FieldError(field=path.removeprefix("owned_inputs."), index=index, reason=reason)
            )
            continue
        offers.append(offer)
        # here too (checked_offers runs only on rows that all convert): one answer lists
        # every bad row, whatever is wrong with it
        unknown = unknown_hardware(offer.hardware, hardware)
        if unknown is not None:
            errors.append(
                FieldError(field="hardware", index=index, reason=f"{unknown} (line {line})")
            )
    if errors:
        raise offers_problem(CSV_INVALID, errors, "rows")
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
