"""Live problem counts for a mapping under edit: each target mapped and checked once, and again only when it changes.

``FieldMapping.validate`` builds and checks every body; an edit to one column changes one path of each. A body's
problems split into a field's own (its value against its schema node: type, pattern, enum, date shape, phone...)
and the structure's (a key required, a custom field not declared, a field its section's update flag leaves
unwritten), which depend only on which fields a row sends, the flags and whether it names an order. So ``LiveCheck``
checks each target's distinct values once, against a schema holding only that field (and its object's
country code), and the structure once per kind of row, with the full validator on one row of the kind; an edit
re-maps and re-checks only the target it touched. Schemas whose objects tie fields together (``anyOf``, ``if``,
``dependencies``, ``$ref``...) and values that are objects are checked the whole way, body by body.
"""
from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import pandas as pd

from . import paths
from .converters import BLANK, Converter
from .effects import is_empty
from .exceptions import MappingError
from .mapping import PROBLEM_COLUMNS, Column, Const, FieldMapping, Target, duplicate_warnings
from .orderframes import as_id
from .schema import FREE_FORM, load_schema, node_at
from .validation import DEFAULT_REGION, SHAPE, UPDATE_FLAG, FieldError, Validator, shorten, validator_for

DETAIL_COLUMNS = ["row", "raw", "sent", "message", "keyword", "severity"]
BY_PATH_COLUMNS = ["path", "errors", "warnings"]
ORDER_ID = ("order_info", "order_id")
# Keywords on an object or an array that make one field's validity depend on another's value.
_TYING = frozenset(
    {"anyOf", "oneOf", "allOf", "not", "if", "then", "else", "dependencies", "patternProperties", "propertyNames",
     "minProperties", "maxProperties", "contains", "uniqueItems", "minItems", "maxItems", "enum", "const"}
)
_ABSENT, _EMPTY, _VALUE = 0, 1, 2  # what a row sends at a target
_Shown = dict[str, tuple[Hashable | None, list[Any]]]  # per target path: the column it reads, and the values sent
KEPT = 256  # entries each of LiveCheck's caches keeps (per target and source, per kind of row...)
_Held = TypeVar("_Held")


@dataclass
class _Mapped:
    """One target's values over the frame (the missing policy applied; BLANK where nothing is sent) and its cells' problems."""

    raw: list[Any]  # as FieldMapping.target_values gives them: what FieldMapping.fill takes
    values: list[Any]
    problems: list[tuple[int, tuple[Any, ...]]]  # (position, problem row) per cell that could not be mapped
    states: np.ndarray
    nested: bool  # some value is an object or an array: its inside may tie fields together


@dataclass
class _Leaf:
    """A validator for one field alone (with its object's country code), and the verdicts it gave, by value."""

    validator: Validator
    code_key: str | None
    verdicts: dict[Hashable, tuple[FieldError, ...]] = field(default_factory=dict)


class CheckResult:
    """The problems of a frame under a mapping: the frame ``mapping.validate`` gives, and counts per path and row."""

    def __init__(
        self,
        problems: pd.DataFrame,
        positions: list[list[int]],
        rows: int,
        labels: list[Any],
        shown: _Shown,
        raw_frame: pd.DataFrame,
    ) -> None:
        self.problems = problems
        self.rows = rows
        self._positions = positions  # per problem row: the frame positions it stands for
        self._labels = labels
        self._shown = shown  # per target path: the column it reads, and the values sent
        self._frame = raw_frame
        errors: set[int] = set()
        warnings: set[int] = set()
        per_path: dict[str, tuple[set[int], set[int]]] = {}
        for path, severity, where in zip(problems["path"], problems["severity"], positions, strict=True):
            errs, warns = per_path.setdefault(str(path), (set(), set()))
            (errs if severity == "error" else warns).update(where)
            (errors if severity == "error" else warnings).update(where)
        self._per_path = per_path
        self.with_errors = len(errors)
        self.with_warnings = len(warnings - errors)
        self.ready = rows - self.with_errors

    @property
    def by_path(self) -> pd.DataFrame:
        """Per path with a problem: how many rows have an error there, and how many a warning."""
        data = [(path, len(errs), len(warns)) for path, (errs, warns) in sorted(self._per_path.items())]
        return pd.DataFrame(data, columns=BY_PATH_COLUMNS).astype({"errors": "int64", "warnings": "int64"})

    def detail(self, path: str, n: int = 10) -> pd.DataFrame:
        """The first ``n`` problems at ``path``, a row each: the row's label, the raw cell, the value sent, the message."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise MappingError(f"n is how many rows to show, an int >= 0; got {n!r}")
        column, sent = self._shown.get(path, (None, []))
        found = []
        for at, message, keyword, severity, where in zip(
            self.problems["path"], self.problems["message"], self.problems["keyword"], self.problems["severity"],
            self._positions, strict=True,
        ):
            if at != path:
                continue
            for position in where:
                raw = self._frame[column].iloc[position] if column is not None else None
                value = sent[position] if sent and sent[position] is not BLANK else None
                found.append((position, self._labels[position], raw, value, message, keyword, severity))
        found.sort(key=lambda item: item[0])
        return pd.DataFrame([item[1:] for item in found[:n]], columns=DETAIL_COLUMNS, dtype=object)

    def __repr__(self) -> str:
        counts = f"{self.ready} ready, {self.with_errors} with errors, {self.with_warnings} with warnings"
        return f"<CheckResult {self.rows} rows: {counts}>"


class LiveCheck:
    """The problems of one DataFrame under mapping after mapping, re-doing only the targets an edit changed."""

    def __init__(self, df: pd.DataFrame, *, region: str | None = DEFAULT_REGION) -> None:
        if not isinstance(df, pd.DataFrame):
            raise MappingError(f"LiveCheck checks a DataFrame, got {type(df).__name__}")
        validator_for(None, region)  # a bad region is an error now, not at the first edit
        self.df = df.copy()  # the caches hold its values: the caller's later edits to df must not leave them stale
        self._labels = self.df.index.tolist()
        self._lock = threading.Lock()  # one run at a time: the caches are not safe to share between threads
        self.region = region
        self._request_schema = load_schema()
        self._mapped: dict[Hashable, _Mapped] = {}
        self._checked: dict[Hashable, list[tuple[int, FieldError]]] = {}
        self._leaves: dict[Hashable, _Leaf] = {}
        self._structures: dict[Hashable, list[FieldError]] = {}
        self._ids: dict[Hashable, tuple[list[int | None], list[tuple[int, tuple[Any, ...]]]]] = {}
        self._local: dict[Hashable, bool] = {}

    def run(self, mapping: FieldMapping) -> CheckResult:
        """The frame's problems under ``mapping`` (MappingError when it cannot map the frame at all)."""
        if not isinstance(mapping, FieldMapping):
            raise MappingError(f"LiveCheck checks a kn.FieldMapping, got {type(mapping).__name__}")
        with self._lock:
            return self._run(mapping)

    def _run(self, mapping: FieldMapping) -> CheckResult:
        mapping.check_frame(self.df)
        validator_for(mapping.schema, self.region)  # checks a user's schema first: the fields' validators are cut from it
        schema = mapping.schema if mapping.schema is not None else self._request_schema
        schema_key = _json_key(schema)  # the caches' keys hold the schema's content, never an object's id
        targets = mapping.target_list()
        mapped = [self._map(mapping, position, target) for position, target in enumerate(targets)]
        shown = {str(t.path): (t.column, m.values) for t, m in zip(targets, mapped, strict=True)}
        if not self._is_local(schema, schema_key) or any(m.nested for m in mapped) or _order_id_inside(targets):
            return self._whole(mapping, targets, mapped, shown)
        labels = self._labels
        leaf_rows = [
            self._leaf_rows(schema, schema_key, mapping, t, m, targets, mapped) for t, m in zip(targets, mapped, strict=True)
        ]
        rows: list[tuple[Any, ...]] = list(mapping.column_warnings(self.df))
        where: list[list[int]] = [[] for _ in rows]
        for m in mapped:  # the cells that could not be mapped, target by target as validate lists them
            rows += [problem for _position, problem in m.problems]
            where += [[position] for position, _problem in m.problems]
        unmapped: dict[Any, set[int]] = {}
        for position, problem in (item for m in mapped for item in m.problems):
            unmapped.setdefault(problem[1], set()).update(self._same_label(position))
        found: list[tuple[int, int, tuple[Any, ...]]] = []  # (position, order within the row, problem row)
        for found_at, leaf in enumerate(leaf_rows):
            found += [
                (position, found_at, (labels[position], *error))
                for position, error in leaf
                if position not in unmapped.get(error.path, ())  # the cell's own problem says it already
            ]
        order_ids, duplicates = self._order_ids(mapping, targets, mapped)
        flagged: dict[Any, tuple[tuple[Any, ...], list[int]]] = {}
        for group_key, members in self._groups(targets, mapped, order_ids).items():
            structural = self._structure(mapping, schema_key, targets, mapped, group_key, members[0], leaf_rows)
            for error in structural:
                owner = _owner(error.path, targets, mapped, members[0])
                kept = [p for p in members if p not in unmapped.get(error.path, ())]  # the cell's own problem says it
                if not kept:
                    continue
                if error.keyword == UPDATE_FLAG:
                    first = kept[0]
                    value = error.value if owner is None else _value_below(mapped[owner[0]].values[first], owner[1])
                    row = (None, error.path, error.message, error.keyword, value, error.severity)
                    held = flagged.get(error.path)
                    if held is None or first < held[1][0]:
                        flagged[error.path] = (row, kept + (held[1] if held else []))
                    else:
                        held[1].extend(kept)
                    continue
                for position in kept:
                    value = error.value if owner is None else _value_below(mapped[owner[0]].values[position], owner[1])
                    problem = (labels[position], error.path, error.message, error.keyword, value, error.severity)
                    found.append((position, len(targets), problem))
        found.sort(key=lambda item: (item[0], item[1]))  # row by row, as validate goes through the bodies
        rows += [problem for _position, _order, problem in found]
        where += [[position] for position, _order, _problem in found]
        for row, kept in sorted(flagged.values(), key=lambda item: min(item[1])):
            rows.append((None, row[1], f"{row[2]} (in {len(kept)} row(s))", *row[3:]))
            where.append(sorted(kept))
        for position, warning in duplicates:
            rows.append(warning)
            where.append([position])
        frame = pd.DataFrame(rows, columns=PROBLEM_COLUMNS, dtype=object)
        return CheckResult(frame, where, len(self.df), labels, shown, self.df)

    def _same_label(self, position: int) -> list[int]:
        """The positions of the row's label: a label a frame repeats stands for all its rows, as in validate."""
        if self.df.index.is_unique:
            return [position]
        return np.flatnonzero(self.df.index == self.df.index[position]).tolist()

    def _whole(self, mapping: FieldMapping, targets: list[Target], mapped: list[_Mapped], shown: _Shown) -> CheckResult:
        """The body-by-body way: ``mapping.validate`` itself; positions from the labels, and for a warning of a whole
        path (an update flag's), the rows that send that path and name an order."""
        problems = mapping.validate(self.df, region=self.region)
        index = self.df.index
        order_ids, _duplicates = self._order_ids(mapping, targets, mapped)
        where: list[list[int]] = []
        for label, path, keyword in zip(problems["row"], problems["path"], problems["keyword"], strict=True):
            if label is not None:
                where.append(np.flatnonzero(index == label).tolist())
            elif keyword == UPDATE_FLAG:
                where.append(_sending(paths.parse(path), targets, mapped, order_ids))
            else:
                where.append([])
        return CheckResult(problems, where, len(self.df), self._labels, shown, self.df)

    def _map(self, mapping: FieldMapping, position: int, target: Target) -> _Mapped:
        key = (_source_key(target), mapping.missing)
        done = self._mapped.get(key)
        if done is None:
            raw, problems = mapping.target_values(self.df, position)  # problems: (position, row) each
            fill = mapping.fill_value
            values = [fill if value is BLANK else value for value in raw] if fill is not BLANK else raw
            states = np.fromiter(
                (_ABSENT if v is BLANK else _EMPTY if is_empty(v) else _VALUE for v in values), dtype=np.int8, count=len(values)
            )
            nested = any(isinstance(v, (dict, list)) for v in values)
            done = _remember(self._mapped, key, _Mapped(raw, values, problems, states, nested))
        return done

    def _is_local(self, schema: Mapping[str, Any], schema_key: str) -> bool:
        """Whether no object or array of the schema ties its fields together (and no $ref reaches elsewhere)."""
        held = self._local.get(schema_key)
        return _remember(self._local, schema_key, _local(schema)) if held is None else held

    def _leaf_rows(
        self, schema: Mapping[str, Any], schema_key: str, mapping: FieldMapping, target: Target, m: _Mapped,
        targets: list[Target], mapped: list[_Mapped],
    ) -> list[tuple[int, FieldError]]:
        """The target's own problems, a (position, error) each: its distinct values checked once each."""
        code_key, codes, codes_key = _country_code(schema, mapping, target, targets, mapped)
        leaf_key = (target.parts, _json_key(target.node), code_key, self.region, schema_key)
        key = (_source_key(target), mapping.missing, leaf_key, codes_key)
        done = self._checked.get(key)
        if done is not None:
            return done
        leaf = self._leaves.get(leaf_key)
        if leaf is None:
            leaf = _remember(self._leaves, leaf_key, _leaf(schema, target, code_key, self.region))
        found: list[tuple[int, FieldError]] = []
        verdicts = leaf.verdicts
        for (value, code), positions in _distinct(m, codes):
            value_key = (_value_key(value), _value_key(code))
            errors = verdicts.get(value_key)
            if errors is None:
                errors = verdicts[value_key] = _verdict(leaf, target, value, code)
            found.extend((position, error) for position in positions for error in errors)
        _remember(self._checked, key, found)
        return found

    def _order_ids(
        self, mapping: FieldMapping, targets: list[Target], mapped: list[_Mapped]
    ) -> tuple[list[int | None], list[tuple[int, tuple[Any, ...]]]]:
        """Each row's order id as the body would carry it, and (position, warning) for each row whose order another row
        updates too."""
        fixed = as_id(paths.get_parts(mapping.template, ORDER_ID))
        source = next(((t, m) for t, m in zip(targets, mapped, strict=True) if t.parts == ORDER_ID), None)
        key = ("order ids", fixed, None if source is None else (_source_key(source[0]), mapping.missing))
        done = self._ids.get(key)
        if done is None:
            ids = [fixed] * len(self.df) if source is None else [fixed if v is BLANK else as_id(v) for v in source[1].values]
            done = _remember(self._ids, key, (ids, duplicate_warnings(self.df.index, ids)))
        return done

    def _groups(
        self, targets: list[Target], mapped: list[_Mapped], order_ids: list[int | None]
    ) -> dict[tuple[Any, ...], list[int]]:
        """Rows by what decides their structure: what each target sends, the flags' values, whether an order is named."""
        columns = [m.states.astype(np.int64) for m in mapped]
        for target, m in zip(targets, mapped, strict=True):
            if target.parts[-1] == "update":
                codes, _uniques = pd.factorize(pd.Series([_value_key(v) for v in m.values], dtype=object))
                columns.append(codes.astype(np.int64))
        if not len(self.df):
            return {}
        columns.append(np.fromiter((order_id is not None for order_id in order_ids), dtype=np.int64, count=len(order_ids)))
        sizes = [int(column.max()) + 1 for column in columns]
        if float(np.prod(sizes, dtype=float)) < 2**62:  # one number per row: a mixed-radix key, grouped in one pass
            keys = np.zeros(len(self.df), dtype=np.int64)
            for column, size in zip(columns, sizes, strict=True):
                keys = keys * size + column
            _kinds, firsts, inverse = np.unique(keys, return_index=True, return_inverse=True)
            table = np.column_stack(columns)[firsts]
        else:
            table, inverse = np.unique(np.column_stack(columns), axis=0, return_inverse=True)
        groups = {}
        flag_targets = [i for i, t in enumerate(targets) if t.parts[-1] == "update"]
        for kind, positions in zip(table, _members(inverse.reshape(-1)), strict=True):
            members = positions.tolist()
            flags = tuple(_value_key(mapped[i].values[members[0]]) for i in flag_targets)
            groups[(tuple(kind.tolist()), flags)] = members
        return groups

    def _structure(
        self, mapping: FieldMapping, schema_key: str, targets: list[Target], mapped: list[_Mapped],
        group_key: tuple[Any, ...], position: int, leaf_rows: list[list[tuple[int, FieldError]]],
    ) -> list[FieldError]:
        """The problems rows of this kind share: the full validator's on one of them, less that row's fields' own."""
        key = (tuple(_source_key(t) for t in targets), mapping.missing, _json_key(mapping.template), schema_key, group_key)
        done = self._structures.get(key)
        if done is not None:
            return done
        body = mapping.fill([[m.raw[position]] for m in mapped], 1)[0]
        report = validator_for(mapping.schema, self.region).validate(body)
        own = Counter(error for found in leaf_rows for at, error in found if at == position)
        structural = []
        for error in report.errors + report.warnings:
            if own[error] > 0:
                own[error] -= 1
            else:
                structural.append(error)
        _remember(self._structures, key, structural)
        return structural


def _members(codes: np.ndarray) -> list[np.ndarray]:
    """For codes 0..k-1 (one per row), the positions holding each code, in row order."""
    order = np.argsort(codes, kind="stable")
    bounds = np.searchsorted(codes[order], np.arange(int(codes.max(initial=-1)) + 2))
    return [order[bounds[code]:bounds[code + 1]] for code in range(len(bounds) - 1)]


def _remember(cache: dict[Hashable, _Held], key: Hashable, value: _Held) -> _Held:
    """Keep ``value`` under ``key``, forgetting the oldest entry past KEPT: a long session of edits stays bounded."""
    cache[key] = value
    if len(cache) > KEPT:
        del cache[next(iter(cache))]
    return value


def _source_key(target: Target) -> Hashable:
    """What a target is, as a key: the same path from the same source maps the same values."""
    source = target.source
    if isinstance(source, Converter):
        kind: Hashable = ("converter", _json_key(source.to_json()))
    elif isinstance(source, Const):
        kind = ("const", _json_key(source.value))
    elif isinstance(source, (str, Column)):
        kind = ("column", type(source).__name__)
    else:
        kind = ("callable", id(source), source)  # the source itself keeps its id from being reused
    return (target.parts, kind, type(target.column).__name__, target.column, target.date_format)


def _json_key(value: Any) -> str:
    """A value as canonical JSON text: a key for caches."""
    return json.dumps(value, sort_keys=True, default=repr)


def _value_key(value: Any) -> Hashable:
    """A key telling values apart as JSON does (1, 1.0 and True apart; NaN equal to NaN)."""
    if isinstance(value, (dict, list)):
        return ("json", _json_key(value))
    if isinstance(value, float):
        return ("float", repr(value))
    try:
        hash(value)
    except TypeError:
        return ("repr", type(value).__name__, repr(value))
    return (type(value).__name__, value)


def _local(schema: Mapping[str, Any]) -> bool:
    """Whether every object and array node of the schema checks its fields apart (and nothing is referenced)."""
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, bool):
            return False
        if not isinstance(node, Mapping):
            continue
        if "$ref" in node or "definitions" in node or ("$id" in node and node is not schema):
            return False
        container = "properties" in node or "items" in node or node.get("type") in ("object", "array")
        if container and _TYING & node.keys():
            return False
        if container and node.get("additionalProperties") not in (None, True, False):
            return False
        properties = node.get("properties")
        if isinstance(properties, Mapping):
            stack.extend(properties.values())
        items = node.get("items")
        if isinstance(items, list):
            return False
        if items is not None:
            stack.append(items)
    return True


def _order_id_inside(targets: list[Target]) -> bool:
    """Whether a target sets a whole object the order id is in (its value decides the id)."""
    return any(len(t.parts) < len(ORDER_ID) and ORDER_ID[: len(t.parts)] == t.parts for t in targets)


def _country_code(
    schema: Mapping[str, Any], mapping: FieldMapping, target: Target, targets: list[Target], mapped: list[_Mapped]
) -> tuple[str | None, list[Any] | None, Hashable]:
    """A phone's object's country-code key, each row's code there, and a key for where the codes come from."""
    if target.node.get(SHAPE) != "phone":
        return None, None, None
    parent, _free = node_at(schema, target.parts[:-1])
    properties = parent.get("properties", {}) if isinstance(parent, Mapping) else {}
    keys = [key for key, child in properties.items() if isinstance(child, Mapping) and child.get(SHAPE) == "country-code"]
    if not keys:
        return None, None, None
    code_parts = (*target.parts[:-1], keys[0])
    fixed = paths.get_parts(mapping.template, code_parts, BLANK)
    for other, m in zip(targets, mapped, strict=True):
        if other.parts == code_parts:
            codes = [fixed if value is BLANK else value for value in m.values]
            return keys[0], codes, (_source_key(other), mapping.missing, _value_key(fixed))
    return keys[0], [fixed] * len(mapped[0].values), ("template", _value_key(fixed))


def _leaf(schema: Mapping[str, Any], target: Target, code_key: str | None, region: str | None) -> _Leaf:
    """A validator for a body that holds only this field (and its object's country code) at its place."""
    inner: dict[str, Any] = {"type": "object", "properties": {target.parts[-1]: target.node}}
    if code_key is not None:
        parent, _free = node_at(schema, target.parts[:-1])
        assert parent is not None  # _country_code found the key in it
        inner["properties"][code_key] = parent["properties"][code_key]
    wrapper: dict[str, Any] = inner
    for depth in range(len(target.parts) - 1, 0, -1):
        above, _free = node_at(schema, target.parts[: depth - 1])
        listed = isinstance(above, Mapping) and "items" in above and not above.get(FREE_FORM)
        if listed and paths.is_index(target.parts[depth - 1]):
            wrapper = {"type": "array", "items": wrapper}
        else:
            wrapper = {"type": "object", "properties": {target.parts[depth - 1]: wrapper}}
    return _Leaf(Validator(wrapper, region=region, check=False), code_key)


def _probe(parts: tuple[str, ...], value: Any, code_key: str | None, code: Any) -> Any:
    """A body holding only ``value`` at ``parts`` (and the country code beside it)."""
    inner: dict[str, Any] = {parts[-1]: value}
    if code_key is not None and code is not BLANK:
        inner[code_key] = code
    node: Any = inner
    for part in reversed(parts[:-1]):
        node = [{} for _ in range(int(part))] + [node] if paths.is_index(part) else {part: node}
    return node


def _distinct(m: _Mapped, codes: list[Any] | None) -> list[tuple[tuple[Any, Any], list[int]]]:
    """Each distinct value a target sends (with the country code beside it), told apart as JSON does, and its positions."""
    sent = np.flatnonzero(m.states != _ABSENT)
    values = m.values
    if codes is None and all(type(values[p]) is str for p in sent):  # the usual column of text: pandas groups it
        numbers, uniques = pd.factorize(pd.Series([values[p] for p in sent], dtype=object))
        return [((text, BLANK), sent[members].tolist()) for text, members in zip(uniques, _members(numbers), strict=True)]
    grouped: dict[Hashable, tuple[tuple[Any, Any], list[int]]] = {}  # by key: 1, 1.0 and True are three values
    for position in sent.tolist():
        code = BLANK if codes is None else codes[position]
        grouped.setdefault((_value_key(values[position]), _value_key(code)), ((values[position], code), []))[1].append(position)
    return list(grouped.values())


def _verdict(leaf: _Leaf, target: Target, value: Any, code: Any) -> tuple[FieldError, ...]:
    """The problems of one value at the target's place: those at the place or below it."""
    probe = _probe(target.parts, value, leaf.code_key, code)
    if leaf.validator.is_clean(probe):
        return ()
    report = leaf.validator.validate(probe)
    size = len(target.parts)
    return tuple(e for e in report.errors + report.warnings if paths.parse(e.path)[:size] == target.parts)


def _sending(parts: tuple[str, ...], targets: list[Target], mapped: list[_Mapped], order_ids: list[int | None]) -> list[int]:
    """The rows that send a value at ``parts`` (through the target it is at or below) and name an order."""
    for target, m in zip(targets, mapped, strict=True):
        size = len(target.parts)
        if parts[:size] == target.parts:
            rest = parts[size:]
            return [
                p for p, value in enumerate(m.values)
                if order_ids[p] is not None and m.states[p] == _VALUE and not is_empty(_below(value, rest))
            ]
    return []


def _owner(path: paths.Path, targets: list[Target], mapped: list[_Mapped], position: int) -> tuple[int, tuple[str, ...]] | None:
    """The target a problem's path is at or below (when the row sends it), and the rest of the path."""
    parts = paths.parse(path)
    for number, target in enumerate(targets):
        size = len(target.parts)
        if parts[:size] == target.parts and mapped[number].states[position] != _ABSENT:
            return number, parts[size:]
    return None


def _below(value: Any, rest: tuple[str, ...]) -> Any:
    """The part of a target's value at the rest of a path (the value itself for none)."""
    return paths.get_parts(value, rest) if rest else value


def _value_below(value: Any, rest: tuple[str, ...]) -> Any:
    """That part as a problem row shows it."""
    return shorten(_below(value, rest))
