"""How old an answer's evidence is: per option, the run dates of the points it used and the date
of its price, and ``stale`` warnings when they are old or a newer run supersedes them.

"Today" is never read from the wall clock here: the caller passes the date staleness is judged
at (the request's ``as_of`` when given, else the service's clock), so an answer is a pure
function of its inputs and answer caches can key on that date.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Literal

import msgspec

from tco.domain.index import WorkloadIndex

if TYPE_CHECKING:
    from tco.domain.quote import TargetQuote as _TargetQuote

STALE_BENCHMARK_DAYS = 90
STALE_PRICE_DAYS = 180
_SERIES = ("hardware", "framework", "precision", "spec_method", "disagg")
_EVIDENCE_MEMO = 20_000
_DATE = re.compile(r"(\d{4})-(\d{2})(?:-(\d{2}))?")

StaleKind = Literal["benchmark", "price", "newer_run"]


class StalePolicy(msgspec.Struct, kw_only=True, frozen=True):
    benchmark_days: int = STALE_BENCHMARK_DAYS
    price_days: int = STALE_PRICE_DAYS


class StaleWarning(msgspec.Struct, kw_only=True, frozen=True):
    code: Literal["stale"] = "stale"
    kind: StaleKind  # which evidence: benchmark age, price age, or a newer run exists
    message: str
    newer_recipe_id: str | None = None  # kind newer_run: the recipe measured more recently
    newer_date: dt.date | None = None


class Evidence(msgspec.Struct, kw_only=True, frozen=True):
    """The age of one option's evidence, judged at ``Freshness.judged_at``."""

    measured: list[dt.date]  # run dates of the frontier knots the operating point used
    benchmark_age_days: int  # from the oldest of them
    recipe_latest_date: dt.date  # newest knot date of the option's recipe
    price_source_date: dt.date | None  # the offer's source_date, when it names a date
    price_age_days: int | None
    stale: bool
    warnings: list[StaleWarning]


class Freshness(msgspec.Struct, kw_only=True, frozen=True):
    """Top-level freshness of an answer."""

    judged_at: dt.date  # the "today" ages are counted to: the request's as_of, else the clock
    workload_latest_date: dt.date | None  # newest benchmark date of this model/workload
    synced_at: dt.datetime | None  # when the store last synced from a public source
    stale_benchmark_days: int
    stale_price_days: int
    stale_options: int  # options (listed anywhere in the answer) with a stale warning


def price_date(text: str | None) -> dt.date | None:
    """The date a price's ``source_date`` names: YYYY-MM-DD, or YYYY-MM (its first day);
    None for free text ("late 2024", "undated")."""
    if not text:
        return None
    match = _DATE.search(text)
    if match is None:
        return None
    year, month, day = match.group(1), match.group(2), match.group(3) or "01"
    try:
        return dt.date(int(year), int(month), int(day))
    except ValueError:
        return None


def newest_used(dates: Iterable[dt.date]) -> dt.date | None:
    return max(dates, default=None)


def _newer_runs(wl: WorkloadIndex) -> dict[str, tuple[str, dt.date, str]]:
    """Per recipe, the most recently measured other recipe of its series (same hardware,
    framework, precision, spec method, disaggregation) when that one is newer."""
    memo = wl.memo.get("newer_runs")
    if memo is not None:
        return memo  # type: ignore[no-any-return]
    from tco.domain.quote import recipe_label

    newest: dict[tuple[object, ...], tuple[dt.date, str, str]] = {}
    rows = wl.group_rows
    for row in rows:
        key = tuple(row[f] for f in _SERIES)
        current = newest.get(key)
        if current is None or row["latest_date"] > current[0]:
            newest[key] = (row["latest_date"], row["curve_id"], recipe_label(row))
    found: dict[str, tuple[str, dt.date, str]] = {}
    for row in rows:
        date, curve, label = newest[tuple(row[f] for f in _SERIES)]
        if curve != row["curve_id"] and date > row["latest_date"]:
            found[row["curve_id"]] = (curve, date, label)
    wl.memo["newer_runs"] = found
    return found


def evidence(
    *,
    measured: list[dt.date],
    recipe_id: str,
    recipe_latest: dt.date,
    source_date: str | None,
    wl: WorkloadIndex,
    today: dt.date,
    policy: StalePolicy,
) -> Evidence:
    oldest = min(measured) if measured else recipe_latest
    age = (today - oldest).days
    priced = price_date(source_date)
    price_age = None if priced is None else (today - priced).days
    warnings: list[StaleWarning] = []
    if age > policy.benchmark_days:
        warnings.append(
            StaleWarning(
                kind="benchmark",
                message=f"measured {oldest.isoformat()}, {age} days before {today.isoformat()} "
                f"(older than {policy.benchmark_days} days)",
            )
        )
    if price_age is not None and priced is not None and price_age > policy.price_days:
        warnings.append(
            StaleWarning(
                kind="price",
                message=f"price dated {priced.isoformat()}, {price_age} days before "
                f"{today.isoformat()} (older than {policy.price_days} days)",
            )
        )
    newer = _newer_runs(wl).get(recipe_id)
    if newer is not None:
        warnings.append(
            StaleWarning(
                kind="newer_run",
                message=f"a newer run exists on this hardware: {newer[2]} ({newer[0]}) "
                f"measured {newer[1].isoformat()}; this option's recipe was last measured "
                f"{recipe_latest.isoformat()}",
                newer_recipe_id=newer[0],
                newer_date=newer[1],
            )
        )
    return Evidence(
        measured=measured,
        benchmark_age_days=age,
        recipe_latest_date=recipe_latest,
        price_source_date=priced,
        price_age_days=price_age,
        stale=bool(warnings),
        warnings=warnings,
    )


def with_evidence(
    targets: list[_TargetQuote], wl: WorkloadIndex, today: dt.date, policy: StalePolicy
) -> tuple[list[_TargetQuote], int, dt.date | None]:
    """The targets with every option's evidence filled in (an option listed several times is
    one struct, and stays one), how many distinct options are stale, and the newest run date
    among the points the answer used (its ``benchmark_as_of``)."""
    from tco.domain.quote import QuoteOption

    done: dict[int, QuoteOption] = {}
    # Options at the same recipe, knot dates and price date share one Evidence, kept with the
    # workload's index (immutable) for the next quotes judged on the same date.
    made: dict[tuple[object, ...], Evidence] = wl.memo.setdefault("evidence", {})
    if len(made) > _EVIDENCE_MEMO:
        made.clear()
    stale = 0
    newest: dt.date | None = None
    by_pair: dict[tuple[int, int], tuple[Evidence, list[dt.date]]] = {}

    def fill(option: QuoteOption | None) -> QuoteOption | None:
        nonlocal stale, newest
        if option is None:
            return None
        hit = done.get(id(option))
        if hit is not None:
            return hit
        # The same operating point and offer (an option also listed as its hardware's
        # cheapest) have the same evidence: looked up once.
        pair = (id(option.operating_point), id(option.offer))
        seen = by_pair.get(pair)
        if seen is not None:
            found, measured = seen
        else:
            knots = option.operating_point.knots
            measured = [knots[0].date] if len(knots) == 1 else sorted({k.date for k in knots})
            key = (
                option.recipe.recipe_id,
                tuple(measured),
                option.offer.source_date,
                today,
                policy,
            )
            memo = made.get(key)
            found = (
                memo
                if memo is not None
                else evidence(
                    measured=measured,
                    recipe_id=option.recipe.recipe_id,
                    recipe_latest=option.recipe.latest_date,
                    source_date=option.offer.source_date,
                    wl=wl,
                    today=today,
                    policy=policy,
                )
            )
            made[key] = found
        by_pair[pair] = (found, measured)
        stale += found.stale
        if measured and (newest is None or measured[-1] > newest):
            newest = measured[-1]
        filled = msgspec.structs.replace(option, evidence=found)
        done[id(option)] = filled
        return filled

    out = []
    for tq in targets:
        out.append(
            msgspec.structs.replace(
                tq,
                cheapest=fill(tq.cheapest),
                options=[fill(o) for o in tq.options],
                cheapest_per_hardware=[fill(o) for o in tq.cheapest_per_hardware],
                cheapest_for_demand=fill(tq.cheapest_for_demand),
            )
        )
    return out, stale, newest
