"""Every shipped offer has a status, and the counts pricing/README.md states are the files'."""

from __future__ import annotations

from collections import Counter

from tco.shipped_pricing import load_shipped_tables


def test_shipped_statuses_are_the_documented_ones() -> None:
    tables = {t.name: t for t in load_shipped_tables()}
    by_status: Counter[str] = Counter()
    for table in tables.values():
        for offer in table.offers:
            assert offer.status is not None, (table.name, offer.hardware, offer.provider)
            by_status[offer.status] += 1
    assert by_status["placeholder"] == 6
    assert by_status["derived"] == 15
    assert by_status["approximate"] == 4
    assert by_status["assumption"] == 1
    placeholders = {
        (name, o.hardware)
        for name, t in tables.items()
        for o in t.offers
        if o.status == "placeholder"
    }
    assert placeholders == {
        (f"semianalysis-2025-08-{tier}", hw)
        for tier in ("hyperscaler", "neocloud", "rental-3y")
        for hw in ("b300", "gb300")
    }
    for name, t in tables.items():
        for o in t.offers:
            assert (o.status == "placeholder") == ("temporary = 1.2x" in (o.notes or "")), name
