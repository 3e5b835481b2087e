"""Validate bodies against the request schema: a fast yes/no path, and every error by path.

jsonschema is imported only when it is needed (it loads slowly): for the errors of an
invalid body, for keywords the compiler hands over, and to check a schema a user gives.
"""
from __future__ import annotations

import difflib
import html
import math
import re
from collections.abc import Callable, Iterator, Mapping
from functools import partial
from typing import TYPE_CHECKING, Any, NamedTuple

import pandas as pd

from . import paths
from .compiled import INVALID, VALID, Check, Delegate, Schema, compile_check, has_inner_id, wants_whole
from .effects import unwritten
from .exceptions import BodyValidationError
from .orderframes import order_id_of
from .schema import DATE_FORMATS, FREE_FORM, load_schema, types_of

if TYPE_CHECKING:
    from jsonschema import Draft7Validator, ValidationError
    from jsonschema.protocols import Validator as SchemaValidator

UPDATE_FLAG = "update-flag"  # the keyword of a warning about a field its section's update flag leaves unwritten
ERROR_COLUMNS = ["path", "message", "keyword", "value", "severity"]
_JSON_SCALARS = (str, int, float, bool, type(None))
_PATTERN_WORDS = {
    "^[0-9]+$": "a string of digits",
    "^0*[1-9][0-9]*$": "a string of digits",  # an order id: all zeros is no id (the integer form has minimum 1)
    "^[0-9]*$": "a string of digits, or empty",
}
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
    """The value itself when short; otherwise a string cut to ``limit`` characters."""
    if isinstance(value, (dict, list, tuple)) or (isinstance(value, str) and len(value) > limit):
        text = value if isinstance(value, str) else repr(value)
        return text if len(text) <= limit else text[: limit - 1] + "…"
    return value


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
        """The warnings: conventions the page does not state, and fields an update flag leaves unwritten."""
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
        return f"<ValidationReport {len(self.errors)} error(s), first at {first.path or '(body)'}: {first.message}>"

    def _repr_html_(self) -> str:
        head = (
            "<b>valid</b>" if self.ok else f"<b style='color:#b00'>{len(self.errors)} error(s)</b>"
        ) + f", {len(self.warnings)} warning(s)"
        if not (self.errors or self.warnings):
            return f"<div class='kapture-report'>{head}</div>"
        cells = "".join(
            "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in (e.severity, e.path, e.message, e.value)) + "</tr>"
            for e in self.errors + self.warnings
        )
        return (
            f"<div class='kapture-report'>{head}<table><thead><tr><th>severity</th><th>path</th>"
            f"<th>message</th><th>value</th></tr></thead><tbody>{cells}</tbody></table></div>"
        )


def _suggest(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f"; did you mean {close[0]!r}?" if close else ""


class _Rules:
    """Where warnings can arise: date-shaped strings, whole numbers, and free-form objects with declared keys."""

    def __init__(self, schema: Schema) -> None:
        self.dates: list[tuple[tuple[str, ...], str]] = []
        self.whole: list[tuple[str, ...]] = []
        self.declared: list[tuple[tuple[str, ...], list[str]]] = []
        self._walk(schema, ())
        sections = schema.get("properties") if isinstance(schema, Mapping) else None
        # An order body's schema: its sections carry update flags, which decide what an update writes.
        self.flags = isinstance(sections, Mapping) and isinstance(sections.get("order_info"), Mapping)

    def _walk(self, node: Any, at: tuple[str, ...]) -> None:
        if not isinstance(node, Mapping):
            return
        if wants_whole(types_of(node)):
            self.whole.append(at)
        if node.get(FREE_FORM) and node.get("properties") and node.get("additionalProperties", True) is not False:
            self.declared.append((at, list(node["properties"])))
        if node.get("format") in DATE_FORMATS:
            self.dates.append((at, node["format"]))
        for key, child in node.get("properties", {}).items():
            self._walk(child, (*at, key))
        self._walk(node.get("items"), (*at, paths.WILDCARD))


def _json_problems(value: Any, at: tuple[str, ...]) -> Iterator[FieldError]:
    """Values that JSON cannot carry: NaN, infinities, numpy and datetime objects, non-string keys."""
    if isinstance(value, dict):
        for key, child in value.items():
            if not isinstance(key, str):
                yield FieldError(paths.join((*at, str(key))), f"key {key!r} is not a string", "json", key)
            yield from _json_problems(child, (*at, str(key)))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from _json_problems(child, (*at, str(index)))
    elif isinstance(value, float) and not math.isfinite(value):
        yield FieldError(paths.join(at), f"{value} is not valid JSON; leave the key out, or send \"\" or null", "json", value)
    elif not isinstance(value, _JSON_SCALARS):
        name = f"{type(value).__module__}.{type(value).__name__}"
        yield FieldError(
            paths.join(at),
            f"{name} is not a JSON type; convert it to str, int, float or bool first",
            "json",
            shorten(repr(value)),
        )


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
        self.parts = {key: (compile_check(child, delegate), full.evolve(schema=child)) for key, child in properties.items()}

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
    """A schema compiled once: ``is_valid`` answers fast, ``validate`` reports every error by path."""

    def __init__(self, schema: Schema | None = None) -> None:
        self.schema: Schema
        if schema is None:
            self.schema = load_schema()  # shipped and tested against the meta-schema: no jsonschema needed
        else:
            self.schema = dict(schema) if isinstance(schema, Mapping) else schema
            _draft7().check_schema(self.schema)
        self._jsonschema: SchemaValidator | None = None
        self._split: _Sections | None = None
        self._check = compile_check(self.schema, self._delegate)
        self._rules = _Rules(self.schema)

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

    def validate(self, body: Any) -> ValidationReport:
        """Every error and warning in the body."""
        verdict = self._check(body)
        flags = partial(_flag_warnings, body) if self._rules.flags and isinstance(body, dict) else None
        if verdict == VALID:
            return ValidationReport(later=flags)
        errors = self.errors(body) if verdict == INVALID else []
        return ValidationReport(errors, self._warnings(body) if isinstance(body, dict) else [], later=flags)

    def errors(self, body: Any) -> list[FieldError]:
        """Every error in the body, found the thorough way (``validate`` calls it only when ``is_valid`` fails)."""
        found = list(_json_problems(body, ()))
        unusable = {e.path for e in found}
        seen: set[tuple[paths.Path, str, str]] = set()
        for prefix, error in self._sections().iter_errors(body):
            for field_error in _explain(error, prefix):
                if field_error.path in unusable or field_error[:3] in seen:
                    continue
                seen.add(field_error[:3])
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
        elif isinstance(node, list) and part.isdigit():
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
        return f"{said}: all zeros is no id"
    if not (ids and isinstance(value, str) and _NUMBER_TEXT.match(value.strip())):
        return said
    whole, _, decimals = value.strip().partition(".")
    if whole and decimals and not decimals.strip("0"):
        return f"{said}: a whole number written with a decimal point; send its digits, {whole!r}"
    shape = "scientific notation" if "e" in value.lower() else "a number with a decimal part"
    return f"{said}: {shape}, its digits are lost (read the column as text, not as numbers)"


_NUMBER_TEXT = re.compile(r"[0-9]*\.?[0-9]+(?:[eE][+-]?[0-9]+)\Z|[0-9]*\.[0-9]+\Z")


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


_MESSAGES: dict[str, Callable[[Any, Any, Mapping[str, Any]], str]] = {
    "false": lambda w, v, s: f"no value is allowed here, got {_describe(v)}",
    "type": _pattern_message,
    "pattern": _pattern_message,
    "minLength": lambda w, v, s: "must not be empty" if w == 1 else f"must be at least {w} characters long",
    "maxLength": lambda w, v, s: f"must be at most {w} characters long",
    "minimum": lambda w, v, s: f"must be at least {w}, got {v!r}",
    "maximum": lambda w, v, s: f"must be at most {w}, got {v!r}",
    "enum": lambda w, v, s: f"must be one of {', '.join(map(repr, w))}; got {_describe(v)}",
    "const": lambda w, v, s: f"must be {w!r}, got {_describe(v)}",
    "minItems": lambda w, v, s: f"needs at least {w} item(s), has {len(v)}",
    "maxItems": lambda w, v, s: f"takes at most {w} item(s), has {len(v)}",
}
"""Messages in words by keyword, from what the keyword wants, the value found and the schema node; others keep jsonschema's."""

_DEFAULT_VALIDATOR: list[Validator] = []
_CACHE: dict[int, tuple[Schema, Validator]] = {}
_CACHE_SIZE = 8


def validator_for(schema: Schema | None) -> Validator:
    """The compiled Validator for this schema object (the request schema for None), built once."""
    if schema is None:
        if not _DEFAULT_VALIDATOR:
            _DEFAULT_VALIDATOR.append(Validator())
        return _DEFAULT_VALIDATOR[0]
    hit = _CACHE.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    validator = Validator(schema)
    _CACHE[id(schema)] = (schema, validator)
    return validator


def validate(body: Any, schema: Schema | None = None) -> ValidationReport:
    """Check a body against the request schema (or ``schema``); a compiled validator is cached per schema object."""
    return validator_for(schema).validate(body)
