"""The hardware catalog: what capacity and power answers need about each accelerator."""

from __future__ import annotations

import msgspec


class Hardware(msgspec.Struct, kw_only=True, frozen=True):
    key: str  # canonical key, e.g. "h100", "gb200"
    display_name: str
    vendor: str
    memory_gb: float | None
    gpus_per_node: int | None  # None where no source states it (PCIe cards: chassis-dependent)
    scale_up_domain_gpus: int | None  # 8 for an HGX/OAM node, 72 for an NVL72 rack
    all_in_kw_per_gpu: float | None
    all_in_kw_source: str | None
    all_in_kw_source_date: str | None
    # Provenance for the rest of the row; defaults keep older constructors working.
    memory_source: str | None = None  # None together with memory_gb=None: not sourced, not guessed
    topology_source: str | None = None  # where gpus_per_node / scale_up_domain_gpus come from
    notes: str | None = None
