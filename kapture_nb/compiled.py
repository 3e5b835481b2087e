"""Compile a JSON Schema into one Python function that answers fast: valid, maybe warnings, or invalid.

The function's verdict must equal jsonschema's (draft 7) plus "every value is plain
JSON" (``jsonvalues``: no NaN, text UTF-8 can encode, at most ``MAX_DEPTH`` levels, no
cycle), which ``validation.Validator.errors`` reports in full. Keywords it does not
know are handed, subtree by subtree, to a delegate (jsonschema, resolving ``$ref``
from the root), so any schema works; the documented body never needs that. A schema
with an ``$id`` below its root is delegated whole: there a subtree alone would
resolve ``$ref`` against the wrong base URI. A value reaches a delegate only once it is
known to be plain JSON, so the delegate never recurses deeper than ``MAX_DEPTH`` nor
round a cycle; the generated code itself stops at ``MAX_DEPTH`` however deep the schema.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from itertools import repeat
from typing import Any, Protocol, TypeAlias

from .jsonvalues import MAX_DEPTH, is_clean, json_equal, writable
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
_NESTING = {  # keywords that look inside arrays and objects: nothing at MAX_DEPTH may be either
    "properties", "required", "additionalProperties", "items", "minItems", "maxItems",
}
# Python compiles at most 100 levels of indentation and 20 nested blocks (loops, try): a node deeper in goes to the delegate.
_MAX_INDENT, _MAX_LOOPS = 90, 16
_SURROGATE = re.compile("[\ud800-\udfff]")
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
    return isinstance(value, int) and writable(value)


def _number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, float):
        return math.isfinite(value)
    return isinstance(value, int) and writable(value)


def _rest_clean(value: dict[Any, Any], declared: frozenset[str], level: int) -> bool:
    """Whether the keys are text UTF-8 can encode and the undeclared values plain JSON, ``level`` containers deep."""
    return all(
        isinstance(k, str) and (k.isascii() or not _SURROGATE.search(k)) and (k in declared or is_clean(v, level))
        for k, v in value.items()
    )


def _in(value: Any, options: tuple[Any, ...]) -> bool:
    return any(json_equal(value, option) for option in options)


class _Writer:
    def __init__(self, delegate: Delegate) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {
            "_integer": _integer, "_number": _number, "_clean": is_clean, "_rest_clean": _rest_clean,
            "_in": _in, "_MISSING": object(), "_surrogate": _SURROGATE.search,
        }
        self.delegate = delegate
        self.counter = 0
        self.loops = 0  # for-loops open around the line being written

    def const(self, value: Any) -> str:
        name = f"_c{len(self.names)}"
        self.names[name] = value
        return name

    def var(self) -> str:
        self.counter += 1
        return f"v{self.counter}"

    def emit(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)

    def node(self, schema: Any, v: str, indent: int, level: int) -> None:
        """The checks of ``v``, a value inside ``level`` arrays and objects."""
        if schema is True or schema == {}:
            self.emit(indent, f"if not _clean({v}, {level}): return 2")
            return
        if schema is False:
            self.emit(indent, "return 2")
            return
        keywords = {k for k in schema if not k.startswith("x-")} - _ANNOTATIONS
        if (
            keywords - _KNOWN
            or not isinstance(schema.get("additionalProperties", False), bool)
            or ("items" in schema and not isinstance(schema["items"], (Mapping, bool)))
            or indent >= _MAX_INDENT  # code nested this deep Python does not compile: the delegate takes the rest
            or self.loops >= _MAX_LOOPS
        ):
            check = self.const(self.delegate(schema))
            self.emit(indent, f"if not (_clean({v}, {level}) and {check}({v})): return 2")
            return
        if level >= MAX_DEPTH:  # an array or object here is too deep whatever the schema says: look no further in
            self.emit(indent, f"if isinstance({v}, (dict, list)): return 2")
            schema = {k: child for k, child in schema.items() if k not in _NESTING}
        types = types_of(schema)
        if types:
            tests = [_TYPE_TESTS[t].format(v=v) for t in sorted(types, key=_CHEAP_FIRST.index)]
            self.emit(indent, f"if not ({' or '.join(tests)}): return 2")
            if wants_whole(types):
                self.emit(indent, f"if isinstance({v}, float): w = 1")  # 1.0 is an integer, but goes out as 1.0
        else:
            self.emit(indent, f"if not _clean({v}, {level}): return 2")
        if "enum" in schema:
            self.emit(indent, f"if not _in({v}, {self.const(tuple(schema['enum']))}): return 2")
        if "const" in schema:
            self.emit(indent, f"if not _in({v}, {self.const((schema['const'],))}): return 2")
        self._strings(schema, v, indent, types)
        self._numbers(schema, v, indent, types)
        self._arrays(schema, v, indent, types, level)
        self._objects(schema, v, indent, types, level)

    def _guard(self, indent: int, v: str, types: tuple[str, ...], kinds: tuple[str, ...], test: str) -> int:
        if types and set(types) <= set(kinds):
            return indent
        self.emit(indent, f"if {test.format(v=v)}:")
        return indent + 1

    def _strings(self, schema: Mapping[str, Any], v: str, indent: int, types: tuple[str, ...]) -> None:
        if types and "string" not in types:
            return
        wanted = [k for k in ("pattern", "minLength", "maxLength") if k in schema]
        if schema.get("format") in DATE_FORMATS:
            wanted.append("format")
        if not types and not wanted:
            return  # without a type the whole value was checked for plain JSON already
        indent = self._guard(indent, v, types, ("string",), "isinstance({v}, str)")
        if types:
            self.emit(indent, f"if not {v}.isascii() and _surrogate({v}): return 2")  # UTF-8 cannot encode it
        if "pattern" in schema:
            self.emit(indent, f"if not {self.const(re.compile(schema['pattern']).search)}({v}): return 2")
        if "minLength" in schema:
            self.emit(indent, f"if len({v}) < {int(schema['minLength'])}: return 2")
        if "maxLength" in schema:
            self.emit(indent, f"if len({v}) > {int(schema['maxLength'])}: return 2")
        if schema.get("format") in DATE_FORMATS:
            shape = DATE_FORMATS[schema["format"]].shape
            self.emit(indent, f"if {v} and not {self.const(shape.match)}({v}): w = 1")

    def _numbers(self, schema: Mapping[str, Any], v: str, indent: int, types: tuple[str, ...]) -> None:
        bounds = {"minimum": "<", "maximum": ">", "exclusiveMinimum": "<=", "exclusiveMaximum": ">="}
        wanted = [k for k in bounds if k in schema]
        if not wanted or (types and not {"integer", "number"} & set(types)):
            return
        indent = self._guard(
            indent, v, types, ("integer", "number"), "isinstance({v}, (int, float)) and not isinstance({v}, bool)"
        )
        for keyword in wanted:
            bound = schema[keyword]
            # 1e400 reads as inf, which has no literal: a bound that repr() cannot spell goes in as a constant
            literal = isinstance(bound, int) or (isinstance(bound, float) and math.isfinite(bound))
            spelled = repr(bound) if literal else self.const(bound)
            self.emit(indent, f"if {v} {bounds[keyword]} {spelled}: return 2")

    def _arrays(self, schema: Mapping[str, Any], v: str, indent: int, types: tuple[str, ...], level: int) -> None:
        wanted = [k for k in ("items", "minItems", "maxItems") if k in schema]
        if (types and "array" not in types) or (not types and not wanted):
            return
        indent = self._guard(indent, v, types, ("array",), "isinstance({v}, list)")
        if "minItems" in schema:
            self.emit(indent, f"if len({v}) < {int(schema['minItems'])}: return 2")
        if "maxItems" in schema:
            self.emit(indent, f"if len({v}) > {int(schema['maxItems'])}: return 2")
        if "items" in schema:
            item = self.var()
            self.emit(indent, f"for {item} in {v}:")
            self.loops += 1
            self.node(schema["items"], item, indent + 1, level + 1)
            self.loops -= 1
        elif types:  # without a type the whole value was checked for plain JSON already
            self.emit(indent, f"if not _clean({v}, {level}): return 2")

    def _objects(self, schema: Mapping[str, Any], v: str, indent: int, types: tuple[str, ...], level: int) -> None:
        wanted = [k for k in ("properties", "required", "additionalProperties") if k in schema]
        if (types and "object" not in types) or (not types and not wanted):
            return
        properties = schema.get("properties", {})
        indent = self._guard(indent, v, types, ("object",), "isinstance({v}, dict)")
        required = list(schema.get("required", []))
        for key in required:
            self.emit(indent, f"if {key!r} not in {v}: return 2")
        declared = self.const(frozenset(properties))
        if schema.get("additionalProperties", True) is False:
            self.emit(indent, f"if not {v}.keys() <= {declared}: return 2")
        else:
            self.emit(indent, f"if {v} and not _rest_clean({v}, {declared}, {level + 1}): return 2")
            if properties and schema.get(FREE_FORM):
                self.emit(indent, f"if not {v}.keys() <= {declared}: w = 1")
        grouped: dict[str, list[str]] = {}
        for key, child in properties.items():
            if key not in required and _plain(child):
                grouped.setdefault(child["type"], []).append(key)
        for kind, keys in grouped.items():
            found = f"map({v}.get, {self.const(tuple(keys))}, {self.const((_PLAIN_DEFAULTS[kind],) * len(keys))})"
            if kind == "string":
                # One C-level pass: join takes only text (a TypeError otherwise), and the joined text shows any surrogate.
                text = self.var()
                self.emit(indent, "try:")
                self.emit(indent + 1, f"{text} = ''.join({found})")
                self.emit(indent, "except TypeError:")
                self.emit(indent + 1, "return 2")
                self.emit(indent, f"if not {text}.isascii() and _surrogate({text}): return 2")
            else:
                # One C-level pass: all(map(isinstance, values found or defaults, repeat(type))).
                self.emit(indent, f"if not all(map(isinstance, {found}, {self.const(repeat(_PLAIN_TYPES[kind]))})): return 2")
        done = {key for keys in grouped.values() for key in keys}
        for key, child in properties.items():
            if key in done:
                continue
            item = self.var()
            if key in required:
                self.emit(indent, f"{item} = {v}[{key!r}]")
                self.node(child, item, indent, level + 1)
            else:
                self.emit(indent, f"{item} = {v}.get({key!r}, _MISSING)")
                self.emit(indent, f"if {item} is not _MISSING:")
                self.node(child, item, indent + 1, level + 1)


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


def compile_check(schema: Schema, delegate: Delegate, level: int = 0) -> Check:
    """A function body -> VALID, WARN (valid, but look for warnings) or INVALID; ``level``: how many containers enclose a body."""
    writer = _Writer(delegate)
    if isinstance(schema, Mapping) and has_inner_id(schema):
        whole = writer.const(delegate(schema))
        writer.emit(1, f"if not (_clean(v0, {level}) and {whole}(v0)): return 2")
        writer.emit(1, "return 1")  # the warnings' conventions were not looked at here
    else:
        writer.emit(1, "w = 0")
        writer.node(schema, "v0", 1, level)
        writer.emit(1, "return w")
    source = "def check(v0):\n" + "\n".join(writer.lines) + "\n"
    namespace = dict(writer.names)
    exec(compile(source, "<kapture_nb compiled schema>", "exec"), namespace)
    check: Check = namespace["check"]
    check.source = source
    return check
