"""Operating points printed in InferenceX blog tables (``inferencex_blog_points.csv``).

The tables are rounded as printed and state topology in free text (``TP=8 / 8 GPUs``,
``4 GPU, TP=4``, ``TP 16, EP 16``), so this adapter parses that text and leaves anything it
does not state as None. Only throughput per GPU, interactivity and TPOT are published: the
output/input split is unknown, not estimated.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import msgspec

from tco.domain.points import Point
from tco.ingest.rows import (
    ErrorLog,
    RowFieldError,
    build_point,
    csv_table,
    file_error,
    half_ulp,
)

BLOG_COLUMNS = (
    "model",
    "hardware",
    "framework",
    "precision",
    "spec_method",
    "disagg",
    "isl",
    "osl",
    "date",
    "framework_version",
    "tp_desc",
    "decode_tp_desc",
    "prefill_desc",
    "decode_desc",
    "conc",
    "tput_per_gpu",
    "interactivity_tok_s_user",
    "tpot_ms",
    "notes",
    "source_path",
    "source_line",
    "last_commit_touching_file",
)

# Some posts print interactivity and TPOT as separately computed statistics, so 1/TPOT misses
# the printed interactivity by more than rounding (35 of the 220 shipped rows, all but one
# DeepSeek-V4-Pro, at most 4.0% beyond rounding). This allowance accepts those and still rejects
# unit mix-ups (ms vs s is 1000x) and swapped columns; benchmarks/README.md lists the decision.
BLOG_STATISTIC_ALLOWANCE = 0.05


class Topology(msgspec.Struct, frozen=True):
    tp: int | None = None
    ep: int | None = None
    gpus: int | None = None


_GPUS = re.compile(r"(\d+)\s*GPUs?", re.IGNORECASE)
_DEGREE = re.compile(r"(TP|EP)\s*=?\s*(\d+)", re.IGNORECASE)
_BARE = re.compile(r"\d+")


def parse_topology(text: str, *, bare_number_is_tp: bool = False) -> Topology:
    """'TP=8 / 8 GPUs' -> tp 8, gpus 8; '40 GPU, EP=8' -> ep 8, gpus 40; '4' -> tp 4 when the
    column is a TP column. Any part it cannot read is an error (never skipped)."""
    values: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in re.split(r"[,/]", text))):
        if match := _GPUS.fullmatch(part):
            name, number = "gpus", match.group(1)
        elif match := _DEGREE.fullmatch(part):
            name, number = match.group(1).lower(), match.group(2)
        elif bare_number_is_tp and _BARE.fullmatch(part):
            name, number = "tp", part
        else:
            raise ValueError(f"cannot read {part!r} in {text!r}")
        if values.setdefault(name, int(number)) != int(number):
            raise ValueError(f"two values for {name} in {text!r}")
    return Topology(**values)


def _notes_topology(notes: str) -> Topology:
    """Topology stated in the notes of an aggregated row without topology columns:
    'TP4/EP4 decode, 16 GPU non-disagg pool' -> tp 4, ep 4; 'single 8-GPU node' -> tp 8 (the
    DeepSeek-V4-Pro MI355X post captions its points '8-GPU TP=8 configurations')."""
    tp = re.search(r"\bTP\s*=?\s*(\d+)", notes, re.IGNORECASE)
    ep = re.search(r"\bEP\s*=?\s*(\d+)", notes, re.IGNORECASE)
    node = re.search(r"\bsingle (\d+)-GPU node\b", notes, re.IGNORECASE)
    tp_value = tp.group(1) if tp else node.group(1) if node else None
    return Topology(tp=int(tp_value) if tp_value else None, ep=int(ep.group(1)) if ep else None)


def _topology(row: dict[str, str], field: str, *, bare_number_is_tp: bool = False) -> Topology:
    text = row[field].strip()
    if not text:
        return Topology()
    try:
        return parse_topology(text, bare_number_is_tp=bare_number_is_tp)
    except ValueError as exc:
        raise RowFieldError(field, str(exc)) from None


def _number(row: dict[str, str], field: str, kind: type[int] | type[float]) -> Any:
    text = row[field].strip()
    if not text:
        raise RowFieldError(field, "missing")
    try:
        return kind(text)
    except ValueError:
        raise RowFieldError(field, f"not a number: {text!r}") from None


def _required(row: dict[str, str], field: str) -> str:
    text = row[field].strip()
    if not text:
        raise RowFieldError(field, "missing")
    return text


def _aggregated_topology(row: dict[str, str]) -> dict[str, Any]:
    tp_desc = _topology(row, "tp_desc", bare_number_is_tp=True)
    decode_tp = _topology(row, "decode_tp_desc", bare_number_is_tp=True).tp
    prefill, decode = _topology(row, "prefill_desc"), _topology(row, "decode_desc")
    if prefill != decode:
        # a non-disaggregated pool has one topology, printed in both columns
        raise RowFieldError("decode_desc", "differs from prefill_desc on an aggregated row")
    if tp_desc.gpus is not None and tp_desc.tp is not None and tp_desc.gpus != tp_desc.tp:
        raise RowFieldError("tp_desc", f"{tp_desc.gpus} GPUs but TP={tp_desc.tp}")
    candidates = {v for v in (tp_desc.tp, decode_tp, decode.tp) if v is not None}
    if len(candidates) > 1:
        raise RowFieldError("tp_desc", f"contradicting TP values {sorted(candidates)}")
    stated = Topology(tp=next(iter(candidates), None), ep=decode.ep)
    if stated.tp is None:
        stated = _notes_topology(row["notes"])
    return {"tp": stated.tp, "ep": stated.ep}


def _disaggregated_topology(row: dict[str, str]) -> dict[str, Any]:
    if not row["prefill_desc"].strip() or not row["decode_desc"].strip():
        raise RowFieldError(
            "prefill_desc", "a disaggregated row needs prefill_desc and decode_desc"
        )
    prefill, decode = _topology(row, "prefill_desc"), _topology(row, "decode_desc")
    decode_tp = _topology(row, "decode_tp_desc", bare_number_is_tp=True).tp or decode.tp
    return {
        "tp": decode_tp,
        "ep": decode.ep,
        "prefill_tp": prefill.tp,
        "prefill_ep": prefill.ep,
        "decode_tp": decode_tp,
        "decode_ep": decode.ep,
        "num_prefill_gpu": prefill.gpus,
        "num_decode_gpu": decode.gpus,
    }


_DATE = re.compile(r"(?:as of\s+)?(\d{4}-\d{2}-\d{2})", re.IGNORECASE)


def _blog_row(row: dict[str, str]) -> dict[str, Any]:
    disagg_text = _required(row, "disagg").lower()
    if disagg_text not in ("true", "false"):
        raise RowFieldError("disagg", f"expected True or False, got {row['disagg']!r}")
    date_match = _DATE.fullmatch(row["date"].strip())
    if date_match is None:
        raise RowFieldError(
            "date", f"expected YYYY-MM-DD or 'as of YYYY-MM-DD', got {row['date']!r}"
        )
    disagg = disagg_text == "true"
    fields: dict[str, Any] = {
        "model": _required(row, "model"),
        "hardware": _required(row, "hardware"),
        "framework": _required(row, "framework"),
        "precision": _required(row, "precision"),
        "spec_method": _required(row, "spec_method"),
        "disagg": disagg,
        "isl": _number(row, "isl", int),
        "osl": _number(row, "osl", int),
        "conc": _number(row, "conc", int),
        "date": date_match.group(1),
        "framework_version": row["framework_version"].strip() or None,
        "source": f"{_required(row, 'source_path')}#L{_required(row, 'source_line')}"
        f"@{_required(row, 'last_commit_touching_file')}",
        "tput_per_gpu": _number(row, "tput_per_gpu", float),
        "interactivity": _number(row, "interactivity_tok_s_user", float),
        "tpot_s": _number(row, "tpot_ms", float) / 1000,
    }
    return fields | (_disaggregated_topology(row) if disagg else _aggregated_topology(row))


def parse_blog_csv(
    payload: bytes, *, source: str, today: dt.date | None = None, log: ErrorLog | None = None
) -> list[Point]:
    """Rows of the blog-points CSV. ``source`` names the file in errors; each point's own
    source is the post path, line and commit."""
    try:
        text = payload.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise file_error("payload", f"{source}: not UTF-8 text: {exc}") from None
    header, table = csv_table(text)
    missing = [c for c in BLOG_COLUMNS if c not in header]
    if missing:
        raise file_error(missing[0], f"{source}: missing column(s) {', '.join(missing)}")
    log = ErrorLog() if log is None else log
    points: list[Point] = []
    for index, row in enumerate(table):
        if None in row or None in row.values():
            log.add(index, "row", "wrong number of cells")
            continue
        try:
            fields = _blog_row(row)
        except RowFieldError as exc:
            log.add(index, exc.field, exc.reason)
            continue
        point = build_point(
            index,
            fields,
            log,
            today=today or dt.date.today(),
            interactivity_half_ulp=half_ulp(row["interactivity_tok_s_user"]),
            tpot_s_half_ulp=half_ulp(row["tpot_ms"]) / 1000,
            relative_allowance=BLOG_STATISTIC_ALLOWANCE,
            # a pool printed as "TP 4, EP 4" does not say how many workers it has
            require_pool_gpu_counts=False,
        )
        if point is not None:
            points.append(point)
    log.raise_if_any()
    return points
