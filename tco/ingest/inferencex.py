"""InferenceX adapters: the public API's benchmark rows and the runner's ``agg_*.json`` files.

Both report median interactivity (= 1 / median TPOT) and TPOT in seconds. ITL is ignored on
purpose: some multinode rows have a median ITL above 1 s that contradicts their TPOT.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from tco.domain.keys import UnknownKeyError, canonical_model
from tco.domain.points import POOL_FIELDS, Point
from tco.ingest.rows import ErrorLog, RowFieldError, build_point, file_error, require

# Point field -> key of the flat metric dict (nested under "metrics" in the API).
_MEASURES = {
    "tput_per_gpu": "tput_per_gpu",
    "interactivity": "median_intvty",
    "tpot_s": "median_tpot",
}
_OPTIONAL_MEASURES = {
    # per-pool semantics for disaggregated rows, kept as given (see tco.domain.points)
    "output_tput_per_gpu": "output_tput_per_gpu",
    "input_tput_per_gpu": "input_tput_per_gpu",
    "ttft_s": "median_ttft",
    "ttft_p90_s": "p90_ttft",
    "ttft_p99_s": "p99_ttft",
    "e2el_s": "median_e2el",
}


def _decode_json(payload: bytes) -> Any:
    try:
        return msgspec.json.decode(payload)
    except msgspec.DecodeError as exc:
        raise file_error("payload", f"invalid JSON: {exc}") from None


def _measures(metrics: dict[str, Any], prefix: str) -> dict[str, Any]:
    fields = {name: require(metrics, key, label=prefix + key) for name, key in _MEASURES.items()}
    fields.update({name: metrics.get(key) for name, key in _OPTIONAL_MEASURES.items()})
    return fields


def _identity(row: dict[str, Any], hardware_key: str) -> dict[str, Any]:
    return {
        "hardware": require(row, hardware_key),
        "framework": require(row, "framework"),
        "precision": require(row, "precision"),
        "isl": require(row, "isl"),
        "osl": require(row, "osl"),
        "conc": require(row, "conc"),
        "disagg": require(row, "disagg"),
        # absent on runs before 2025-12-08: unknown, not an error
        "image": row.get("image"),
    }


def _api_row(row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise RowFieldError("row", f"expected an object, got {type(row).__name__}")
    metrics = require(row, "metrics")
    if not isinstance(metrics, dict):
        raise RowFieldError("metrics", "expected an object")
    fields = _identity(row, "hardware")
    fields |= {
        "model": require(row, "model"),
        "spec_method": require(row, "spec_method"),
        "date": require(row, "date"),
        "source": row.get("run_url"),
    }
    pools = {name: require(row, name) for name in POOL_FIELDS}
    # The API fills the decode_* fields for aggregated runs too: they are the serving topology.
    fields |= {
        "tp": pools["decode_tp"],
        "ep": pools["decode_ep"],
        "dp_attention": pools["decode_dp_attention"],
    }
    if fields["disagg"] is True:
        fields |= pools
    return fields | _measures(metrics, "metrics.")


def parse_inferencex_api(
    payload: bytes, *, source: str, today: dt.date | None = None, log: ErrorLog | None = None
) -> list[Point]:
    """Rows as ``/api/v1/benchmarks`` returns them (a JSON array, metrics nested)."""
    rows = _decode_json(payload)
    if not isinstance(rows, list):
        raise file_error("payload", "expected a JSON array of benchmark rows")
    log = ErrorLog() if log is None else log
    points: list[Point] = []
    for index, row in enumerate(rows):
        try:
            fields = _api_row(row)
        except RowFieldError as exc:
            log.add(index, exc.field, exc.reason)
            continue
        fields["source"] = fields["source"] or source
        point = build_point(index, fields, log, today=today or dt.date.today())
        if point is not None:
            points.append(point)
    log.raise_if_any()
    return points


def _runner_bool(value: Any, field: str) -> Any:
    # The runner writes dp_attention as the string "true"/"false"; the API as a JSON bool.
    if isinstance(value, str):
        if value.lower() not in ("true", "false"):
            raise RowFieldError(field, f"expected 'true' or 'false', got {value!r}")
        return value.lower() == "true"
    return value


def _agg_row(row: Any) -> dict[str, Any]:
    if not isinstance(row, dict):
        raise RowFieldError("row", f"expected an object, got {type(row).__name__}")
    fields = _identity(row, "hw")
    fields |= {
        # the short prefix is the model key; "model" is the checkpoint id, kept as the raw name
        "model": require(row, "infmax_model_prefix"),
        "model_raw": row.get("model"),
        "spec_method": require(row, "spec_decoding"),
        "tp": require(row, "tp"),
        "ep": row.get("ep"),
        "dp_attention": _runner_bool(row.get("dp_attention"), "dp_attention"),
    }
    if fields["disagg"] is True:
        fields |= {name: row.get(name) for name in POOL_FIELDS}
        for name in ("prefill_dp_attention", "decode_dp_attention"):
            fields[name] = _runner_bool(fields[name], name)
    return fields | _measures(row, "")


def parse_inferencex_agg(
    payload: bytes,
    *,
    source: str,
    date: dt.date | None = None,
    today: dt.date | None = None,
    log: ErrorLog | None = None,
) -> list[Point]:
    """One runner result object, or an array of them. The files carry no run date, so the
    caller must supply ``date`` (the commit or run date it knows)."""
    decoded = _decode_json(payload)
    rows = decoded if isinstance(decoded, list) else [decoded]
    log = ErrorLog() if log is None else log
    points: list[Point] = []
    for index, row in enumerate(rows):
        try:
            fields = _agg_row(row)
            if date is None:
                raise RowFieldError("date", "runner files carry no date: pass date=")
            model_raw = fields["model_raw"]
            if isinstance(model_raw, str) and isinstance(fields["model"], str):
                try:
                    same = canonical_model(model_raw) == canonical_model(fields["model"])
                except UnknownKeyError as exc:
                    raise RowFieldError("model", str(exc)) from None
                if not same:
                    raise RowFieldError("model", f"{model_raw!r} contradicts {fields['model']!r}")
        except RowFieldError as exc:
            log.add(index, exc.field, exc.reason)
            continue
        fields |= {"date": date, "source": source}
        point = build_point(index, fields, log, today=today or dt.date.today())
        if point is not None:
            points.append(point)
    log.raise_if_any()
    return points
