"""The recipe query parameters of ``POST /v1/runs``: what a benchmark tool's file does not say
(tco.ingest.tools.recipe). A litestar dependency, so that the parameters are documented in
the OpenAPI document like the handler's own."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from litestar.di import NamedDependency, Provide
from litestar.params import Parameter, SkipValidation

from tco.ingest import Recipe
from tco.ingest.tools.recipe import recipe_from_mapping

RecipeDict = dict[str, Any]
RecipeParams = NamedDependency[SkipValidation[RecipeDict]]

_Key = Annotated[str | None, Parameter(min_length=1, max_length=200)]
_Count = Annotated[int | None, Parameter(ge=1, le=100_000)]


def recipe_query(
    model: Annotated[
        str | None,
        Parameter(
            description="Recipe: model key or alias (default: the file's model id)",
            min_length=1,
            max_length=200,
        ),
    ] = None,
    hardware: Annotated[
        str | None,
        Parameter(description="Recipe: hardware key or alias", min_length=1, max_length=200),
    ] = None,
    gpus: Annotated[
        int | None,
        Parameter(
            description="Recipe: GPUs serving the measured endpoint (aggregated)", ge=1, le=100_000
        ),
    ] = None,
    tp: Annotated[
        int | None, Parameter(description="Recipe: tensor parallelism", ge=1, le=100_000)
    ] = None,
    ep: Annotated[
        int | None, Parameter(description="Recipe: expert parallelism", ge=1, le=100_000)
    ] = None,
    dp_attention: Annotated[
        bool | None, Parameter(description="Recipe: data-parallel attention")
    ] = None,
    prefill_gpus: Annotated[
        int | None,
        Parameter(description="Recipe, disaggregated: prefill pool GPUs", ge=1, le=100_000),
    ] = None,
    decode_gpus: Annotated[
        int | None,
        Parameter(description="Recipe, disaggregated: decode pool GPUs", ge=1, le=100_000),
    ] = None,
    prefill_tp: Annotated[
        int | None, Parameter(description="Recipe: prefill TP", ge=1, le=100_000)
    ] = None,
    prefill_ep: Annotated[
        int | None, Parameter(description="Recipe: prefill EP", ge=1, le=100_000)
    ] = None,
    decode_tp: Annotated[
        int | None, Parameter(description="Recipe: decode TP", ge=1, le=100_000)
    ] = None,
    decode_ep: Annotated[
        int | None, Parameter(description="Recipe: decode EP", ge=1, le=100_000)
    ] = None,
    framework: Annotated[
        str | None,
        Parameter(description="Recipe: serving framework key", min_length=1, max_length=200),
    ] = None,
    framework_version: Annotated[
        str | None,
        Parameter(description="Recipe: framework version", min_length=1, max_length=200),
    ] = None,
    precision: Annotated[
        str | None,
        Parameter(
            description="Recipe: precision (fp4, fp8, int4, bf16)", min_length=1, max_length=200
        ),
    ] = None,
    spec_method: Annotated[
        str | None,
        Parameter(
            description="Recipe: speculative decoding (none, mtp, unknown)",
            min_length=1,
            max_length=200,
        ),
    ] = None,
    isl: Annotated[
        int | None,
        Parameter(
            description="Recipe: nominal input length, when the file has no fixed one",
            ge=1,
            le=10_000_000,
        ),
    ] = None,
    osl: Annotated[
        int | None, Parameter(description="Recipe: nominal output length", ge=1, le=10_000_000)
    ] = None,
    tpot_statistic: Annotated[
        Literal["median", "mean"] | None,
        Parameter(description="Which TPOT statistic interactivity comes from (default median)"),
    ] = None,
) -> RecipeDict:
    return {
        "model": model,
        "hardware": hardware,
        "gpus": gpus,
        "tp": tp,
        "ep": ep,
        "dp_attention": dp_attention,
        "prefill_gpus": prefill_gpus,
        "decode_gpus": decode_gpus,
        "prefill_tp": prefill_tp,
        "prefill_ep": prefill_ep,
        "decode_tp": decode_tp,
        "decode_ep": decode_ep,
        "framework": framework,
        "framework_version": framework_version,
        "precision": precision,
        "spec_method": spec_method,
        "isl": isl,
        "osl": osl,
        "tpot_statistic": tpot_statistic,
    }


RECIPE_DEPENDENCY = {"recipe_params": Provide(recipe_query, sync_to_thread=False)}


def recipe_of(params: RecipeDict) -> Recipe | None:
    given = {k: v for k, v in params.items() if v is not None}
    return recipe_from_mapping(given) if given else None
