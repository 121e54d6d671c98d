"""The one bounded cache of the process: a thread-safe LRU, bounded by entries and by weight.

Every in-memory cache in tco is one of these (or a ``functools.lru_cache`` with a ``maxsize``
around a pure function), so that no sequence of requests can grow the process without bound:
a long-running server that reads every version of a table it keeps rewriting must stay at the
size it had after warming up (tests/perf/bench_memory.py measures it).

Sound only for values that are pure functions of their key: callers put versions in the key
(dataset version, pricing table name and immutable version) or check freshness themselves, so
an evicted entry is recomputed, never replaced by something stale.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class LRU(Generic[K, V]):
    """At most ``max_entries`` values and, with ``weigh``, at most ``max_weight`` in total (e.g.
    bytes, or offers); the least recently used go first. A value heavier than ``max_weight`` on
    its own is returned to its caller but not kept."""

    def __init__(
        self,
        max_entries: int,
        *,
        max_weight: int | None = None,
        weigh: Callable[[V], int] | None = None,
    ) -> None:
        if max_entries < 1 or (max_weight is not None and max_weight < 1):
            raise ValueError("an LRU holds at least one entry of weight >= 1")
        if (max_weight is None) != (weigh is None):
            raise ValueError("give max_weight and weigh together")
        self.max_entries = max_entries
        self.max_weight = max_weight
        self._weigh = weigh
        self._entries: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def weight(self) -> int:
        return self._weight

    def get(self, key: K) -> V | None:
        with self._lock:
            hit = self._entries.get(key)
            if hit is None:
                return None
            self._entries.move_to_end(key)
            return hit[0]

    def put(self, key: K, value: V) -> None:
        weight = self._weigh(value) if self._weigh is not None else 0
        with self._lock:
            old = self._entries.pop(key, None)
            if old is not None:
                self._weight -= old[1]
            if self.max_weight is not None and weight > self.max_weight:
                return
            self._entries[key] = (value, weight)
            self._weight += weight
            while len(self._entries) > self.max_entries or (
                self.max_weight is not None and self._weight > self.max_weight
            ):
                _, (_, evicted) = self._entries.popitem(last=False)
                self._weight -= evicted

    def get_or_make(self, key: K, make: Callable[[], V]) -> V:
        """The cached value, or ``make()`` kept. ``make`` runs outside the lock: two racing
        misses compute the same value (the key determines it), harmlessly."""
        hit = self.get(key)
        if hit is not None:
            return hit
        value = make()
        self.put(key, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._weight = 0
