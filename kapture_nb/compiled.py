"""Compile a JSON Schema into one Python function that answers fast: valid, maybe warnings, or invalid.

The function's verdict must equal jsonschema's (draft 7) plus "every value is plain
JSON", which ``validation.Validator.errors`` reports in full. Keywords it does not
know are handed, subtree by subtree, to a delegate (jsonschema, resolving ``$ref``
from the root), so any schema works; the documented body never needs that. A schema
with an ``$id`` below its root is delegated whole: there a subtree alone would
resolve ``$ref`` against the wrong base URI.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any, Protocol, TypeAlias

from .jsonvalues import is_clean, json_equal
from .schema import DATE_FORMATS, FREE_FORM, types_of

Schema: TypeAlias = Mapping[str, Any] | bool
Delegate: TypeAlias = Callable[[Mapping[str, Any]], Callable[[Any], bool]]
"""Given a subschema, a check of it that resolves ``$ref`` as the whole schema would."""


class Check(Protocol):
    """A compiled schema: called on a value, it answers VALID, WARN or INVALID; ``source`` is its generated code."""

    source: str

    def __call__(self, value: Any, /) -> int: ...


VALID, WARN, INVALID = 0, 1, 2
_KNOWN = {
    "type", "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
    "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
    "enum", "const", "format",
}
_ANNOTATIONS = {
    "title", "description", "examples", "default", "$schema", "$id", "$comment",
    "readOnly", "writeOnly", "definitions", "contentMediaType", "contentEncoding",
}
_CHEAP_FIRST = ["string", "boolean", "object", "array", "null", "integer", "number"]
_TYPE_TESTS = {
    "string": "isinstance({v}, str)",
    "boolean": "isinstance({v}, bool)",
    "null": "{v} is None",
    "object": "isinstance({v}, dict)",
    "array": "isinstance({v}, list)",
    "integer": "_integer({v})",
    "number": "_number({v})",
}


def wants_whole(types: tuple[str, ...]) -> bool:
    """Whether a node typed ``types`` takes integers but not other numbers (so a float there earns a warning)."""
    return "integer" in types and "number" not in types


def _integer(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value) and value.is_integer()
    return isinstance(value, int)


def _number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int)


def _rest_clean(value: dict[Any, Any], declared: frozenset[str]) -> bool:
    return all(isinstance(k, str) and (k in declared or is_clean(v)) for k, v in value.items())


def _in(value: Any, options: tuple[Any, ...]) -> bool:
    return any(json_equal(value, option) for option in options)


class _Writer:
    def __init__(self, delegate: Delegate) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "_integer": _integer, "_number": _number, "_clean": is_clean, "_rest_clean": _rest_clean,
            "_in": _in, "_MISSING": object(),
        }
        self.delegate = delegate
        self.counter = 0

    def const(self, value: Any) -> str:
        name = f"_c{len(self.names)}"
        self.names[name] = value
        return name

    def var(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)

    def node(self, schema: Any, v: str, depth: int) -> None:
        if schema is True or schema == {}:
            self.emit(depth, f"if not _clean({v}): return 2")
            return
        if schema is False:
            self.emit(depth, "return 2")
            return
        keywords = {k for k in schema if not k.startswith("x-")} - _ANNOTATIONS
        if keywords - _KNOWN or not isinstance(schema.get("additionalProperties", False), bool) or (
            "items" in schema and not isinstance(schema["items"], (Mapping, bool))
        ):
            check = self.const(self.delegate(schema))
            self.emit(depth, f"if not ({check}({v}) and _clean({v})): return 2")
            return
        types = types_of(schema)
        if types:
            tests = [_TYPE_TESTS[t].format(v=v) for t in sorted(types, key=_CHEAP_FIRST.index)]
            self.emit(depth, f"if not ({' or '.join(tests)}): return 2")
            if wants_whole(types):
                self.emit(depth, f"if isinstance({v}, float): w = 1")  # 1.0 is an integer, but goes out as 1.0
        else:
            self.emit(depth, f"if not _clean({v}): return 2")
        if "enum" in schema:
            self.emit(depth, f"if not _in({v}, {self.const(tuple(schema['enum']))}): return 2")
        if "const" in schema:
            self.emit(depth, f"if not _in({v}, {self.const((schema['const'],))}): return 2")
        self._strings(schema, v, depth, types)
        self._numbers(schema, v, depth, types)
        self._arrays(schema, v, depth, types)
        self._objects(schema, v, depth, types)

    def _guard(self, depth: int, v: str, types: tuple[str, ...], kinds: tuple[str, ...], test: str) -> int:
        if types and set(types) <= set(kinds):
            return depth
        self.emit(depth, f"if {test.format(v=v)}:")
        return depth + 1

    def _strings(self, schema: Mapping[str, Any], v: str, depth: int, types: tuple[str, ...]) -> None:
        wanted = [k for k in ("pattern", "minLength", "maxLength") if k in schema]
        if schema.get("format") in DATE_FORMATS:
            wanted.append("format")
        if not wanted or (types and "string" not in types):
            return
        depth = self._guard(depth, v, types, ("string",), "isinstance({v}, str)")
        if "pattern" in schema:
            self.emit(depth, f"if not {self.const(re.compile(schema['pattern']).search)}({v}): return 2")
        if "minLength" in schema:
            self.emit(depth, f"if len({v}) < {int(schema['minLength'])}: return 2")
        if "maxLength" in schema:
            self.emit(depth, f"if len({v}) > {int(schema['maxLength'])}: return 2")
        if schema.get("format") in DATE_FORMATS:
            shape = DATE_FORMATS[schema["format"]].shape
            self.emit(depth, f"if {v} and not {self.const(shape.match)}({v}): w = 1")

    def _numbers(self, schema: Mapping[str, Any], v: str, depth: int, types: tuple[str, ...]) -> None:
        bounds = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
        wanted = [k for k in bounds if k in schema]
        if not wanted or (types and not {"integer", "number"} & set(types)):
            return
        depth = self._guard(
            depth, v, types, ("integer", "number"), "isinstance({v}, (int, float)) and not isinstance({v}, bool)"
        )
        for keyword in wanted:
            self.emit(depth, f"if {v} {bounds[keyword]} {schema[keyword]!r}: return 2")

    def _arrays(self, schema: Mapping[str, Any], v: str, depth: int, types: tuple[str, ...]) -> None:
        wanted = [k for k in ("items", "minItems", "maxItems") if k in schema]
        if (types and "array" not in types) or (not types and not wanted):
            return
        depth = self._guard(depth, v, types, ("array",), "isinstance({v}, list)")
        if "minItems" in schema:
            self.emit(depth, f"if len({v}) < {int(schema['minItems'])}: return 2")
        if "maxItems" in schema:
            self.emit(depth, f"if len({v}) > {int(schema['maxItems'])}: return 2")
        if "items" in schema:
            item = self.var()
            self.emit(depth, f"for {item} in {v}:")
            self.node(schema["items"], item, depth + 1)
        elif types:  # without a type the whole value was checked for plain JSON already
            self.emit(depth, f"if not _clean({v}): return 2")

    def _objects(self, schema: Mapping[str, Any], v: str, depth: int, types: tuple[str, ...]) -> None:
        wanted = [k for k in ("properties", "required", "additionalProperties") if k in schema]
        if (types and "object" not in types) or (not types and not wanted):
            return
        properties = schema.get("properties", {})
        depth = self._guard(depth, v, types, ("object",), "isinstance({v}, dict)")
        required = list(schema.get("required", []))
        for key in required:
            self.emit(depth, f"if {key!r} not in {v}: return 2")
        declared = self.const(frozenset(properties))
        if schema.get("additionalProperties", True) is False:
            self.emit(depth, f"if not {v}.keys() <= {declared}: return 2")
        else:
            self.emit(depth, f"if {v} and not _rest_clean({v}, {declared}): return 2")
            if properties and schema.get(FREE_FORM):
                self.emit(depth, f"if not {v}.keys() <= {declared}: w = 1")
        grouped: dict[str, list[str]] = {}
        for key, child in properties.items():
            if key not in required and _plain(child):
                grouped.setdefault(child["type"], []).append(key)
        for kind, keys in grouped.items():
            # One C-level pass: all(map(isinstance, values found or defaults, repeat(type))).
            found = f"map({v}.get, {self.const(tuple(keys))}, {self.const((_PLAIN_DEFAULTS[kind],) * len(keys))})"
            self.emit(depth, f"if not all(map(isinstance, {found}, {self.const(repeat(_PLAIN_TYPES[kind]))})): return 2")
        done = {key for keys in grouped.values() for key in keys}
        for key, child in properties.items():
            if key in done:
                continue
            item = self.var()
            if key in required:
                self.emit(depth, f"{item} = {v}[{key!r}]")
                self.node(child, item, depth)
            else:
                self.emit(depth, f"{item} = {v}.get({key!r}, _MISSING)")
                self.emit(depth, f"if {item} is not _MISSING:")
                self.node(child, item, depth + 1)


_PLAIN_TYPES = {"string": str, "boolean": bool, "null": type(None)}
_PLAIN_DEFAULTS = {"string": "", "boolean": False, "null": None}


def _plain(schema: Any) -> bool:
    """A node that checks nothing but one scalar type: one line suffices, with a default that passes."""
    return (
        isinstance(schema, Mapping)
        and isinstance(schema.get("type"), str)
        and schema["type"] in _PLAIN_DEFAULTS
        and not ({k for k in schema if not k.startswith("x-")} - _ANNOTATIONS - {"type"})
    )


def has_inner_id(schema: Schema) -> bool:
    """Whether anything below the root carries an ``$id`` (a property or enum value named so counts too)."""
    below: list[Any] = list(schema.values()) if isinstance(schema, Mapping) else []
    while below:
        node = below.pop()
        if isinstance(node, Mapping):
            if "$id" in node:
                return True
            below.extend(node.values())
        elif isinstance(node, list):
            below.extend(node)
    return False


def compile_check(schema: Schema, delegate: Delegate) -> Check:
    """A function body -> VALID, WARN (valid, but look for warnings) or INVALID."""
    writer = _Writer(delegate)
    if isinstance(schema, Mapping) and has_inner_id(schema):
        whole = writer.const(delegate(schema))
        writer.emit(1, f"if not ({whole}(v0) and _clean(v0)): return 2")
        writer.emit(1, "return 1")  # the warnings' conventions were not looked at here
    else:
        writer.emit(1, "w = 0")
        writer.node(schema, "v0", 1)
        writer.emit(1, "return w")
    source = "def check(v0):\n" + "\n".join(writer.lines) + "\n"
    namespace = dict(writer.names)
    exec(compile(source, "<kapture_nb compiled schema>", "exec"), namespace)
    check: Check = namespace["check"]
    check.source = source
    return check
