"""The cheapest recipe and offer of each hardware at many interactivities, and nothing more:
what a $/M tokens against interactivity chart draws (GET /v1/curves).

The same reading and ranking as a quote's ``cheapest_per_hardware`` (tco.domain.quote_rank),
without listing options: a 60-target chart made hundreds of full options (operating point
structs, evidence, caveats) and the unreachable lists of 60 targets, to keep a few numbers of
each. Values are the quote's own (tests/api compare them with a quote's options).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt

from tco.domain.index import FrontierIndex, WorkloadIndex
from tco.domain.offer_filters import OfferFilters
from tco.domain.pricing import PricingTable
from tco.domain.quote import prepared
from tco.domain.quote_model import MethodLabel, QuoteRequest
from tco.domain.quote_options import METHOD_LABELS
from tco.domain.quote_parts import QuoteParts
from tco.domain.quote_rank import hardware_heads, ranked_costs


class HardwarePoint(NamedTuple):
    """One hardware's cheapest option at one interactivity target."""

    hardware: str
    usd_per_million_tokens: float
    tput_per_gpu: float
    method: MethodLabel
    recipe_id: str
    recipe_label: str
    offer_provider: str
    usd_per_gpu_hour: float


@dataclass(frozen=True)
class PerHardware:
    targets: list[float]
    points: list[list[HardwarePoint]]  # per target, cheapest first (ties in hardware order)
    benchmark_as_of: dt.date | None  # newest run date among the points these options used
    offer_filters: OfferFilters | None
    excluded_offers: dict[str, int]


def _knot_dates(wl: WorkloadIndex) -> npt.NDArray[np.datetime64]:
    dates: npt.NDArray[np.datetime64] | None = wl.memo.get("knot_dates")
    if dates is None:
        dates = wl.memo["knot_dates"] = wl.knots["date"].to_numpy()
    return dates


def cheapest_per_hardware(
    index: FrontierIndex, table: PricingTable, request: QuoteRequest, *, today: dt.date | None
) -> PerHardware:
    """``quote(...).targets[t].cheapest_per_hardware`` for every target, as plain numbers.
    (With ``top=1`` the quote's own top option is one of these, so ``benchmark_as_of`` is the
    quote's too.)"""
    read = prepared(index, table, request, today)
    wl, grid, priced = read.wl, read.grid, read.priced
    parts = QuoteParts.of(wl)
    heads = hardware_heads(parts, ranked_costs(priced, read.mask, request, grid).best_cost)
    cells = [(t, c) for t, head in enumerate(heads) for _, c in head]
    tt, cc = np.array(cells, dtype=np.int64).reshape(-1, 2).T
    tput = grid.at_cells(wl.curves, tt, cc)["tput_per_gpu"].tolist()
    used = np.concatenate((grid.lo[tt, cc], grid.hi[tt, cc]))  # the knots the points read
    newest = _knot_dates(wl)[used].max().item() if used.size else None
    infos = parts.with_curves(cc).infos
    method = grid.method[tt, cc].tolist()
    first_offer = priced.first_offer.tolist()
    points: list[list[HardwarePoint]] = [[] for _ in heads]
    for i, (t, c) in enumerate(cells):
        recipe, offer = infos[c], priced.offers[first_offer[c]]
        points[t].append(
            HardwarePoint(
                hardware=recipe.hardware,
                usd_per_million_tokens=heads[t][len(points[t])][0],
                tput_per_gpu=tput[i],
                method=METHOD_LABELS[method[i]],
                recipe_id=recipe.recipe_id,
                recipe_label=recipe.label,
                offer_provider=offer.provider,
                usd_per_gpu_hour=offer.usd_per_gpu_hour,
            )
        )
    return PerHardware(
        targets=grid.targets,
        points=points,
        benchmark_as_of=newest,
        offer_filters=read.offer_filters,
        excluded_offers=read.excluded_offers,
    )
