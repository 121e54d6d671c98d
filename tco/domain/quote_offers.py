"""The offers a quote prices with: the table's, owned ones priced from their TCO inputs, the
request's overrides; sorted per hardware so each curve finds its hardware's run of offers."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from tco.domain.errors import InvalidRequest
from tco.domain.index import WorkloadIndex
from tco.domain.pricing import MAX_USD_PER_GPU_HOUR, MIN_USD_PER_GPU_HOUR, Offer, PricingTable
from tco.domain.procurement import owned_breakdown, priced_offer
from tco.domain.quote_model import OfferInfo


def effective_offers(table: PricingTable, price_overrides: Mapping[str, float]) -> list[Offer]:
    """The table's offers, owned ones priced from their TCO inputs, with each overridden
    hardware's offers replaced by the override. An offer priced outside the money bounds prices
    nothing, as if absent (the decoders refuse such prices; a table stored before the bounds, or
    a request built in Python, may still hold one): its hardware is then excluded for want of a
    price, rather than answers carrying a cost, ratio or break-even of 0, inf or nan."""
    kept = [_priced(o) for o in table.offers if o.hardware not in price_overrides]
    overrides = [
        Offer(
            hardware=hw,
            provider="request override",
            kind="override",
            usd_per_gpu_hour=price,
            source="price_overrides in the request",
        )
        for hw, price in sorted(price_overrides.items())
    ]
    return [
        o
        for o in kept + overrides
        if MIN_USD_PER_GPU_HOUR <= o.usd_per_gpu_hour <= MAX_USD_PER_GPU_HOUR
    ]


class PricedOffers:
    """Offers sorted by (hardware, price), and per curve its hardware's run of offers, cheapest
    first: ``first_offer`` (-1 when the hardware has none) and ``offer_count``."""

    def __init__(self, offers: Sequence[Offer], wl: WorkloadIndex) -> None:
        self.offers = sorted(
            offers, key=lambda o: (o.hardware, o.usd_per_gpu_hour, o.provider, o.kind)
        )
        self.price = [o.usd_per_gpu_hour for o in self.offers]
        runs: dict[str, tuple[int, int]] = {}
        for i, o in enumerate(self.offers):
            first, count = runs.get(o.hardware, (i, 0))
            runs[o.hardware] = (first, count + 1)
        no_offer = (-1, 0)
        first_of_hw = np.array([runs.get(h, no_offer)[0] for h in wl.hardware_names], np.int64)
        count_of_hw = np.array([runs.get(h, no_offer)[1] for h in wl.hardware_names], np.int64)
        cheapest_of_hw = np.array(
            [self.price[runs[h][0]] if h in runs else 0.0 for h in wl.hardware_names]
        )
        self.first_offer = first_of_hw[wl.hardware_code]
        self.offer_count = count_of_hw[wl.hardware_code]
        self.cheapest_price = cheapest_of_hw[wl.hardware_code]  # 0 where there is no offer

    def info(self, o: int) -> OfferInfo:
        offer = self.offers[o]
        return OfferInfo(
            provider=offer.provider,
            kind=offer.kind,
            usd_per_gpu_hour=offer.usd_per_gpu_hour,
            region=offer.region,
            source=offer.source,
            source_date=offer.source_date,
            notes=offer.notes,
            owned_tco=owned_breakdown(offer),
            status=offer.status,
        )


def _priced(offer: Offer) -> Offer:
    try:
        return priced_offer(offer)
    except ValueError as exc:
        raise InvalidRequest(
            "pricing", f"owned offer for {offer.hardware} ({offer.provider}): {exc}"
        ) from None
