"""Answers flattened to rows, for CSV (spreadsheets) and the CLI table. Units in column names."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping, Sequence

from tco.domain.compare import CompareResponse, SideValue
from tco.domain.quote import QuoteOption, QuoteResponse

Row = dict[str, object]


def rows_to_csv(rows: Sequence[Mapping[str, object]], columns: Iterable[str] | None = None) -> str:
    header = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=header, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return out.getvalue()


def option_row(target: float, o: QuoteOption) -> Row:
    op = o.operating_point
    return {
        "target_tok_s_user": target,
        "rank": o.rank,
        "hardware": o.hardware,
        "recipe": o.recipe.label,
        "recipe_id": o.recipe.recipe_id,
        "gpus_per_replica": o.recipe.gpus_per_replica,
        "usd_per_million_tokens": o.usd_per_million_tokens,
        "usd_per_1k_requests": o.usd_per_1k_requests,
        "ratio_to_cheapest": o.ratio_to_cheapest,
        "break_even_usd_per_gpu_hour": o.break_even_usd_per_gpu_hour,
        "method": op.method,
        "interactivity_tok_s_user": op.interactivity,
        "tput_tok_s_gpu": op.tput_per_gpu,
        "conc": op.conc,
        "ttft_s": op.ttft_s,
        "offer_provider": o.offer.provider,
        "offer_kind": o.offer.kind,
        "usd_per_gpu_hour": o.offer.usd_per_gpu_hour,
        "offer_source": o.offer.source,
        "offer_source_date": o.offer.source_date,
        "offer_status": o.offer.status,
        "caveats": " | ".join(o.caveats),
        "benchmark_dates": " ".join(sorted({k.date.isoformat() for k in op.knots})),
        "benchmark_sources": " ".join(sorted({k.source for k in op.knots})),
        **_procurement_columns(o),
    }


def _procurement_columns(o: QuoteOption) -> Row:
    """Capacity and build-vs-buy columns, present (maybe empty) only when the quote asked."""
    row: Row = {}
    if o.capacity is not None or o.capacity_unavailable is not None:
        c = o.capacity
        row |= {
            "replicas": c and c.replicas, "gpus": c and c.gpus, "nodes": c and c.nodes,
            "racks": c and c.racks, "load_factor": c and c.load_factor,
            "usd_per_month": c and c.usd_per_month, "all_in_kw": c and c.all_in_kw,
            "capacity_unavailable": o.capacity_unavailable,
        }  # fmt: skip
    a = o.api_comparison
    if a is not None:
        row |= {
            "api_usd_per_1k_requests": a.api_usd_per_1k_requests,
            "saving_usd_per_1k_requests": a.saving_usd_per_1k_requests,
            "break_even_utilization": a.break_even_utilization,
            "api_usd_per_month": a.api_usd_per_month,
            "saving_usd_per_month": a.saving_usd_per_month,
        }
    return row


def quote_rows(answer: QuoteResponse) -> list[Row]:
    a = answer.assumptions
    context = {
        "model": a.model, "isl": a.isl, "osl": a.osl, "benchmark_as_of": a.benchmark_as_of,
        "dataset_version": a.dataset_version, "pricing_table": a.pricing_table,
        "pricing_version": a.pricing_version, "token_basis": a.token_basis, "utilization": a.utilization,
    }  # fmt: skip
    return [
        {**option_row(tq.target_interactivity, o), **context}
        for tq in answer.targets
        for o in tq.options
    ]


def _value(side: SideValue, view: str) -> float | None:
    return side.tput_per_gpu if view == "iso_interactivity" else side.interactivity


def compare_rows(answer: CompareResponse) -> list[Row]:
    rows: list[Row] = []
    for c in answer.at_concurrency:
        rows.append({"view": "matched_conc", "at": c.conc, "unit": "conc; value tok/s/user",
                     "baseline_value": c.baseline.interactivity, "baseline_method": c.baseline.method,
                     "candidate_value": c.candidate.interactivity, "candidate_method": c.candidate.method,
                     "gain": c.interactivity_gain})  # fmt: skip
    for t in answer.at_throughput:
        rows.append({"view": "iso_throughput", "at": t.tput_per_gpu, "unit": "tok/s/GPU; value tok/s/user",
                     "baseline_value": t.baseline.interactivity, "baseline_method": t.baseline.method,
                     "candidate_value": t.candidate.interactivity, "candidate_method": t.candidate.method,
                     "gain": t.interactivity_gain})  # fmt: skip
    for i in answer.at_interactivity:
        rows.append({"view": "iso_interactivity", "at": i.interactivity, "unit": "tok/s/user; value tok/s/GPU",
                     "baseline_value": i.baseline.tput_per_gpu, "baseline_method": i.baseline.method,
                     "candidate_value": i.candidate.tput_per_gpu, "candidate_method": i.candidate.method,
                     "gain": i.tput_ratio})  # fmt: skip
    return rows
