"""Answer fragments of one workload index that never change with the request: recipe labels
and info, unreachable entries, frontier knots as answer structs, the curve orders a quote
groups and lists by. Made once per index (kept in its memo) and shared by every answer."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import polars as pl

from tco.domain.frontier import IntArray
from tco.domain.index import KNOT_FIELDS, WorkloadIndex
from tco.domain.quote_model import Knot, RecipeInfo, UnreachableRecipe


def recipe_label(row: Mapping[str, object]) -> str:
    """Words for a recipe, e.g. "vllm fp4 TP8 (8 GPUs)" or "dynamo-trt fp4 disagg P 4xTP4 / D 8xTP8"."""
    parts = [str(row["framework"]), str(row["precision"])]
    if row.get("spec_method") not in (None, "none", "unknown"):
        parts.append(str(row["spec_method"]).upper())
    if row.get("disagg"):
        parts.append(f"disagg prefill {_pool(row, 'prefill')} + decode {_pool(row, 'decode')}")
    elif row.get("tp") is not None:
        topo = f"TP{row['tp']}"
        if row.get("ep") not in (None, 1):
            topo += f" EP{row['ep']}"
        if row.get("dp_attention"):
            topo += " DP-attn"
        parts.append(topo)
    gpus = row.get("gpus_per_replica")
    if gpus is not None:
        parts.append(f"({gpus} GPUs)")
    elif "gpus_per_replica" not in row:
        parts.append("(all topologies)")
    return " ".join(parts)


def _pool(row: Mapping[str, object], pool: str) -> str:
    gpus, tp, ep = row.get(f"num_{pool}_gpu"), row.get(f"{pool}_tp"), row.get(f"{pool}_ep")
    parts = [] if gpus is None else [f"{gpus} GPUs"]  # some sources state a pool's TP/EP only
    if tp is not None:
        parts.append(f"TP{tp}")
    if ep not in (None, 1):
        parts.append(f"EP{ep}")
    return " ".join(parts) or "?"


class QuoteParts:
    """Answer fragments of one workload index that only change with the index, shared by every
    answer: recipe info and unreachable entries per curve, frontier knots as answer structs
    (each made the first time an answer lists it: a history quotes hundreds of as-of indexes
    once each), and the curve orders a quote groups and lists by."""

    def __init__(self, wl: WorkloadIndex) -> None:
        n = wl.curves.count
        # The frames, not the index: the index keeps these parts, so no reference cycle.
        self._groups = wl.groups
        self._knot_rows = wl.knots.select(KNOT_FIELDS)
        self.curve_ids: list[str] = wl.groups["curve_id"].to_list()
        self.infos: dict[int, RecipeInfo] = {}
        self.unreachable: dict[int, UnreachableRecipe] = {}
        self.knots: dict[int, Knot] = {}
        # What is made, as arrays: checking an answer's few hundred indices is one numpy call.
        # Set only after the structs are stored, so a concurrent reader never sees a gap.
        self._curve_made = np.zeros(n, dtype=bool)
        self._knot_made = np.zeros(wl.curves.x.size, dtype=bool)
        # Curves grouped by hardware (ascending curve index within a group), for the cheapest
        # recipe per hardware; and by max interactivity, highest first, for the unreachable list.
        self.by_hardware = np.argsort(wl.hardware_code, kind="stable")
        codes = wl.hardware_code[self.by_hardware]
        self.hardware_starts = np.flatnonzero(np.r_[True, codes[1:] != codes[:-1]])
        self.hardware_sizes = np.diff(np.r_[self.hardware_starts, n])
        self.by_reach = np.argsort(-wl.max_interactivity, kind="stable")
        self.gpus_per_replica = (  # NaN where unknown; None when pooled series have no one size
            wl.groups["gpus_per_replica"].cast(pl.Float64).fill_null(np.nan).to_numpy()
            if "gpus_per_replica" in wl.groups.columns
            else None
        )

    @staticmethod
    def of(wl: WorkloadIndex) -> QuoteParts:
        parts: QuoteParts | None = wl.memo.get("quote_parts")
        if parts is None:
            parts = wl.memo["quote_parts"] = QuoteParts(wl)
        return parts

    def with_curves(self, curves: IntArray) -> QuoteParts:
        """Makes the recipe info and unreachable entry of each of ``curves`` not made yet."""
        new = curves[~self._curve_made[curves]]
        if new.size:
            missing = np.unique(new).tolist()
            for c, row in zip(missing, self._groups[missing].to_dicts(), strict=True):
                info = self.infos[c] = recipe_info(row)
                self.unreachable[c] = UnreachableRecipe(
                    recipe_id=info.recipe_id,
                    label=info.label,
                    hardware=info.hardware,
                    max_interactivity=info.max_interactivity,
                )
            self._curve_made[missing] = True
        return self

    def with_knots(self, knots: IntArray) -> QuoteParts:
        """Makes the answer struct of each of ``knots`` (indices into the index's knots)."""
        new = knots[~self._knot_made[knots]]
        if new.size:
            missing = np.unique(new).tolist()
            rows = self._knot_rows[missing].iter_rows()
            for i, (x, tput, conc, date, source, recipe_id, version, image, stand_in, bad) in zip(
                missing, rows, strict=True
            ):
                self.knots[i] = Knot(
                    interactivity=float(x),
                    tput_per_gpu=float(tput),
                    conc=int(conc),
                    date=date,
                    source=str(source),
                    recipe_id=str(recipe_id),
                    framework_version=version,
                    image=image,
                    date_stand_in=stand_in,
                    inconsistent=bad,
                )
            self._knot_made[missing] = True
        return self


def recipe_info(row: Mapping[str, object]) -> RecipeInfo:
    def opt_int(name: str) -> int | None:
        value = row.get(name)
        return None if value is None else int(str(value))

    dp = row.get("dp_attention")
    return RecipeInfo(
        recipe_id=str(row["curve_id"]),
        label=recipe_label(row),
        hardware=str(row["hardware"]),
        framework=str(row["framework"]),
        precision=str(row["precision"]),
        spec_method=str(row["spec_method"]),
        disagg=bool(row["disagg"]),
        tp=opt_int("tp"),
        ep=opt_int("ep"),
        dp_attention=None if dp is None else bool(dp),
        prefill_tp=opt_int("prefill_tp"),
        prefill_ep=opt_int("prefill_ep"),
        decode_tp=opt_int("decode_tp"),
        decode_ep=opt_int("decode_ep"),
        num_prefill_gpu=opt_int("num_prefill_gpu"),
        num_decode_gpu=opt_int("num_decode_gpu"),
        gpus_per_replica=opt_int("gpus_per_replica"),
        max_interactivity=float(str(row["max_interactivity"])),
        latest_date=row["latest_date"],  # type: ignore[arg-type]
    )
