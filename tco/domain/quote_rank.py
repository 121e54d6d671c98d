"""Ranking every target at once: eligibility, costs, the top recipes, the cheapest recipe per
hardware, the cheapest for a demand, unreachable and excluded recipes, as (targets x curves)
array operations; Python then only assembles the few options each answer lists."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tco.domain.capacity import HOURS_PER_MONTH, Demand, gpus_needed, whole_replicas
from tco.domain.frontier import FloatArray, Grid, IntArray, Method
from tco.domain.index import WorkloadIndex
from tco.domain.offer_filters import offer_filters_of
from tco.domain.quote_model import (
    BASIS_COLUMN,
    ExcludedRecipe,
    QuoteRequest,
    TargetQuote,
    usd_per_million_tokens,
)
from tco.domain.quote_offers import PricedOffers
from tco.domain.quote_options import Procurement, Spec, listed_options
from tco.domain.quote_parts import QuoteParts

_UNREACHABLE_LISTED = 50
_UNREACHABLE = int(Method.UNREACHABLE)  # a plain int: numpy compares it faster than an IntEnum
_EXCLUDED_LISTED = 50


def ranked_columns(request: QuoteRequest) -> list[str]:
    """The columns ranking reads at every (target, curve) cell: the cost basis, TTFT for its
    filter, output throughput and concurrency for a demand. The listed options read the rest
    at their few cells (``Grid.at_cells``)."""
    columns = [BASIS_COLUMN[request.token_basis]]
    if request.max_ttft_s is not None:
        columns.append("ttft_s")
    if request.demand is not None:
        columns += ["output_tput_per_gpu_all", "conc"]
    return columns


@dataclass(frozen=True)
class Costs:
    """Per (target, curve): the cost basis read there, what makes a cell eligible, and the cost
    at the curve's cheapest offer (inf where not eligible)."""

    basis: FloatArray
    reachable: np.ndarray
    has_price: np.ndarray  # per curve
    has_basis: np.ndarray
    eligible: np.ndarray
    ttft_ok: np.ndarray | None
    best_cost: FloatArray


def ranked_costs(
    priced: PricedOffers, mask: np.ndarray, request: QuoteRequest, grid: Grid
) -> Costs:
    basis = grid.values[BASIS_COLUMN[request.token_basis]]
    reachable = grid.method != _UNREACHABLE
    has_price = priced.offer_count > 0
    has_basis = np.isfinite(basis) & (basis > 0)
    tput = np.where(has_basis, basis, 1.0)  # cells without one: any positive value, masked below
    with np.errstate(over="ignore", under="ignore"):  # such costs are masked out just below
        cost = usd_per_million_tokens(priced.cheapest_price, tput, request.utilization)
    # Inputs are bounded (prices, measured throughputs), but an extrapolated throughput can still
    # come out tiny: a cost that is no positive float (inf, or an underflow to 0) is a throughput
    # no price can be divided by, never an option (nor a division by zero in ratio_to_cheapest).
    has_basis &= ~has_price | (np.isfinite(cost) & (cost > 0))
    eligible = reachable & has_basis & (mask & has_price)
    ttft_ok = None
    if request.max_ttft_s is not None:
        ttft_ok = grid.values["ttft_s"] <= request.max_ttft_s  # NaN (unpublished) fails: said below
        eligible &= ttft_ok
    best_cost = np.where(eligible, cost, np.inf)
    return Costs(basis, reachable, has_price, has_basis, eligible, ttft_ok, best_cost)


def quote_targets(
    wl: WorkloadIndex,
    priced: PricedOffers,
    mask: np.ndarray,
    request: QuoteRequest,
    grid: Grid,
    proc: Procurement,
) -> list[TargetQuote]:
    """Every target at once: eligibility, costs, the top recipes, the cheapest recipe per
    hardware and the unreachable ones are (targets x curves) array operations; Python then only
    assembles the few options each answer lists."""
    parts = QuoteParts.of(wl)
    n_targets, n_curves = grid.method.shape
    costs = ranked_costs(priced, mask, request, grid)
    basis, reachable, has_price = costs.basis, costs.reachable, costs.has_price
    has_basis, eligible, ttft_ok, best_cost = (
        costs.has_basis,
        costs.eligible,
        costs.ttft_ok,
        costs.best_cost,
    )

    # The top-k (recipe, offer) pairs all come from the top-k recipes by their cheapest offer.
    k = min(request.top, n_curves)
    top = _cheapest_curves(best_cost, k)
    n_top = np.minimum(eligible.sum(axis=1), k).tolist()
    top_basis = np.take_along_axis(basis, top, axis=1).tolist()

    heads = hardware_heads(parts, best_cost)

    for_demand: list[int | None] = [None] * n_targets
    if request.demand is not None:
        for_demand = _cheapest_for_demand(
            wl, grid, request, request.demand, eligible, priced.cheapest_price
        )

    unreachable = mask & ~reachable
    unreachable_total = unreachable.sum(axis=1).tolist()
    unreachable_by_reach = unreachable[:, parts.by_reach]
    excluded: list[tuple[list[ExcludedRecipe], int]] = [([], 0)] * n_targets
    if (mask & reachable & ~eligible).any():
        excluded = _excluded(parts, request, mask, reachable, has_price, has_basis, ttft_ok)

    cells, specs, layout = _listed(
        parts, priced, request, best_cost, top, n_top, top_basis, heads, for_demand
    )
    built = listed_options(parts, priced, grid, wl.curves, cells, specs, request, proc)
    listed_arrays = [parts.by_reach[row][:_UNREACHABLE_LISTED] for row in unreachable_by_reach]
    parts.with_curves(np.concatenate(listed_arrays))
    listed = [a.tolist() for a in listed_arrays]
    answers = []
    for t, (begin, end_top, end_hw, end) in enumerate(layout):
        answers.append(
            TargetQuote(
                target_interactivity=grid.targets[t],
                cheapest=built[begin] if end_top > begin else None,
                options=built[begin:end_top],
                cheapest_per_hardware=built[end_top:end_hw],
                unreachable=[parts.unreachable[c] for c in listed[t]],
                unreachable_total=unreachable_total[t],
                excluded=excluded[t][0],
                excluded_total=excluded[t][1],
                cheapest_for_demand=built[end_hw] if end > end_hw else None,
            )
        )
    return answers


def hardware_heads(parts: QuoteParts, best_cost: FloatArray) -> list[list[tuple[float, int]]]:
    """Per target, the cheapest eligible recipe of each hardware as (cost, curve), cheapest
    first (ties in hardware order): per hardware group, the first curve at the group's minimum
    cost (the lowest curve index on a tie)."""
    n_curves = best_cost.shape[1]
    grouped = best_cost[:, parts.by_hardware]
    group_min = np.minimum.reduceat(grouped, parts.hardware_starts, axis=1)
    at_min = (grouped == np.repeat(group_min, parts.hardware_sizes, axis=1)) & np.isfinite(grouped)
    first = np.minimum.reduceat(
        np.where(at_min, np.arange(n_curves), n_curves), parts.hardware_starts, axis=1
    )
    heads = parts.by_hardware[np.minimum(first, n_curves - 1)]
    return [
        [
            (cost, c)
            for cost, _, c in sorted(zip(g, range(len(g)), h, strict=True))
            if cost != math.inf
        ]
        for g, h in zip(group_min.tolist(), heads.tolist(), strict=True)
    ]


def _listed(
    parts: QuoteParts,
    priced: PricedOffers,
    request: QuoteRequest,
    best_cost: FloatArray,
    top: IntArray,
    n_top: list[int],
    top_basis: list[list[float]],
    heads: list[list[tuple[float, int]]],
    for_demand: list[int | None],
) -> tuple[list[tuple[int, int]], list[Spec], list[tuple[int, int, int, int]]]:
    """Which options each target lists: its top list, then the cheapest recipe per hardware,
    then the cheapest for the demand, as specs (operating point, curve, offer, cost, cheapest
    cost, rank); rank 0 marks an option outside the top list. Options of the same (target,
    curve) share one operating point: ``cells`` lists them. ``layout``: per target, where its
    three parts end in ``specs``."""
    first_offer, offer_count = priced.first_offer.tolist(), priced.offer_count.tolist()
    price, utilization, curve_ids = priced.price, request.utilization, parts.curve_ids
    cells: dict[tuple[int, int], int] = {}
    specs: list[Spec] = []
    layout: list[tuple[int, int, int, int]] = []
    for t, heads_t in enumerate(heads):
        pairs = [
            (usd_per_million_tokens(price[o], b, utilization), curve_ids[c], c, o)
            for c, b in zip(top[t, : n_top[t]].tolist(), top_basis[t], strict=False)
            for o in range(first_offer[c], first_offer[c] + offer_count[c])
        ]
        pairs.sort()
        del pairs[request.top :]  # top (recipe, offer) pairs: a recipe may list several offers
        # Every listed option is eligible, so when any is listed the top list is not empty.
        cheapest = pairs[0][0] if pairs else math.inf
        begin = len(specs)
        specs += [
            (cells.setdefault((t, c), len(cells)), c, o, cost, cheapest, rank)
            for rank, (cost, _, c, o) in enumerate(pairs, 1)
        ]
        end_top = len(specs)
        specs += [
            (cells.setdefault((t, c), len(cells)), c, first_offer[c], cost, cheapest, 0)
            for cost, c in heads_t
        ]
        end_hw = len(specs)
        c_bill = for_demand[t]
        if c_bill is not None:
            cell = cells.setdefault((t, c_bill), len(cells))
            specs.append(
                (cell, c_bill, first_offer[c_bill], float(best_cost[t, c_bill]), cheapest, 0)
            )
        layout.append((begin, end_top, end_hw, len(specs)))
    return list(cells), specs, layout


_FULL_SORT_CURVES = 512  # up to here one stable sort of every row beats partitioning


def _cheapest_curves(cost: FloatArray, k: int) -> IntArray:
    """Per row, the ``k`` cheapest columns, cheapest first, ties to the lower column: exactly the
    first ``k`` of a stable sort (partitioned first when rows are long)."""
    n_rows, n_cols = cost.shape
    if n_cols <= _FULL_SORT_CURVES:
        return np.argsort(cost, axis=1, kind="stable")[:, :k]
    kth = np.partition(cost, k - 1, axis=1)[:, k - 1]
    top = np.empty((n_rows, k), dtype=np.int64)
    for t in range(n_rows):
        # Everything at or below the k-th value (more than k on a tie), stably sorted.
        candidates = np.flatnonzero(cost[t] <= kth[t])
        top[t] = candidates[np.argsort(cost[t, candidates], kind="stable")][:k]
    return top


def _excluded(
    parts: QuoteParts,
    request: QuoteRequest,
    mask: np.ndarray,
    reachable: np.ndarray,
    has_price: np.ndarray,
    has_basis: np.ndarray,
    ttft_ok: np.ndarray | None,
) -> list[tuple[list[ExcludedRecipe], int]]:
    """Per target, the recipes that pass the filters and reach the target but are not eligible,
    each with its first reason (at most ``_EXCLUDED_LISTED`` listed), and their count."""
    n_targets = reachable.shape[0]
    candidates = mask & reachable
    reasons = [
        (
            np.broadcast_to(~has_price, reachable.shape),
            "no offer for this hardware in pricing table (or overrides)"
            + (" passes the offer filters" if offer_filters_of(request) else ""),
        ),
        (~has_basis, f"{request.token_basis} throughput not published by the source"),
    ]
    if ttft_ok is not None:
        reasons.append((~ttft_ok, f"TTFT above max_ttft_s={request.max_ttft_s} or not published"))
    answers = []
    for t in range(n_targets):
        listed: list[ExcludedRecipe] = []
        total = 0
        seen = ~candidates[t]
        for bad, reason in reasons:
            idx = np.flatnonzero(bad[t] & ~seen)
            seen = seen | bad[t]
            total += int(idx.size)
            shown = idx[: max(0, _EXCLUDED_LISTED - len(listed))]
            parts.with_curves(shown)
            for c in shown.tolist():
                info = parts.infos[c]
                listed.append(
                    ExcludedRecipe(
                        recipe_id=info.recipe_id,
                        label=info.label,
                        hardware=info.hardware,
                        reason=reason,
                    )
                )
        answers.append((listed, total))
    return answers


def _cheapest_for_demand(
    wl: WorkloadIndex,
    grid: Grid,
    request: QuoteRequest,
    demand: Demand,
    eligible: np.ndarray,
    cheapest_price: FloatArray,
) -> list[int | None]:
    """Per target, the eligible curve whose whole replicas, at its cheapest offer, cost least
    per month."""
    gpr = QuoteParts.of(wl).gpus_per_replica
    if gpr is None:  # pooling=series: no replica size
        return [None] * eligible.shape[0]
    needed = gpus_needed(
        demand,
        output_tput_per_gpu=grid.values["output_tput_per_gpu_all"],
        conc=grid.values["conc"],
        gpus_per_replica=gpr,
        osl=request.osl,
        utilization=request.utilization,
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        gpus = whole_replicas(np.asarray(needed, dtype=np.float64), gpr) * gpr
        bill = gpus * HOURS_PER_MONTH * cheapest_price
    ok = eligible & np.isfinite(bill) & (bill > 0)
    best = np.argmin(np.where(ok, bill, np.inf), axis=1)
    return [int(c) if ok[t, c] else None for t, c in enumerate(best.tolist())]
