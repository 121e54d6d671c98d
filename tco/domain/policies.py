"""Named buying policies: a saved set of offer filters and a utilization ("eu-on-demand").

A buyer works to a policy ("on-demand or 1-year reserved only, EU regions, prices no older than
6 months, at 60 % utilization"). Saved under a name, versioned like a pricing table (every edit
is a new immutable version, so an answer can say which version it applied), it is referenced
by name instead of restating seven filters on every request.

Applying a policy to a request (``apply_policy``) never widens it: the request's own offer
filters can only narrow the policy's (lists intersect, limits take the stricter bound), so a
request under ``policy=eu-on-demand`` cannot quietly rank a spot price in Virginia. A
utilization is one number, not a range: when both set one and they differ, that is a conflict
the caller must resolve (InvalidRequest), never a silent pick.

Pure: no I/O. Not wired into the API or the store yet.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from typing import Annotated, TypeVar

import msgspec
from msgspec import Meta

from tco.domain.errors import DomainError, InvalidRequest
from tco.domain.offer_filters import OFFER_FILTER_FIELDS, OfferFilters

__all__ = [
    "MAX_UTILIZATION",
    "MIN_UTILIZATION",
    "POLICY_NAME_PATTERN",
    "AppliedPolicy",
    "Policy",
    "apply_policy",
    "validate_policy",
]

# The same shape as a pricing table's name (tco.api.pricing.TABLE_NAME_PATTERN): a slug that is
# safe in a query string (policy=eu-on-demand) and a URL path.
POLICY_NAME_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
# The range a quote accepts (QuoteRequest.utilization; a test keeps the two equal): below 1 %
# the cost per token is 100x the full-time one, a slip rather than a plan.
MIN_UTILIZATION = 0.01
MAX_UTILIZATION = 1.0

PolicyName = Annotated[
    str,
    Meta(
        pattern=POLICY_NAME_PATTERN,
        description="Lower-case letters, digits, '.', '_' and '-'; 1 to 64 characters, "
        "starting with a letter or digit",
        examples=["eu-on-demand"],
    ),
]
Utilization = Annotated[
    float,
    Meta(
        ge=MIN_UTILIZATION,
        le=MAX_UTILIZATION,
        description="Share of the time the GPUs serve at the operating point",
    ),
]


class Policy(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    name: PolicyName
    version: Annotated[int, Meta(ge=1)] = 1
    description: Annotated[str, Meta(max_length=2000)] = ""
    filters: OfferFilters = msgspec.field(default_factory=OfferFilters)
    utilization: Utilization | None = None  # None: the policy leaves it to the request
    created_at: dt.datetime | None = None
    created_by: str | None = None


class AppliedPolicy(msgspec.Struct, kw_only=True, frozen=True):
    """What a request runs with under a policy, and which policy version that was."""

    policy: str
    policy_version: int
    filters: OfferFilters
    utilization: float | None  # None: neither the policy nor the request set one (the default)


_PATH = re.compile(r"at `\$\.?([^`]*)`")


def validate_policy(policy: Policy) -> Policy:
    """``policy`` if it can be saved; DomainError naming the field otherwise.

    The struct's constraints (name pattern, utilization range, filter bounds) hold for a decoded
    policy but not for one built in code, so they are checked again here, plus what a saved
    intent must not be: empty (it would change nothing), a blank provider or region (matches
    nothing), or a commitment minimum above the maximum (keeps no offer: fine as a one-off
    filter, a mistake in a policy meant to be reused).
    """
    try:
        msgspec.convert(msgspec.to_builtins(policy), Policy)
    except msgspec.ValidationError as exc:
        match = _PATH.search(str(exc))
        raise DomainError(
            match.group(1) if match and match.group(1) else "policy",
            _PATH.sub("", str(exc)).strip(" -"),
        ) from None
    if re.fullmatch(POLICY_NAME_PATTERN, policy.name) is None:  # '$' also matches before '\n'
        raise DomainError("name", f"must match {POLICY_NAME_PATTERN} (a lower-case slug)")
    f = policy.filters
    for field in ("providers", "regions"):
        names: list[str] | None = getattr(f, field)
        for i, value in enumerate(names or []):
            if not value.strip():
                raise DomainError(f"filters.{field}[{i}]", "must not be blank")
    if (
        f.min_commitment_months is not None
        and f.max_commitment_months is not None
        and f.min_commitment_months > f.max_commitment_months
    ):
        raise DomainError(
            "filters.min_commitment_months",
            f"{f.min_commitment_months} is above max_commitment_months "
            f"{f.max_commitment_months}: the policy would keep no offer",
        )
    if policy.utilization is None and all(
        getattr(f, name) in (None, False) for name in OFFER_FILTER_FIELDS
    ):
        raise DomainError("filters", "a policy sets at least one offer filter or a utilization")
    return policy


def apply_policy(
    policy: Policy, requested: OfferFilters | None, utilization: float | None
) -> AppliedPolicy:
    """The filters and utilization a request runs with under ``policy``.

    ``requested``: the request's own offer filters (None: it set none). ``utilization``: the
    request's, only if it stated one (None when it left the default), since a default is not a
    choice that can conflict with the policy's.
    """
    p, r = policy.filters, requested or OfferFilters()
    if (
        policy.utilization is not None
        and utilization is not None
        and utilization != policy.utilization
    ):
        raise InvalidRequest(
            "utilization",
            f"{utilization:g} conflicts with policy {policy.name} (version {policy.version}), "
            f"which sets {policy.utilization:g}: leave utilization out or drop the policy",
        )
    filters = OfferFilters(
        offer_kinds=_narrowest(p.offer_kinds, r.offer_kinds),
        providers=_narrowest_names(p.providers, r.providers),
        regions=_narrowest_names(p.regions, r.regions),
        max_price_age_days=_smallest(p.max_price_age_days, r.max_price_age_days),
        exclude_placeholder_prices=p.exclude_placeholder_prices or r.exclude_placeholder_prices,
        min_commitment_months=_largest(p.min_commitment_months, r.min_commitment_months),
        max_commitment_months=_smallest(p.max_commitment_months, r.max_commitment_months),
    )
    return AppliedPolicy(
        policy=policy.name,
        policy_version=policy.version,
        filters=filters,
        utilization=policy.utilization if policy.utilization is not None else utilization,
    )


T = TypeVar("T")


def _narrowest(ours: Sequence[T] | None, theirs: Sequence[T] | None) -> list[T] | None:
    """Both lists' common values in the policy's order; either alone when only one is set. An
    empty intersection stays empty (it keeps no offer, and the answer's exclusion counts say
    why) rather than falling back to either side."""
    if ours is None or theirs is None:
        chosen = ours if theirs is None else theirs
        return None if chosen is None else list(chosen)
    return [value for value in ours if value in theirs]


def _narrowest_names(ours: list[str] | None, theirs: list[str] | None) -> list[str] | None:
    # Providers and regions match case-insensitively (offer_filters): intersect the same way.
    if ours is None or theirs is None:
        return _narrowest(ours, theirs)
    folded = {name.strip().casefold() for name in theirs}
    return [name for name in ours if name.strip().casefold() in folded]


def _smallest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else min(a, b)


def _largest(a: int | None, b: int | None) -> int | None:
    return b if a is None else a if b is None else max(a, b)
