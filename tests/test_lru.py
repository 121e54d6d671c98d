"""tco.lru.LRU, the one bounded cache, and every cache built on it: the bound holds whatever
is put in, and what is evicted is recomputed from its source, never answered stale."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from tco.api.http import Representation, RepresentationCache
from tco.domain.index import FrontierIndex
from tco.domain.pricing import Offer
from tco.ingest.shipped import load_shipped_points
from tco.lru import LRU
from tco.store import SqliteStore
from tco.store.sql import SqlPricingTables


def test_count_bound_evicts_the_least_recently_used() -> None:
    cache: LRU[str, int] = LRU(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "b" is now the least recently used
    cache.put("c", 3)
    assert (cache.get("a"), cache.get("b"), cache.get("c")) == (1, None, 3)
    assert len(cache) == 2


def test_weight_bound_holds_and_an_oversized_value_is_not_kept() -> None:
    cache: LRU[int, bytes] = LRU(100, max_weight=10, weigh=len)
    for i in range(50):
        cache.put(i, b"x" * (i % 7))
        assert cache.weight <= 10
        assert cache.weight == sum(len(cache.get(k) or b"") for k in range(i + 1))
    cache.put(99, b"y" * 11)
    assert cache.get(99) is None and cache.weight <= 10


def test_put_replaces_and_reweighs() -> None:
    cache: LRU[str, bytes] = LRU(4, max_weight=10, weigh=len)
    cache.put("a", b"12345678")
    cache.put("a", b"12")
    assert cache.get("a") == b"12" and cache.weight == 2 and len(cache) == 1


def test_get_or_make_makes_once_per_key_while_kept() -> None:
    cache: LRU[int, int] = LRU(2)
    made: list[int] = []

    def make(k: int) -> int:
        made.append(k)
        return k * 10

    assert [cache.get_or_make(k, lambda k=k: make(k)) for k in (1, 1, 2, 1, 3, 2)] == [
        10, 10, 20, 10, 30, 20,
    ]  # fmt: skip
    assert made == [1, 2, 3, 2]  # 2 was evicted by 3 (1 was used more recently)


def test_bad_bounds_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one"):
        LRU(0)
    with pytest.raises(ValueError, match="together"):
        LRU(1, max_weight=5)


def test_concurrent_puts_keep_the_bounds() -> None:
    cache: LRU[int, bytes] = LRU(64, max_weight=1000, weigh=len)

    def work(offset: int) -> None:
        for i in range(2000):
            cache.put(offset + i % 200, b"z" * (i % 40))
            cache.get(offset + (i * 7) % 200)

    threads = [threading.Thread(target=work, args=(1000 * t,)) for t in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(cache) <= 64 and cache.weight <= 1000
    assert cache.weight == sum(len(v) for v, _ in cache._entries.values())


# ------------------------------------------------------------------ the caches built on it


def _offers(price: float, n: int) -> list[Offer]:
    return [
        Offer(hardware="h100", provider=f"p{i}", kind="on_demand", usd_per_gpu_hour=price,
              source="test")
        for i in range(n)
    ]  # fmt: skip


def test_store_table_caches_stay_bounded_and_evicted_versions_read_back_exact(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("tco.store.sql.pricing._CACHED_OFFERS", 250)  # 2 versions of 100 offers
    with SqliteStore(f"sqlite:///{tmp_path}/tco.db") as store:
        store.create_table("t", "v1", _offers(1.0, 100), actor="a", request_id=None)
        for version in range(2, 21):
            store.replace_table("t", f"v{version}", _offers(float(version), 100),
                                expected_version=version - 1, actor="a", request_id=None)  # fmt: skip
            for read in range(1, version + 1):  # every version, as a pinned quote would
                table = store.get_table("t", read)
                assert table.description == f"v{read}"
                assert table.offers[0].usd_per_gpu_hour == float(read)
            latest = store.get_table("t")
            assert latest.version == version and latest.offers[0].usd_per_gpu_hour == version
            pricing = store.pricing
            assert isinstance(pricing, SqlPricingTables)
            for cache in (pricing._table_versions, pricing._latest_tables):
                assert cache.weight <= 250
        assert len(pricing._table_versions) <= 2


def test_representation_cache_is_bounded_by_bytes() -> None:
    cache = RepresentationCache(max_entries=100, max_bytes=10_000)
    for i in range(100):
        body = b"x" * 1000
        cache.put(i, Representation(body, "application/json", f'"{i}"'))
    assert cache.weight <= 10_000 and len(cache) == 5  # each weighs its body and gzip variant
    assert cache.get(99) is not None and cache.get(0) is None


def test_frontier_index_views_are_bounded_and_rebuilt_equal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("tco.domain.index._INDEX_CACHE_SIZE", 2)
    index = FrontierIndex(load_shipped_points(), "test")
    dates = index._dates[-3:]
    first = {wl: w.knots for wl, w in index.workloads(dates[0]).items()}
    for day in dates[1:]:
        index.workloads(day)
    assert len(index._cache) == 2
    rebuilt = index.workloads(dates[0])  # evicted: built again from the same points
    assert set(rebuilt) == set(first)
    assert all(rebuilt[wl].knots.equals(first[wl]) for wl in first)
