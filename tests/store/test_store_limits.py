"""The write rate limit in the store (both backends): one token bucket per key, shared by
every store object (so every process and replica) on one database."""

from __future__ import annotations

from tco.store import Store, open_store


def test_a_burst_then_refill_at_the_rate(store: Store) -> None:
    limits = store.write_limits

    def take(key: str, now_s: float) -> float:
        return limits.take(key, burst=2, refill_per_s=0.5, now_s=now_s)

    assert take("a", 100.0) == 0.0
    assert take("a", 100.0) == 0.0
    assert take("a", 100.0) == 2.0  # one token takes 1 / 0.5 s
    assert take("b", 100.0) == 0.0  # per key
    assert take("a", 101.0) == 1.0  # half a token back
    assert take("a", 102.0) == 0.0
    # Refills up to the burst, not beyond.
    assert [take("a", 1102.0) for _ in range(3)] == [0.0, 0.0, 2.0]
    assert take("a", 1000.0) == 2.0  # a clock stepping back grants nothing


def test_the_bucket_is_shared_by_every_store_on_the_database(store_url: str) -> None:
    with open_store(store_url) as one, open_store(store_url) as other:
        assert one.write_limits.take("k", burst=3, refill_per_s=0.01, now_s=5.0) == 0.0
        assert other.write_limits.take("k", burst=3, refill_per_s=0.01, now_s=5.0) == 0.0
        assert one.write_limits.take("k", burst=3, refill_per_s=0.01, now_s=5.0) == 0.0
        assert other.write_limits.take("k", burst=3, refill_per_s=0.01, now_s=5.0) == 100.0
