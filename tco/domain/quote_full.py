"""The full answer as sent (``view=full``): each recipe, offer, measured point and evidence
entry once per answer, in tables the options refer to by index.

The engine's ``QuoteResponse`` nests every struct in every option that uses it, and lists an
option again as its hardware's cheapest (``cheapest_per_hardware``), as ``cheapest`` and as
``cheapest_for_demand``: a 3-target answer was ~110 KB, most of it repeats. Here a repeat is a
reference instead, and nothing is lost: ``expanded`` rebuilds the nested answer from the
compact one, value for value (tests/domain/test_quote_full.py checks it against the engine's).

- ``options`` per target: the top list (rank 1..top, cheapest first: ``options[0]`` is the
  cheapest), then the options listed only as a hardware's cheapest or as the cheapest for the
  demand (rank 0);
- ``cheapest_per_hardware`` and ``cheapest_for_demand``: indices into that target's ``options``;
- ``unreachable``: indices into ``unreachable_recipes``; an option's ``recipe``, ``offer``,
  ``evidence`` and its operating point's ``knots``: indices into ``recipes``, ``offers``,
  ``evidence`` and ``knots``;
- an operating point's interpolation is the answer's (``assumptions.interpolation``).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

import msgspec

from tco.domain.capacity import Capacity
from tco.domain.freshness import Evidence
from tco.domain.procurement import ApiComparison
from tco.domain.quote import (
    Assumptions,
    ExcludedRecipe,
    Knot,
    MethodLabel,
    OfferInfo,
    QuoteOption,
    QuoteResponse,
    RecipeInfo,
    UnreachableRecipe,
)
from tco.domain.quote_summary import QuoteSummaryResponse


class ListedPoint(msgspec.Struct, kw_only=True, frozen=True):
    """An operating point; ``knots``: indices into the answer's ``knots``."""

    method: MethodLabel
    interactivity: float
    tput_per_gpu: float
    output_tput_per_gpu: float | None  # deployment-wide (all GPUs, both pools)
    input_tput_per_gpu: float | None
    conc: float
    ttft_s: float | None
    tpot_s: float | None
    knots: list[int]


class ListedOption(msgspec.Struct, kw_only=True, frozen=True):
    """One (recipe, offer) option; ``recipe``, ``offer`` and ``evidence`` are indices into the
    answer's ``recipes``, ``offers`` and ``evidence``."""

    rank: int  # 1.. in the top list; 0: listed only as a hardware's or the demand's cheapest
    hardware: str
    recipe: int
    offer: int
    operating_point: ListedPoint
    usd_per_million_tokens: float
    usd_per_1k_requests: float | None  # None when the source did not publish output throughput
    ratio_to_cheapest: float
    break_even_usd_per_gpu_hour: float  # the price at which this option ties the cheapest
    capacity: Capacity | None = None  # when the request gives a demand and it is computable
    capacity_unavailable: str | None = None  # why not, when a demand was given
    api_comparison: ApiComparison | None = None  # when the request gives an api_price
    evidence: int | None = None  # run dates and price date behind it, stale warnings
    caveats: list[str] = []


class ListedTarget(msgspec.Struct, kw_only=True, frozen=True):
    target_interactivity: float
    options: list[ListedOption]  # the top list, cheapest first, then rank-0 options
    cheapest_per_hardware: list[int]  # indices into options, cheapest first
    unreachable: list[int]  # indices into unreachable_recipes, highest reach first
    unreachable_total: int
    excluded: list[ExcludedRecipe]
    excluded_total: int
    # With a demand: the option with the lowest monthly bill once rounded to whole replicas.
    cheapest_for_demand: int | None = None  # index into options


class FullQuoteResponse(msgspec.Struct, kw_only=True, frozen=True, tag="full", tag_field="view"):
    """The full answer (view=full), every repeated struct once (module docstring)."""

    assumptions: Assumptions
    recipes: list[RecipeInfo]  # every recipe an option names
    offers: list[OfferInfo]
    knots: list[Knot]  # the measured points the operating points used
    evidence: list[Evidence]
    unreachable_recipes: list[UnreachableRecipe]  # every recipe some target cannot reach
    targets: list[ListedTarget]


_T = TypeVar("_T")


class _Table(Generic[_T]):
    """Rows kept once, by the identity of the engine's struct (the engine shares one struct
    per recipe, offer and knot), so a lookup never compares values; or by ``key`` when equal
    rows can be distinct structs."""

    def __init__(self, key: Callable[[_T], Hashable] = id) -> None:
        self.rows: list[_T] = []
        self._at: dict[Hashable, int] = {}
        self._key = key

    def ref(self, row: _T) -> int:
        key = self._key(row)
        at = self._at.get(key)
        if at is None:
            at = self._at[key] = len(self.rows)
            self.rows.append(row)
        return at


def _evidence_key(e: Evidence) -> Hashable:
    # Options of different recipes measured on the same dates, at the same price date, get
    # equal evidence from distinct structs.
    return (
        tuple(e.measured),
        e.benchmark_age_days,
        e.recipe_latest_date,
        e.price_source_date,
        e.price_age_days,
        e.stale,
        tuple((w.code, w.kind, w.message, w.newer_recipe_id, w.newer_date) for w in e.warnings),
    )


class _Listing:
    """One target's options. The engine lists an option again (its hardware's cheapest, the
    demand's) at the same operating point and offer, the very same structs: one entry here."""

    def __init__(
        self,
        recipes: _Table[RecipeInfo],
        offers: _Table[OfferInfo],
        knots: _Table[Knot],
        evidence: _Table[Evidence],
    ) -> None:
        self.options: list[ListedOption] = []
        self._at: dict[tuple[int, int], int] = {}
        self._tables = (recipes, offers, knots, evidence)

    def ref(self, o: QuoteOption) -> int:
        key = (id(o.operating_point), id(o.offer))
        i = self._at.get(key)
        if i is None:
            i = self._at[key] = len(self.options)
            self.options.append(_option(o, *self._tables))
        return i


def compact(answer: QuoteResponse) -> FullQuoteResponse:
    """The answer with every repeat a reference (module docstring)."""
    recipes: _Table[RecipeInfo] = _Table()
    offers: _Table[OfferInfo] = _Table()
    knots: _Table[Knot] = _Table()
    evidence: _Table[Evidence] = _Table(_evidence_key)
    unreachable: _Table[UnreachableRecipe] = _Table()
    by_id: dict[str, UnreachableRecipe] = {}
    targets = []
    for tq in answer.targets:
        listing = _Listing(recipes, offers, knots, evidence)
        for o in tq.options:
            listing.ref(o)
        per_hardware = [listing.ref(o) for o in tq.cheapest_per_hardware]
        demand = tq.cheapest_for_demand
        targets.append(
            ListedTarget(
                target_interactivity=tq.target_interactivity,
                options=listing.options,
                cheapest_per_hardware=per_hardware,
                cheapest_for_demand=None if demand is None else listing.ref(demand),
                unreachable=[
                    unreachable.ref(by_id.setdefault(u.recipe_id, u)) for u in tq.unreachable
                ],
                unreachable_total=tq.unreachable_total,
                excluded=tq.excluded,
                excluded_total=tq.excluded_total,
            )
        )
    return FullQuoteResponse(
        assumptions=answer.assumptions,
        recipes=recipes.rows,
        offers=offers.rows,
        knots=knots.rows,
        evidence=evidence.rows,
        unreachable_recipes=unreachable.rows,
        targets=targets,
    )


def _option(
    o: QuoteOption,
    recipes: _Table[RecipeInfo],
    offers: _Table[OfferInfo],
    knots: _Table[Knot],
    evidence: _Table[Evidence],
) -> ListedOption:
    op = o.operating_point
    return ListedOption(
        rank=o.rank,
        hardware=o.hardware,
        recipe=recipes.ref(o.recipe),
        offer=offers.ref(o.offer),
        operating_point=ListedPoint(
            method=op.method,
            interactivity=op.interactivity,
            tput_per_gpu=op.tput_per_gpu,
            output_tput_per_gpu=op.output_tput_per_gpu,
            input_tput_per_gpu=op.input_tput_per_gpu,
            conc=op.conc,
            ttft_s=op.ttft_s,
            tpot_s=op.tpot_s,
            knots=[knots.ref(k) for k in op.knots],
        ),
        usd_per_million_tokens=o.usd_per_million_tokens,
        usd_per_1k_requests=o.usd_per_1k_requests,
        ratio_to_cheapest=o.ratio_to_cheapest,
        break_even_usd_per_gpu_hour=o.break_even_usd_per_gpu_hour,
        capacity=o.capacity,
        capacity_unavailable=o.capacity_unavailable,
        api_comparison=o.api_comparison,
        evidence=None if o.evidence is None else evidence.ref(o.evidence),
        caveats=o.caveats,
    )


def expanded(body: dict[str, Any]) -> dict[str, Any]:
    """The decoded full answer (JSON builtins) in the engine's nested shape: every reference
    replaced by what it names, ``cheapest`` and ``cheapest_per_hardware`` as option copies
    (rank 0 outside the top list, as the engine lists them). For readers that want each option
    self-contained; ``expanded(compact(a))`` is the engine's answer ``a``, value for value.
    Any other body (a summary, another route's answer, a problem) is returned as it is."""
    if body.get("view") != "full" or "recipes" not in body:
        return body
    recipes, offers, knots = body["recipes"], body["offers"], body["knots"]
    evidence, unreachable = body["evidence"], body["unreachable_recipes"]
    interpolation = body["assumptions"]["interpolation"]

    def option(o: dict[str, Any], rank: int | None = None) -> dict[str, Any]:
        op = o["operating_point"]
        point = {k: v for k, v in op.items() if k != "knots"}
        point = {"method": point.pop("method"), "interpolation": interpolation, **point}
        point["knots"] = [knots[k] for k in op["knots"]]
        return {
            **o,
            "rank": o["rank"] if rank is None else rank,
            "recipe": recipes[o["recipe"]],
            "offer": offers[o["offer"]],
            "operating_point": point,
            "evidence": None if o.get("evidence") is None else evidence[o["evidence"]],
        }

    targets = []
    for t in body["targets"]:
        listed = [o for o in t["options"] if o["rank"] > 0]
        demand = t.get("cheapest_for_demand")
        targets.append(
            {
                "target_interactivity": t["target_interactivity"],
                "cheapest": option(listed[0]) if listed else None,
                "options": [option(o) for o in listed],
                "cheapest_per_hardware": [
                    option(t["options"][i], rank=0) for i in t["cheapest_per_hardware"]
                ],
                "unreachable": [unreachable[i] for i in t["unreachable"]],
                "unreachable_total": t["unreachable_total"],
                "excluded": t["excluded"],
                "excluded_total": t["excluded_total"],
                "cheapest_for_demand": None
                if demand is None
                else option(t["options"][demand], rank=0),
            }
        )
    return {"view": "full", "assumptions": body["assumptions"], "targets": targets}


def wire(answer: QuoteResponse | QuoteSummaryResponse) -> FullQuoteResponse | QuoteSummaryResponse:
    """What the API sends for an answer: the full view compacted, the summary as it is."""
    return compact(answer) if isinstance(answer, QuoteResponse) else answer
