"""Words for the OpenAPI document: what each operation does and what each parameter means, in
which unit, and what happens when it is left out.

Handlers declare the types, bounds and defaults (the document takes them from there); most
query parameters are shared by several routes through ``tco.api.quote_query``, so
their words live here once, keyed by name, with per-operation wording where a name means
something else on one route. ``describe`` fills every description the handlers left empty and
then states, from the schema itself, the default and the allowed values, so the words can never
disagree with what the server does. ``tests/contract/test_openapi_descriptions.py`` fails on an
operation or parameter without a description.
"""

from __future__ import annotations

from typing import Any

from litestar.openapi.spec import OpenAPI, Operation, Parameter, Schema

_AS_OF = (
    "Answer from the benchmarks measured on or before this date (YYYY-MM-DD): for each recipe "
    "and concurrency the latest point dated then. Absent: every benchmark date (today)."
)
_PRICING = (
    "Pricing table name (GET /v1/pricing/tables lists them). Absent: the server's default "
    "table (GET /v1/catalog: default_pricing_table)."
)
_HARDWARE_LIST = (
    "Only these accelerators: comma-separated hardware keys, e.g. b200,mi355x "
    "(GET /v1/catalog lists them). Absent: every hardware."
)

PARAMETERS: dict[str, str] = {
    "model": "Model key, e.g. dsr1, kimi-k2.5 (GET /v1/catalog lists them).",
    "isl": "Input sequence length: input tokens per request, e.g. 8192.",
    "osl": "Output sequence length: output tokens per request, e.g. 1024.",
    "as_of": _AS_OF,
    "pricing": _PRICING,
    "pricing_version": (
        "Version of the pricing table to price with (1, 2, ...; versions are immutable). "
        "Absent: the table's latest version."
    ),
    "token_basis": (
        "Which tokens a million tokens counts: total (input + output), output or input; "
        "throughput is always per all GPUs of the deployment."
    ),
    "utilization": (
        "Share of the time the GPUs serve at the operating point, 0.01 to 1 (1 = 100 %); "
        "costs scale with 1 / utilization."
    ),
    "interpolation": (
        "How a recipe's frontier is read between measured points: linear, monotone (Steffen "
        "cubic, as d3.curveMonotoneX) or measured (the best measured point at or above the "
        "target, no interpolation)."
    ),
    "pooling": (
        "recipe: one frontier per deployable recipe (topology included); series: one envelope "
        "per hardware + framework + precision + speculative method across topologies, as the "
        "InferenceX dashboard draws it (no replica size, so no capacity)."
    ),
    "extrapolate": (
        "true: read targets above a frontier's fastest measured point by extending its last "
        "segment (flagged extrapolated, never past zero throughput); false: such recipes are "
        "listed as unreachable."
    ),
    "hardware": _HARDWARE_LIST,
    "exclude_hardware": (
        "Leave out these accelerators: comma-separated hardware keys. Absent: none left out."
    ),
    "frameworks": (
        "Only these serving frameworks: comma-separated keys, e.g. vllm,sglang. Absent: every "
        "framework."
    ),
    "max_ttft_s": (
        "Only operating points whose median time to first token is at most this many seconds. "
        "Absent: no TTFT limit."
    ),
    "offer_kinds": (
        "Only offers of these kinds, before ranking: comma-separated, each one of on_demand, "
        "spot, reserved_short_term, reserved_1y, reserved_2y, reserved_3y, owned, list, "
        "override. Absent: every kind. Price overrides pass every offer filter."
    ),
    "providers": (
        "Only offers of these providers (comma-separated, case-insensitive; a provider nobody "
        "sells matches nothing). Absent: every provider."
    ),
    "regions": (
        "Only offers in these regions (comma-separated, case-insensitive; an offer listing "
        "several regions as a/b matches any of them; an offer stating no region fails). "
        "Absent: every region."
    ),
    "max_price_age_days": (
        "Only offers whose source_date is at most this many days before as_of (else the "
        "server's today), 1 to 36500; a YYYY-MM date counts from the 1st; an undated offer is "
        "excluded (price_undated). Absent: any age."
    ),
    "exclude_placeholder_prices": (
        "true: leave out offers whose status is placeholder (a stand-in price the source marks "
        "as such)."
    ),
    "min_commitment_months": (
        "Only offers committing at least this many months: on_demand, spot and list 0, "
        "reserved_short_term 1, reserved_1y 12, reserved_2y 24, reserved_3y 36, owned its TCO "
        "lifetime (unknown without TCO inputs: excluded, commitment_unknown). Absent: no bound."
    ),
    "max_commitment_months": (
        "Only offers committing at most this many months (terms as for min_commitment_months). "
        "Absent: no bound."
    ),
    "view": (
        "full: every listed alternative, the cheapest per hardware, unreachable and excluded "
        "recipes, each recipe, offer, knot and evidence entry once in tables the options refer "
        "to by index; summary: per target only the cheapest option (with its operating point, "
        "offer, evidence and caveats) and the counts of unreachable and excluded recipes, a few "
        "KB for spreadsheets and chat tools."
    ),
    "top": "How many ranked (recipe, offer) options to list per target, 1 to 100.",
    "demand_kind": (
        "Unit of demand_value: output_tokens_per_s, output_tokens_per_day, requests_per_s or "
        "concurrent_users. Give both or neither; absent: no capacity or monthly bill."
    ),
    "version": "Version to read (1, 2, ...). Absent: the latest version.",
    "framework": "Only points of this serving framework, e.g. vllm. Absent: every framework.",
    "precision": "Only points of this precision, e.g. fp4, fp8. Absent: every precision.",
    "date_from": "Only points measured on or after this date (YYYY-MM-DD). Absent: no bound.",
    "date_to": "Only points measured on or before this date (YYYY-MM-DD). Absent: no bound.",
    "offset": "Number of points to skip (pagination), in the answer's order.",
    "limit": "Points per page, 1 to 1000.",
    "targets": (
        "Comma-separated interactivity targets in output tok/s/user (1 / TPOT), each > 0 and "
        "<= 100000, at most 50, e.g. 20,50,100."
    ),
    "target": "Interactivity target in output tok/s/user (1 / TPOT), e.g. 50.",
}

# Where a parameter's name means something else on one route.
OPERATION_PARAMETERS: dict[tuple[str, str], str] = {
    ("getFrontiers", "hardware"): "Only this accelerator (one hardware key, e.g. mi355x). "
    "Absent: every hardware.",
    ("listPoints", "hardware"): "Only points of this accelerator (one hardware key, e.g. b200). "
    "Absent: every hardware.",
    ("listPoints", "model"): "Only points of this model key, e.g. dsr1. Absent: every model.",
    ("listPoints", "isl"): "Only points of this input length (tokens). Absent: every length.",
    ("listPoints", "osl"): "Only points of this output length (tokens). Absent: every length.",
    ("listPoints", "as_of"): "Only the as-of view at this date: the latest point per recipe and "
    "concurrency measured on or before it (YYYY-MM-DD). Absent: every point, all dates.",
    ("listApiPrices", "model"): "Only prices of this model key, e.g. dsr1. Absent: every model.",
    ("listApiPrices", "isl"): "With osl: input tokens per request, to rank the prices by cost "
    "per 1k requests. Absent: unranked.",
    ("listApiPrices", "osl"): "With isl: output tokens per request, to rank the prices by cost "
    "per 1k requests. Absent: unranked.",
    ("getCatalog", "as_of"): "List only what was measured on or before this date "
    "(YYYY-MM-DD). Absent: everything.",
}

OPERATIONS: dict[str, str] = {
    "getHealth": "Liveness: status ok, the dataset version served and its number of points. "
    "Never cached.",
    "getCatalog": "What can be asked: models with their workloads (isl/osl), hardware (with "
    "memory, GPUs per node and kW per GPU), frameworks, precisions, speculative methods, the "
    "dataset version and the default pricing table.",
    "compareSeries": "Two measured series (a hardware, framework, topology and benchmark date "
    "each, e.g. MI355X vLLM TP8 on 2026-03-01 and 2026-03-26) compared at matched concurrency "
    "(interactivity and throughput ratios), at iso-throughput (tok/s/user at given tok/s/GPU) "
    "and at iso-interactivity (tok/s/GPU at given tok/s/user). Every value is flagged measured, "
    "interpolated, extrapolated or unreachable.",
    "getCurves": "For charts: per hardware, the cheapest $ per million tokens (token_basis) "
    "against interactivity (tok/s/user) on a grid across the measured range, each point naming "
    "its recipe, offer, $/GPU-hour and throughput (tok/s/GPU).",
    "getFrontiers": "Per recipe (or per series with pooling=series), the frontier knots: "
    "interactivity (tok/s/user) against throughput (total tok/s per GPU), with concurrency, "
    "run date and source of each knot, and how many measured points the frontier dominates.",
    "listPoints": "Measured benchmark points in the normalized schema (throughput in tok/s/GPU, "
    "interactivity in tok/s/user, latencies in s), filtered and paginated.",
    "listPricingTables": "Every pricing table with its latest version, offer count, "
    "description and ETag.",
    "getPricingTable": "One pricing table's offers ($/GPU-hour, provider, kind, region, source "
    "and date each), latest or ?version=N; the ETag names the version (If-Match for PUT).",
    "listPricingTableVersions": "A table's versions, newest first: who wrote each, when, and "
    "the offers added, removed and changed.",
    "deletePricingTable": "Delete a table: a tombstone version is written and the old versions "
    "stay readable. Needs an admin key and If-Match with the current ETag (428 without, 412 "
    "when stale).",
    "getQuote": "The cheapest hardware + recipe + offer per interactivity target, with ranked "
    "alternatives, the cheapest per hardware, unreachable recipes and every assumption echoed; "
    "scalar options as query parameters. Cacheable (ETag, 304), what the widget calls.",
    "listRuns": "Stored benchmark runs, newest first: id, source, format, dates, number of "
    "points and who ingested it.",
    "getRun": "A stored run with its points; as CSV, the points in tco's native columns (re-"
    "importable with POST /v1/runs).",
    "deleteRun": "Delete a run's points (admin key); the dataset version changes and the run "
    "stays in the audit log.",
}


def _values(schema: Schema | Any) -> tuple[object, list[object]]:
    """The default and the enum of a parameter's schema, looking inside oneOf (nullable)."""
    if not isinstance(schema, Schema):
        return None, []
    default = schema.default
    enum = [v for v in (schema.enum or []) if v is not None]
    for member in schema.one_of or []:
        if isinstance(member, Schema) and member.enum:
            enum = [v for v in member.enum if v is not None]
    return default, enum


def _word(value: object) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _describe_parameter(operation_id: str, parameter: Parameter) -> None:
    text = OPERATION_PARAMETERS.get((operation_id, parameter.name))
    text = text or PARAMETERS.get(parameter.name) or parameter.description
    if not text:
        return  # left empty: the descriptions test names it
    default, enum = _values(parameter.schema)
    if enum and "allowed:" not in text.lower():
        text = f"{text.rstrip('.')}. Allowed: {', '.join(_word(v) for v in enum)}."
    if default is not None and "default" not in text.lower():
        text = f"{text.rstrip('.')}. Default: {_word(default)}."
    parameter.description = text
    if isinstance(parameter.schema, Schema) and not parameter.schema.description:
        parameter.schema.description = text


def _operations(openapi: OpenAPI) -> list[Operation]:
    methods = ("get", "put", "post", "delete", "patch", "head", "options", "trace")
    return [
        op
        for item in (openapi.paths or {}).values()
        for op in (getattr(item, m) for m in methods)
        if isinstance(op, Operation)
    ]


def describe(openapi: OpenAPI) -> OpenAPI:
    """Fill in missing descriptions, then say defaults and allowed values (in place)."""
    for op in _operations(openapi):
        operation_id = op.operation_id or ""
        if not op.description:
            op.description = OPERATIONS.get(operation_id) or None
        for parameter in op.parameters or []:
            if isinstance(parameter, Parameter):
                _describe_parameter(operation_id, parameter)
    return openapi
