"""Struct schemas in the OpenAPI document state every constraint msgspec enforces.

Regressions found by schemathesis: litestar's own Struct schemas dropped constraints on list
items and dict values and any bound equal to 0, and never said ``additionalProperties: false``
for ``forbid_unknown_fields`` Structs, so schema-valid requests were rejected with 400.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Litestar, post
from litestar.params import JSONBody
from msgspec import Meta

from tco.api.openapi_schema import MsgspecStructSchemaPlugin

Positive = Annotated[float, Meta(gt=0, le=10)]


class Cat(msgspec.Struct, tag="cat", tag_field="kind"):
    lives: Annotated[int, Meta(ge=0, le=9)]


class Dog(msgspec.Struct, tag="dog", tag_field="kind"):
    good: bool = True


class Node(msgspec.Struct, forbid_unknown_fields=True):
    """A tree node."""

    weights: Annotated[list[Positive], Meta(min_length=1, max_length=3)]
    prices: dict[str, Positive] = {}
    floor: Annotated[float, Meta(ge=0)] | None = None
    pet: Cat | Dog | None = None
    children: list[Node] = []
    mode: Literal["a", "b"] = "a"


@post("/nodes", sync_to_thread=False)
def create(data: JSONBody[Node]) -> Node:
    return data


def schemas() -> dict[str, Any]:
    app = Litestar([create], plugins=[MsgspecStructSchemaPlugin()])
    doc: dict[str, Any] = app.openapi_schema.to_schema()
    return doc["components"]["schemas"]  # type: ignore[no-any-return]


def test_item_value_and_zero_bounds_are_kept() -> None:
    node = schemas()["Node"]
    props = node["properties"]
    positive = {"type": "number", "exclusiveMinimum": 0, "maximum": 10}
    assert props["weights"] == {"type": "array", "items": positive, "minItems": 1, "maxItems": 3}
    assert props["prices"] == {"type": "object", "additionalProperties": positive, "default": {}}
    assert props["floor"]["anyOf"][0] == {"type": "number", "minimum": 0}
    assert props["mode"] == {"enum": ["a", "b"], "default": "a"}


def test_unknown_fields_docstring_and_required() -> None:
    node = schemas()["Node"]
    assert node["additionalProperties"] is False
    assert node["description"] == "A tree node."
    assert node["required"] == ["weights"]
    assert node["title"] == "Node"


def test_nested_structs_are_components_and_self_reference_terminates() -> None:
    found = schemas()
    children = found["Node"]["properties"]["children"]
    assert children == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/Node"},
        "default": [],
    }
    assert found["Cat"]["properties"]["lives"] == {"type": "integer", "minimum": 0, "maximum": 9}


def test_tagged_union_maps_tags_to_component_references() -> None:
    found = schemas()
    union = found["Node"]["properties"]["pet"]["anyOf"][0]
    assert union["discriminator"] == {
        "propertyName": "kind",
        "mapping": {"cat": "#/components/schemas/Cat", "dog": "#/components/schemas/Dog"},
    }
    assert found["Dog"]["properties"]["kind"] == {"enum": ["dog"]}
