"""Catalog entries an editor adds: models, hardware and serving frameworks as data.

The shipped entries stay in ``tco.domain.keys`` and ``pricing/hardware.csv``; these are the
ones added through ``POST /v1/catalog/{models,hardware,frameworks}`` or ``tco catalog add-*``, versioned like pricing
tables (every edit a new immutable version; ``PUT`` needs ``If-Match``). Every value carries its
source; a hardware value nobody published stays absent, and the answers that need it say so
(capacity without nodes, no power) instead of assuming.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, ClassVar, Literal

import msgspec
from msgspec import Meta

from tco.domain.catalog import Hardware

CatalogKind = Literal["models", "hardware", "frameworks"]
CATALOG_KINDS: tuple[str, ...] = CatalogKind.__args__  # type: ignore[attr-defined]
# the keys.* kind of each catalog kind
KEY_KIND = {"models": "model", "hardware": "hardware", "frameworks": "framework"}

_Key = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[a-z0-9][a-z0-9.\-]*$")]
_Text = Annotated[str, Meta(min_length=1, max_length=500)]
_Source = Annotated[str, Meta(min_length=1, max_length=2000, pattern=r"[A-Za-z0-9]")]
_Aliases = Annotated[list[Annotated[str, Meta(min_length=1, max_length=200)]], Meta(max_length=50)]
_Count = Annotated[int, Meta(ge=1, le=1_000_000)]
_Positive = Annotated[float, Meta(gt=0, le=1_000_000)]


def _stated_needs(field: str, json_type: str, needed: dict[str, str]) -> dict[str, Any]:
    """JSON Schema: when ``field`` holds a value (not null), every ``needed`` field does too."""
    return {
        "if": {"required": [field], "properties": {field: {"type": json_type}}},
        "then": {
            "required": sorted(needed),
            "properties": {name: {"type": t} for name, t in needed.items()},
        },
    }


class ModelEntry(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    key: _Key
    display_name: _Text
    aliases: _Aliases = []
    source: _Source  # where the model is published (its card, release note)
    source_date: dt.date | None = None
    # a variant of another model key (e.g. an ambiguous spelling): never merged into it
    variant_of: _Key | None = None


class FrameworkEntry(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    key: _Key
    display_name: _Text
    aliases: _Aliases = []
    source: _Source
    source_date: dt.date | None = None


class HardwareEntry(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """What capacity and power answers need; every value optional, each with its source."""

    # unsourced()'s rules, stated in the OpenAPI document too (tco.api.openapi_schema): a
    # stated value comes with its source; nodes need both topology numbers.
    __schema_rules__: ClassVar[dict[str, Any]] = {
        "allOf": [
            _stated_needs("memory_gb", "number", {"memory_source": "string"}),
            _stated_needs(
                "gpus_per_node",
                "integer",
                {"topology_source": "string", "scale_up_domain_gpus": "integer"},
            ),
            _stated_needs(
                "scale_up_domain_gpus",
                "integer",
                {"topology_source": "string", "gpus_per_node": "integer"},
            ),
            _stated_needs(
                "all_in_kw_per_gpu",
                "number",
                {"all_in_kw_source": "string", "all_in_kw_source_date": "string"},
            ),
        ]
    }

    key: _Key
    display_name: _Text
    vendor: _Text | None = None
    aliases: _Aliases = []
    source: _Source  # where the accelerator is described
    memory_gb: _Positive | None = None
    memory_source: _Source | None = None
    gpus_per_node: _Count | None = None
    scale_up_domain_gpus: _Count | None = None
    topology_source: _Source | None = None
    all_in_kw_per_gpu: _Positive | None = None
    all_in_kw_source: _Source | None = None
    all_in_kw_source_date: dt.date | None = None
    notes: Annotated[str, Meta(max_length=2000)] | None = None

    def unsourced(self) -> str | None:
        """The first stated value without its source, or None."""
        for value, source, name in (
            (self.memory_gb, self.memory_source, "memory_gb"),
            (self.gpus_per_node, self.topology_source, "gpus_per_node"),
            (self.scale_up_domain_gpus, self.topology_source, "scale_up_domain_gpus"),
            (self.all_in_kw_per_gpu, self.all_in_kw_source, "all_in_kw_per_gpu"),
        ):
            if value is not None and not source:
                return name
        if self.all_in_kw_per_gpu is not None and self.all_in_kw_source_date is None:
            return "all_in_kw_source_date"
        if (self.gpus_per_node is None) != (self.scale_up_domain_gpus is None):
            return "gpus_per_node" if self.gpus_per_node is None else "scale_up_domain_gpus"
        return None

    def hardware(self) -> Hardware:
        return Hardware(
            key=self.key,
            display_name=self.display_name,
            vendor=self.vendor or "not stated",
            memory_gb=self.memory_gb,
            gpus_per_node=self.gpus_per_node,
            scale_up_domain_gpus=self.scale_up_domain_gpus,
            all_in_kw_per_gpu=self.all_in_kw_per_gpu,
            all_in_kw_source=self.all_in_kw_source,
            all_in_kw_source_date=None
            if self.all_in_kw_source_date is None
            else self.all_in_kw_source_date.isoformat(),
            memory_source=self.memory_source,
            topology_source=self.topology_source,
            notes=self.notes,
        )


Entry = ModelEntry | HardwareEntry | FrameworkEntry
ENTRY_TYPES: dict[str, type[ModelEntry] | type[HardwareEntry] | type[FrameworkEntry]] = {
    "models": ModelEntry,
    "hardware": HardwareEntry,
    "frameworks": FrameworkEntry,
}


class EntryVersion(msgspec.Struct, kw_only=True, frozen=True):
    kind: str
    key: str
    version: int
    created_at: dt.datetime
    created_by: str
    request_id: str | None
    entry: dict[str, Any] | None = None  # the entry's fields; None in history lists
    changed: list[str] = []  # fields that differ from the previous version


def etag(kind: str, key: str, version: int) -> str:
    return f'"{kind}-{key}-v{version}"'
