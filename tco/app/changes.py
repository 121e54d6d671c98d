"""The change log: for each dataset version (one live run) after ``since``, what arrived, which
recipes' frontiers moved, and which cheapest answers changed at standard targets.

Each version is replayed: the frontier index of the served base plus the runs before it, then
with it; only the workloads the run touched can change. Cheapest answers use the default
pricing table (or the one asked for) at its latest version, so a row moves only with the data.
"""

from __future__ import annotations

import datetime as dt
import threading
import weakref
from collections import OrderedDict
from collections.abc import Sequence

import msgspec
import polars as pl

from tco.app.live import CONTENT_FIELDS, LiveService, dataset_version_for
from tco.domain.errors import InvalidRequest
from tco.domain.index import FrontierIndex, Workload
from tco.domain.pricing import PricingTable
from tco.domain.quote import QuoteRequest, quote, recipe_label
from tco.store import RunFrame, SyncRecord

DEFAULT_TARGETS: tuple[float, ...] = (20.0, 50.0, 100.0)
MAX_VERSIONS = 100


class NewRecipe(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    recipe_id: str
    label: str
    hardware: str


class Arrived(msgspec.Struct, kw_only=True, frozen=True):
    runs: int
    points: int
    first_date: dt.date | None  # run dates of the points that arrived
    last_date: dt.date | None
    workloads: list[str]  # "model isl/osl"
    new_recipes: list[NewRecipe]
    new_hardware: list[str]  # hardware with no point in the dataset before


class FrontierMove(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    recipe_id: str
    label: str
    hardware: str
    max_tput_per_gpu_before: float | None  # None: the recipe is new
    max_tput_per_gpu_after: float
    max_interactivity_before: float | None
    max_interactivity_after: float


class Cheapest(msgspec.Struct, kw_only=True, frozen=True):
    hardware: str
    recipe_id: str
    label: str
    usd_per_million_tokens: float


class CheapestChange(msgspec.Struct, kw_only=True, frozen=True):
    model: str
    isl: int
    osl: int
    target_interactivity: float
    before: Cheapest | None  # None: no option reached the target
    after: Cheapest | None
    ratio: float | None  # after / before $/M tokens, when both exist


class Change(msgspec.Struct, kw_only=True, frozen=True):
    dataset_version: str  # the version this change produced
    previous_version: str
    generation: int  # the store's dataset generation after it
    run_id: str
    created_at: dt.datetime
    source: str
    arrived: Arrived
    frontiers: list[FrontierMove]
    cheapest: list[CheapestChange]


class ChangesResponse(msgspec.Struct, kw_only=True, frozen=True):
    since: str
    dataset_version: str  # the newest version listed (or since's, when nothing changed)
    pricing_table: str
    pricing_version: int
    targets: list[float]
    changes: list[Change]
    more: bool  # more versions exist after the last one listed (ask again with since=it)


def _frontier_stats(index: FrontierIndex, wl: Workload) -> dict[str, tuple[float, float, str, str]]:
    found = index.workload(*wl, None, "recipe")
    if found is None:
        return {}
    return {
        r["curve_id"]: (
            float(r["max_tput_per_gpu"]),
            float(r["max_interactivity"]),
            recipe_label(r),
            str(r["hardware"]),
        )
        for r in found.group_rows
    }


def _cheapest(
    index: FrontierIndex, table: PricingTable, wl: Workload, targets: Sequence[float]
) -> list[Cheapest | None]:
    if index.workload(*wl, None, "recipe") is None:
        return [None] * len(targets)
    answer = quote(
        index, table, QuoteRequest(model=wl[0], isl=wl[1], osl=wl[2], targets=list(targets), top=1)
    )
    return [
        None
        if tq.cheapest is None
        else Cheapest(
            hardware=tq.cheapest.hardware,
            recipe_id=tq.cheapest.recipe.recipe_id,
            label=tq.cheapest.recipe.label,
            usd_per_million_tokens=tq.cheapest.usd_per_million_tokens,
        )
        for tq in answer.targets
    ]


def _same(a: Cheapest | None, b: Cheapest | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.hardware, a.recipe_id) == (b.hardware, b.recipe_id) and abs(
        a.usd_per_million_tokens - b.usd_per_million_tokens
    ) <= 1e-12 * max(a.usd_per_million_tokens, b.usd_per_million_tokens)


def _start(since: str, runs: list[RunFrame], base_version: str) -> int:
    """How many of ``runs`` come at or before ``since`` (a version, a generation or a date)."""
    text = since.strip()
    if text.isascii() and text.isdigit():
        generation = int(text)
        return sum(r.generation <= generation for r in runs)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        pass
    else:
        start = dt.datetime.combine(day, dt.time(), dt.UTC)
        return sum(r.created_at < start for r in runs)
    for k in range(len(runs) + 1):
        if dataset_version_for(base_version, [r.id for r in runs[:k]]) == text:
            return k
    raise InvalidRequest(
        "since",
        f"unknown dataset version {since!r}: give a version this store served, a generation "
        "number or a date (YYYY-MM-DD)",
    )


def change_log(
    service: LiveService,
    table: PricingTable,
    since: str,
    targets: Sequence[float] = DEFAULT_TARGETS,
    limit: int = MAX_VERSIONS,
) -> ChangesResponse:
    base, base_version = service.base, service.base_version
    runs = list(service.store.run_frames())
    start = _start(since, runs, base_version)
    chosen = runs[start : start + limit]
    stored = [r.points for r in runs[:start]]
    versions = [dataset_version_for(base_version, [r.id for r in runs[:k]]) for k in (start,)]
    before = _index(base, stored, versions[0])
    changes: list[Change] = []
    for k, run in enumerate(chosen, start=start):
        previous = versions[-1]
        version = dataset_version_for(base_version, [r.id for r in runs[: k + 1]])
        stored.append(run.points)
        after = _index(base, stored, version)
        changes.append(_change(before, after, run, previous, version, table, targets))
        versions.append(version)
        before = after
    return ChangesResponse(
        since=since,
        dataset_version=versions[-1],
        pricing_table=table.name,
        pricing_version=table.version,
        targets=list(targets),
        changes=changes,
        more=start + len(chosen) < len(runs),
    )


# A change log replays every version after since (an index build each): answers are kept per
# store generation (which any ingest or delete bumps), table version and query.
_ANSWERS = 32
# Weak keys: a service (and its store) that goes away takes its answers with it.
_answers: weakref.WeakKeyDictionary[
    LiveService, OrderedDict[tuple[object, ...], ChangesResponse]
] = weakref.WeakKeyDictionary()
_answers_lock = threading.Lock()


def cached_change_log(
    live: LiveService, table: PricingTable, since: str, targets: list[float], limit: int
) -> ChangesResponse:
    """``change_log``, answered from the last answers while the store's data is unchanged."""
    key = (live.store.dataset_generation(), table.name, table.version, since, tuple(targets), limit)
    with _answers_lock:
        answers = _answers.setdefault(live, OrderedDict())
        if key in answers:
            answers.move_to_end(key)
            return answers[key]
    answer = change_log(live, table, since, targets, limit)
    with _answers_lock:
        answers[key] = answer
        while len(answers) > _ANSWERS:
            answers.popitem(last=False)
    return answer


class SyncSchedule(msgspec.Struct, kw_only=True, frozen=True):
    source: str
    every_s: float


class SyncState(msgspec.Struct, kw_only=True, frozen=True):
    last: SyncRecord | None  # the newest finished sync, whatever its status
    last_success_at: dt.datetime | None  # the newest that stored its data (ok or partial)
    recent: list[SyncRecord]  # newest first, at most 10
    schedule: SyncSchedule | None  # this server's own schedule (tco serve --sync), if any


def sync_state(live: LiveService, recent: int = 10) -> SyncState:
    """The last syncs from public sources, and this process's schedule (tco serve --sync)."""
    syncs = live.store.last_syncs(recent)
    return SyncState(
        last=syncs[0] if syncs else None,
        last_success_at=live.store.last_success_at(),
        recent=syncs,
        schedule=None
        if live.sync_schedule is None
        else SyncSchedule(source=live.sync_schedule[0], every_s=live.sync_schedule[1]),
    )


def _index(base: pl.DataFrame, stored: list[pl.DataFrame], version: str) -> FrontierIndex:
    if not stored:
        return FrontierIndex(base, version)
    frame = pl.concat(stored, how="vertical")
    if base.height and frame.join(base, on=["date", "tput_per_gpu"], how="semi").height:
        frame = frame.join(base, on=CONTENT_FIELDS, how="anti", nulls_equal=True)
    return FrontierIndex(pl.concat([base, frame], how="vertical"), version)


def _change(
    before: FrontierIndex,
    after: FrontierIndex,
    run: RunFrame,
    previous: str,
    version: str,
    table: PricingTable,
    targets: Sequence[float],
) -> Change:
    pts = run.points
    touched = sorted(
        {(str(m), int(i), int(o)) for m, i, o in pts.select("model", "isl", "osl").iter_rows()}
    )
    known_hw = set(before.points["hardware"].unique().to_list())
    new_recipes: list[NewRecipe] = []
    moves: list[FrontierMove] = []
    cheapest: list[CheapestChange] = []
    for wl in touched:
        old, new = _frontier_stats(before, wl), _frontier_stats(after, wl)
        for rid, (tput, inter, label, hw) in sorted(new.items(), key=lambda kv: kv[1][2:]):
            prior = old.get(rid)
            if prior is None:
                new_recipes.append(
                    NewRecipe(model=wl[0], isl=wl[1], osl=wl[2], recipe_id=rid, label=label, hardware=hw)
                )  # fmt: skip
            if prior is None or prior[:2] != (tput, inter):
                moves.append(
                    FrontierMove(
                        model=wl[0], isl=wl[1], osl=wl[2], recipe_id=rid, label=label, hardware=hw,
                        max_tput_per_gpu_before=None if prior is None else prior[0],
                        max_tput_per_gpu_after=tput,
                        max_interactivity_before=None if prior is None else prior[1],
                        max_interactivity_after=inter,
                    )
                )  # fmt: skip
        for target, was, now in zip(
            targets,
            _cheapest(before, table, wl, targets),
            _cheapest(after, table, wl, targets),
            strict=True,
        ):
            if not _same(was, now):
                ratio = (
                    now.usd_per_million_tokens / was.usd_per_million_tokens
                    if was is not None and now is not None
                    else None
                )
                cheapest.append(
                    CheapestChange(
                        model=wl[0], isl=wl[1], osl=wl[2], target_interactivity=target,
                        before=was, after=now, ratio=ratio,
                    )
                )  # fmt: skip
    dates = pts["date"]
    return Change(
        dataset_version=version,
        previous_version=previous,
        generation=run.generation,
        run_id=run.id,
        created_at=run.created_at,
        source=run.source,
        arrived=Arrived(
            runs=1,
            points=pts.height,
            first_date=dates.min() if pts.height else None,  # type: ignore[arg-type]
            last_date=dates.max() if pts.height else None,  # type: ignore[arg-type]
            workloads=[f"{m} {i}/{o}" for m, i, o in touched],
            new_recipes=new_recipes,
            new_hardware=sorted(set(pts["hardware"].unique().to_list()) - known_hw),
        ),
        frontiers=moves,
        cheapest=cheapest,
    )


def change_rows(answer: ChangesResponse) -> list[dict[str, object]]:
    """One CSV row per item: arrived (one per version), frontier, cheapest."""
    rows: list[dict[str, object]] = []
    for c in answer.changes:
        head = {
            "dataset_version": c.dataset_version,
            "generation": c.generation,
            "run_id": c.run_id,
        }
        a = c.arrived
        rows.append(
            head | {"kind": "arrived", "workload": " ".join(a.workloads), "points": a.points,
                    "detail": "new recipes: " + "; ".join(f"{r.hardware} {r.label}" for r in a.new_recipes)
                    + ("; new hardware: " + " ".join(a.new_hardware) if a.new_hardware else "")}
        )  # fmt: skip
        for f in c.frontiers:
            rows.append(
                head | {"kind": "frontier", "workload": f"{f.model} {f.isl}/{f.osl}", "hardware": f.hardware,
                        "recipe": f.label, "recipe_id": f.recipe_id,
                        "max_tput_tok_s_gpu_before": f.max_tput_per_gpu_before, "max_tput_tok_s_gpu_after": f.max_tput_per_gpu_after,
                        "max_interactivity_tok_s_user_before": f.max_interactivity_before,
                        "max_interactivity_tok_s_user_after": f.max_interactivity_after}
            )  # fmt: skip
        for x in c.cheapest:
            b, n = x.before, x.after
            rows.append(
                head | {"kind": "cheapest", "workload": f"{x.model} {x.isl}/{x.osl}", "target_tok_s_user": x.target_interactivity,
                        "hardware_before": b and b.hardware, "recipe_before": b and b.label,
                        "usd_per_million_tokens_before": b and b.usd_per_million_tokens,
                        "hardware_after": n and n.hardware, "recipe_after": n and n.label,
                        "usd_per_million_tokens_after": n and n.usd_per_million_tokens, "ratio": x.ratio}
            )  # fmt: skip
    columns = dict.fromkeys(k for r in rows for k in r)  # one header for every kind of row
    return [{c: r.get(c) for c in columns} for r in rows]
