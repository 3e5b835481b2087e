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
from .bodyfiles import MAX_BYTES, BodyFileError, read_json
from .converters import BLANK, CONVERT, Converter, Digits, Phone, converter_from_json
from .detect import infer_field_schema
from .exceptions import MappingError
from .jsonvalues import json_copy
from .orderframes import order_id_of
from .schema import DATE_FORMATS, DIGITS, declared_fields, leaf_paths, load_schema, node_at, with_associate_fields
from .schema import template as make_template
from .validation import ERROR_COLUMNS, UPDATE_FLAG, validator_for

MISSING_POLICIES = {"omit", "empty", "null"}
PROBLEM_COLUMNS = ["row", *ERROR_COLUMNS]

ID_KEYS = frozenset({"order_id", "customer_id", "contact_id", "enquiry_id", "ticket_id"})


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
class Target:
    """A mapping's target as parsed: where in the body, from what, and the schema node there."""

    path: paths.Path
    parts: tuple[str, ...]
    source: Any  # a column name (str), a Column, a Converter, a Const, or a callable(row)
    column: Hashable | None  # the label of the column it reads, if it reads one
    date_format: str | None  # how a date or datetime value is written: the target's format, if it has one
    node: Mapping[str, Any]


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
    """A date as text: its time of day and zone kept when it has them (the validator judges the shape), none invented."""
    if not isinstance(value, dt.datetime):
        return value.strftime(DATE_FORMATS["date"].strftime)
    zone = "%z" if value.tzinfo is not None else ""
    timed = zone or fmt == "date-time" or value.time() != dt.time(0)
    return value.strftime(DATE_FORMATS["date-time" if timed else "date"].strftime + zone)


def to_json_value(value: Any, date_format: str | None = None) -> Any:
    """One cell as it is, in plain Python (numpy and pandas scalars, dates as text); ``BLANK`` for a missing value.

    Nothing is coerced to what the target wants (no "36" for 36, no True for "TRUE"): the validator judges
    the value, and a converter (kn.Integer, kn.Bool...) is how a column's texts become what the API takes.
    """
    if is_missing(value):
        return BLANK
    if isinstance(value, np.datetime64):
        value = pd.Timestamp(value)
    elif isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, (dt.date, pd.Timestamp)):
        return _date_text(value, date_format)
    if isinstance(value, Decimal):  # an infinite or NaN Decimal becomes a float the validator reports as not JSON
        value = int(value) if value.is_finite() and value == value.to_integral_value() else float(value)
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
        if not isinstance(missing, str) or missing not in MISSING_POLICIES:
            raise MappingError(f"missing must be one of {sorted(MISSING_POLICIES)}, got {missing!r}")
        if not isinstance(targets, Mapping):
            raise MappingError(f"a FieldMapping takes a dict of body path -> source, got {type(targets).__name__}")
        self.schema = schema  # None: the request schema
        self._shape = schema if schema is not None else load_schema()
        self.missing = missing
        self.targets: dict[paths.Path, Any] = dict(targets)
        self._targets = [self._target(path, source) for path, source in self.targets.items()]
        _check_overlaps([target.parts for target in self._targets])
        self._template_name = template if isinstance(template, str) else None
        self.template: dict[str, Any] = json_copy(self._template(template))
        for target in self._targets:
            _check_fits(self.template, target.parts)
        self._copy_template = _copier(self.template)

    def _template(self, template: Mapping[str, Any] | str) -> dict[str, Any]:
        if isinstance(template, Mapping):
            return dict(template)
        if template not in ("minimal", "documented"):
            raise MappingError(f'template is "minimal", "documented" or a body to start from, got {template!r}')
        try:
            documented = make_template(self._shape)
            return documented if template == "documented" else _minimal(documented, [t.parts for t in self._targets])
        except (KeyError, TypeError, IndexError, AttributeError) as exc:
            raise MappingError(
                f"the schema is not shaped like the request schema ({type(exc).__name__}: {exc}): start from "
                "kn.load_schema() or kn.with_associate_fields(...), or give template= a body"
            ) from None

    def _target(self, path: paths.Path, source: Any) -> Target:
        if not (isinstance(path, str) or (isinstance(path, tuple) and all(isinstance(part, str) for part in path))):
            raise MappingError(f"a target's path is a dotted str or a tuple of str, got {path!r}")
        parts = paths.parse(path)
        if not parts or "" in parts:
            raise MappingError(f"target {path!r} has an empty part; a path names a place: 'order_info.remarks'")
        node, _free = node_at(self._shape, parts)
        if node is None:
            close = nearest_paths(parts, leaf_paths(self._shape))
            hint = f"; did you mean {', '.join(close)}?" if close else ""
            raise MappingError(
                f"target {path!r} is not a place in the request body{hint} "
                "(custom fields go under <section>.associate_fields.<name>)"
            )
        if isinstance(source, str):
            column: Hashable | None = source
        elif isinstance(source, Converter):
            column = source.column
        elif isinstance(source, Column):
            column = source.label
            if column is None:
                raise MappingError(f"target {path!r}: a column labelled None cannot be read; rename it (df.rename(columns=...))")
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
                f"target {path!r}: {source!r} is neither a column name (a str), kn.Column(label), a converter "
                f"(kn.Digits(column)...), kn.Const(value) nor a callable(row); for a column labelled {source!r} write "
                f"kn.Column({source!r}), "
                f"for a constant write kn.Const({source!r})"
            )
        fmt = node.get("format") if node.get("format") in DATE_FORMATS else None
        return Target(paths.join(parts), parts, source, column, fmt, node)

    def __repr__(self) -> str:
        return f"<FieldMapping {len(self._targets)} target(s), missing={self.missing!r}>"

    @property
    def fill_value(self) -> Any:
        """What a blank cell sends under the missing policy: "" (empty), None (null), or BLANK (omit: nothing)."""
        return {"empty": "", "null": None}.get(self.missing, BLANK)

    @property
    def template_name(self) -> str | None:
        """The template's name ("minimal", "documented"), or None when the mapping was given a body to start from."""
        return self._template_name

    def columns(self) -> list[Hashable]:
        """The DataFrame columns this mapping reads."""
        return [t.column for t in self._targets if t.column is not None]

    def column_warnings(self, df: pd.DataFrame) -> list[tuple[Any, ...]]:
        """Columns read as numbers where the body wants digits as text (ids, phones): a row each, for the whole column."""
        found = []
        for target in self._targets:
            if target.column is None:
                continue
            dtype = df[target.column].dtype
            is_id = target.parts[-1] in ID_KEYS
            digits = bool(target.node.get(DIGITS)) or isinstance(target.source, (Digits, Phone))
            numbers = pd.api.types.is_float_dtype(dtype) if is_id else _is_numeric(dtype) and digits
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

    def _values(self, df: pd.DataFrame, target: Target, problems: list[Any]) -> list[Any]:
        source = target.source
        if isinstance(source, Const):
            value = to_json_value(source.value, target.date_format)
            if isinstance(value, (dict, list)):  # each body its own copy: an edit to one is not an edit to all
                return [json_copy(value) for _ in range(len(df))]
            return [value] * len(df)
        if isinstance(source, Converter):
            cells = df[target.column]
            converted = source.convert(cells)
            for position, message in converted.errors:
                raw = to_json_value(cells.iloc[position])
                problems.append((df.index[position], target.path, message, CONVERT, raw, "error"))
            return converted.values
        if target.column is not None:
            column = df[target.column]
            if pd.api.types.is_datetime64_any_dtype(column.dtype):
                zone = "%z" if column.dt.tz is not None else ""
                timed = column.dt.strftime(DATE_FORMATS["date-time"].strftime + zone)
                if not zone and target.date_format != "date-time":
                    timed = timed.where(column != column.dt.normalize(), column.dt.strftime(DATE_FORMATS["date"].strftime))
                return [BLANK if is_missing(v) else v for v in timed.tolist()]
            fmt = target.date_format
            return [v if type(v) is str else to_json_value(v, fmt) for v in column.tolist()]
        values = []
        for label, row in zip(df.index, df.itertuples(index=False, name=None), strict=True):
            try:
                values.append(to_json_value(source(pd.Series(row, index=df.columns)), target.date_format))
            except Exception as exc:  # a user's callable may fail in any way; the row records it
                message = f"the mapping callable raised {type(exc).__name__}: {exc}"
                problems.append((label, target.path, message, "mapping", None, "error"))
                values.append(BLANK)
        return values

    def build(self, df: pd.DataFrame) -> MappedRows:
        """Bodies for every row, and a frame of the cells that could not be mapped."""
        self.check_frame(df)
        problems: list[tuple[Any, ...]] = []
        columns = [self._values(df, target, problems) for target in self._targets]
        bodies = self._fill(columns, len(df))
        return MappedRows(bodies, df.index, pd.DataFrame(problems, columns=PROBLEM_COLUMNS, dtype=object))

    def check_frame(self, df: pd.DataFrame) -> None:
        """Raise MappingError unless ``df`` is a DataFrame holding, once each, the columns this mapping reads."""
        if not isinstance(df, pd.DataFrame):
            raise MappingError(f"a FieldMapping maps a DataFrame, got {type(df).__name__}")
        self._check_columns(df)

    def target_list(self) -> list[Target]:
        """The targets as parsed: path, parts, source, the column read, the date format, the schema node."""
        return list(self._targets)

    def target_values(self, df: pd.DataFrame, position: int) -> tuple[list[Any], list[tuple[int, tuple[Any, ...]]]]:
        """One target's value per row (``BLANK`` where none is sent, before the missing policy), and its cells' problems:
        (the row's position, the problem row as ``validate`` gives it) each."""
        problems: list[tuple[Any, ...]] = []
        values = self._values(df.set_axis(pd.RangeIndex(len(df))), self._targets[position], problems)  # rows by position
        labels = df.index
        return values, [(problem[0], (labels[problem[0]], *problem[1:])) for problem in problems]

    def fill(self, columns: list[list[Any]], rows: int) -> list[dict[str, Any]]:
        """Bodies from per-target values (as ``target_values`` gives them, in target order), the missing policy applied."""
        return self._fill(columns, rows)

    def _fill(self, columns: list[list[Any]], rows: int) -> list[dict[str, Any]]:
        """One body per row from the converted columns, applying the missing policy."""
        fill = self.fill_value
        # A target whose container the template already has is set with one subscript per row; one whose
        # object is new (associate_fields in a minimal body) goes into a dict made per row when it has a value;
        # the rest (a new contact_info item, deeper new objects) go through paths.set_parts.
        parents: list[tuple[str, ...]] = []
        direct: list[tuple[int, int | str, list[Any]]] = []
        new_objects: dict[tuple[int, str], list[tuple[str, list[Any]]]] = {}
        generic: list[tuple[tuple[str, ...], list[Any]]] = []
        if fill is not BLANK:
            columns = [[fill if value is BLANK else value for value in values] for values in columns]
        for target, values in zip(self._targets, columns, strict=True):
            parent, last = target.parts[:-1], target.parts[-1]
            held = paths.get_parts(self.template, parent)
            outer = paths.get_parts(self.template, parent[:-1]) if parent and held is None else None
            if isinstance(held, dict) or (isinstance(held, list) and paths.is_index(last) and int(last) < len(held)):
                direct.append((_slot(parents, parent), int(last) if isinstance(held, list) else last, values))
            elif isinstance(outer, dict) and not paths.is_index(last):
                new_objects.setdefault((_slot(parents, parent[:-1]), parent[-1]), []).append((last, values))
            else:
                generic.append((target.parts, values))
        new_item = self._item_templates()
        bodies = []
        for position in range(rows):
            body = self._copy_template()
            containers = [paths.get_parts(body, parent) for parent in parents]
            for slot, key, values in direct:
                if values[position] is not BLANK:
                    containers[slot][key] = values[position]
            for (slot, name), members in new_objects.items():
                made = {key: values[position] for key, values in members if values[position] is not BLANK}
                if made:
                    containers[slot][name] = made
            for parts, values in generic:
                if values[position] is not BLANK:
                    paths.set_parts(body, parts, values[position], new_item)
            bodies.append(body)
        return bodies

    def _item_templates(self) -> Callable[[tuple[str, ...]], Any]:
        def new_item(list_parts: tuple[str, ...]) -> Any:
            first = paths.get(self.template, (*list_parts, "0"))
            return json_copy(first) if isinstance(first, (dict, list)) else {}
        return new_item

    def to_bodies(self, df: pd.DataFrame) -> list[dict[str, Any]]:
        """JSON-ready bodies, one per row; raises MappingError naming the cells a converter or a callable could not map."""
        mapped = self.build(df)
        if len(mapped.problems):
            first = mapped.problems.iloc[0]
            raise MappingError(
                f"{len(mapped.problems)} cell(s) could not be mapped; first: row {first['row']!r}, "
                f"{first['path']}: {first['message']} (see FieldMapping.validate)"
            )
        return mapped.bodies

    def validate(
        self, df: pd.DataFrame, schema: Mapping[str, Any] | None = None, *, region: str | None = "IN"
    ) -> pd.DataFrame:
        """One row per problem: row (the DataFrame's index label), path, message, keyword, value, severity.

        A problem of a whole column or path (a column read as numbers, a section's update flag that
        is false) is one row with no row label; rows updating the same order are warned of each.
        ``region``: where phone numbers are read, as ``kn.validate`` takes it (None: no phone warnings).
        """
        mapped = self.build(df)
        validator = validator_for(schema if schema is not None else self.schema, region)
        rows = self.column_warnings(df) + list(mapped.problems.itertuples(index=False, name=None))
        unmapped = {(label, path) for label, path in zip(mapped.problems["row"], mapped.problems["path"], strict=True)}
        by_path: dict[Any, list[Any]] = {}
        for label, body in zip(mapped.index, mapped.bodies, strict=True):
            report = validator.validate(body)
            for error in report.errors + report.warnings:
                if error.keyword == UPDATE_FLAG:
                    by_path.setdefault(error.path, [error, 0])[1] += 1
                elif (label, error.path) not in unmapped:  # the cell's own problem says it already
                    rows.append((label, *error))
        for error, count in by_path.values():
            rows.append((None, error.path, f"{error.message} (in {count} row(s))", *error[2:]))
        rows += [row for _position, row in duplicate_warnings(mapped.index, [order_id_of(body) for body in mapped.bodies])]
        return pd.DataFrame(rows, columns=PROBLEM_COLUMNS, dtype=object)

    def preview(self, df: pd.DataFrame, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows as they would be sent: the error count and messages first, then a column per target path.

        ``errors`` counts the row's errors (cells that could not be mapped, and the body's validation errors);
        ``messages`` gives each as ``path: message``, joined with ``; `` and never shortened ("" for none).
        """
        head = df.head(n)
        mapped = self.build(head.set_axis(range(len(head))))  # by position: labels a frame repeats stay apart
        validator = validator_for(self.schema)
        said: list[list[str]] = [[] for _ in mapped.bodies]
        problems = mapped.problems
        for position, path, message in zip(problems["row"], problems["path"], problems["message"], strict=True):
            said[position].append(f"{path}: {message}")
        unmapped = set(zip(mapped.problems["row"], mapped.problems["path"], strict=True))
        for position, body in enumerate(mapped.bodies):
            said[position] += [
                f"{error.path or '(body)'}: {error.message}"
                for error in validator.validate(body).errors
                if (position, error.path) not in unmapped  # the cell's own problem says it already
            ]
        data: dict[str, list[Any]] = {"errors": [len(messages) for messages in said], "messages": ["; ".join(m) for m in said]}
        data.update({str(t.path): [paths.get(body, t.parts) for body in mapped.bodies] for t in self._targets})
        return pd.DataFrame(data, index=head.index)

    def _declarations(self) -> dict[str, Any] | None:
        """The custom-field declarations of the mapping's schema (``with_associate_fields`` arguments), if it has some.

        A schema those arguments cannot make is not saved: ``from_json(path, schema=...)`` takes it again."""
        return declared_fields(self.schema) if self.schema is not None else None

    def to_code(self) -> str:
        """The Python that builds this mapping (and its declared custom fields): a prototype becomes a script."""
        callables = [str(t.path) for t in self._targets if t.column is None and not isinstance(t.source, Const)]
        if callables:
            raise MappingError(f"callable targets cannot be written as code: {', '.join(callables)}")
        lines = ["import kapture_nb as kn", ""]
        options = []
        fields = self._declarations()
        if fields:
            declared = ", ".join(f"{name}={value!r}" for name, value in fields.items())
            lines += [f"schema = kn.with_associate_fields({declared})", ""]
            options.append("schema=schema")
        elif self.schema is not None and fields is None:
            raise MappingError(
                "this mapping's schema is not the request schema with declared custom fields (kn.with_associate_fields): "
                "to_code cannot write it"
            )
        lines.append("mapping = kn.FieldMapping(")
        lines.append("    {")
        lines += [f"        {t.path!r}: {_source_code(t)}," for t in self._targets]
        lines.append("    },")
        template = self._template_name or self.template
        if template != "minimal":
            options.append(f"template={template!r}")
        if self.missing != "omit":
            options.append(f"missing={self.missing!r}")
        lines += [f"    {option}," for option in options]
        lines.append(")")
        return "\n".join(lines) + "\n"

    def to_json(self, path: str | FilePath) -> None:
        """Save the mapping beside the notebook, with its custom-field declarations (callable targets cannot be saved)."""
        callables = [str(t.path) for t in self._targets if t.column is None and not isinstance(t.source, Const)]
        if callables:
            raise MappingError(f"callable targets cannot be saved to JSON: {', '.join(callables)}")
        targets = [{"path": list(t.parts) if isinstance(t.path, tuple) else t.path, **_saved_source(t)} for t in self._targets]
        template = self._template_name or self.template
        document: dict[str, Any] = {"missing": self.missing, "targets": targets, "template": template}
        fields = self._declarations()
        if fields:
            document["fields"] = fields
        text = json.dumps(document, indent=2, ensure_ascii=False, default=_plain)
        FilePath(path).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def from_json(
        cls, path: str | FilePath, schema: Mapping[str, Any] | None = None, *, max_bytes: int = MAX_BYTES
    ) -> FieldMapping:
        """A mapping saved with ``to_json`` (read like a body file: a regular file, bounded, UTF-8 JSON)."""
        try:
            document = read_json(path, max_bytes=max_bytes)
        except BodyFileError as exc:
            raise MappingError(str(exc)) from None
        if not isinstance(document, dict) or not isinstance(document.get("targets"), list) or set(document) - _SAVED_MAPPING:
            raise MappingError(
                f"{path}: not a saved FieldMapping: an object with targets (a list), and missing and template if any"
            )
        try:
            pairs = [(_loaded_path(saved), _loaded_source(saved)) for saved in document["targets"]]
            doubled = [place for place, _ in pairs if [other for other, _ in pairs].count(place) > 1]
            if doubled:
                raise MappingError(f"target {doubled[0]!r} is given twice")
            fields = document.get("fields")
            if schema is None and fields is not None:
                if not isinstance(fields, dict):
                    raise MappingError(f"fields holds the custom-field declarations (an object), got {fields!r}")
                try:
                    schema = with_associate_fields(**fields)
                except (TypeError, ValueError, KeyError) as exc:
                    raise MappingError(f"fields: not a declaration of custom fields ({exc})") from None
            return cls(
                dict(pairs), template=document.get("template", "minimal"), missing=document.get("missing", "omit"), schema=schema
            )
        except MappingError as exc:
            raise MappingError(f"{path}: {exc}") from None


def _slot(parents: list[tuple[str, ...]], parent: tuple[str, ...]) -> int:
    """The position of ``parent`` among the containers fetched once per body, added if new."""
    if parent not in parents:
        parents.append(parent)
    return parents.index(parent)


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


def duplicate_warnings(index: pd.Index, order_ids: list[int | None]) -> list[tuple[int, tuple[Any, ...]]]:
    """A warning for each row whose order another row of the frame updates too (``order_ids``: each row's, or None):
    (the row's position, the warning row) each."""
    rows_of: dict[int, list[tuple[int, Any]]] = {}
    for position, (label, order_id) in enumerate(zip(index, order_ids, strict=True)):
        if order_id is not None:
            rows_of.setdefault(order_id, []).append((position, label))
    found = []
    for order_id, rows in rows_of.items():
        for position, label in rows if len(rows) > 1 else ():
            # by label; a label the frame repeats is named by its position too
            others = ", ".join(
                repr(other) if other != label else f"{other!r} (position {at})" for at, other in rows if at != position
            )
            message = (
                f"order {order_id} is also in row(s) {others}: update_orders sends the rows of one order one after "
                "another in row order (duplicates='in_order'), so the last one wins"
            )
            found.append((position, (label, "order_info.order_id", message, "duplicate", order_id, "warning")))
    return found


def _source_code(target: Target) -> str:
    """A target's source as Python: a column name, kn.Column(...), a converter's repr, kn.Const(...)."""
    source = target.source
    if isinstance(source, Const):
        return f"kn.Const({json.loads(json.dumps(source.value, default=_plain))!r})"
    if isinstance(source, Column):
        label = source.label
        plain = tuple(_plain(part) if isinstance(part, np.generic) else part for part in label) if isinstance(label, tuple) else (
            _plain(label) if isinstance(label, np.generic) else label
        )
        return f"kn.Column({plain!r})"
    return repr(source)


def _plain(value: Any) -> Any:
    """A numpy scalar (a label from df.columns, a constant from a frame) as the Python value JSON writes."""
    if isinstance(value, np.generic):
        return value.item()
    raise MappingError(f"{value!r} ({type(value).__name__}) cannot be saved as JSON")


def _check_fits(template: dict[str, Any], parts: tuple[str, ...]) -> None:
    """Raise MappingError unless the template has an object (a list, for an item number) wherever this target goes."""
    node: Any = template
    for depth, part in enumerate(parts[:-1]):
        node = node.get(part) if isinstance(node, dict) else node[int(part)] if int(part) < len(node) else None
        if node is None:
            return  # made when a row has a value
        wanted = list if paths.is_index(parts[depth + 1]) else dict
        if not isinstance(node, wanted):
            raise MappingError(
                f"target {paths.join(parts)!r} needs a {'list' if wanted is list else 'dict'} at "
                f"{paths.join(parts[: depth + 1])!r}, where the template holds a {type(node).__name__}: fix the template"
            )


def _check_overlaps(targets: list[tuple[str, ...]]) -> None:
    """Raise MappingError for a path given twice, a path inside another target's, or array items with gaps."""
    seen = set()
    for parts in targets:
        if parts in seen:
            raise MappingError(f"target {paths.join(parts)!r} is given twice (once as a str, once as a tuple?)")
        seen.add(parts)
    for parts in targets:
        inside = next((other for other in seen if other != parts and other == parts[: len(other)]), None)
        if inside is not None:
            raise MappingError(
                f"target {paths.join(parts)!r} is inside target {paths.join(inside)!r}: one would overwrite the other; "
                "map the inner paths one by one"
            )
    items: dict[tuple[str, ...], set[int]] = {}
    for parts in targets:
        for depth, part in enumerate(parts):
            if paths.is_index(part):
                items.setdefault(parts[:depth], set()).add(int(part))
    for array, indices in items.items():
        if indices != set(range(len(indices))):
            missing = min(set(range(max(indices) + 1)) - indices)
            raise MappingError(
                f"{paths.join((*array, str(max(indices))))!r} is mapped but {paths.join((*array, str(missing)))!r} is not: "
                "array items are made in order, from 0"
            )


def _json_label(label: Hashable) -> Any:
    return list(label) if isinstance(label, tuple) else label


def _saved_source(target: Target) -> dict[str, Any]:
    """A target's source as saved: a column (with its converter, if it has one) or a constant."""
    if target.column is None:
        return {"const": target.source.value}
    if isinstance(target.source, Converter):
        return {"column": _json_label(target.column), "converter": target.source.to_json()}
    return {"column": _json_label(target.column)}


_SAVED_KEYS = {"path", "column", "converter", "const"}
_SAVED_MAPPING = {"missing", "targets", "template", "fields"}


def _loaded_path(saved: Any) -> paths.Path:
    """A saved target's path: a dotted str, or a list of str for a path whose keys hold dots."""
    place = saved.get("path") if isinstance(saved, Mapping) else None
    if isinstance(place, list) and all(isinstance(part, str) for part in place):
        return tuple(place)
    if isinstance(place, str):
        return place
    raise MappingError(f"a saved target's path is a dotted str or a list of str, got {place!r}")


def _loaded_source(saved: Mapping[str, Any]) -> Any:
    """A saved target's source: a str names a column, other labels come back as a Column, a converter as itself."""
    if not isinstance(saved, Mapping):
        raise MappingError(f"a saved target is an object with a path and a column or a const, got {saved!r}")
    unknown = sorted(set(saved) - _SAVED_KEYS)
    if unknown or ("const" in saved) == ("column" in saved) or ("converter" in saved and "column" not in saved):
        raise MappingError(
            f"a saved target has a path and either a column (with a converter, if any) or a const, got keys {sorted(saved)}"
        )
    if "const" in saved:
        return Const(saved["const"])
    label = saved["column"]
    if label is None or isinstance(label, (dict, bool)):
        raise MappingError(f"a saved column is a column label (a str, a number, a list for a tuple), got {label!r}")
    label = tuple(label) if isinstance(label, list) else label
    if "converter" in saved:
        return converter_from_json(saved["converter"], label)
    return label if isinstance(label, str) else Column(label)


def nearest_paths(parts: tuple[str, ...], known: list[str], n: int = 3) -> list[str]:
    """Documented paths near an unknown one, by the leaf's name across arrays and sections (phone: contact_person_phone)."""
    from rapidfuzz import fuzz

    wanted, leaf = ".".join(parts), parts[-1]
    scored = []
    for path in known:
        score = max(fuzz.WRatio(leaf, path.rsplit(".", 1)[-1]), fuzz.ratio(wanted, path))
        score += 15 if path.split(".", 1)[0] == parts[0] else 0  # the section the user named first
        scored.append((score, path))
    scored.sort(key=lambda item: -item[0])
    return [path for score, path in scored[:n] if score >= 75]


def infer_associate_fields(df: pd.DataFrame, columns: Iterable[str] | Mapping[str, str], max_enum: int = 8) -> dict[str, Any]:
    """A JSON Schema object fragment for these columns (a name map renames fields), for with_associate_fields.

    Each field's schema is ``detect.infer_field_schema``'s: by dtype, or for text by its values read on a sample
    (yes/no spellings: boolean; a few clustered spellings: an enum; ``1,200`` and ``36.0``: integer; dates...).
    """
    names = dict(columns) if isinstance(columns, Mapping) else {c: c for c in columns}
    missing = [c for c in names if c not in df.columns]
    if missing:
        raise MappingError(f"no such column(s): {', '.join(map(repr, missing))}")
    for column, field in names.items():
        _check_column(df, column, f"column {column!r}")
        if not isinstance(field, str):
            raise MappingError(f"column {column!r}: a custom field's name is a str; name it: {{{column!r}: 'name'}}")
    properties = {field: infer_field_schema(df[column], max_enum) for column, field in names.items()}
    return {"type": "object", "properties": properties}
