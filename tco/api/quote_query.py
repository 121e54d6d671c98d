"""The query of a quote-shaped read (``GET /v1/quotes``, ``/v1/curves``, ``/v1/history``), declared
once and turned into a :class:`QuoteRequest` once.

Every parameter is declared here, once, as litestar reads it (type, bounds, default, examples);
the bounds come from the ``QuoteRequest`` field each one fills (``_bounds``), so the document,
litestar's check and the POST body's schema state one rule. :func:`quote_request_dependency`
gives a route the parameters it takes as one litestar dependency: litestar validates them (the
only validation pass) and the dependency builds the request with the Struct's constructor,
which checks nothing again. What a single parameter's schema cannot say is checked here, each
rule once: the targets' list syntax, the offer kinds' list, and a demand (a kind and a value
whose range depends on the kind).
"""

from __future__ import annotations

import datetime as dt
import inspect
import re
import types
from typing import Annotated, Any, Literal, Union, get_args, get_origin, get_type_hints

import msgspec
from litestar.di import NamedDependency, Provide
from litestar.openapi.spec import Example
from litestar.params import FromQuery, Parameter, QueryParameter, SkipValidation
from msgspec import Meta

from tco.api.convert import csv_list, validation_problem
from tco.api.errors import ProblemException
from tco.api.openapi_schema import QueryGroup
from tco.domain.capacity import Demand
from tco.domain.frontier import Interpolation
from tco.domain.index import Pooling
from tco.domain.pricing import OFFER_KINDS
from tco.domain.quote import QuoteRequest, TokenBasis
from tco.domain.quote_summary import QuoteView

__all__ = [
    "QUOTE_DEFAULTS",
    "TARGETS_PATTERN",
    "CsvText",
    "Isl",
    "Model",
    "OptionalText",
    "Osl",
    "PoolingParam",
    "Pricing",
    "PricingVersion",
    "QuoteRequestDep",
    "demand_from_query",
    "demand_group",
    "parse_targets",
    "quote_request",
    "quote_request_dependency",
]

_FIELDS = get_type_hints(QuoteRequest, include_extras=True)
_CONSTRAINTS = ("gt", "ge", "lt", "le", "min_length", "max_length")
# litestar drops a bound equal to 0 from the document (it tests the bound for truth): these
# state it again in the schema.
_ZERO_BOUND_SCHEMA = {"gt": "exclusiveMinimum", "ge": "minimum"}


def _bounds(field: str) -> dict[str, Any]:
    """The constraints of ``QuoteRequest.<field>`` (through ``| None`` and nested
    ``Annotated``) as ``Parameter`` keywords: the one declaration of the rule."""
    metas: list[Meta] = []

    def walk(hint: Any) -> None:
        origin = get_origin(hint)
        if origin is Annotated:
            base, *extras = get_args(hint)
            walk(base)
            metas.extend(m for m in extras if isinstance(m, Meta))
        elif origin in (Union, types.UnionType):
            for member in get_args(hint):
                walk(member)

    walk(_FIELDS[field])
    found = {k: getattr(m, k) for m in metas for k in _CONSTRAINTS if getattr(m, k) is not None}
    zero = {
        _ZERO_BOUND_SCHEMA[k]: 0 for k, v in found.items() if k in _ZERO_BOUND_SCHEMA and v == 0
    }
    return found | ({"schema_extra": zero} if zero else {})


# Examples name measured data (the reference case, shared/data/seed_article.md), so the docs
# and schemathesis' examples phase reach real answers, not only "unknown model".
Model = Annotated[
    str,
    Parameter(
        description="Model key, e.g. dsr1, kimi-k2.5",
        examples=[Example(value="kimi-k2.5")],
        **_bounds("model"),
    ),
]
Isl = Annotated[
    int, Parameter(description="Input tokens", examples=[Example(value=8192)], **_bounds("isl"))
]
Osl = Annotated[
    int, Parameter(description="Output tokens", examples=[Example(value=1024)], **_bounds("osl"))
]
CsvText = Annotated[str | None, Parameter(description="Comma-separated list", max_length=2000)]
Pricing = Annotated[str | None, Parameter(**_bounds("pricing"))]
PricingVersion = Annotated[int | None, Parameter(**_bounds("pricing_version"))]
OptionalText = Annotated[str | None, Parameter(min_length=1, max_length=100)]
# One target, > 0 and <= 100000 tok/s/user as QuoteRequest validates each; at most 50 of them.
# parse_targets enforces exactly this pattern, so the document and the server agree on every
# string (it is declared via schema_extra so the 400 can say it in words, not as a regex).
_TARGET = r"(?:[1-9][0-9]{0,4}(?:\.[0-9]{1,6})?|0?\.[0-9]{0,5}[1-9]|100000(?:\.0{1,6})?)"
TARGETS_PATTERN = rf"^{_TARGET}(?:,{_TARGET}){{0,49}}$"

# Quote options, with the engine's defaults stated: a query string leaves a parameter out, it
# cannot send null, so these are documented as plain values with a default (which also gives
# generated clients plain enum types), and "null" is refused like any other wrong value.
QUOTE_DEFAULTS: dict[str, Any] = {f.name: f.default for f in msgspec.structs.fields(QuoteRequest)}
PoolingParam = FromQuery[Pooling]
_TokenBasisParam = FromQuery[TokenBasis]
_InterpolationParam = FromQuery[Interpolation]
_BoolParam = FromQuery[bool]
_DateParam = FromQuery[dt.date | None]
_DemandKindParam = FromQuery[
    Literal["output_tokens_per_s", "output_tokens_per_day", "requests_per_s", "concurrent_users"]
    | None
]
_ViewParam = FromQuery[QuoteView]
# Offer filters (tco.domain.offer_filters). A kind outside OfferKind breaks the pattern (a 400
# from the schema); providers and regions are free text.
_KIND = "(?:" + "|".join(OFFER_KINDS) + ")"
_KINDS = rf"{_KIND}(?:,{_KIND}){{0,19}}"
_Commitment = Annotated[int | None, Parameter(**_bounds("min_commitment_months"))]


def _param(name: str, annotation: Any, default: Any = inspect.Parameter.empty) -> inspect.Parameter:
    return inspect.Parameter(
        name, inspect.Parameter.KEYWORD_ONLY, annotation=annotation, default=default
    )


# Every parameter of a quote-shaped read, in the order the routes document them.
QUOTE_PARAMETERS: dict[str, inspect.Parameter] = {
    p.name: p
    for p in (
        _param("model", Model),
        _param("isl", Isl),
        _param("osl", Osl),
        _param(
            "targets",
            Annotated[
                str,
                Parameter(
                    description="Comma-separated tok/s/user targets, e.g. 20,50,100",
                    min_length=1,
                    max_length=2000,
                    schema_extra={"pattern": TARGETS_PATTERN},
                    examples=[Example(value="20,50,100")],
                ),
            ],
        ),
        # history's one target; its floor is a readable 0.001, not the engine's "> 0"
        _param(
            "target",
            Annotated[
                float,
                Parameter(ge=0.001, le=100_000, description="Interactivity target, tok/s/user"),
            ],
        ),
        _param("pricing", Pricing, None),
        _param("pricing_version", PricingVersion, None),
        _param("token_basis", _TokenBasisParam, QUOTE_DEFAULTS["token_basis"]),
        _param(
            "utilization",
            Annotated[
                float,
                Parameter(
                    description="Share of the time the GPUs serve at the operating point",
                    **_bounds("utilization"),
                ),
            ],
            QUOTE_DEFAULTS["utilization"],
        ),
        _param("interpolation", _InterpolationParam, QUOTE_DEFAULTS["interpolation"]),
        _param("pooling", PoolingParam, QUOTE_DEFAULTS["pooling"]),
        _param("extrapolate", _BoolParam, QUOTE_DEFAULTS["extrapolate"]),
        _param("as_of", _DateParam, None),
        # history: the same date, read as the last benchmark date of the series
        _param(
            "history_as_of",
            Annotated[
                dt.date | None,
                QueryParameter(
                    name="as_of", description="Leave out benchmark dates after this one"
                ),
            ],
            None,
        ),
        _param("hardware", CsvText, None),
        _param("exclude_hardware", CsvText, None),
        _param("frameworks", CsvText, None),
        _param("max_ttft_s", Annotated[float | None, Parameter(**_bounds("max_ttft_s"))], None),
        _param("top", Annotated[int, Parameter(**_bounds("top"))], QUOTE_DEFAULTS["top"]),
        _param("demand_kind", _DemandKindParam, None),
        # Its range is its kind's (the Demand structs', documented by demand_group).
        _param(
            "demand_value",
            Annotated[float | None, Parameter(description="The demand in its kind's unit")],
            None,
        ),
        _param(
            "api_price",
            Annotated[
                str | None,
                Parameter(
                    description="Id of a shipped API price (GET /v1/api-prices), e.g. "
                    "dsr1/deepinfra: each option then carries its break-even against that API",
                    **_bounds("api_price"),
                ),
            ],
            None,
        ),
        _param(
            "offer_kinds",
            Annotated[
                str | None, Parameter(max_length=2000, schema_extra={"pattern": f"^{_KINDS}$"})
            ],
            None,
        ),
        _param("providers", CsvText, None),
        _param("regions", CsvText, None),
        _param(
            "max_price_age_days",
            Annotated[int | None, Parameter(**_bounds("max_price_age_days"))],
            None,
        ),
        _param("exclude_placeholder_prices", _BoolParam, False),
        _param("min_commitment_months", _Commitment, None),
        _param("max_commitment_months", _Commitment, None),
        _param("view", _ViewParam, QUOTE_DEFAULTS["view"]),
    )
}
_LISTS = ("hardware", "exclude_hardware", "frameworks", "providers", "regions")
_RENAMED = {"history_as_of": "as_of"}

# What a route's dependency gives its handler: the request, built from the route's parameters.
QuoteRequestDep = NamedDependency[SkipValidation[QuoteRequest]]


def parse_targets(text: str) -> list[float]:
    if not re.fullmatch(TARGETS_PATTERN, text):
        raise ProblemException(
            400,
            "targets: comma-separated tok/s/user values, each > 0 and <= 100000, at most 50, "
            "e.g. 20,50,100",
            field="targets",
        )
    return [float(t) for t in text.split(",")]  # float(), unlike msgspec, reads ".5"


def quote_request(values: dict[str, Any]) -> QuoteRequest:
    """The request from a route's parameters, as litestar checked them. A route without
    ``targets`` or ``target`` gets a placeholder its use case replaces (curves: the grid)."""
    fields = {_RENAMED.get(k, k): v for k, v in values.items()}
    kinds = fields.get("offer_kinds")
    if kinds is not None:
        if not re.fullmatch(_KINDS, kinds):
            raise ProblemException(
                400, f"offer_kinds: comma-separated, each one of {', '.join(OFFER_KINDS)}",
                field="offer_kinds",
            )  # fmt: skip
        fields["offer_kinds"] = csv_list(kinds)
    for name in _LISTS:
        if name in fields:
            fields[name] = csv_list(fields[name])
    if "target" in fields:
        fields["targets"] = [fields.pop("target")]
    elif "targets" in fields:
        fields["targets"] = parse_targets(fields["targets"])
    else:
        fields["targets"] = [1.0]
    if "demand_kind" in fields or "demand_value" in fields:
        fields["demand"] = demand_from_query(
            fields.pop("demand_kind", None), fields.pop("demand_value", None)
        )
    return QuoteRequest(**fields)


def quote_request_dependency(*names: str) -> dict[str, Provide]:
    """The ``dependencies`` of a route whose handler takes ``quote_request: QuoteRequestDep``:
    the parameters ``names`` (documented as the route's own), resolved into one request."""
    parameters = [QUOTE_PARAMETERS[name] for name in names]

    def resolve(**values: Any) -> QuoteRequest:
        return quote_request(values)

    # litestar reads a dependency's parameters from its signature and type hints.
    resolve.__signature__ = inspect.Signature(parameters, return_annotation=QuoteRequest)  # type: ignore[attr-defined]
    resolve.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": QuoteRequest}
    return {"quote_request": Provide(resolve, sync_to_thread=False)}


def demand_from_query(kind: str | None, value: float | None) -> Demand | None:
    """A demand is a kind and a value, given together. The document states each alone; the
    bounds of the value depend on the kind, so breaking those is a 422, not a 400."""
    if kind is None and value is None:
        return None
    if kind is None or value is None:
        missing, given = (
            ("demand_kind", "demand_value") if kind is None else ("demand_value", "demand_kind")
        )
        raise ProblemException(
            422, f"{missing}: required with {given} (a demand is a kind and a value)", field=missing
        )
    try:
        demand: Demand = msgspec.convert({"kind": kind, "value": value}, Demand, strict=False)
    except msgspec.ValidationError as exc:
        raise validation_problem(
            exc, "demand_value", {"value": "demand_value", "kind": "demand_kind"}, 422
        ) from exc
    return demand


def demand_group() -> QueryGroup:
    """demand_kind and demand_value, documented together: the value's range per kind is the
    Demand structs' own (one declaration; msgspec renders it), so the document and the
    decoding in demand_from_query agree on every value."""
    refs, components = msgspec.json.schema_components([Demand], ref_template="{name}")
    kinds = []
    for member in refs[0]["anyOf"]:
        schema = components[member["$ref"]]
        value = {k: v for k, v in schema["properties"]["value"].items() if k != "title"}
        kind = {"properties": {"demand_kind": {"const": schema["properties"]["kind"]["enum"][0]}}}
        kinds.append({"if": kind, "then": {"properties": {"demand_value": value}}})
    return QueryGroup(
        "demand",
        ("demand_kind", "demand_value"),
        "A demand, kind and value together: each option then carries its capacity and "
        "monthly bill. The value's range depends on its kind.",
        # allOf of if/then rather than oneOf: generated clients then see one object (whose
        # properties they send as query parameters), not a union they would send whole.
        {"allOf": kinds},
    )
