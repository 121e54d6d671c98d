"""The model variant rule: aliases are one model; a variant (kimi-k2.5-or-k2.6, the blog's
ambiguous "Kimi K2.5/K2.6" wording) is its own key, never merged into kimi-k2.5's quotes, and
named in them so nobody misses its data."""

from __future__ import annotations

from typing import Any

from litestar.testing import TestClient

from tco.domain.quote_full import expanded


def test_a_variant_is_named_but_never_merged(client: TestClient[Any]) -> None:
    base = expanded(client.get(
        "/v1/quotes", params={"model": "kimi-k2.5", "isl": 8192, "osl": 1024, "targets": "30",
                              "top": 100}
    ).json())  # fmt: skip
    assert base["assumptions"]["model_variants"] == ["kimi-k2.5-or-k2.6"]
    for option in base["targets"][0]["options"]:
        for knot in option["operating_point"]["knots"]:
            assert "K2.6" not in knot["source"]
    variant = expanded(client.get(
        "/v1/quotes",
        params={"model": "kimi-k2.5-or-k2.6", "isl": 8192, "osl": 1024, "targets": "30"},
    ).json())  # fmt: skip
    assert variant["targets"][0]["options"], "the variant's own points are quoted by its key"
    assert variant["assumptions"]["model_variants"] == []
    models = {m["key"]: m for m in client.get("/v1/catalog").json()["models"]}
    assert models["kimi-k2.5-or-k2.6"]["variant_of"] == "kimi-k2.5"
    assert models["kimi-k2.5"]["variant_of"] is None


def test_an_added_model_can_be_declared_a_variant(client: TestClient[Any], editor_key: str) -> None:
    entry = {"key": "dsr1-distill-test", "display_name": "test variant", "source": "a model card",
             "variant_of": "dsr1"}  # fmt: skip
    created = client.post("/v1/catalog/models", json=entry, headers={"X-API-Key": editor_key})
    assert created.status_code == 201, created.text
    from tco.domain.keys import variants_of

    assert "dsr1-distill-test" in variants_of("dsr1")
