"""The shipped hardware catalog: every canonical key, sourced values, sane topology."""

from __future__ import annotations

import pytest

from tco.domain import keys
from tco.shipped_pricing import HARDWARE_KEYS, hardware_key, load_catalog


def test_catalog_covers_exactly_the_canonical_keys() -> None:
    assert set(load_catalog()) == set(HARDWARE_KEYS)
    assert len(HARDWARE_KEYS) == 14
    assert set(HARDWARE_KEYS) == set(keys.HARDWARE_KEYS)  # one vocabulary project-wide


def test_every_stated_value_is_sourced() -> None:
    for hw in load_catalog().values():
        # power may be unknown (gaudi3, rtx5090: answers then say "no power"), never unsourced
        if hw.all_in_kw_per_gpu is not None:
            assert hw.all_in_kw_per_gpu > 0, hw.key
            assert hw.all_in_kw_source and hw.all_in_kw_source_date, hw.key
        else:
            assert hw.key in {"gaudi3", "rtx5090"}, hw.key
        # memory may be unknown (None) but never unsourced
        assert (hw.memory_gb is None) or bool(hw.memory_source), hw.key
        assert hw.topology_source, hw.key
        # node and scale-up sizes are both stated or both absent (never one guessed)
        assert (hw.gpus_per_node is None) == (hw.scale_up_domain_gpus is None), hw.key
        if hw.gpus_per_node is not None and hw.scale_up_domain_gpus is not None:
            assert hw.scale_up_domain_gpus % hw.gpus_per_node == 0, hw.key


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("h100", (80, 1.37, "2026-07-14", 8, 8)),
        ("b300", (268, 1.90, "2026-07-14", 8, 8)),
        ("gb200", (192, 1.87, "2026-07-14", 4, 72)),
        ("gb300", (288, 2.12, "2026-07-14", 4, 72)),
        ("mi355x", (288, 2.09, "2026-07-14", 8, 8)),
        ("rtx6000pro", (96, 0.975, "2026-07-31", None, None)),  # node size not sourced: absent
        ("tpuv7", (192, 1.207, "2026-09-11", 4, 9216)),
        ("vr200", (288, 3.3, "2026-09-11", 4, 72)),
    ],
)
def test_catalog_values(
    key: str, expected: tuple[float, float, str, int | None, int | None]
) -> None:
    """(memory GB, all-in kW per GPU, kW source date, GPUs per node, scale-up domain)."""
    hw = load_catalog()[key]
    actual = (
        hw.memory_gb,
        hw.all_in_kw_per_gpu,
        hw.all_in_kw_source_date,
        hw.gpus_per_node,
        hw.scale_up_domain_gpus,
    )
    assert actual == expected


def test_h100_power_source_is_the_registry_commit() -> None:
    assert "be3524c" in (load_catalog()["h100"].all_in_kw_source or "")


@pytest.mark.parametrize(
    ("name", "key"),
    [("H100 SXM", "h100"), ("GB200 NVL72", "gb200"), ("MI355X", "mi355x"), ("gb300", "gb300"),
     ("RTX PRO 6000", "rtx6000pro"), ("TPU7x (Ironwood)", "tpuv7"), ("Vera Rubin", "vr200"),
     ("HGX B200", "b200")],
)  # fmt: skip
def test_source_spellings_map_to_canonical_keys(name: str, key: str) -> None:
    assert hardware_key(name) == key


def test_unknown_hardware_is_an_error() -> None:
    with pytest.raises(KeyError):
        hardware_key("A100")
