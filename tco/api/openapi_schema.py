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
from litestar.enums import ParamType
from litestar.openapi.spec import (
    Discriminator,
    OpenAPIFormat,
    OpenAPIType,
    Operation,
    Parameter,
    Reference,
    Schema,
)
from litestar.plugins import OpenAPISchemaPlugin
from litestar.typing import FieldDefinition

# JSON Schema keyword -> litestar Schema attribute (not every camelCase one has an alias).
_ATTRIBUTE = {f.name.replace("_", ""): f.name for f in dataclasses.fields(Schema)} | {
    "not": "schema_not",
    "if": "schema_if",
    "else": "schema_else",
}
_SCHEMA_LISTS = {"anyOf", "allOf", "oneOf", "prefixItems"}
_SCHEMAS = {
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
}


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
        _set_keywords(schema, getattr(field_definition.type_, SCHEMA_RULES, {}), ref)
        return schema


# ----------------------------------------------------------------- cross-field rules

# A Struct may declare, as a class attribute, the JSON Schema keywords that state its
# cross-field rules (``oneOf``, ``not``, ``dependentRequired``...): msgspec renders one field at a
# time, so these are added to its component next to what msgspec derived from the fields.
SCHEMA_RULES = "__schema_rules__"


def _no_ref(name: str) -> Reference | Schema:
    raise ValueError(f"a query group's rules refer to no component ({name})")


def _set_keywords(schema: Schema, keywords: dict[str, Any], ref: Ref = _no_ref) -> None:
    for key, value in keywords.items():
        setattr(schema, _ATTRIBUTE[key.lower()], _keyword(key, value, ref))


@dataclasses.dataclass(frozen=True)
class QueryGroup:
    """Query parameters that go together, documented as one exploded ``form`` object parameter.

    OpenAPI states each query parameter on its own; a rule between them (``isl`` with ``osl``,
    ``demand_value``'s range depending on ``demand_kind``) can only be stated on an object. An
    object parameter with ``style: form, explode: true`` is sent as its properties, one query
    parameter each: the wire is unchanged, the handler keeps its parameters, and the document
    (hence generated clients and fuzzers) states the rule. The members are all or none.
    """

    name: str
    members: tuple[str, ...]
    description: str
    rules: dict[str, Any] = dataclasses.field(default_factory=dict)

    def apply(self, parameters: list[Parameter | Reference]) -> list[Parameter | Reference]:
        grouped = {
            p.name: p
            for p in parameters
            if isinstance(p, Parameter) and p.param_in == "query" and p.name in self.members
        }
        if set(grouped) != set(self.members):
            raise ValueError(f"{self.name}: no query parameters {set(self.members) - set(grouped)}")
        properties = {n: _not_null(grouped[n].schema) for n in self.members}
        schema = Schema(
            type=OpenAPIType.OBJECT,
            properties=properties,  # type: ignore[arg-type]
            required=list(self.members),
            additional_properties=False,
            description=self.description,
        )
        _set_keywords(schema, self.rules)
        group = Parameter(
            name=self.name,
            param_in=ParamType.QUERY,
            required=False,
            style="form",
            explode=True,
            description=self.description,
            schema=schema,
        )
        position = next(i for i, p in enumerate(parameters) if p in grouped.values())
        kept = [p for p in parameters if p not in grouped.values()]
        return [*kept[:position], group, *kept[position:]]


def _not_null(schema: Schema | Reference | None) -> Schema:
    """A member's schema as an object property: present means a value (a query string cannot
    send null), so the null alternative of an optional parameter is dropped, whichever way
    litestar wrote it (``oneOf`` with a null schema, or a list of types and ``null`` in the enum)."""
    if not isinstance(schema, Schema):
        raise TypeError(f"query group member without an inline schema: {schema!r}")
    merged = dataclasses.replace(schema)
    if isinstance(merged.type, list):
        types = [t for t in merged.type if t != OpenAPIType.NULL]
        merged.type = types[0] if len(types) == 1 else types
    if merged.enum is not None:
        merged.enum = [v for v in merged.enum if v is not None]
    alternatives = [
        s for s in merged.one_of or [] if not (isinstance(s, Schema) and s.type == OpenAPIType.NULL)
    ]
    if merged.one_of is not None and len(alternatives) == 1 and isinstance(alternatives[0], Schema):
        only = alternatives[0]
        merged.one_of = None
        merged.type = only.type
        merged.format = merged.format or only.format
        merged.enum = merged.enum or only.enum
    return merged


def grouped_query(base: type[Operation], *groups: QueryGroup) -> type[Operation]:
    """An operation class (for a handler's ``operation_class``) that documents ``groups``."""

    @dataclasses.dataclass
    class Grouped(base):  # type: ignore[valid-type, misc]
        def __post_init__(self) -> None:
            parent = getattr(super(), "__post_init__", None)
            if parent is not None:
                parent()
            operation: Operation = self
            for group in groups:
                operation.parameters = group.apply(list(operation.parameters or []))

    Grouped.__name__ = Grouped.__qualname__ = f"{base.__name__}Grouped"
    return Grouped


def require_header(base: type[Operation], name: str) -> type[Operation]:
    """An operation class documenting header ``name`` as required, while the handler still
    declares it optional: the handler answers its absence itself (e.g. 428 for ``If-Match``,
    where litestar's own check would say 400)."""

    @dataclasses.dataclass
    class Required(base):  # type: ignore[valid-type, misc]
        def __post_init__(self) -> None:
            parent = getattr(super(), "__post_init__", None)
            if parent is not None:
                parent()
            operation: Operation = self
            for p in operation.parameters or []:
                if isinstance(p, Parameter) and p.param_in == "header" and p.name == name:
                    p.required = True

    Required.__name__ = Required.__qualname__ = f"{base.__name__}Requires{name.replace('-', '')}"
    return Required
