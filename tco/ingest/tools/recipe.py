"""The serving recipe a benchmark tool's output file does not record.

vLLM ``bench serve``, SGLang ``bench_serving``, AIPerf, GuideLLM and LLMPerf measure an
endpoint; none of them knows which hardware served it, how many GPUs, the topology, framework
or precision. The uploader states those (query parameters, CLI flags or a sidecar JSON
object); a file whose recipe misses a field that the point needs is refused, naming it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import msgspec

from tco.ingest.rows import file_error

TpotStatistic = Literal["median", "mean"]


class Recipe(msgspec.Struct, kw_only=True, frozen=True, forbid_unknown_fields=True):
    """What the uploader says about the deployment a tool measured. ``gpus`` counts every GPU
    serving the measured endpoint; disaggregated deployments give ``prefill_gpus`` and
    ``decode_gpus`` instead (and per-pool ``*_tp`` / ``*_ep``)."""

    model: str | None = None  # catalog key or alias; default: the model id in the file
    hardware: str | None = None
    gpus: int | None = None
    tp: int | None = None
    ep: int | None = None
    dp_attention: bool | None = None
    pp: int = 1
    prefill_gpus: int | None = None
    decode_gpus: int | None = None
    prefill_tp: int | None = None
    prefill_ep: int | None = None
    prefill_dp_attention: bool | None = None
    decode_tp: int | None = None
    decode_ep: int | None = None
    decode_dp_attention: bool | None = None
    framework: str | None = None
    framework_version: str | None = None
    precision: str | None = None
    spec_method: str | None = None
    date: dt.date | None = None  # default: the run date the file records, if any
    source: str | None = None
    isl: int | None = None  # default: the fixed input length the file records, if any
    osl: int | None = None
    tpot_statistic: TpotStatistic = "median"

    @property
    def disagg(self) -> bool:
        return self.prefill_gpus is not None or self.decode_gpus is not None

    def is_empty(self) -> bool:
        return self == Recipe()


RECIPE_FIELDS: tuple[str, ...] = Recipe.__struct_fields__


def recipe_from_mapping(values: dict[str, Any]) -> Recipe:
    """A recipe from a sidecar JSON object or form fields (strings are converted)."""
    try:
        return msgspec.convert(
            {k: v for k, v in values.items() if v is not None and v != ""}, Recipe, strict=False
        )
    except msgspec.ValidationError as exc:
        raise file_error("recipe", f"invalid recipe: {exc}") from None


def recipe_from_json(payload: bytes) -> Recipe:
    try:
        values = msgspec.json.decode(payload)
    except msgspec.DecodeError as exc:
        raise file_error("recipe", f"recipe sidecar is not JSON: {exc}") from None
    if not isinstance(values, dict):
        raise file_error("recipe", "recipe sidecar must be a JSON object")
    return recipe_from_mapping(values)


def missing_fields(recipe: Recipe, *, file_has_date: bool, file_has_model: bool) -> list[str]:
    """Recipe fields a tool file needs and the recipe does not give."""
    missing = [
        name
        for name in ("hardware", "framework", "precision", "spec_method")
        if getattr(recipe, name) is None
    ]
    if recipe.disagg:
        missing += [n for n in ("prefill_gpus", "decode_gpus") if getattr(recipe, n) is None]
    else:
        missing += [n for n in ("gpus", "tp") if getattr(recipe, n) is None]
    if not file_has_date and recipe.date is None:
        missing.append("date")
    if not file_has_model and recipe.model is None:
        missing.append("model")
    return missing
