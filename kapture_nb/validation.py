"""Validate bodies against the request schema: a fast yes/no path, and every error by path.

jsonschema is imported only when it is needed (it loads slowly): for the errors of an
invalid body, for keywords the compiler hands over, and to check a schema a user gives.
Nothing here raises on a body, however odd: values nested deeper than ``MAX_DEPTH``, a body
inside itself, text UTF-8 cannot encode and integers too long to write are errors by path,
and jsonschema only ever sees the body with those places cut out.
"""
from __future__ import annotations

import difflib
import math
import re
import sys
from collections.abc import Callable, Iterator, Mapping
from functools import lru_cache, partial
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from . import display, paths
from .compiled import INVALID, VALID, Check, Delegate, Schema, compile_check, has_inner_id, wants_whole
from .converters import is_plain_email
from .effects import unwritten
from .exceptions import BodyValidationError, ConfigurationError, SchemaError
from .jsonvalues import MAX_DEPTH, Problem, encodable, problems, surrogate_at, writable
from .orderframes import order_id_of
from .schema import DATE_FORMATS, FREE_FORM, MAX_ID, id_pattern, load_schema, types_of

if TYPE_CHECKING:
    from jsonschema import Draft7Validator, ValidationError
    from jsonschema.protocols import Validator as SchemaValidator

UPDATE_FLAG = "update-flag"  # the keyword of a warning about a field its section's update flag leaves unwritten
SHAPE = "x-shape"  # a schema annotation: what a text field holds (phone, email, pincode, country-code); warnings, never errors
PHONE, EMAIL, PINCODE = "phone", "email", "pincode"  # the shape warnings' keywords (a country code's warning is a phone one)
COUNTRY_CODE = "country-code"  # a telephone country code ("91"): the region its object's phones are read for
SHAPES = (PHONE, EMAIL, PINCODE, COUNTRY_CODE)
DEFAULT_REGION = "IN"
ERROR_COLUMNS = ["path", "message", "keyword", "value", "severity"]
_PATTERN_WORDS = {
    "^[0-9]+$": "a string of digits",
    "^0*[1-9][0-9]*$": "a string of digits",  # an order id: all zeros is no id (the integer form has minimum 1)
    "^[0-9]*$": "a string of digits, or empty",
    id_pattern(): "a string of digits",  # the shipped schema's ids: 1 to MAX_ID, spelled out digit by digit
    id_pattern(empty=True): "a string of digits, or empty",
}
_ID_LIMIT = f"{MAX_ID} (2^63-1: ids are 64-bit)"
_GONE = object()
_CUT = {"depth", "cycle", "digits", "type"}  # what jsonschema must not see: it would recurse without end, or fail to show it
_TYPE_WORDS = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "object": "an object",
    "array": "an array",
    "null": "null",
}


class FieldError(NamedTuple):
    """One problem in a body: where, what, which schema keyword, and the value found there."""

    path: paths.Path
    message: str
    keyword: str
    value: Any
    severity: str = "error"


def shorten(value: Any, limit: int = 80) -> Any:
    """The value itself when short; otherwise a string cut to ``limit`` characters.

    Arrays and objects are shown by their repr, built only as far as ``limit`` (so a value nested
    100,000 deep, or inside itself, costs no more); text UTF-8 cannot encode has its surrogates
    escaped, so that every report can be printed and shown.
    """
    if isinstance(value, str):
        text = value if encodable(value) else printable(value)
    elif isinstance(value, (dict, list, tuple)):
        text = _repr_prefix(value, limit + 1)
    elif isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > 3 * limit:
        text = repr(value) if writable(value) else _too_long(value)
    else:
        return value
    if text is value and len(text) <= limit:
        return value
    return text if len(text) <= limit else text[: limit - 1] + "…"


def printable(text: str) -> str:
    """The text with any surrogate code point escaped (``\\ud800``): UTF-8 can encode the result, so it prints."""
    return text if encodable(text) else display.printable(text)


def _digit_count(number: int) -> int:
    """How many digits the integer has, without writing it out (Python refuses to beyond its limit)."""
    size = abs(number)
    digits = int((size.bit_length() - 1) * 0.30102999566398120) + 1 if size else 1
    return digits + 1 if size >= 10**digits else digits


def _too_long(number: int) -> str:
    return f"<an integer of {_digit_count(number)} digits>"


def _repr_prefix(value: Any, size: int) -> str:
    """The start of ``repr(value)``, ``size`` characters of it or more when it is that long; never recurses.

    Arrays and objects inside themselves show as ``{...}`` and ``[...]``, as repr shows them.
    """
    out: list[str] = []
    length = 0
    open_ids: set[int] = set()
    stack: list[tuple[Iterator[tuple[bool, Any]], int]] = [(iter([(False, value)]), 0)]
    while stack and length < size:
        pieces, ident = stack[-1]
        step = next(pieces, None)
        if step is None:
            stack.pop()
            open_ids.discard(ident)
            continue
        is_text, item = step
        if is_text:
            piece = item
        elif isinstance(item, (dict, list, tuple)):
            if id(item) not in open_ids:
                open_ids.add(id(item))
                stack.append((_repr_pieces(item), id(item)))
                continue
            piece = "{...}" if isinstance(item, dict) else "[...]" if isinstance(item, list) else "(...)"
        elif isinstance(item, str):
            piece = repr(item[:size])
        elif isinstance(item, int) and not isinstance(item, bool) and not writable(item):
            piece = _too_long(item)
        else:
            piece = repr(item)
        out.append(piece)
        length += len(piece)
    return "".join(out)


def _repr_pieces(container: dict[Any, Any] | list[Any] | tuple[Any, ...]) -> Iterator[tuple[bool, Any]]:
    """A container's repr as (is text, text or value to show) pieces."""
    if isinstance(container, dict):
        yield True, "{"
        for index, (key, child) in enumerate(container.items()):
            if index:
                yield True, ", "
            yield False, key
            yield True, ": "
            yield False, child
        yield True, "}"
        return
    opening, closing = ("[", "]") if isinstance(container, list) else ("(", ",)" if len(container) == 1 else ")")
    yield True, opening
    for index, child in enumerate(container):
        if index:
            yield True, ", "
        yield False, child
    yield True, closing


def _describe(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    kind = {str: "string", int: "integer", float: "number", dict: "object", list: "array"}.get(type(value))
    if kind is None:
        kind = f"{type(value).__module__}.{type(value).__name__}".replace("builtins.", "")
    shown = shorten(value, 40)
    return f"{kind} {shown!r}" if not isinstance(value, (dict, list)) else kind


class ValidationReport:
    """Every error and warning found in one body; ``.ok`` when there are no errors."""

    __slots__ = ("_later", "_warnings", "errors")

    def __init__(
        self,
        errors: list[FieldError] | None = None,
        warnings: list[FieldError] | None = None,
        later: Callable[[], list[FieldError]] | None = None,
    ) -> None:
        self.errors = errors or []
        self._warnings = warnings or []
        self._later = later  # more warnings, found when first asked for: a send or a check of .ok never pays for them

    @property
    def warnings(self) -> list[FieldError]:
        """The warnings: conventions the page does not state, fields an update flag leaves unwritten, and shapes."""
        if self._later is not None:
            self._warnings = self._warnings + self._later()
            self._later = None
        return self._warnings

    @property
    def ok(self) -> bool:
        return not self.errors

    def __bool__(self) -> bool:
        return self.ok

    def to_frame(self, warnings: bool = True) -> pd.DataFrame:
        """The errors (and warnings) as a DataFrame with columns path, message, keyword, value, severity."""
        rows = self.errors + (self.warnings if warnings else [])
        return pd.DataFrame([tuple(r) for r in rows], columns=ERROR_COLUMNS, dtype=object)

    def raise_for_errors(self) -> ValidationReport:
        """Raise ``BodyValidationError`` if there are errors; otherwise return the report."""
        if self.errors:
            raise BodyValidationError(self)
        return self

    def __repr__(self) -> str:
        if self.ok:
            return f"<ValidationReport ok, {len(self.warnings)} warning(s)>"
        first = self.errors[0]
        where = printable(str(first.path)) or "(body)"
        return f"<ValidationReport {len(self.errors)} error(s), first at {where}: {printable(first.message)}>"

    def _repr_html_(self) -> str:
        head = (
            "<b>valid</b>" if self.ok else f"<b style='color:#b00'>{len(self.errors)} error(s)</b>"
        ) + f", {len(self.warnings)} warning(s)"
        if not (self.errors or self.warnings):
            return display.box(head, "kapture-report")
        cells = "".join(
            "<tr>" + "".join(f"<td>{display.cell(c)}</td>" for c in (e.severity, e.path, e.message, e.value)) + "</tr>"
            for e in self.errors + self.warnings
        )
        return display.box(
            f"{head}<table><thead><tr><th>severity</th><th>path</th><th>message</th><th>value</th></tr></thead>"
            f"<tbody>{cells}</tbody></table>",
            "kapture-report",
        )


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Shaped(NamedTuple):
    """A field with a shape (``x-shape``, or an e-mail ``format``): where, which shape, and its object's country-code key."""

    pattern: tuple[str, ...]
    shape: str
    code_key: str | None


class _Rules:
    """Where warnings can arise: date-shaped strings, whole numbers, free-form objects with declared keys, and shapes."""

    def __init__(self, schema: Schema) -> None:
        self.dates: list[tuple[tuple[str, ...], str]] = []
        self.whole: list[tuple[str, ...]] = []
        self.declared: list[tuple[tuple[str, ...], list[str]]] = []
        self.shapes: list[_Shaped] = []
        self._walk(schema, (), None, ())
        sections = schema.get("properties") if isinstance(schema, Mapping) else None
        # An order body's schema: its sections carry update flags, which decide what an update writes.
        self.flags = isinstance(sections, Mapping) and isinstance(sections.get("order_info"), Mapping)

    def _walk(self, node: Any, at: tuple[str, ...], code_key: str | None, location: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        if wants_whole(types_of(node)):
            self.whole.append(at)
        if node.get(FREE_FORM) and node.get("properties") and node.get("additionalProperties", True) is not False:
            self.declared.append((at, list(node["properties"])))
        if node.get("format") in DATE_FORMATS:
            self.dates.append((at, node["format"]))
        shape = node.get(SHAPE, EMAIL if node.get("format") in ("email", "idn-email") else None)
        if shape is not None:
            if shape not in SHAPES:
                where = paths.join(at) or "the root"
                reason = f"{shape!r} is none of {', '.join(SHAPES)}"
                raise SchemaError(f"{SHAPE} at {where}: {reason}", (*location, SHAPE), reason)
            self.shapes.append(_Shaped(at, shape, code_key if shape == PHONE else None))
        properties = node.get("properties", {})
        codes = [key for key, child in properties.items() if isinstance(child, Mapping) and child.get(SHAPE) == COUNTRY_CODE]
        if len(codes) > 1:
            where = paths.join(at) or "the root"
            reason = f"{len(codes)} country codes ({', '.join(codes)}) in one object; its phones need one"
            raise SchemaError(
                f"{SHAPE}: {where} has {len(codes)} country codes ({', '.join(codes)}); its phones need one", location, reason
            )
        for key, child in properties.items():
            self._walk(child, (*at, key), codes[0] if codes else None, (*location, "properties", key))
        self._walk(node.get("items"), (*at, paths.WILDCARD), None, (*location, "items"))


def _problem_error(problem: Problem) -> FieldError:
    """A value JSON cannot carry, as the error that says what to do about it."""
    at, kind, value = paths.join(problem.parts), problem.kind, problem.value
    if kind == "key":
        return FieldError(at, f"key {value!r} is not a string", "json", shorten(value))
    if kind == "nan":
        return FieldError(at, f"{value} is not valid JSON; leave the key out, or send \"\" or null", "json", value)
    if kind == "digits":
        message = (
            f"an integer of {_digit_count(value)} digits: Python writes JSON integers of at most "
            f"{sys.get_int_max_str_digits()} digits (sys.get_int_max_str_digits())"
        )
        return FieldError(at, message, "json", _too_long(value))
    if kind in ("encoding", "key-encoding"):
        position = surrogate_at(value)
        what = "key" if kind == "key-encoding" else "text"
        message = (
            f"{what} UTF-8 cannot encode: a lone surrogate {value[position]!r} at position {position} "
            "(text decoded with errors='surrogateescape', or a \\ud800 escape in JSON); fix or drop it"
        )
        return FieldError(at, message, "encoding", shorten(value))
    if kind == "depth":
        message = (
            f"arrays and objects nest deeper than {MAX_DEPTH} levels here (the body is level 1), more than "
            "the toolkit and the sandbox take: flatten it, or send it as text"
        )
        return FieldError(at, message, "depth", shorten(value))
    if kind == "cycle":
        where = paths.join(problem.back_to or ()) or "the body"
        shape = "object" if isinstance(value, dict) else "array"
        message = f"this {shape} contains itself: it is {printable(str(where))}, which encloses it; JSON cannot encode a cycle"
        return FieldError(at, message, "cycle", shorten(value))
    name = f"{type(value).__module__}.{type(value).__name__}"
    shown = shorten(_repr_prefix(value, 81))  # a tuple may hold anything, however deep
    return FieldError(at, f"{name} is not a JSON type; convert it to str, int, float or bool first", "json", shown)


def _cut(value: Any, level: int = 0, open_ids: frozenset[int] = frozenset()) -> Any:
    """A copy of the value that jsonschema can walk and show: what is too deep, a cycle, too long to write
    or no JSON type at all (its repr could be anything) becomes None.

    Recurses at most ``MAX_DEPTH`` levels; only used for a body that has such places.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        return value if writable(value) else None
    if isinstance(value, (str, float, bool)) or value is None:
        return value
    if not isinstance(value, (dict, list)):
        return None
    if level >= MAX_DEPTH or id(value) in open_ids:
        return None
    inside = open_ids | {id(value)}
    if isinstance(value, dict):
        return {key: _cut(child, level + 1, inside) for key, child in value.items()}
    return [_cut(child, level + 1, inside) for child in value]


class _Sections:
    """The full error search, section by section: jsonschema only walks the top-level values that fail.

    jsonschema checks every key of a body; when one field is wrong that is most of the
    time spent. Each top-level property gets its own compiled check, and the root
    itself is checked with its properties' schemas emptied (type, required, unknown keys).
    """

    def __init__(self, schema: Schema, full: SchemaValidator, delegate: Delegate) -> None:
        self.full = full
        self.root = full
        self.parts: dict[str, tuple[Check, SchemaValidator]] = {}
        # Draft 7 ignores the siblings of a root $ref, and below an inner $id a subtree alone resolves $ref
        # from the wrong base: there only the whole schema gives the right errors.
        if (
            not isinstance(schema, Mapping)
            or not isinstance(schema.get("properties"), Mapping)
            or "$ref" in schema
            or has_inner_id(schema)
        ):
            return
        properties: Mapping[str, Schema] = schema["properties"]
        self.root = full.evolve(schema={**schema, "properties": {key: {} for key in properties}})
        self.parts = {
            key: (compile_check(child, delegate, level=1), full.evolve(schema=child)) for key, child in properties.items()
        }

    def iter_errors(self, body: Any) -> Iterator[tuple[tuple[str, ...], ValidationError]]:
        """Each error with the top-level key it was found under (empty for the root)."""
        if not isinstance(body, dict) or not self.parts:
            for error in self.full.iter_errors(body):
                yield (), error
            return
        for error in self.root.iter_errors(body):
            yield (), error
        for key, value in body.items():
            part = self.parts.get(key)
            if part is not None and part[0](value) == INVALID:
                for error in part[1].iter_errors(value):
                    yield (key,), error


def _draft7() -> type[Draft7Validator]:
    """jsonschema's draft-7 validator class, imported on first use."""
    from jsonschema import Draft7Validator

    return Draft7Validator


_ONE_SCHEMA = ("items", "additionalItems", "contains", "propertyNames", "if", "then", "else", "not")
_SCHEMA_LISTS = ("items", "allOf", "anyOf", "oneOf")
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "dependencies")
_IN_PLACE = ("allOf", "anyOf", "oneOf", "not", "if", "then", "else", "dependencies")  # keywords that judge the value itself


def _check_schema(schema: Schema) -> None:
    """A schema a user gives: a draft-7 JSON Schema whose every ``$ref`` resolves, or a SchemaError saying where."""
    from jsonschema.exceptions import SchemaError as JsonSchemaError

    try:
        _draft7().check_schema(schema)
    except JsonSchemaError as exc:
        location = tuple(exc.absolute_path)
        reason = f"not a valid JSON Schema: {exc.message}"
        raise SchemaError(f"{_pointer(location)}: {reason}", location, reason) from exc
    _check_refs(schema)


def _check_refs(schema: Schema) -> None:
    """Resolve every ``$ref`` now, as jsonschema would (the meta-schemas are known), or raise a SchemaError at the first
    that leads nowhere, or back to itself without going into the value (validation would never end).

    Another document is never fetched: jsonschema would fetch it over the network when a body first reached it.
    """
    if not isinstance(schema, Mapping):
        return
    # the meta-schemas jsonschema resolves without fetching them; the package ships no type information
    from jsonschema_specifications import REGISTRY  # type: ignore[import-untyped]
    from referencing.exceptions import Unresolvable
    from referencing.jsonschema import DRAFT7

    places: dict[int, tuple[str | int, ...]] = {}
    refs: dict[int, str] = {}
    in_place: dict[int, list[int]] = {}  # a node -> the nodes that judge the same value (a $ref, allOf, not...)
    stack: list[tuple[Mapping[str, Any], Any, tuple[str | int, ...]]] = [
        (schema, REGISTRY.resolver_with_root(DRAFT7.create_resource(schema)), ())
    ]
    while stack:  # not recursive: a user's schema may nest deeper than Python's stack
        node, resolver, location = stack.pop()
        places.setdefault(id(node), location)
        resolver = resolver.in_subresource(DRAFT7.create_resource(node))  # an $id here changes the base of what is below
        ref = node.get("$ref")
        if isinstance(ref, str):
            try:
                target = resolver.lookup(ref).contents
            except Unresolvable as exc:
                at, reason = (*location, "$ref"), _unresolved(ref, exc)
                raise SchemaError(f"{_pointer(at)}: {reason}", at, reason) from None
            refs[id(node)] = ref
            in_place[id(node)] = [id(target)]  # draft 7: a $ref's siblings are not applied
        else:
            in_place[id(node)] = [id(child) for _, child in _subschemas(node, _IN_PLACE)]
        below = [(child, (*location, *key)) for key, child in _subschemas(node) if isinstance(child, Mapping)]
        stack += [(child, resolver, at) for child, at in reversed(below)]  # popped in the schema's own order
    looped = _loop(in_place, refs)
    if looped is not None:
        at = (*places[looped], "$ref")
        reason = (
            f"{refs[looped]!r} leads back here through $refs and keywords that judge the same value "
            f"({', '.join(_IN_PLACE)}) without going into it: validation would never end"
        )
        raise SchemaError(f"{_pointer(at)}: {reason}", at, reason)


def _loop(edges: dict[int, list[int]], refs: dict[int, str]) -> int | None:
    """A node with a $ref on a cycle of ``edges``, or None (a schema is a tree: only a $ref closes a cycle)."""
    state: dict[int, bool] = {}  # False: on the current path; True: done
    for start in edges:
        if start in state:
            continue
        path: list[tuple[int, Iterator[int]]] = [(start, iter(edges[start]))]
        state[start] = False
        while path:
            node, children = path[-1]
            child = next(children, None)
            if child is None:
                state[node] = True
                path.pop()
            elif state.get(child) is False:
                on_path = [member for member, _ in path]
                return next(member for member in on_path[on_path.index(child):] if member in refs)
            elif child not in state and child in edges:
                state[child] = False
                path.append((child, iter(edges[child])))
    return None


_ALL_BELOW = tuple(dict.fromkeys((*_ONE_SCHEMA, "additionalProperties", *_SCHEMA_LISTS, *_SCHEMA_MAPS)))


def _subschemas(node: Mapping[str, Any], keys: tuple[str, ...] = _ALL_BELOW) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """The subschemas right below a schema node under these keywords, each with its keys from the node (draft 7)."""
    for key in keys:
        value = node.get(key)
        if isinstance(value, list) and key in _SCHEMA_LISTS:
            yield from (((key, position), child) for position, child in enumerate(value))
        elif isinstance(value, Mapping) and key in _SCHEMA_MAPS:
            yield from (((key, name), child) for name, child in value.items())
        elif key in node and not isinstance(value, list) and key not in _SCHEMA_MAPS:
            yield (key,), value


def _unresolved(ref: str, exc: Exception) -> str:
    """Why a ``$ref`` leads nowhere, in words (referencing's own message prints the whole schema)."""
    from referencing.exceptions import NoSuchAnchor, PointerToNowhere

    if isinstance(exc, PointerToNowhere):
        return f"{ref!r} points to nothing in the schema"
    if isinstance(exc, NoSuchAnchor):
        return f'{ref!r} names no anchor (an $id such as "#{exc.anchor}") in the schema'
    return f"{ref!r} points to another document, which is never fetched: copy what it needs into the schema's definitions"


def _pointer(location: tuple[str | int, ...]) -> str:
    """A place in a schema as a JSON pointer fragment: ``#/properties/a``."""
    return "#" + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in location)


def _false_spelled_out(node: Any) -> Any:
    """The schema with every false subschema written ``{"not": {}}``, which means the same.

    jsonschema reports a false subschema's error at its parent's path (its ``descend``
    returns before adding the key); the ``not`` keyword's error carries the full path.
    ``additionalProperties: false`` stays, for its own error naming the unknown keys.
    """
    if node is False:
        return {"not": {}}
    if not isinstance(node, Mapping):
        return node
    spelled = dict(node)
    for key in _ONE_SCHEMA:
        if key in spelled and not isinstance(spelled[key], list):
            spelled[key] = _false_spelled_out(spelled[key])
    for key in _SCHEMA_LISTS:
        if isinstance(spelled.get(key), list):
            spelled[key] = [_false_spelled_out(child) for child in spelled[key]]
    for key in _SCHEMA_MAPS:
        if isinstance(spelled.get(key), Mapping):
            spelled[key] = {name: _false_spelled_out(child) for name, child in spelled[key].items()}
    return spelled


class Validator:
    """A schema compiled once: ``is_valid`` answers fast, ``validate`` reports every error by path.

    ``region``: the region libphonenumber reads phone numbers for (a contact's own ``country_code`` wins);
    None turns the phone warnings off. ``check=False`` skips checking the schema, for one cut from a schema
    a Validator has already checked.
    """

    def __init__(self, schema: Schema | None = None, *, region: str | None = DEFAULT_REGION, check: bool = True) -> None:
        self.schema: Schema
        if schema is None:
            self.schema = load_schema()  # shipped and tested against the meta-schema: no jsonschema needed
        else:
            self.schema = dict(schema) if isinstance(schema, Mapping) else schema
            if check:
                _check_schema(self.schema)
        self.region = checked_region(region)
        self._jsonschema: SchemaValidator | None = None
        self._split: _Sections | None = None
        self._check = compile_check(self.schema, self._delegate)
        self._rules = _Rules(self.schema)
        self._shapes = [rule for rule in self._rules.shapes if self.region is not None or rule.shape not in (PHONE, COUNTRY_CODE)]
        self._lazy = self._rules.flags or bool(self._shapes)
        # Exports repeat values (the employees' e-mails): each is judged once per validator.
        self._phone_why = lru_cache(maxsize=_MEMO)(_phone_why)
        self._email_why = lru_cache(maxsize=_MEMO)(_email_why)

    def _full(self) -> SchemaValidator:
        """jsonschema's validator of the whole schema, made on first need."""
        if self._jsonschema is None:
            self._jsonschema = _draft7()(_false_spelled_out(self.schema))
        return self._jsonschema

    def _sections(self) -> _Sections:
        """The section-by-section error search, made on first need."""
        if self._split is None:
            self._split = _Sections(self._full().schema, self._full(), self._delegate)
        return self._split

    def _delegate(self, part: Mapping[str, Any]) -> Callable[[Any], bool]:
        """jsonschema's check of a subschema, resolving its ``$ref`` from the root."""
        return self._full().evolve(schema=part).is_valid

    def __repr__(self) -> str:
        title = self.schema.get("title", "schema") if isinstance(self.schema, Mapping) else self.schema
        return f"<Validator {title!r}>"

    def is_valid(self, body: Any) -> bool:
        """Whether the body has no errors, without collecting them."""
        return self._check(body) != INVALID

    def is_clean(self, body: Any) -> bool:
        """Whether the body has neither an error nor a warning, when that is known without collecting them."""
        if self._check(body) != VALID:
            return False
        return not self._shapes and not (self._rules.flags and isinstance(body, dict) and order_id_of(body) is not None)

    def validate(self, body: Any) -> ValidationReport:
        """Every error and warning in the body."""
        verdict = self._check(body)
        later = partial(self._later, body) if self._lazy and isinstance(body, dict) else None
        if verdict == VALID:
            return ValidationReport(later=later)
        errors = self.errors(body) if verdict == INVALID else []
        return ValidationReport(errors, self._warnings(body) if isinstance(body, dict) else [], later=later)

    def _later(self, body: dict[str, Any]) -> list[FieldError]:
        """The warnings found only when asked for: fields the update flags leave unwritten, and shapes."""
        return (_flag_warnings(body) if self._rules.flags else []) + self._shape_warnings(body)

    def _shape_warnings(self, body: dict[str, Any]) -> list[FieldError]:
        """Phones libphonenumber rejects, e-mails of wrong syntax, PIN codes that are not 6 digits, unknown country codes."""
        found = []
        for rule in self._shapes:
            for at, value in paths.expand(body, rule.pattern):
                if value is None or isinstance(value, bool) or (isinstance(value, str) and not value):  # no value, or no shape's
                    continue
                message = self._shape_message(body, rule, at, value)
                if message is not None:
                    keyword = PHONE if rule.shape == COUNTRY_CODE else rule.shape
                    found.append(FieldError(paths.join(at), message, keyword, shorten(value), "warning"))
        return found

    def _shape_message(self, body: dict[str, Any], rule: _Shaped, at: tuple[str, ...], value: Any) -> str | None:
        """What is wrong with this value of that shape, or None when nothing is (or the schema judges its type)."""
        shown = shorten(value, 60)
        if rule.shape == PINCODE:
            return _pincode_message(value)
        if rule.shape == COUNTRY_CODE:
            if not isinstance(value, (str, int)) or _calling_region(value) is not None:
                return None
            return (
                f"{shown!r} is not a telephone country code libphonenumber knows (its digits, as '91' for India); "
                f"the phones beside it are read for region {self.region}"
            )
        if not isinstance(value, str):
            return None
        if rule.shape == EMAIL:
            why = self._email_why(value)
            return None if why is None else f"{shown!r} is not a valid e-mail address (email-validator: {why})"
        assert self.region is not None  # the phone rules are dropped without a region
        reading, source = self.region, ""
        if rule.code_key is not None:
            code = paths.get_parts(body, (*at[:-1], rule.code_key))
            calling = _calling_region(code)
            if calling is not None:
                reading, source = calling, f", from {rule.code_key} {shorten(code, 20)!r}"
        why = self._phone_why(value, reading)
        if why is None:
            return None
        where = f"region {reading}" if reading.isalpha() else f"country code {reading}"
        spreadsheet = _NUMBER_TEXT.match(value.strip())
        hint = "; it reads like a number a spreadsheet wrote: read the column as text" if spreadsheet else ""
        return f"{shown!r} is not a valid phone number (libphonenumber, read for {where}{source}: {why}){hint}"

    def errors(self, body: Any) -> list[FieldError]:
        """Every error in the body, found the thorough way (``validate`` calls it only when ``is_valid`` fails)."""
        unjson = list(problems(body))
        found = [_problem_error(problem) for problem in unjson]
        unusable = {e.path for e in found}
        seen: set[tuple[paths.Path, str, str]] = set()
        walkable = _cut(body) if any(problem.kind in _CUT for problem in unjson) else body
        for prefix, error in self._sections().iter_errors(walkable):
            for field_error in _explain(error, prefix):
                if field_error.path in unusable or field_error[:3] in seen:
                    continue
                seen.add(field_error[:3])
                if walkable is not body and field_error.keyword != "required":  # show the value given, not its cut copy
                    given = paths.get_parts(body, paths.parse(field_error.path), _GONE)
                    field_error = field_error._replace(value=field_error.value if given is _GONE else shorten(given))
                found.append(field_error)
        return sorted(found, key=lambda e: _order_key(body, e.path))

    def _warnings(self, body: dict[str, Any]) -> list[FieldError]:
        warnings = []
        for pattern, fmt in self._rules.dates:
            shape, spelled = DATE_FORMATS[fmt].shape, DATE_FORMATS[fmt].spelled
            for at, value in paths.expand(body, pattern):
                if isinstance(value, str) and value and not shape.match(value):
                    warnings.append(
                        FieldError(
                            paths.join(at),
                            f"{value!r} is not in the {spelled} form other Kapture pages use (this page gives no date format)",
                            "format",
                            shorten(value),
                            "warning",
                        )
                    )
        for pattern in self._rules.whole:
            for at, value in paths.expand(body, pattern):
                if isinstance(value, float) and math.isfinite(value) and value.is_integer():
                    warnings.append(
                        FieldError(
                            paths.join(at),
                            f"{value!r} is a float and goes out as {value!r}; send the whole number {int(value)}"
                            " (an int, or its digits as text): a column with gaps turns ids into floats",
                            "integer",
                            value,
                            "warning",
                        )
                    )
        for pattern, declared in self._rules.declared:
            for at, value in paths.expand(body, pattern):
                if isinstance(value, dict):
                    for key in value.keys() - set(declared):
                        warnings.append(
                            FieldError(
                                paths.join((*at, str(key))),
                                f"{key!r} is not a declared associate field{_suggest(str(key), declared)}",
                                "undeclared",
                                shorten(value[key]),
                                "warning",
                            )
                        )
        return warnings


def _order_key(body: Any, path: paths.Path) -> tuple[int, ...]:
    """Errors sort in body order: by each part's position in its container."""
    key: list[int] = []
    node = body
    for part in paths.parse(path):
        if isinstance(node, dict):
            keys = list(node)
            key.append(keys.index(part) if part in node else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and paths.is_index(part):
            key.append(int(part))
            node = node[int(part)] if int(part) < len(node) else None
        else:
            key.append(0)
    return tuple(key)


def _expected(schema: Mapping[str, Any]) -> str:
    words = [_TYPE_WORDS.get(t, t) for t in types_of(schema)]
    if "pattern" in schema and "string" in types_of(schema):
        digits = _PATTERN_WORDS.get(schema["pattern"], f"a string matching {schema['pattern']}")
        words = [digits if w == "a string" else w for w in words]
    return " or ".join(words)


def _explain(error: ValidationError, prefix: tuple[str, ...] = ()) -> Iterator[FieldError]:
    """Turn one jsonschema error (found under ``prefix``) into FieldErrors with a message a person understands."""
    at = prefix + tuple(str(p) for p in error.absolute_path)
    # The stubs allow "unset" here; jsonschema sets both on every error it yields.
    wanted: Any = error.validator_value
    value: Any = error.instance
    # A false schema is no keyword (jsonschema leaves the validator None); spelled out, it is {"not": {}}.
    keyword = error.validator if isinstance(error.validator, str) and (error.validator, wanted) != ("not", {}) else "false"
    schema = error.schema if isinstance(error.schema, Mapping) else {}
    if keyword == "required":
        for key in wanted:
            if isinstance(value, dict) and key not in value:
                yield FieldError(paths.join((*at, key)), f"{key} is required", "required", None)
    elif keyword == "additionalProperties":
        known = list(schema.get("properties", {}))
        patterns = list(schema.get("patternProperties", {}))
        where = paths.join(at) or "the body"
        for key in value:
            if key not in known and not any(re.search(pattern, str(key)) for pattern in patterns):
                yield FieldError(
                    paths.join((*at, str(key))),
                    f"unknown key {key!r} in {where}{_suggest(str(key), known)}",
                    "additionalProperties",
                    shorten(value[key]),
                )
    else:
        words = _MESSAGES[keyword](wanted, value, schema) if keyword in _MESSAGES else error.message
        yield FieldError(paths.join(at), words, keyword, shorten(value))


def _pattern_message(wanted: Any, value: Any, schema: Mapping[str, Any]) -> str:
    said = f"expected {_expected(schema)}, got {_describe(value)}"
    ids = {"integer", "string"} <= set(types_of(schema))  # an id: an integer or its digits as text
    if ids and isinstance(value, str) and value.isascii() and value.isdigit():
        digits = value.lstrip("0")
        if not digits:
            return f"{said}: all zeros is no id"
        if len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
            return f"{said}: {len(digits)} digits, above {_ID_LIMIT}"
        return said
    if not (ids and isinstance(value, str) and _NUMBER_TEXT.match(value.strip())):
        return said
    whole, _, decimals = value.strip().partition(".")
    if whole and decimals and not decimals.strip("0"):
        return f"{said}: a whole number written with a decimal point; send its digits, {whole!r}"
    shape = "scientific notation" if "e" in value.lower() else "a number with a decimal part"
    return f"{said}: {shape}, its digits are lost (read the column as text, not as numbers)"


# Possessive: a long run of digits costs one pass, not a pass per split point.
_NUMBER_TEXT = re.compile(r"(?:[0-9]++|[0-9]*+\.[0-9]++)[eE][+-]?[0-9]++\Z|[0-9]*+\.[0-9]++\Z")


def _flag_warnings(body: dict[str, Any]) -> list[FieldError]:
    """Fields an update sets in sections whose update flag is false: Kapture will not write them."""
    if order_id_of(body) is None:
        return []  # an Add: a new order takes every value
    found = []
    for parts, value in unwritten(body):
        flag = (*parts[:2], "update") if parts[0] == "contact_info" else (parts[0], "update")
        state = "false" if paths.get_parts(body, flag) is False else "missing (false)"
        message = f"{paths.join(parts)} is set but {paths.join(flag)} is {state}: Kapture will not update it"
        found.append(FieldError(paths.join(parts), message, UPDATE_FLAG, shorten(value), "warning"))
    return found


_MEMO = 4096  # values each validator remembers the verdict of, per shape
_CALLING_CODE = re.compile(r"\+?([1-9][0-9]{0,2})\Z")


def checked_region(region: Any) -> str | None:
    """The region phones are read for: None (no phone check), or a region code libphonenumber knows."""
    if region is None:
        return None
    if isinstance(region, str) and region == DEFAULT_REGION:
        return DEFAULT_REGION  # the default needs no look-up (nor the library's import)
    import phonenumbers

    if isinstance(region, str) and region in phonenumbers.SUPPORTED_REGIONS:
        return region
    raise ConfigurationError(
        f"region is a region code libphonenumber knows (IN, US, GB...), or None for no phone check; got {region!r}"
    )


def _calling_region(code: Any) -> str | None:
    """What a telephone country code ("91", "+91", 91) reads phones for: a region ("IN"), or "+800" for a code of no
    region; None when it is no code libphonenumber knows."""
    text = str(code) if isinstance(code, int) and not isinstance(code, bool) else code
    found = _CALLING_CODE.match(text) if isinstance(text, str) else None
    if found is None:
        return None
    import phonenumbers

    number = int(found[1])
    region = phonenumbers.region_code_for_country_code(number)
    if region == phonenumbers.UNKNOWN_REGION:
        return None
    return f"+{number}" if region == phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY else str(region)


def _phone_why(text: str, reading: str) -> str | None:
    """Why libphonenumber rejects the number read for ``reading`` (a region, or "+800" for a code of no region); None if valid."""
    import phonenumbers

    try:
        if reading.isalpha():
            number = phonenumbers.parse(text, reading)
        else:  # a code of no region: the text is the number after it, unless it has its own
            number = phonenumbers.parse(text if text.lstrip().startswith("+") else reading + text, None)
    except phonenumbers.NumberParseException as exc:
        reason = str(exc.args[0]).rstrip(".")
        return reason[:1].lower() + reason[1:]
    if phonenumbers.is_valid_number(number):
        return None
    result = phonenumbers.ValidationResult
    words = {
        result.IS_POSSIBLE: "no number in use has these digits",
        result.IS_POSSIBLE_LOCAL_ONLY: "a local number without its area code",
        result.INVALID_COUNTRY_CODE: "its country code is no country's",
        result.TOO_SHORT: "too short",
        result.TOO_LONG: "too long",
        result.INVALID_LENGTH: "no number there has this many digits",
    }
    return words.get(phonenumbers.is_possible_number_with_reason(number), "not a valid number")


def _email_why(text: str) -> str | None:
    """Why email-validator rejects the address's syntax (no network); None if valid."""
    if is_plain_email(text):
        return None
    from email_validator import EmailNotValidError, validate_email

    try:
        validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        reason = str(exc).rstrip(".")
        return reason[:1].lower() + reason[1:]
    return None


def _pincode_message(value: Any) -> str | None:
    """What is wrong with a PIN code (6 digits, as text or an int); None when nothing is, or the value is no text or int."""
    if isinstance(value, str):
        if len(value) == 6 and value.isascii() and value.isdigit():
            return None
    elif not isinstance(value, int) or 100_000 <= value <= 999_999:
        return None
    return f"{shorten(value, 60)!r} is not a PIN code: Indian PIN codes are 6 digits, as '560001'"


_MESSAGES: dict[str, Callable[[Any, Any, Mapping[str, Any]], str]] = {
    "false": lambda w, v, s: f"no value is allowed here, got {_describe(v)}",
    "type": _pattern_message,
    "pattern": _pattern_message,
    "minLength": lambda w, v, s: "must not be empty" if w == 1 else f"must be at least {w} characters long",
    "maxLength": lambda w, v, s: f"must be at most {w} characters long",
    "minimum": lambda w, v, s: f"must be at least {w}, got {shorten(v, 40)}",
    "maximum": lambda w, v, s: f"must be at most {_ID_LIMIT if w == MAX_ID else w}, got {shorten(v, 40)}",
    "enum": lambda w, v, s: f"must be one of {', '.join(map(repr, w))}; got {_describe(v)}",
    "const": lambda w, v, s: f"must be {w!r}, got {_describe(v)}",
    "minItems": lambda w, v, s: f"needs at least {w} item(s), has {len(v)}",
    "maxItems": lambda w, v, s: f"takes at most {w} item(s), has {len(v)}",
}
"""Messages in words by keyword, from what the keyword wants, the value found and the schema node; others keep jsonschema's."""

_DEFAULT_VALIDATORS: dict[str | None, Validator] = {}
_CACHE: dict[tuple[int, str | None], tuple[Schema, Validator]] = {}
_CACHE_SIZE = 8


def validator_for(schema: Schema | None, region: str | None = DEFAULT_REGION) -> Validator:
    """The compiled Validator for this schema object (the request schema for None) and region, built once."""
    if schema is None:
        try:
            return _DEFAULT_VALIDATORS[region]
        except (KeyError, TypeError):  # not built yet; or no region at all (unhashable), which Validator() says
            pass
        validator = _DEFAULT_VALIDATORS[region] = Validator(region=region)
        return validator
    try:
        hit = _CACHE.get((id(schema), region))
    except TypeError:
        hit = None
    if hit is not None and hit[0] is schema:
        return hit[1]
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    validator = Validator(schema, region=region)
    _CACHE[(id(schema), region)] = (schema, validator)
    return validator


def validate(body: Any, schema: Schema | None = None, *, region: str | None = DEFAULT_REGION) -> ValidationReport:
    """Check a body against the request schema (or ``schema``); a compiled validator is cached per schema object and region.

    ``region``: the region phone numbers are read for (None: no phone warnings).
    """
    return validator_for(schema, region).validate(body)
