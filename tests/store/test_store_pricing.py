"""Pricing tables in the store (both backends): immutable versions, optimistic concurrency, seeding."""

from __future__ import annotations

import datetime as dt
import threading

import msgspec
import pytest

from tco.domain.pricing import Offer, PricingTable
from tco.store import (
    Conflict,
    NotFound,
    OfferKey,
    PreconditionFailed,
    Store,
    VersionSummary,
    open_store,
)

AWS_H100 = Offer(
    hardware="h100",
    provider="AWS",
    kind="on_demand",
    usd_per_gpu_hour=6.88,
    region="us-east-1",
    source="https://aws.amazon.com/ec2/pricing/on-demand/",
    source_date="2026-11-09",
    notes="p5.48xlarge: $55.04/hr / 8 GPUs",
)
GCP_H100_SPOT = Offer(
    hardware="h100",
    provider="GCP",
    kind="spot",
    usd_per_gpu_hour=2.25,
    region="us-central1",
    source="https://cloud.google.com/spot-vms/pricing",
    source_date="2026-10-01",
)
SA_B200_OWNED = Offer(
    hardware="b200",
    provider="SemiAnalysis",
    kind="owned",
    usd_per_gpu_hour=1.73,
    effective_from=dt.date(2026, 7, 31),
    source="SemiAnalysis Market July 2026 AI Cloud TCO Model",
    source_date="2026-07-31",
)
NEBIUS_H200 = Offer(
    hardware="h200",
    provider="Nebius",
    kind="on_demand",
    usd_per_gpu_hour=3.5,
    source="https://nebius.com/prices",
    source_date="undated (2026)",
)
NAME = "acme-negotiated-q4"


def _create(store: Store, offers: tuple[Offer, ...] = (AWS_H100, GCP_H100_SPOT)) -> None:
    store.create_table(NAME, "Acme Q4 prices", offers, actor="alice", request_id="req-1")


def test_create_then_read_round_trips_every_offer_field(store: Store) -> None:
    third = Offer(
        hardware="mi355x",
        provider="Crusoe — spot desk",
        kind="reserved_1y",
        usd_per_gpu_hour=1 / 3,  # exact float round trip, not 15 significant digits
        source="quote #4711",
        notes="ünïcode; 'quotes' and \"doubles\"",
        currency="USD",
    )
    created = store.create_table(
        NAME, "Acme Q4 prices", (AWS_H100, SA_B200_OWNED, third), actor="alice", request_id="r1"
    )
    read = store.get_table(NAME)
    assert created == read
    assert read.version == 1
    assert read.offers == (AWS_H100, SA_B200_OWNED, third)
    assert read.created_by == "alice"
    assert read.created_at is not None and read.created_at.tzinfo is not None


def test_create_existing_raises_conflict(store: Store) -> None:
    _create(store)
    with pytest.raises(Conflict, match=NAME):
        _create(store)


def test_unknown_table_and_version_raise_not_found(store: Store) -> None:
    with pytest.raises(NotFound, match="does not exist"):
        store.get_table("nope")
    with pytest.raises(NotFound):
        store.list_versions("nope")
    _create(store)
    with pytest.raises(NotFound, match="no version 7"):
        store.get_table(NAME, 7)


def test_replace_makes_a_new_version_and_keeps_the_old(store: Store) -> None:
    _create(store)
    cheaper = msgspec.structs.replace(AWS_H100, usd_per_gpu_hour=5.5)
    v2 = store.replace_table(
        NAME, "after negotiation", (cheaper,), expected_version=1, actor="bob", request_id="r2"
    )
    assert v2.version == 2
    assert store.get_table(NAME) == v2
    assert store.get_table(NAME).offers == (cheaper,)
    old = store.get_table(NAME, version=1)
    assert old.offers == (AWS_H100, GCP_H100_SPOT)
    assert old.description == "Acme Q4 prices"
    assert old.created_by == "alice"


def test_stale_replace_raises_and_changes_nothing(store: Store) -> None:
    _create(store)
    store.replace_table(NAME, "v2", (AWS_H100,), expected_version=1, actor="a", request_id=None)
    audit_before = store.list_audit()
    with pytest.raises(PreconditionFailed) as caught:
        store.replace_table(NAME, "v3", (), expected_version=1, actor="b", request_id=None)
    assert caught.value.current_version == 2
    assert caught.value.expected_version == 1
    assert "version 2" in str(caught.value)
    assert [v.version for v in store.list_versions(NAME)] == [1, 2]
    assert store.get_table(NAME).offers == (AWS_H100,)
    assert store.list_audit() == audit_before
    with pytest.raises(PreconditionFailed):
        store.delete_table(NAME, expected_version=1, actor="b", request_id=None)
    assert store.get_table(NAME).version == 2


def test_delete_is_a_tombstone_and_old_versions_stay_readable(store: Store) -> None:
    _create(store)
    store.replace_table(NAME, "v2", (AWS_H100,), expected_version=1, actor="a", request_id=None)
    assert store.delete_table(NAME, expected_version=2, actor="admin", request_id="r9") == 3

    with pytest.raises(NotFound, match="deleted"):
        store.get_table(NAME)
    with pytest.raises(NotFound, match="deletion"):
        store.get_table(NAME, 3)
    assert store.get_table(NAME, 1).offers == (AWS_H100, GCP_H100_SPOT)
    assert store.get_table(NAME, 2).offers == (AWS_H100,)
    assert NAME not in [t.name for t in store.list_tables()]

    versions = store.list_versions(NAME)
    assert [(v.version, v.deleted) for v in versions] == [(1, False), (2, False), (3, True)]
    assert versions[2].created_by == "admin"
    assert versions[2].request_id == "r9"
    assert versions[2].summary.removed == 1
    assert versions[2].summary.offer_count == 0

    with pytest.raises(NotFound):
        store.replace_table(NAME, "x", (), expected_version=3, actor="a", request_id=None)
    with pytest.raises(NotFound):
        store.delete_table(NAME, expected_version=3, actor="a", request_id=None)


def test_recreating_a_deleted_table_continues_its_version_numbers(store: Store) -> None:
    _create(store)
    store.delete_table(NAME, expected_version=1, actor="a", request_id=None)
    again = store.create_table(NAME, "back", (NEBIUS_H200,), actor="a", request_id=None)
    # (name, version) must always mean the same prices, so numbers are never reused.
    assert again.version == 3
    assert store.get_table(NAME).offers == (NEBIUS_H200,)
    assert store.get_table(NAME, 1).offers == (AWS_H100, GCP_H100_SPOT)
    assert store.list_versions(NAME)[-1].summary.added == 1  # diffed against nothing


def test_version_summaries_count_added_removed_changed(store: Store) -> None:
    _create(store, (AWS_H100, GCP_H100_SPOT, SA_B200_OWNED))
    spot_cut = msgspec.structs.replace(GCP_H100_SPOT, usd_per_gpu_hour=1.99)
    aws_eu = msgspec.structs.replace(AWS_H100, region="eu-west-1", usd_per_gpu_hour=7.2)
    store.replace_table(
        NAME,
        "October update",
        (AWS_H100, spot_cut, aws_eu, NEBIUS_H200),  # owned b200 dropped
        expected_version=1,
        actor="bob",
        request_id="r2",
    )
    first, second = store.list_versions(NAME)
    assert first.summary == VersionSummary(
        offer_count=3,
        added=3,
        removed=0,
        changed=0,
        unchanged=0,
        added_offers=(
            OfferKey(hardware="h100", provider="AWS", kind="on_demand", region="us-east-1"),
            OfferKey(hardware="h100", provider="GCP", kind="spot", region="us-central1"),
            OfferKey(hardware="b200", provider="SemiAnalysis", kind="owned", region=None),
        ),
    )
    s = second.summary
    assert (s.offer_count, s.added, s.removed, s.changed, s.unchanged) == (4, 2, 1, 1, 1)
    assert s.changed_offers == (
        OfferKey(hardware="h100", provider="GCP", kind="spot", region="us-central1"),
    )
    assert s.removed_offers == (
        OfferKey(hardware="b200", provider="SemiAnalysis", kind="owned", region=None),
    )
    assert {k.provider for k in s.added_offers} == {"AWS", "Nebius"}
    assert (second.created_by, second.request_id, second.description) == (
        "bob",
        "r2",
        "October update",
    )


def test_summary_handles_repeated_identities(store: Store) -> None:
    # Shipped tables hold several prices for one identity (e.g. two sources for GCP h100
    # on-demand in us-central1); the diff pairs identical offers first.
    quote_a = msgspec.structs.replace(AWS_H100, source="price list")
    quote_b = msgspec.structs.replace(AWS_H100, usd_per_gpu_hour=6.5, source="reseller")
    _create(store, (quote_a, quote_b))
    store.replace_table(
        NAME,
        "x",
        (quote_a, msgspec.structs.replace(quote_b, usd_per_gpu_hour=6.1)),
        expected_version=1,
        actor="a",
        request_id=None,
    )
    s = store.list_versions(NAME)[1].summary
    assert (s.added, s.removed, s.changed, s.unchanged) == (0, 0, 1, 1)


def test_list_tables_shows_latest_versions(store: Store) -> None:
    _create(store)
    store.create_table("b-table", "B", (NEBIUS_H200,), actor="carol", request_id=None)
    store.replace_table(NAME, "v2", (AWS_H100,), expected_version=1, actor="bob", request_id=None)
    tables = store.list_tables()
    assert [(t.name, t.version, t.offer_count, t.updated_by) for t in tables] == [
        (NAME, 2, 1, "bob"),
        ("b-table", 1, 1, "carol"),
    ]
    assert tables[0].description == "v2"


def test_names_are_data_not_sql(store: Store) -> None:
    name = "x'); DROP TABLE offer; --"
    store.create_table(name, name, (AWS_H100,), actor=name, request_id=name)
    assert store.get_table(name).offers == (AWS_H100,)
    assert store.list_versions(name)[0].created_by == name


def test_every_write_is_audited_with_its_actor_and_request(store: Store) -> None:
    _create(store)
    store.replace_table(NAME, "v2", (AWS_H100,), expected_version=1, actor="bob", request_id="r2")
    store.delete_table(NAME, expected_version=2, actor="root", request_id="r3")
    entries = store.list_audit()
    assert [(e.action, e.actor, e.request_id, e.target) for e in entries] == [
        ("pricing.delete", "root", "r3", f"pricing_table:{NAME}@3"),
        ("pricing.replace", "bob", "r2", f"pricing_table:{NAME}@2"),
        ("pricing.create", "alice", "req-1", f"pricing_table:{NAME}@1"),
    ]
    assert entries[1].summary == {
        "version": 2,
        "offer_count": 1,
        "added": 0,
        "removed": 1,
        "changed": 0,
    }
    assert [e.seq for e in entries] == [3, 2, 1]
    assert len(store.list_audit(limit=1)) == 1


SHIPPED = [
    PricingTable(name="cloud-public-2026", version=1, description="Public", offers=(AWS_H100,)),
    PricingTable(name="sa-2026-07", version=1, description="SA", offers=(SA_B200_OWNED,)),
]


def test_seeding_is_idempotent_across_restarts(store_url: str) -> None:
    with open_store(store_url) as store:
        assert store.seed_tables(SHIPPED) == ["cloud-public-2026", "sa-2026-07"]
        assert store.seed_tables(SHIPPED) == []
    with open_store(store_url) as store:
        assert store.seed_tables(SHIPPED) == []
        assert [(t.name, t.version) for t in store.list_tables()] == [
            ("cloud-public-2026", 1),
            ("sa-2026-07", 1),
        ]
        assert store.list_versions("sa-2026-07")[0].created_by == "seed"


def test_seeding_never_overwrites_or_resurrects_user_edits(store: Store) -> None:
    store.seed_tables(SHIPPED)
    edited = msgspec.structs.replace(AWS_H100, usd_per_gpu_hour=4.0)
    store.replace_table(
        "cloud-public-2026", "ours", (edited,), expected_version=1, actor="a", request_id=None
    )
    store.delete_table("sa-2026-07", expected_version=1, actor="a", request_id=None)
    assert store.seed_tables(SHIPPED) == []
    assert store.get_table("cloud-public-2026").offers == (edited,)
    with pytest.raises(NotFound):
        store.get_table("sa-2026-07")


def _race(stores: list[Store]) -> tuple[list[int], list[int]]:
    """Each store replaces NAME once, all expecting version 1, released together."""
    barrier = threading.Barrier(len(stores))
    successes: list[int] = []
    stale: list[int] = []
    errors: list[BaseException] = []

    def replace(i: int, store: Store) -> None:
        barrier.wait()
        offer = msgspec.structs.replace(AWS_H100, usd_per_gpu_hour=5.0 + i / 100)
        try:
            store.replace_table(
                NAME, f"writer {i}", (offer,), expected_version=1, actor=f"w{i}", request_id=None
            )
            successes.append(i)
        except PreconditionFailed as exc:
            stale.append(exc.current_version)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=replace, args=(i, s)) for i, s in enumerate(stores)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return successes, stale


def test_twenty_concurrent_replaces_one_store_exactly_one_wins(store: Store) -> None:
    _create(store)
    successes, stale = _race([store] * 20)
    assert len(successes) == 1
    assert stale == [2] * 19
    versions = store.list_versions(NAME)
    assert [v.version for v in versions] == [1, 2]
    assert versions[1].created_by == f"w{successes[0]}"


def test_twenty_concurrent_replaces_across_connections_exactly_one_wins(store_url: str) -> None:
    # One store per writer, as separate server processes would have: the database's own write
    # lock (SQLite: BEGIN IMMEDIATE + busy timeout; PostgreSQL: the advisory write lock), not
    # the in-process lock, decides.
    stores = [open_store(store_url) for _ in range(20)]
    try:
        _create(stores[0])
        successes, stale = _race(stores)
        assert len(successes) == 1
        assert stale == [2] * 19
        assert [v.version for v in stores[7].list_versions(NAME)] == [1, 2]
        assert stores[3].get_table(NAME).description == f"writer {successes[0]}"
    finally:
        for s in stores:
            s.close()
