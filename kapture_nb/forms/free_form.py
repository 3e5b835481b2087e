"""Free-form objects (``associate_fields``): typed key/value rows, declared keys as proper fields, a raw JSON view."""
from __future__ import annotations

import copy
import json
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, cast

import ipywidgets as widgets

from ..validation import FieldError
from .base import NOTHING, Field, FormContext
from .composite import Composite, caption
from .scalars import NumberField, is_number

ROW_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "JSON": {},
}
_TRUE_WORDS = {"true", "1", "yes", "y", "on"}


def row_type(value: Any) -> str:
    """The row type that shows this value: text, number, boolean, or JSON for anything else."""
    if type(value) is bool:
        return "boolean"
    if type(value) is str:
        return "text"
    return "number" if is_number(value) else "JSON"


def _as_text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, default=str)


def convert(value: Any, kind: str) -> Any:
    """The value a row of another type starts from when the user switches its type (a number row: a number, or text to read)."""
    if kind == "text":
        return _as_text(value)
    if kind == "number":
        return value if is_number(value) else _as_text(value)
    if kind == "boolean":
        if isinstance(value, str):
            return value.strip().lower() in _TRUE_WORDS
        return bool(value)
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


class FreeRow(Field):
    """One undeclared key of a free-form object: its name, its type, its value, a remove button."""

    key: str

    def __init__(self, node: Mapping[str, Any], key: str, parent: Field | None, ctx: FormContext) -> None:
        super().__init__(node, key, parent, ctx)
        look = ctx.look
        self.key_widget = widgets.Text(value=key, placeholder="key", layout=look.key, style=look.text)
        self.type_widget = widgets.Dropdown(options=list(ROW_TYPES), value="text", layout=look.kind, style=look.dropdown)
        self.remove_button = widgets.Button(icon="trash", tooltip="remove this key", layout=look.button, style=look.buttons)
        self.inner = self._make_inner("text")
        self.key_widget.observe(self._key_changed, "value")
        self.type_widget.observe(self._type_changed, "value")

    @property
    def present(self) -> bool:
        """Whether the row is in the object: while its value is (a number row left blank, or not a number, is not)."""
        return self.inner.present

    @present.setter
    def present(self, flag: bool) -> None:
        """A row's presence follows its value's."""

    @property
    def widget(self) -> widgets.Widget:
        """The value's input widget (it changes with the row's type)."""
        return self.inner.widget

    def _make_inner(self, kind: str) -> Field:
        node = ROW_TYPES[kind]
        registry = self.ctx.registry
        return registry.kinds[registry.kind_of(node)](node, None, self, self.ctx)

    def _load(self, value: Any) -> None:
        kind = row_type(value)
        if kind != self.type_widget.value:
            self.type_widget.value = kind
            self.inner = self._make_inner(kind)
            self._place_inner()
        self.inner._load(value)
        self._render()

    def _unset(self) -> None:
        raise TypeError("a free-form row is always present; remove it instead")

    def _get(self) -> Any:
        return self.inner.value

    def _key_changed(self, change: Mapping[str, Any]) -> None:
        if not self.ctx.muted:
            self.rekey(change["new"])
            self._edited()

    def _type_changed(self, change: Mapping[str, Any]) -> None:
        if self.ctx.muted:
            return
        shown = self.inner.value if self.inner.present or not isinstance(self.inner, NumberField) else self.inner.typed
        start = convert(shown, change["new"])
        self.inner = self._make_inner(change["new"])
        with self.ctx.quiet():
            if isinstance(self.inner, NumberField) and isinstance(start, str):
                # text becomes a number only as typed text, read like the user's typing (an error if it is none)
                self.inner.widget.text.value = start
                self.inner._edited()
            else:
                self.inner._load(start)
        self._place_inner()
        self._edited()

    def _place_inner(self) -> None:
        if self._view is not None:
            self._view.children = self._row_children()

    def _row_children(self) -> tuple[widgets.Widget, ...]:
        extra = (self._msg,) if self._msg is not None else ()
        return (self.key_widget, self.type_widget, self.inner.widget, self.remove_button, *extra)

    def _build_view(self) -> widgets.Widget:
        return widgets.HBox(self._row_children(), layout=self.ctx.look.row)

    def _attach_message(self, message: widgets.HTML) -> None:
        self._place_inner()

    def _message_place(self) -> tuple[str, tuple[str, ...] | None]:
        return "0", self.parts

    def kept_note(self) -> str:
        return self.inner.kept_note()

    def problems(self) -> list[FieldError]:
        found = list(self.inner.problems())
        if not self.present and not found:
            found.append(self.problem("no number typed: type one, or remove the row"))
        return found


class FreeFormField(Composite):
    """A free-form object: declared keys (``properties``) as typed fields, any other key as a free row."""

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        super().__init__(node, key, parent, ctx)
        look = ctx.look
        self.declared: dict[str, Field] = {
            name: ctx.build(child, name, self) for name, child in node.get("properties", {}).items()
        }
        self.rows: list[FreeRow] = []
        self._entries: list[Field] = list(self.declared.values())
        self._raw: widgets.Textarea | None = None
        self._raw_error = ""
        self._from_raw = False
        self.rows_box = widgets.VBox([], layout=look.column)
        self.add_button = widgets.Button(description="add key", icon="plus", layout=look.button, style=look.buttons)
        self.add_button.on_click(lambda _button: self.add())
        self.raw_button = widgets.ToggleButton(
            description="JSON", icon="code", tooltip="edit or paste the whole object as JSON", layout=look.button
        )
        self.raw_button.observe(self._raw_toggled, "value")
        self._body = widgets.VBox(
            [
                *caption(ctx, self.description),
                *(field.view for field in self.declared.values()),
                self.rows_box,
                widgets.HBox([self.add_button, self.raw_button], layout=look.row),
            ],
            layout=look.column,
        )
        self.widget = self._body

    def children(self) -> Iterable[Field]:
        return [*self.declared.values(), *self.rows]

    def has_child(self, key: str) -> bool:
        return key in self.declared or any(row.key == key for row in self.rows)

    def row(self, key: str) -> FreeRow:
        """The first free row with this key."""
        for found in self.rows:
            if found.key == key:
                return found
        raise KeyError(key)

    # the user's actions
    def add(self, key: str = "", value: Any = "") -> FreeRow:
        """Add a free row as the user would (an empty key is flagged until it is named)."""
        with self.ctx.quiet():
            made = self._new_row(key, value)
        self._edited()
        return made

    def remove_row(self, row: FreeRow) -> None:
        """Remove a free row as the user would."""
        self.rows.remove(row)
        self._entries.remove(row)
        self.rows_box.children = tuple(r.view for r in self.rows)
        self._edited()

    @property
    def raw(self) -> widgets.Textarea:
        """The raw JSON view of the whole object: paste JSON here (invalid JSON is flagged, nothing is lost)."""
        if self._raw is None:
            self._raw = widgets.Textarea(layout=self.ctx.look.area, style=self.ctx.look.text)
            self._raw.observe(self._raw_edited, "value")
            self._sync_raw()
        return self._raw

    def _raw_toggled(self, change: Mapping[str, Any]) -> None:
        shown = tuple(c for c in self._body.children if c is not self._raw)
        self._body.children = (*shown, self.raw) if change["new"] else shown

    def _raw_edited(self, change: Mapping[str, Any]) -> None:
        if self.ctx.muted:
            return
        try:
            parsed = json.loads(change["new"])
        except ValueError as exc:
            self._raw_error = f"invalid JSON in the JSON view ({exc}); the keys above are unchanged"
            self.ctx.changed()
            return
        self._raw_error = ""
        self._from_raw = True
        try:
            with self.ctx.quiet():
                self._load(parsed)
            self._touched()
        finally:
            self._from_raw = False

    def _sync_raw(self) -> None:
        if self._raw is None or self._from_raw:
            return
        self._raw_error = ""
        with self.ctx.quiet():
            self._raw.value = json.dumps(self._get(), indent=2, ensure_ascii=False, default=str)

    def _adopt(self) -> None:
        super()._adopt()
        self._sync_raw()

    def _edited(self) -> None:
        self._sync_raw()
        super()._edited()

    # loading and reading
    def _new_row(self, key: str, value: Any) -> FreeRow:
        made = FreeRow({}, key, self, self.ctx)
        made._load(value)
        made.remove_button.on_click(lambda _button: self.remove_row(made))
        self.rows.append(made)
        self._entries.append(made)
        self.rows_box.children = (*self.rows_box.children, made.view)
        return made

    def _clear(self) -> None:
        self.rows = []
        self._entries = []
        self.rows_box.children = ()

    def _load(self, value: Any) -> None:
        self.present = True
        self._clear()
        if isinstance(value, dict) and all(isinstance(k, str) for k in value):
            self._kept = NOTHING
            for name, item in value.items():
                if name in self.declared:
                    self.declared[name]._load(item)
                    self._entries.append(self.declared[name])
                else:
                    self._new_row(name, item)
            for name, field in self.declared.items():
                if name not in value:
                    field._unset()
                    self._entries.append(field)
        else:
            self._keep(value)
            for field in self.declared.values():
                field._unset()
                self._entries.append(field)
        self._sync_raw()
        self._render()

    def _unset(self) -> None:
        self.present = False
        self._kept = NOTHING
        self._clear()
        for field in self.declared.values():
            field._unset()
            self._entries.append(field)
        self._sync_raw()
        self._render()

    def _get(self) -> Any:
        if self._kept is not NOTHING:
            return copy.deepcopy(self._kept)
        out: dict[str, Any] = {}
        for entry in self._entries:
            if entry.present and entry.key not in out:
                # every entry sits at a key: a declared property's name or a row's
                out[cast(str, entry.key)] = entry.value
        return out

    def problems(self) -> list[FieldError]:
        found = [self.problem(self._raw_error)] if self._raw_error else []
        if self._kept is not NOTHING:
            return found
        present = Counter(entry.key for entry in self._entries if entry.present)
        for row in self.rows:
            at = (*self.parts, row.key)
            if row.key == "":
                found.append(self.problem("empty key: name it or remove the row", row.value, at))
            elif row.key in self.declared:
                found.append(self.problem(f"{row.key!r} is declared: fill in its own field instead", row.value, at))
            elif present[row.key] > 1:
                found.append(self.problem(f"duplicate key {row.key!r}: only the first is sent", row.value, at))
        return found
