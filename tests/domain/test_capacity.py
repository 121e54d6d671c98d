"""Capacity for a demand: hand-computed GPUs, replicas, nodes, racks, monthly bill and power."""

from __future__ import annotations

import numpy as np
import pytest

from tco.domain.capacity import (
    HOURS_PER_MONTH,
    Capacity,
    CapacityUnavailable,
    ConcurrentUsers,
    Demand,
    OutputTokensPerDay,
    OutputTokensPerSecond,
    RequestsPerSecond,
    capacity,
    demand_requests_per_s,
    gpus_needed,
)
from tco.domain.catalog import Hardware
from tco.shipped_pricing import load_catalog

CATALOG = load_catalog()


def plan(
    demand: Demand,
    *,
    hardware: str = "h100",
    output_tput_per_gpu: float | None = 500.0,
    conc: float = 64.0,
    gpus_per_replica: int | None = 8,
    osl: int = 1000,
    utilization: float = 1.0,
    usd_per_gpu_hour: float = 2.0,
    catalog: dict[str, Hardware] = CATALOG,
) -> Capacity:
    return capacity(
        demand,
        output_tput_per_gpu=output_tput_per_gpu,
        conc=conc,
        gpus_per_replica=gpus_per_replica,
        osl=osl,
        utilization=utilization,
        usd_per_gpu_hour=usd_per_gpu_hour,
        hardware=catalog.get(hardware),
        hardware_key=hardware,
    )


def test_disagg_replica_rounding_counts_both_pools() -> None:
    """Disaggregated H100 recipe: 4 prefill + 8 decode GPUs = 12 GPUs per replica, 500 output
    tok/s per GPU of the whole deployment. 10,000 output tok/s needs 10,000 / 500 = 20 GPUs ->
    ceil(20 / 12) = 2 replicas = 24 GPUs (load 20 / 24 = 0.8333), ceil(24 / 8) = 3 nodes.
    Bill: 24 x 730 h = 17,520 GPU-h x $2 = $35,040/month. Power: 24 x 1.37 kW = 32.88 kW."""
    c = plan(OutputTokensPerSecond(value=10_000), gpus_per_replica=12)
    assert (c.gpus_needed, c.replicas, c.gpus, c.nodes) == (20.0, 2, 24, 3)
    assert c.load_factor == pytest.approx(20 / 24)
    assert c.gpu_hours_per_month == 17_520
    assert c.usd_per_month == pytest.approx(35_040)
    assert c.all_in_kw == pytest.approx(32.88)
    assert c.all_in_kw_per_gpu == 1.37
    assert c.all_in_kw_source is not None and "gpu-keys.ts" in c.all_in_kw_source
    # 8-GPU HGX nodes: no rack count is invented.
    assert c.racks is None and c.gpus_per_rack is None
    assert any("racks: not applicable" in n for n in c.notes)


@pytest.mark.parametrize(
    ("tokens_per_s", "replicas", "gpus", "nodes", "racks"),
    [
        (70_000, 9, 72, 18, 1),  # 70 GPUs -> ceil(70/8) = 9 replicas = 72 GPUs: one full rack
        (72_000, 9, 72, 18, 1),  # exactly 72 GPUs: still one rack
        (73_000, 10, 80, 20, 2),  # 73 -> 10 replicas = 80 GPUs: a second rack
        (150_000, 19, 152, 38, 3),  # 150 -> 19 x 8 = 152 GPUs; ceil(152/72) = 3 racks
    ],
)
def test_nvl72_rack_rounding(
    tokens_per_s: float, replicas: int, gpus: int, nodes: int, racks: int
) -> None:
    """GB200 NVL72: 4 GPUs per tray (node), 72 per rack. TP8 replicas at 1,000 output tok/s per
    GPU: GPUs needed = demand / 1,000; replicas = ceil(GPUs / 8); nodes = ceil(GPUs / 4);
    racks = ceil(GPUs / 72)."""
    c = plan(
        OutputTokensPerSecond(value=tokens_per_s), hardware="gb200", output_tput_per_gpu=1_000.0
    )
    assert (c.replicas, c.gpus, c.nodes, c.racks) == (replicas, gpus, nodes, racks)
    assert (c.gpus_per_node, c.gpus_per_rack) == (4, 72)


def test_output_tokens_per_day_and_utilization() -> None:
    """2e9 tokens/day = 2e9 / 86,400 = 23,148.148 tok/s; at 500 tok/s/GPU and utilization 0.5:
    23,148.148 / (500 x 0.5) = 92.593 GPUs -> ceil(92.593 / 8) = 12 replicas = 96 GPUs;
    load = 92.593 x 0.5 / 96 = 0.48225 (demand / what 96 GPUs serve at the operating point)."""
    c = plan(OutputTokensPerDay(value=2e9), utilization=0.5)
    assert c.gpus_needed == pytest.approx(2e9 / 86_400 / 250)
    assert (c.replicas, c.gpus) == (12, 96)
    assert c.load_factor == pytest.approx(2e9 / 86_400 / (96 * 500))


def test_requests_per_second() -> None:
    """10 req/s x osl 1,000 = 10,000 output tok/s; at 500 tok/s/GPU: 20 GPUs -> 3 x 8 = 24."""
    c = plan(RequestsPerSecond(value=10))
    assert (c.gpus_needed, c.replicas, c.gpus) == (20.0, 3, 24)


def test_concurrent_users_use_concurrency_per_replica() -> None:
    """1,000 users, 64 concurrent requests per 8-GPU replica: 1000 / 64 = 15.625 -> 16 replicas
    = 128 GPUs. At utilization 0.8: 1000 / (64 x 0.8) = 19.53 -> 20 replicas = 160 GPUs.
    Output throughput is not needed (and may be unpublished)."""
    c = plan(ConcurrentUsers(value=1_000), output_tput_per_gpu=None)
    assert c.gpus_needed == pytest.approx(125.0)
    assert (c.replicas, c.gpus) == (16, 128)
    c = plan(ConcurrentUsers(value=1_000), utilization=0.8)
    assert (c.replicas, c.gpus) == (20, 160)


def test_float_noise_does_not_add_a_replica() -> None:
    """1.1 / 0.1 is 11.000000000000002 in floating point: 11 replicas, not 12."""
    c = plan(OutputTokensPerSecond(value=1.1), output_tput_per_gpu=0.1, gpus_per_replica=1)
    assert c.replicas == 11


def test_tiny_demand_still_needs_one_replica() -> None:
    c = plan(OutputTokensPerSecond(value=0.001))
    assert (c.replicas, c.gpus, c.nodes) == (1, 8, 1)
    assert c.usd_per_month == pytest.approx(8 * HOURS_PER_MONTH * 2.0)


def test_unknown_replica_size_is_refused_not_estimated() -> None:
    with pytest.raises(CapacityUnavailable, match="GPUs per replica unknown"):
        plan(OutputTokensPerSecond(value=1_000), gpus_per_replica=None)


@pytest.mark.parametrize("output", [None, float("nan")])
def test_unpublished_output_throughput_is_refused_for_token_demands(output: float | None) -> None:
    with pytest.raises(CapacityUnavailable, match="output throughput not published"):
        plan(OutputTokensPerDay(value=1e9), output_tput_per_gpu=output)


def test_hardware_outside_the_catalog_gets_gpus_and_bill_only() -> None:
    c = plan(OutputTokensPerSecond(value=4_000), catalog={})
    assert (c.gpus, c.nodes, c.racks, c.all_in_kw) == (8, None, None, None)
    assert c.usd_per_month == pytest.approx(8 * 730 * 2.0)
    assert c.notes == ["h100 is not in the hardware catalog: no nodes, racks or power"]


def test_unsourced_node_size_gives_gpus_and_power_but_no_nodes() -> None:
    """RTX PRO 6000: 0.975 kW per GPU is sourced, GPUs per server is not. 4,000 tok/s at 500
    tok/s/GPU = 8 GPUs (one 8-GPU replica): 8 x 0.975 = 7.8 kW, nodes and racks absent."""
    c = plan(OutputTokensPerSecond(value=4_000), hardware="rtx6000pro")
    assert (c.gpus, c.nodes, c.racks) == (8, None, None)
    assert c.all_in_kw == pytest.approx(7.8)
    assert c.notes == [
        "nodes, racks: no sourced GPUs per node for RTX PRO 6000 Blackwell Server Edition"
    ]


def test_vectorized_gpus_needed_matches_scalar() -> None:
    demand = ConcurrentUsers(value=500)
    conc = np.array([10.0, 64.0, np.nan])
    gpr = np.array([8.0, 12.0, 4.0])
    out = np.array([100.0, 200.0, 300.0])
    got = gpus_needed(
        demand, output_tput_per_gpu=out, conc=conc, gpus_per_replica=gpr, osl=100, utilization=0.5
    )
    assert isinstance(got, np.ndarray)
    assert got[0] == pytest.approx(500 / (10 * 0.5) * 8)  # 800
    assert got[1] == pytest.approx(500 / (64 * 0.5) * 12)  # 187.5
    assert np.isnan(got[2])


def test_demand_as_requests_per_second() -> None:
    """For the API's monthly bill: tokens/s / osl; per day / 86,400 / osl; users x per-user
    output tok/s / osl (50 users x 20 tok/s / 1,000 = 1 req/s)."""
    assert (
        demand_requests_per_s(
            OutputTokensPerSecond(value=5_000), osl=1000, output_tok_s_per_user=None
        )
        == 5.0
    )
    assert (
        demand_requests_per_s(
            OutputTokensPerDay(value=86_400_000), osl=1000, output_tok_s_per_user=None
        )
        == 1.0
    )
    assert (
        demand_requests_per_s(RequestsPerSecond(value=3), osl=1000, output_tok_s_per_user=None) == 3
    )
    assert (
        demand_requests_per_s(ConcurrentUsers(value=50), osl=1000, output_tok_s_per_user=20.0)
        == 1.0
    )
    assert (
        demand_requests_per_s(ConcurrentUsers(value=50), osl=1000, output_tok_s_per_user=None)
        is None
    )
