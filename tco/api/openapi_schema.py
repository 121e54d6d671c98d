"""OpenAPI schemas of msgspec Structs taken from msgspec's own JSON Schema.

The contract must state every constraint the server enforces, or generated clients and
schemathesis send values that the server rejects with 400. litestar 2.25 derives a Struct's
schema field by field and loses some of them: constraints on list items and dict values
(``targets: list[Annotated[float, Meta(gt=0)]]``), and any bound equal to 0 (it tests the
bound for truth, so ``Meta(gt=0)`` reads as no bound). msgspec, which does the validating,
renders them all. Nested Structs and enums still go through litestar, so they become the usual
named components referenced by ``$ref``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import msgspec
from litestar.openapi.spec import Discriminator, OpenAPIFormat, OpenAPIType, Reference, Schema
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

# JSON Schema keyword -> litestar Schema attribute (not every camelCase one has an alias).
_ATTRIBUTE = {f.name.replace("_", ""): f.name for f in dataclasses.fields(Schema)} | {
    "not": "schema_not"
}
_SCHEMA_LISTS = {"anyOf", "allOf", "oneOf", "prefixItems"}
_SCHEMAS = {"items", "additionalProperties", "not", "contains", "propertyNames"}


def _named_types(root: type) -> list[type]:
    """The Structs and enums reachable from ``root``: the ones msgspec emits as components."""
    found: dict[type, None] = {}

    def walk(info: msgspec.inspect.Type) -> None:
        if isinstance(info, msgspec.inspect.StructType):
            if info.cls in found:
                return
            found[info.cls] = None
            for field in info.fields:
                walk(field.type)
        elif isinstance(info, msgspec.inspect.EnumType):
            found[info.cls] = None
        else:
            for child in (getattr(info, a, None) for a in ("type", "item_type", "value_type")):
                if isinstance(child, msgspec.inspect.Type):
                    walk(child)
            for child in getattr(info, "types", ()) or getattr(info, "item_types", ()):
                walk(child)

    walk(msgspec.inspect.type_info(root))
    return list(found)


def _any_value(kind: type) -> dict[str, Any]:
    """``object`` (e.g. the values of a points row) is any JSON value; nothing else is custom."""
    if kind is object:
        return {"description": "Any JSON value"}
    raise NotImplementedError(kind)


@dataclasses.dataclass
class _TagMapping(Discriminator):
    """A tagged union's discriminator. The mapping is rendered from the members' references at
    output time: litestar renames components (short names when unambiguous) after creating them."""

    members: dict[str, Reference | Schema] = dataclasses.field(default_factory=dict)

    def to_schema(self) -> dict[str, Any]:
        mapping = {t: m.ref for t, m in self.members.items() if isinstance(m, Reference)}
        return {"propertyName": self.property_name, "mapping": mapping}


Ref = Callable[[str], Reference | Schema]


def _to_schema(node: dict[str, Any], ref: Ref) -> Reference | Schema:
    if "$ref" in node:
        return ref(node["$ref"])
    return Schema(**{_ATTRIBUTE[k.lower()]: _keyword(k, v, ref) for k, v in node.items()})


def _keyword(key: str, value: Any, ref: Ref) -> Any:
    if key in _SCHEMA_LISTS:
        return [_to_schema(v, ref) for v in value]
    if key in _SCHEMAS and isinstance(value, dict):
        return _to_schema(value, ref)
    if key == "properties":
        return {name: _to_schema(v, ref) for name, v in value.items()}
    if key == "type":
        return [OpenAPIType(v) for v in value] if isinstance(value, list) else OpenAPIType(value)
    if key == "format":
        return OpenAPIFormat(value)
    if key == "discriminator":
        return _TagMapping(
            property_name=value["propertyName"],
            members={tag: ref(name) for tag, name in value["mapping"].items()},
        )
    return value


class MsgspecStructSchemaPlugin(OpenAPISchemaPlugin):
    """Takes precedence over litestar's built-in Struct plugin (user plugins are asked first)."""

    def is_plugin_supported_field(self, field_definition: FieldDefinition) -> bool:
        return not field_definition.is_union and field_definition.is_subclass_of(msgspec.Struct)

    def to_openapi_schema(self, field_definition: FieldDefinition, schema_creator: Any) -> Schema:
        types = _named_types(field_definition.type_)
        refs, components = msgspec.json.schema_components(
            types, schema_hook=_any_value, ref_template="{name}"
        )
        by_name = {r["$ref"]: t for r, t in zip(refs, types, strict=True)}
        own = components[refs[0]["$ref"]]
        # Registered first (empty), so a Struct that refers to itself gets a $ref, not a loop.
        schema: Schema = schema_creator.create_component_schema(
            field_definition, required=sorted(own.get("required", [])), property_fields={}
        )

        def ref(name: str) -> Reference | Schema:  # nested Structs and enums: litestar's components
            nested: Reference | Schema = schema_creator.for_field_definition(
                FieldDefinition.from_annotation(by_name[name])
            )
            return nested

        for key, value in own.items():  # properties, and additionalProperties: false, docstring
            if key not in ("title", "type", "required"):
                setattr(schema, _ATTRIBUTE[key.lower()], _keyword(key, value, ref))
        return schema
