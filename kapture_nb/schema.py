"""The request and response schemas, the body template, and associate-field declarations."""
from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any, NamedTuple

from . import paths

ENDPOINT = "/ms/customer/order/api/v1/add-update"
"""The path of Add Order and Update Order, the one URL the schemas describe."""
REQUEST_SCHEMA = "update_order.request.schema.json"
RESPONSE_SCHEMA = "update_order.response.schema.json"
FREE_FORM = "x-free-form"
DIGITS = "x-digits"  # a text field whose values are digits by nature (phones, PIN codes): a number column loses them
SECTIONS = {"customer": "customer_info", "enquiry": "enquiry_info", "order": "order_info"}
MAX_ID = 2**63 - 1
"""The largest id, 2^63-1: ids are taken as 64-bit (the page says Number), and the toolkit's frames hold them as Int64."""

_PACKAGE_DIR = Path(__file__).resolve().parent


class DateFormat(NamedTuple):
    """One date format: as other Kapture pages spell it, for strftime, and the shape a string in it has."""

    spelled: str
    strftime: str
    shape: re.Pattern[str]


# Other pages of the Kapture reference use these; this page gives none, so they are conventions (warnings).
DATE_FORMATS = {
    "date": DateFormat("yyyy-MM-dd", "%Y-%m-%d", re.compile(r"\d{4}-\d{2}-\d{2}\Z")),
    "date-time": DateFormat("yyyy-MM-dd HH:mm:ss", "%Y-%m-%d %H:%M:%S", re.compile(r"\d{4}-\d{2}-\d{2}( \d{2}:\d{2}:\d{2})?\Z")),
}


def id_pattern(*, empty: bool = False) -> str:
    """The pattern of an id written as digits: leading zeros, then a whole number from 1 to ``MAX_ID``.

    A pattern cannot compare numbers, so the bound is spelled out digit by digit: up to 18 digits,
    or 19 digits that stay at or below MAX_ID's. With ``empty``, nothing (or only zeros) matches too.
    It ends ``$(?!\\n)``: Python's ``$`` (jsonschema's) also matches before a last newline, ECMA's does not.
    """
    bound = str(MAX_ID)
    shapes = [f"[1-9][0-9]{{0,{len(bound) - 2}}}"]
    for position, digit in enumerate(bound):
        last = position == len(bound) - 1
        low, high = "1" if position == 0 else "0", digit if last else str(int(digit) - 1)
        if high < low:
            continue
        rest = len(bound) - position - 1
        shapes.append(bound[:position] + (low if low == high else f"[{low}-{high}]") + (f"[0-9]{{{rest}}}" if rest else ""))
    return f"^0*(?:{'|'.join(shapes)}){'?' if empty else ''}$(?!\\n)"


def types_of(node: Mapping[str, Any]) -> tuple[str, ...]:
    """A schema node's ``type`` as a tuple (empty when it has none)."""
    kind = node.get("type", ())
    return tuple(kind) if isinstance(kind, list) else (kind,) if isinstance(kind, str) else ()


def schema_dir() -> Path:
    """The folder holding the JSON Schemas: inside the installed package, or the checkout's ``schemas/``."""
    for candidate in (_PACKAGE_DIR / "schemas", _PACKAGE_DIR.parent / "schemas"):
        if (candidate / REQUEST_SCHEMA).is_file():
            return candidate
    raise FileNotFoundError(f"{REQUEST_SCHEMA} is neither in the package nor beside it")


@cache
def _read(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((schema_dir() / name).read_text(encoding="utf-8"))
    return document


def load_schema(action: str = "update") -> dict[str, Any]:
    """The request schema, a fresh copy; ``action="add"`` relaxes it for Add Order (no ``order_id``)."""
    if action not in ("update", "add"):
        raise ValueError(f'action must be "update" or "add", got {action!r}')
    schema = copy.deepcopy(_read(REQUEST_SCHEMA))
    return for_add(schema) if action == "add" else schema


def for_add(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of a request schema relaxed for Add Order, which shares the URL: ``order_id`` absent or ``""``."""
    relaxed = copy.deepcopy(dict(schema))
    order = relaxed["properties"]["order_info"]
    order["required"] = [key for key in order.get("required", []) if key not in ("order_id", "update")]
    order["properties"]["order_id"]["pattern"] = id_pattern(empty=True)
    return relaxed


def documented_example() -> dict[str, Any]:
    """The body of the API page's example (order 23518265, customer "ABC"), a fresh copy."""
    return copy.deepcopy(_read("examples/documented_example.json"))


def load_response_schema() -> dict[str, Any]:
    """The response schema (success and failure bodies), a fresh copy."""
    return copy.deepcopy(_read(RESPONSE_SCHEMA))


def template(schema: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A body with every documented key, shaped like the documented example: strings and ids empty, flags as the example."""
    body: dict[str, Any] = _template_of(schema if schema is not None else _read(REQUEST_SCHEMA))
    return body


def _template_of(node: Mapping[str, Any]) -> Any:
    kind = node.get("type")
    if kind == "object":
        if node.get(FREE_FORM):
            return {}
        return {key: _template_of(child) for key, child in node.get("properties", {}).items()}
    if kind == "array":
        return [_template_of(node["items"])]
    if kind == "boolean":
        return node.get("examples", [False])[0]
    return ""


SHORTHAND = {  # with_associate_fields' short type names and the schemas they stand for
    "string": {"type": "string"},
    "str": {"type": "string"},
    "integer": {"type": "integer"},
    "int": {"type": "integer"},
    "number": {"type": "number"},
    "float": {"type": "number"},
    "boolean": {"type": "boolean"},
    "bool": {"type": "boolean"},
    "date": {"type": "string", "format": "date"},
    "date-time": {"type": "string", "format": "date-time"},
}


def _property_schema(section: str, name: str, spec: Any) -> dict[str, Any]:
    if isinstance(spec, Mapping):
        return dict(spec)
    if isinstance(spec, type):
        spec = spec.__name__
    if isinstance(spec, str) and spec in SHORTHAND:
        return dict(SHORTHAND[spec])
    raise ValueError(
        f"associate field {section}.associate_fields.{name}: give a JSON Schema dict or one of "
        f"{', '.join(sorted(SHORTHAND))}; got {spec!r}"
    )


def _declared(section: str, fields: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Property schemas and required names from a ``{name: schema}`` mapping or an object fragment."""
    if fields.get("type") == "object" and isinstance(fields.get("properties"), Mapping):
        return {k: _property_schema(section, k, v) for k, v in fields["properties"].items()}, list(
            fields.get("required", [])
        )
    return {k: _property_schema(section, k, v) for k, v in fields.items()}, []


def with_associate_fields(
    schema: Mapping[str, Any] | None = None,
    *,
    customer: Mapping[str, Any] | None = None,
    enquiry: Mapping[str, Any] | None = None,
    order: Mapping[str, Any] | None = None,
    strict: bool = False,
) -> dict[str, Any]:
    """A new schema whose ``associate_fields`` declare these custom fields; ``strict`` rejects undeclared keys."""
    result = copy.deepcopy(dict(schema) if schema is not None else _read(REQUEST_SCHEMA))
    for arg, fields in (("customer", customer), ("enquiry", enquiry), ("order", order)):
        if fields is None:
            continue
        if not isinstance(fields, Mapping):
            raise TypeError(f"{arg}= takes a mapping of field name to schema, got {type(fields).__name__}")
        section = SECTIONS[arg]
        node = associate_fields_node(result, section)
        properties, required = _declared(section, fields)
        node.setdefault("properties", {}).update(properties)
        if required:
            node["required"] = sorted(set(node.get("required", [])) | set(required))
        if strict:
            node["additionalProperties"] = False
    return result


def declared_fields(schema: Mapping[str, Any]) -> dict[str, Any] | None:
    """The ``with_associate_fields`` arguments that make ``schema`` from the request schema: ``{}`` for the request
    schema itself, None for a schema they cannot make (then it is not the request schema with declarations)."""
    found: dict[str, Any] = {}
    strict = set()
    for arg, section in SECTIONS.items():
        try:
            node = associate_fields_node(schema, section)
        except KeyError:
            return None
        if node.get("properties"):
            required = node.get("required")
            found[arg] = {"type": "object", "properties": node["properties"], "required": required} if required else dict(
                node["properties"]
            )
        if node.get("additionalProperties") is False:
            strict.add(arg)
    if strict and strict != set(found):
        return None  # strict for some declared sections only: with_associate_fields cannot say that
    arguments = {**found, **({"strict": True} if strict else {})}
    return arguments if with_associate_fields(**arguments) == schema else None


def associate_fields_node(schema: Mapping[str, Any], section: str) -> dict[str, Any]:
    """The schema node of ``<section>.associate_fields``."""
    try:
        node: dict[str, Any] = schema["properties"][section]["properties"]["associate_fields"]
    except (KeyError, TypeError):
        raise KeyError(f"this schema has no {section}.associate_fields") from None
    return node


def node_at(schema: Mapping[str, Any], parts: tuple[str, ...]) -> tuple[Mapping[str, Any] | None, bool]:
    """The schema node at a parsed body path (None where the schema has no such place), and whether it is free-form."""
    node: Any = schema
    free = False
    for part in parts:
        if not isinstance(node, Mapping):
            return None, False
        if node.get(FREE_FORM) or free:
            free = True
            declared = node.get("properties", {}).get(part) if isinstance(node.get("properties"), Mapping) else None
            node = declared if declared is not None else {}
        elif "items" in node:
            node = node["items"] if paths.is_index(part) else None
        else:
            node = node.get("properties", {}).get(part)
        if node is None:
            return None, False
    return node, free or bool(node.get(FREE_FORM))


def leaf_paths(schema: Mapping[str, Any]) -> list[str]:
    """Every documented leaf as a dotted path (array items as ``0``; free-form objects end the path)."""
    found: list[str] = []

    def walk(node: Mapping[str, Any], at: tuple[str, ...]) -> None:
        if node.get("type") == "object" and not node.get(FREE_FORM):
            for key, child in node.get("properties", {}).items():
                walk(child, (*at, key))
        elif node.get("type") == "array" and isinstance(node.get("items"), Mapping):
            walk(node["items"], (*at, "0"))
        else:
            found.append(".".join(at))

    walk(schema, ())
    return found
