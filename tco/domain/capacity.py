"""Capacity for a demand at an operating point (DESIGN section 2): how many GPUs, replicas,
nodes and racks serve it, what that costs per month and how much power it draws.

- GPUs needed = demand / (per-GPU rate x utilization). The per-GPU rate is the deployment-wide
  output tok/s per GPU (both pools of a disaggregated recipe, the ``*_all`` column), or that
  divided by osl for requests/s. Concurrent users: replicas = users / (concurrency per replica
  x utilization), the benchmark's concurrency being what one replica served.
- Rounded up to whole replicas (``gpus_per_replica`` GPUs each: a recipe is deployable only
  whole), then to whole nodes, and to whole racks where the scale-up domain spans several
  nodes (NVL72: 72 GPUs). Packing assumes every worker (one TP/EP group) fits one node or rack,
  which holds for the benchmarked recipes since they ran that way.
- Monthly bill = GPUs x 730 h (8760 / 12) x $/GPU-hour; power = GPUs x all-in kW per GPU (IT
  load: multiply by the facility PUE for what the meter sees).

Nothing is estimated: when the replica size or the output throughput is unknown (some blog
rows publish only total throughput or one pool's GPUs), capacity is refused with the reason.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal

import msgspec
import numpy as np
from msgspec import Meta

from tco.domain.catalog import Hardware
from tco.domain.frontier import FloatArray

HOURS_PER_MONTH = 730.0  # 8760 / 12, the month cloud bills use
SECONDS_PER_DAY = 86_400.0
# Rounding before ceil: 2.0000000000004 replicas (float noise in demand / rate) is 2, not 3.
_ROUND_DIGITS = 9


class OutputTokensPerSecond(
    msgspec.Struct,
    kw_only=True,
    frozen=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="output_tokens_per_s",
):
    value: Annotated[
        float, Meta(ge=0.001, le=1e10, description="Average output tokens per second to serve")
    ]


class OutputTokensPerDay(
    msgspec.Struct,
    kw_only=True,
    frozen=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="output_tokens_per_day",
):
    value: Annotated[
        float,
        Meta(ge=1, le=1e15, description="Output tokens per day to serve (averaged over 24 h)"),
    ]


class RequestsPerSecond(
    msgspec.Struct,
    kw_only=True,
    frozen=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="requests_per_s",
):
    value: Annotated[
        float, Meta(ge=1e-6, le=1e8, description="Average requests per second (isl in, osl out)")
    ]


class ConcurrentUsers(
    msgspec.Struct,
    kw_only=True,
    frozen=True,
    forbid_unknown_fields=True,
    tag_field="kind",
    tag="concurrent_users",
):
    value: Annotated[
        int, Meta(ge=1, le=10_000_000_000, description="Users streaming at the same time")
    ]


Demand = OutputTokensPerSecond | OutputTokensPerDay | RequestsPerSecond | ConcurrentUsers
DemandKind = Literal[
    "output_tokens_per_s", "output_tokens_per_day", "requests_per_s", "concurrent_users"
]


class Capacity(msgspec.Struct, kw_only=True, frozen=True):
    """What one option needs to serve the demand, and what that costs per month."""

    gpus_needed: float  # demand / (per-GPU rate x utilization), before rounding
    gpus_per_replica: int
    replicas: int
    gpus: int  # replicas x gpus_per_replica
    load_factor: float  # demand / what the provisioned GPUs serve at the operating point
    nodes: int | None
    gpus_per_node: int | None
    racks: int | None  # None where the scale-up domain is one node (see notes)
    gpus_per_rack: int | None
    gpu_hours_per_month: float
    usd_per_gpu_hour: float
    usd_per_month: float
    all_in_kw: float | None  # IT load, without PUE
    all_in_kw_per_gpu: float | None
    all_in_kw_source: str | None
    notes: list[str]


class CapacityUnavailable(Exception):
    """Capacity cannot be computed from what the source published; ``reason`` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def gpus_needed(
    demand: Demand,
    *,
    output_tput_per_gpu: FloatArray | float,
    conc: FloatArray | float,
    gpus_per_replica: FloatArray | float,
    osl: int,
    utilization: float,
) -> FloatArray | float:
    """GPUs (fractional) the demand needs at each operating point; NaN where an input is.

    ``output_tput_per_gpu`` is per ALL GPUs of the deployment; ``conc`` is per replica."""
    match demand:
        case OutputTokensPerSecond(value=tokens_per_s):
            return tokens_per_s / (output_tput_per_gpu * utilization)
        case OutputTokensPerDay(value=tokens_per_day):
            return tokens_per_day / SECONDS_PER_DAY / (output_tput_per_gpu * utilization)
        case RequestsPerSecond(value=requests_per_s):
            return requests_per_s * osl / (output_tput_per_gpu * utilization)
        case ConcurrentUsers(value=users):
            return users / (conc * utilization) * gpus_per_replica


def demand_requests_per_s(
    demand: Demand, *, osl: int, output_tok_s_per_user: float | None
) -> float | None:
    """The demand as requests/s (isl in, osl out); concurrent users need the per-user output
    rate at the operating point (None when it is unknown)."""
    match demand:
        case OutputTokensPerSecond(value=tokens_per_s):
            return tokens_per_s / osl
        case OutputTokensPerDay(value=tokens_per_day):
            return tokens_per_day / SECONDS_PER_DAY / osl
        case RequestsPerSecond(value=requests_per_s):
            return requests_per_s
        case ConcurrentUsers(value=users):
            return None if output_tok_s_per_user is None else users * output_tok_s_per_user / osl


def whole_replicas(gpus: FloatArray, gpus_per_replica: FloatArray) -> FloatArray:
    """Replicas to deploy per curve: at least one, rounded up (noise below 1e-9 ignored)."""
    return np.maximum(1.0, np.ceil(np.round(gpus / gpus_per_replica, _ROUND_DIGITS)))


def _ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def capacity(
    demand: Demand,
    *,
    output_tput_per_gpu: float | None,
    conc: float,
    gpus_per_replica: int | None,
    osl: int,
    utilization: float,
    usd_per_gpu_hour: float,
    hardware: Hardware | None,
    hardware_key: str,
) -> Capacity:
    """Capacity of one option; raises CapacityUnavailable naming what the source did not publish."""
    if gpus_per_replica is None:
        raise CapacityUnavailable(
            "GPUs per replica unknown: the source states no GPU count for a pool of this"
            " recipe; capacity is not estimated"
        )
    needs_output = not isinstance(demand, ConcurrentUsers)
    if needs_output and (
        output_tput_per_gpu is None
        or not math.isfinite(output_tput_per_gpu)
        or output_tput_per_gpu <= 0
    ):
        raise CapacityUnavailable(
            "output throughput not published by the source (only total tok/s per GPU);"
            " capacity for a token or request demand is not estimated"
        )
    needed = float(
        gpus_needed(
            demand,
            output_tput_per_gpu=output_tput_per_gpu or math.nan,
            conc=conc,
            gpus_per_replica=gpus_per_replica,
            osl=osl,
            utilization=utilization,
        )
    )
    # The scalar twin of whole_replicas (numpy scalars cost ~10x more per call here).
    replicas = max(1, math.ceil(round(needed / gpus_per_replica, _ROUND_DIGITS)))
    gpus = replicas * gpus_per_replica
    notes: list[str] = []
    nodes = racks = gpus_per_node = gpus_per_rack = None
    kw = kw_per_gpu = kw_source = None
    if hardware is None:
        notes.append(f"{hardware_key} is not in the hardware catalog: no nodes, racks or power")
    elif hardware.gpus_per_node is None or hardware.scale_up_domain_gpus is None:
        notes.append(f"nodes, racks: no sourced GPUs per node for {hardware.display_name}")
    else:
        gpus_per_node = hardware.gpus_per_node
        nodes = _ceil_div(gpus, gpus_per_node)
        if hardware.scale_up_domain_gpus > hardware.gpus_per_node:
            gpus_per_rack = hardware.scale_up_domain_gpus
            racks = _ceil_div(gpus, gpus_per_rack)
            notes.append(
                f"racks: {gpus_per_rack}-GPU scale-up domains ({hardware.display_name},"
                f" {gpus_per_node} GPUs per node)"
            )
        else:
            notes.append(
                f"racks: not applicable, {hardware.display_name} scales up within one"
                f" {gpus_per_node}-GPU node; rack size depends on your facility's kW per rack"
            )
    if hardware is not None:
        if hardware.all_in_kw_per_gpu is None:
            notes.append(f"power: no sourced all-in kW per GPU for {hardware.display_name}")
        else:
            kw_per_gpu = hardware.all_in_kw_per_gpu
            kw = gpus * kw_per_gpu
            kw_source = hardware.all_in_kw_source
    gpu_hours = gpus * HOURS_PER_MONTH
    return Capacity(
        gpus_needed=needed,
        gpus_per_replica=gpus_per_replica,
        replicas=replicas,
        gpus=gpus,
        load_factor=needed * utilization / gpus,
        nodes=nodes,
        gpus_per_node=gpus_per_node,
        racks=racks,
        gpus_per_rack=gpus_per_rack,
        gpu_hours_per_month=gpu_hours,
        usd_per_gpu_hour=usd_per_gpu_hour,
        usd_per_month=gpu_hours * usd_per_gpu_hour,
        all_in_kw=kw,
        all_in_kw_per_gpu=kw_per_gpu,
        all_in_kw_source=kw_source,
        notes=notes,
    )
