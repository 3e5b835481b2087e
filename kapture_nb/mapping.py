"""FieldMapping: DataFrame rows onto request bodies; infer_associate_fields: schemas for custom-field columns."""
from __future__ import annotations

import datetime as dt
import difflib
import json
import math
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path as FilePath
from typing import Any

import numpy as np
import pandas as pd

from . import paths
from .exceptions import MappingError
from .jsonvalues import json_copy
from .orderframes import order_id_of
from .schema import DATE_FORMATS, DIGITS, leaf_paths, load_schema, node_at, types_of
from .schema import template as make_template
from .validation import ERROR_COLUMNS, UPDATE_FLAG, validator_for

MISSING_POLICIES = {"omit", "empty", "null"}
PROBLEM_COLUMNS = ["row", *ERROR_COLUMNS]

ID_KEYS = frozenset({"order_id", "customer_id", "contact_id", "enquiry_id", "ticket_id"})
_OMIT = object()


class Const:
    """A constant for a mapping target (a plain str target names a column; wrap a str constant in Const)."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return f"Const({self.value!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Const) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]  # mutable value inside: not hashable, like a list


class Column:
    """A column named by any label (a plain str target names a column already): ``Column(7)`` for a column labelled 7."""

    __slots__ = ("label",)

    def __init__(self, label: Hashable) -> None:
        self.label = label

    def __repr__(self) -> str:
        return f"Column({self.label!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Column) and other.label == self.label

    def __hash__(self) -> int:
        return hash(("Column", self.label))


@dataclass(frozen=True)
class _Target:
    path: paths.Path
    parts: tuple[str, ...]
    source: Any  # a column name (str), a Column, a Const, or a callable(row)
    column: Hashable | None  # the label of the column it reads, if it reads one
    kind: str  # how values are made JSON-ready: "digits", "string", "integer", "number", "boolean" or "any"
    date_format: str | None
    node: Mapping[str, Any]


def _kind_of(node: Mapping[str, Any] | None) -> tuple[str, str | None]:
    node = node or {}
    types = set(types_of(node))
    fmt = node.get("format") if node.get("format") in DATE_FORMATS else None
    if {"integer", "string"} <= types:
        return "digits", fmt
    for kind in ("string", "integer", "number", "boolean"):
        if types == {kind}:
            return kind, fmt
    return "any", fmt


def is_missing(value: Any) -> bool:
    """None, NaN, pd.NA and NaT: the values the ``missing`` policy decides about."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, (np.floating, np.datetime64, np.timedelta64)):
        return bool(np.isnat(value)) if not isinstance(value, np.floating) else bool(np.isnan(value))
    return False


def _date_text(value: dt.date, fmt: str | None) -> str:
    if fmt is None:
        is_midnight = not isinstance(value, dt.datetime) or (value.time() == dt.time(0) and value.tzinfo is None)
        fmt = "date" if is_midnight else "date-time"
    return value.strftime(DATE_FORMATS[fmt].strftime)


def to_json_value(value: Any, kind: str = "any", date_format: str | None = None) -> Any:
    """One cell as plain JSON-ready Python for a target of this kind; ``_OMIT`` stands for a missing value."""
    if is_missing(value):
        return _OMIT
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (dt.date, pd.Timestamp)):
        return _date_text(value, date_format)
    if isinstance(value, Decimal):  # an infinite or NaN Decimal becomes a float the validator reports as not JSON
        value = int(value) if value.is_finite() and value == value.to_integral_value() else float(value)
    if kind == "string":
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value if isinstance(value, str) else str(value) if isinstance(value, (int, float)) else value
    if kind == "digits":
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return value.strip() if isinstance(value, str) else value
    if kind == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    if kind == "boolean" and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    if isinstance(value, tuple):
        return [to_json_value(v) for v in value]
    return value


def _copier(node: Any) -> Callable[[], Any]:
    """A function that returns a fresh deep copy of this template node (faster than copy.deepcopy)."""
    if isinstance(node, dict):
        nested = [(key, _copier(child)) for key, child in node.items() if isinstance(child, (dict, list))]
        if not nested:
            return node.copy
        def copy_dict() -> dict[str, Any]:
            made = node.copy()
            for key, copy_child in nested:
                made[key] = copy_child()
            return made
        return copy_dict
    if isinstance(node, list):
        items = [_copier(child) if isinstance(child, (dict, list)) else _constant(child) for child in node]
        return lambda: [copy_item() for copy_item in items]
    return _constant(node)


def _constant(value: Any) -> Callable[[], Any]:
    return lambda: value


def _minimal(documented: dict[str, Any], targets: list[tuple[str, ...]]) -> dict[str, Any]:
    """The mandatory keys, and the update flag of each section the body sends (the sections the targets are in)."""
    body: dict[str, Any] = {
        "customer_info": {"customer_name": "", "update": documented["customer_info"]["update"]},
        "order_info": {"order_id": "", "update": documented["order_info"]["update"]},
    }
    for parts in targets:
        section = parts[0]
        if section in body or section not in documented:
            continue
        shape = documented[section]
        body[section] = [{"update": shape[0]["update"]}] if isinstance(shape, list) else {"update": shape["update"]}
    return body


@dataclass
class MappedRows:
    """Bodies made from a DataFrame, and the cells that could not be mapped (a row each, never lost)."""

    bodies: list[dict[str, Any]]
    index: pd.Index
    problems: pd.DataFrame


class FieldMapping:
    """Maps body paths to DataFrame columns, constants or callables, and turns rows into bodies."""

    def __init__(
        self,
        targets: Mapping[paths.Path, Any],
        *,
        template: Mapping[str, Any] | str = "minimal",
        missing: str = "omit",
        schema: Mapping[str, Any] | None = None,
    ) -> None:
        if missing not in MISSING_POLICIES:
            raise MappingError(f"missing must be one of {sorted(MISSING_POLICIES)}, got {missing!r}")
        self.schema = schema  # None: the request schema
        self._shape = schema if schema is not None else load_schema()
        self.missing = missing
        self.targets: dict[paths.Path, Any] = dict(targets)
        self._targets = [self._target(path, source) for path, source in self.targets.items()]
        self.template: dict[str, Any] = json_copy(self._template(template))
        self._copy_template = _copier(self.template)

    def _template(self, template: Mapping[str, Any] | str) -> dict[str, Any]:
        if isinstance(template, Mapping):
            return dict(template)
        if template == "documented":
            return make_template(self._shape)
        if template == "minimal":
            return _minimal(make_template(self._shape), [target.parts for target in self._targets])
        raise MappingError(f'template is "minimal", "documented" or a body to start from, got {template!r}')

    def _target(self, path: paths.Path, source: Any) -> _Target:
        parts = paths.parse(path)
        node, _free = node_at(self._shape, parts)
        if node is None:
            known = leaf_paths(self._shape)
            close = difflib.get_close_matches(".".join(parts), known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise MappingError(
                f"target {path!r} is not a place in the request body{hint} "
                "(custom fields go under <section>.associate_fields.<name>)"
            )
        if isinstance(source, str):
            column: Hashable | None = source
        elif isinstance(source, Column):
            column = source.label
            try:
                hash(column)
            except TypeError:
                raise MappingError(
                    f"target {path!r}: {source!r} names no column: a column label is hashable (a str, a number, a tuple...)"
                ) from None
        elif isinstance(source, Const) or callable(source):
            column = None
        else:
            raise MappingError(
                f"target {path!r}: {source!r} is neither a column name (a str), kn.Column(label), kn.Const(value) "
                f"nor a callable(row); for a column labelled {source!r} write kn.Column({source!r}), "
                f"for a constant write kn.Const({source!r})"
            )
        kind, fmt = _kind_of(node)
        return _Target(paths.join(parts), parts, source, column, kind, fmt, node)

    def __repr__(self) -> str:
        return f"<FieldMapping {len(self._targets)} target(s), missing={self.missing!r}>"

    def columns(self) -> list[Hashable]:
        """The DataFrame columns this mapping reads."""
        return [t.column for t in self._targets if t.column is not None]

    def _column_warnings(self, df: pd.DataFrame) -> list[tuple[Any, ...]]:
        """Columns read as numbers where the body wants digits as text (ids, phones): a row each, for the whole column."""
        found = []
        for target in self._targets:
            if target.column is None:
                continue
            dtype = df[target.column].dtype
            is_id = target.parts[-1] in ID_KEYS
            numbers = pd.api.types.is_float_dtype(dtype) if is_id else _is_numeric(dtype) and bool(target.node.get(DIGITS))
            if numbers:
                what = "ids" if is_id else "phone numbers and codes"
                message = (
                    f"column {target.column!r} holds numbers ({dtype}) and is mapped to {target.path}: {what} read as "
                    "numbers lose leading zeros and digits (Excel's 2.41E+07) without a trace; read it as text: "
                    f"pd.read_csv(..., dtype={{{target.column!r}: str}})"
                )
                found.append((None, target.path, message, "column-dtype", str(dtype), "warning"))
        return found

    def _check_columns(self, df: pd.DataFrame) -> None:
        """Raise MappingError unless each column a target reads is one column, and each label a callable may read is one."""
        for target in self._targets:
            if target.column is not None:
                _check_column(df, target.column, f"target {target.path!r} reads column {target.column!r}")
        if any(target.column is None and not isinstance(target.source, Const) for target in self._targets):
            doubled = list(dict.fromkeys(df.columns[df.columns.duplicated()]))
            if doubled:
                raise MappingError(
                    f"the DataFrame has column(s) {', '.join(map(repr, doubled))} more than once, and a callable target reads "
                    "each row by column label, which would be ambiguous there; rename the columns apart first "
                    "(df.columns = [...])"
                )

    def _values(self, df: pd.DataFrame, target: _Target, problems: list[Any]) -> list[Any]:
        source = target.source
        if isinstance(source, Const):
            value = to_json_value(source.value, target.kind, target.date_format)
            return [value] * len(df)
        if target.column is not None:
            column = df[target.column]
            if pd.api.types.is_datetime64_any_dtype(column.dtype):
                dates = column.dropna()
                shown = target.date_format or ("date" if (dates.dt.normalize() == dates).all() else "date-time")
                texts = column.dt.strftime(DATE_FORMATS[shown].strftime)
                return [_OMIT if is_missing(v) else v for v in texts.tolist()]
            kind, fmt = target.kind, target.date_format
            as_is = kind in ("string", "any")
            return [v if as_is and type(v) is str else to_json_value(v, kind, fmt) for v in column.tolist()]
        values = []
        for label, row in zip(df.index, df.itertuples(index=False, name=None), strict=True):
            try:
                values.append(to_json_value(source(pd.Series(row, index=df.columns)), target.kind, target.date_format))
            except Exception as exc:  # a user's callable may fail in any way; the row records it
                message = f"the mapping callable raised {type(exc).__name__}: {exc}"
                problems.append((label, target.path, message, "mapping", None, "error"))
                values.append(_OMIT)
        return values

    def build(self, df: pd.DataFrame) -> MappedRows:
        """Bodies for every row, and a frame of the cells that could not be mapped."""
        if not isinstance(df, pd.DataFrame):
            raise MappingError(f"a FieldMapping maps a DataFrame, got {type(df).__name__}")
        self._check_columns(df)
        problems: list[tuple[Any, ...]] = []
        columns = [self._values(df, target, problems) for target in self._targets]
        bodies = self._fill(columns, len(df))
        return MappedRows(bodies, df.index, pd.DataFrame(problems, columns=PROBLEM_COLUMNS, dtype=object))

    def _fill(self, columns: list[list[Any]], rows: int) -> list[dict[str, Any]]:
        """One body per row from the converted columns, applying the missing policy."""
        fill = {"empty": "", "null": None}.get(self.missing, _OMIT)
        # A target whose container the template already has is set with one subscript per row;
        # the rest (a new contact_info item, a new nested object) go through paths.set_parts.
        parents: list[tuple[str, ...]] = []
        direct: list[tuple[int, int | str, list[Any]]] = []
        generic: list[tuple[tuple[str, ...], list[Any]]] = []
        for target, values in zip(self._targets, columns, strict=True):
            parent, last = target.parts[:-1], target.parts[-1]
            held = paths.get_parts(self.template, parent)
            if isinstance(held, dict) or (isinstance(held, list) and last.isdigit() and int(last) < len(held)):
                if parent not in parents:
                    parents.append(parent)
                direct.append((parents.index(parent), int(last) if isinstance(held, list) else last, values))
            else:
                generic.append((target.parts, values))
        new_item = self._item_templates()
        bodies = []
        for position in range(rows):
            body = self._copy_template()
            containers = [paths.get_parts(body, parent) for parent in parents]
            for slot, key, values in direct:
                value = values[position]
                if value is _OMIT:
                    if fill is _OMIT:
                        continue
                    value = fill
                containers[slot][key] = value
            for parts, values in generic:
                value = values[position]
                if value is _OMIT:
                    if fill is _OMIT:
                        continue
                    value = fill
                paths.set_parts(body, parts, value, new_item)
            bodies.append(body)
        return bodies

    def _item_templates(self) -> Callable[[tuple[str, ...]], Any]:
        def new_item(list_parts: tuple[str, ...]) -> Any:
            first = paths.get(self.template, (*list_parts, "0"))
            return json_copy(first) if isinstance(first, (dict, list)) else {}
        return new_item

    def to_bodies(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        """JSON-ready bodies, one per row; raises MappingError naming the cells a callable could not map."""
        mapped = self.build(df)
        if len(mapped.problems):
            first = mapped.problems.iloc[0]
            raise MappingError(
                f"{len(mapped.problems)} cell(s) could not be mapped; first: row {first['row']!r}, "
                f"{first['path']}: {first['message']} (see FieldMapping.validate)"
            )
        return mapped.bodies

    def validate(self, df: pd.DataFrame, schema: Mapping[str, Any] | None = None) -> pd.DataFrame:
        """One row per problem: row (the DataFrame's index label), path, message, keyword, value, severity.

        A problem of a whole column or path (a column read as numbers, a section's update flag that
        is false) is one row with no row label; rows updating the same order are warned of each.
        """
        mapped = self.build(df)
        validator = validator_for(schema if schema is not None else self.schema)
        rows = self._column_warnings(df) + list(mapped.problems.itertuples(index=False, name=None))
        by_path: dict[Any, list[Any]] = {}
        for label, body in zip(mapped.index, mapped.bodies, strict=True):
            report = validator.validate(body)
            for error in report.errors + report.warnings:
                if error.keyword == UPDATE_FLAG:
                    by_path.setdefault(error.path, [error, 0])[1] += 1
                else:
                    rows.append((label, *error))
        for error, count in by_path.values():
            rows.append((None, error.path, f"{error.message} (in {count} row(s))", *error[2:]))
        rows += _duplicates(mapped)
        return pd.DataFrame(rows, columns=PROBLEM_COLUMNS, dtype=object)

    def preview(self, df: pd.DataFrame, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows as they would be sent: a column per target path, and the error count."""
        head = df.head(n)
        mapped = self.build(head)
        validator = validator_for(self.schema)
        data = {str(t.path): [paths.get(b, t.parts) for b in mapped.bodies] for t in self._targets}
        data["errors"] = [len(validator.validate(b).errors) for b in mapped.bodies]
        return pd.DataFrame(data, index=head.index)

    def to_json(self, path: str | FilePath) -> None:
        """Save the mapping beside the notebook (callable targets cannot be saved)."""
        callables = [str(t.path) for t in self._targets if t.column is None and not isinstance(t.source, Const)]
        if callables:
            raise MappingError(f"callable targets cannot be saved to JSON: {', '.join(callables)}")
        targets = [
            {"path": list(t.parts) if isinstance(t.path, tuple) else t.path,
             **({"column": _json_label(t.column)} if t.column is not None else {"const": t.source.value})}
            for t in self._targets
        ]
        document = {"missing": self.missing, "targets": targets, "template": self.template}
        FilePath(path).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    @classmethod
    def from_json(cls, path: str | FilePath, schema: Mapping[str, Any] | None = None) -> FieldMapping:
        """A mapping saved with ``to_json``."""
        try:
            document = json.loads(FilePath(path).read_text(encoding="utf-8"))
            targets = {
                (tuple(t["path"]) if isinstance(t["path"], list) else t["path"]): (
                    _source_label(t["column"]) if "column" in t else Const(t["const"])
                )
                for t in document["targets"]
            }
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise MappingError(f"{path}: not a saved FieldMapping ({type(exc).__name__}: {exc})") from None
        return cls(targets, template=document.get("template"), missing=document.get("missing", "omit"), schema=schema)


def _check_column(df: pd.DataFrame, label: Hashable, what: str) -> None:
    """Raise MappingError unless ``label`` names exactly one column of ``df`` (``what`` says who reads it, for the message).

    ``df[label]`` gives a DataFrame, not a column, for a label the frame has twice and for a label
    that names only the first level(s) of MultiIndex columns; both are refused here, saying how to fix them.
    """
    columns = df.columns
    if isinstance(columns, pd.MultiIndex) and not (isinstance(label, tuple) and len(label) == columns.nlevels):
        prefix = label if isinstance(label, tuple) else (label,)
        under = [column for column in columns if column[: len(prefix)] == prefix]
        held = f" (it holds {', '.join(map(repr, under[:5]))})" if under else ""
        raise MappingError(
            f"{what}{held}, but the DataFrame's columns are a MultiIndex: a column is named by its full label, a tuple of "
            f"{columns.nlevels}, like kn.Column({(under or list(columns))[0]!r}); or flatten the columns first: "
            "df.columns = ['_'.join(map(str, c)) for c in df.columns] (or df.columns.to_flat_index(), tuple labels)"
        )
    if label not in columns:
        have = {str(column): column for column in columns}
        close = [have[text] for text in difflib.get_close_matches(str(label), list(have), n=3)]
        hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f"; it has {', '.join(list(have)[:20])}"
        raise MappingError(f"{what}, which the DataFrame lacks{hint}")
    if label in columns[columns.duplicated()]:
        raise MappingError(
            f"{what}, which the DataFrame has more than once; rename the columns apart first (df.columns = [...])"
        )


def _is_numeric(dtype: Any) -> bool:
    return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)


def _duplicates(mapped: MappedRows) -> list[tuple[Any, ...]]:
    """A warning for each row whose order another row of the frame updates too."""
    rows_of: dict[int, list[Any]] = {}
    for label, body in zip(mapped.index, mapped.bodies, strict=True):
        order_id = order_id_of(body)
        if order_id is not None:
            rows_of.setdefault(order_id, []).append(label)
    found = []
    for order_id, labels in rows_of.items():
        for label in labels if len(labels) > 1 else ():
            others = ", ".join(repr(other) for other in labels if other != label)
            message = (
                f"order {order_id} is also in row(s) {others}: update_orders sends the rows of one order one after "
                "another in row order (duplicates='in_order'), so the last one wins"
            )
            found.append((label, "order_info.order_id", message, "duplicate", order_id, "warning"))
    return found


def _json_label(label: Hashable) -> Any:
    return list(label) if isinstance(label, tuple) else label


def _source_label(saved: Any) -> Any:
    """A saved column back as a mapping source: a str names a column; any other label comes back as a Column."""
    if isinstance(saved, str):
        return saved
    return Column(tuple(saved) if isinstance(saved, list) else saved)


def infer_associate_fields(df: pd.DataFrame, columns: Iterable[str] | Mapping[str, str], max_enum: int = 8) -> dict[str, Any]:
    """A JSON Schema object fragment for these columns (a name map renames fields), for with_associate_fields."""
    names = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise MappingError(f"no such column(s): {', '.join(map(repr, missing))}")
    for column, field in names.items():
        _check_column(df, column, f"column {column!r}")
        if not isinstance(field, str):
            raise MappingError(f"column {column!r}: a custom field's name is a str; name it: {{{column!r}: 'name'}}")
    return {"type": "object", "properties": {field: _infer(df[column], max_enum) for column, field in names.items()}}


def _infer(column: pd.Series, max_enum: int) -> dict[str, Any]:
    values = column.dropna()
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype) or (len(values) and values.map(lambda v: isinstance(v, (bool, np.bool_))).all()):
        return {"type": "boolean"}
    if pd.api.types.is_datetime64_any_dtype(dtype):
        is_date = bool((values.dt.normalize() == values).all())
        return {"type": "string", "format": "date" if is_date else "date-time"}
    if pd.api.types.is_integer_dtype(dtype):
        return {"type": "integer"}
    if pd.api.types.is_float_dtype(dtype):
        finite = values[np.isfinite(values.astype(float))]
        return {"type": "integer"} if len(finite) and (finite == finite.round()).all() else {"type": "number"}
    texts = values.map(lambda v: v if isinstance(v, str) else None).dropna()
    if len(texts) == len(values) and len(values):
        for fmt, date_format in DATE_FORMATS.items():
            if texts.map(date_format.shape.match).notna().all():
                return {"type": "string", "format": fmt}
        distinct = sorted(texts.unique())
        if len(distinct) <= max_enum and len(distinct) * 2 <= len(texts):
            return {"type": "string", "enum": distinct}
        return {"type": "string"}
    return {}
