"""The listed options of a quote: operating points read at the listed (target, curve) cells,
offers, costs, caveats, and with a demand or an API price their capacity and comparison."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, cast

import msgspec
import numpy as np

from tco.domain.buildbuy import ApiPrice
from tco.domain.capacity import CapacityUnavailable, capacity, demand_requests_per_s
from tco.domain.catalog import Hardware
from tco.domain.caveats import inconsistent_rows, option_caveats
from tco.domain.frontier import Curves, Grid, Method
from tco.domain.pricing import Offer
from tco.domain.procurement import compare_with_api
from tco.domain.quote_model import (
    MethodLabel,
    OperatingPoint,
    QuoteOption,
    QuoteRequest,
    usd_per_1k_requests,
)
from tco.domain.quote_offers import PricedOffers
from tco.domain.quote_parts import QuoteParts


@dataclass(frozen=True)
class Procurement:
    """What capacity and build-vs-buy need beyond the request: the hardware catalog and the
    resolved API price."""

    catalog: Mapping[str, Hardware]
    api_price: ApiPrice | None
    cache_hit_share: float


METHOD_LABELS = cast("list[MethodLabel]", [m.label for m in Method])  # by Method value
_ON_KNOT = (Method.MEASURED, Method.CLAMPED_LOW)  # the operating point is a measured knot
Spec = tuple[int, int, int, float, float, int]  # cell, curve, offer, cost, cheapest cost, rank


def listed_options(
    parts: QuoteParts,
    priced: PricedOffers,
    grid: Grid,
    curves: Curves,
    cells: list[tuple[int, int]],
    specs: list[Spec],
    request: QuoteRequest,
    proc: Procurement,
) -> list[QuoteOption]:
    """The listed options. Each distinct (target, curve) gets one operating point, shared by
    the options that use it; its values are fetched from the grid in one gather."""
    tt, cc = np.array(cells, dtype=np.int64).reshape(-1, 2).T
    # Every column at the answer's (target, curve) cells (the ranking read one or two columns
    # at every cell); NaN (unpublished) -> None.
    read = np.stack(list(grid.at_cells(curves, tt, cc).values()))
    published = read.astype(object)
    published[~np.isfinite(read)] = None
    column = dict(zip(curves.names, published.tolist(), strict=True))
    lo, hi = grid.lo[tt, cc], grid.hi[tt, cc]
    knots_of, targets = parts.with_knots(np.concatenate((lo, hi))).knots, grid.targets
    ops = [
        OperatingPoint(
            method=METHOD_LABELS[method],
            interpolation=request.interpolation,
            interactivity=knots[0].interactivity if method in _ON_KNOT else targets[t],
            tput_per_gpu=tput,
            output_tput_per_gpu=output,
            input_tput_per_gpu=input_,
            conc=conc,
            ttft_s=ttft,
            tpot_s=tpot,
            knots=knots,
        )
        for t, method, knots, tput, output, input_, conc, ttft, tpot in zip(
            tt.tolist(),
            grid.method[tt, cc].tolist(),
            [
                [knots_of[lo]] if lo == hi else [knots_of[min(lo, hi)], knots_of[max(lo, hi)]]
                for lo, hi in zip(lo.tolist(), hi.tolist(), strict=True)
            ],
            column["tput_per_gpu"],
            column["output_tput_per_gpu_all"],
            column["input_tput_per_gpu_all"],
            column["conc"],
            column["ttft_s"],
            column["tpot_s"],
            strict=True,
        )
    ]
    osl, utilization = request.osl, request.utilization
    infos = parts.with_curves(cc).infos  # cells hold every listed curve
    offer_infos = {o: priced.info(o) for o in {s[2] for s in specs}}  # one struct per offer
    options = []
    # An option listed twice (top list and its hardware's cheapest) has the same caveats.
    caveats: dict[tuple[int, int], list[str]] = {}
    for cell, c, o, cost, cheapest, rank in specs:
        op = ops[cell]
        said = caveats.get((cell, o))
        if said is None:
            said = caveats[(cell, o)] = option_caveats(offer_infos[o], op.knots)
        price = priced.price[o]
        output_tput = op.output_tput_per_gpu
        recipe = infos[c]
        options.append(
            QuoteOption(
                rank=rank,
                hardware=recipe.hardware,
                recipe=recipe,
                offer=offer_infos[o],
                operating_point=op,
                usd_per_million_tokens=cost,
                usd_per_1k_requests=None  # the source did not publish output throughput
                if output_tput is None or output_tput <= 0
                else usd_per_1k_requests(price, output_tput, osl, utilization),
                ratio_to_cheapest=cost / cheapest,
                break_even_usd_per_gpu_hour=price * cheapest / cost,
                caveats=said,
            )
        )
    if request.demand is not None or proc.api_price is not None:
        # Options at the same operating point and offer (the top one is usually also its
        # hardware's cheapest) share one capacity and API comparison.
        extras: dict[tuple[int, int], dict[str, Any]] = {}
        for i, (option, (cell, _, o, *_)) in enumerate(zip(options, specs, strict=True)):
            extra = extras.get((cell, o))
            if extra is None:
                extra = extras[(cell, o)] = _procurement(option, priced.offers[o], request, proc)
            options[i] = msgspec.structs.replace(option, **extra)
    return options


def _procurement(
    option: QuoteOption, offer: Offer, request: QuoteRequest, proc: Procurement
) -> dict[str, Any]:
    """Capacity for the request's demand and the comparison with its API price."""
    op, recipe = option.operating_point, option.recipe
    output_tput = op.output_tput_per_gpu
    if output_tput is not None and output_tput <= 0:
        output_tput = None
    cap, cap_reason = None, None
    bad_rows = inconsistent_rows(op.knots)
    if request.demand is not None and request.pooling == "series":
        cap_reason = "pooling=series pools several topologies: no single replica size (use recipe)"
    elif request.demand is not None and bad_rows:
        cap_reason = bad_rows
    elif request.demand is not None:
        try:
            cap = capacity(
                request.demand,
                output_tput_per_gpu=output_tput,
                conc=op.conc,
                gpus_per_replica=recipe.gpus_per_replica,
                osl=request.osl,
                utilization=request.utilization,
                usd_per_gpu_hour=offer.usd_per_gpu_hour,
                hardware=proc.catalog.get(offer.hardware),
                hardware_key=offer.hardware,
            )
        except CapacityUnavailable as exc:
            cap_reason = exc.reason
    api = None
    if proc.api_price is not None:
        api = compare_with_api(
            proc.api_price,
            proc.cache_hit_share,
            isl=request.isl,
            osl=request.osl,
            usd_per_gpu_hour=offer.usd_per_gpu_hour,
            output_tput_per_gpu=output_tput,
            utilization=request.utilization,
            requests_per_s=None
            if request.demand is None
            else demand_requests_per_s(
                request.demand,
                osl=request.osl,
                output_tok_s_per_user=(
                    output_tput * recipe.gpus_per_replica / op.conc
                    if output_tput is not None and recipe.gpus_per_replica is not None
                    else None
                ),
            ),
            self_hosted_usd_per_month=None if cap is None else cap.usd_per_month,
        )
        if bad_rows and api.self_hosted_usd_per_1k_requests is None:
            api = msgspec.structs.replace(api, unavailable_reason=bad_rows)
    return {"capacity": cap, "capacity_unavailable": cap_reason, "api_comparison": api}
