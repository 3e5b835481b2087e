"""Free-form objects (``associate_fields``): typed key/value rows, declared keys as proper fields, a raw JSON view."""
from __future__ import annotations

import copy
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, cast

import ipywidgets as widgets

from ..validation import FieldError, shorten
from .base import NOTHING, Field, FormContext, messages_html, parse_json
from .composite import Composite, caption
from .scalars import NumberField, is_number

ROW_TYPES: dict[str, dict[str, Any]] = {
    "text": {"type": "string"},
    "number": {"type": "number"},
    "boolean": {"type": "boolean"},
    "JSON": {},
}
_TRUE_WORDS = {"true", "1", "yes", "y", "on"}
# the schema's hint for an account that has declared no keys yet
_DECLARE_HINT = re.compile(r"\s*Declare the account's keys with [\w.]*with_associate_fields\(\)\.?")


def row_type(value: Any) -> str:
    """The row type that shows this value: text, number, boolean, or JSON for anything else."""
    if type(value) is bool:
        return "boolean"
    if type(value) is str:
        return "text"
    return "number" if is_number(value) else "JSON"


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (ValueError, RecursionError):  # a 5,000-digit int, a container inside itself: say what it is
        return f"<{type(value).__name__} JSON cannot write>"


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


def _said(value: Any) -> str:
    """A value as a message quotes it: text in quotes, anything else as short JSON."""
    return repr(shorten(value, 40)) if isinstance(value, str) else shorten(_as_text(value), 40)


def switch_words(before: Any, old: str, new: str, now: Field) -> tuple[str, str]:
    """What a row's type switch did to its value, in plain words: ``(note, "")``, or ``("", error)`` if it is none."""
    if isinstance(before, str) and before == "":
        return "", ""
    was = _said(before)
    if isinstance(now, NumberField):
        if not now.present:
            kept = "the text is kept in the box and the key is left out"
            return "", f"{was} is not a number: {kept}; fix it or switch back to {old}"
        return f"switched to number: {was} is now the number {now.value!r}", ""
    value = now.value
    if new == "text":
        return f"switched to text: {was} is now the text {_said(value)}", ""
    if new == "boolean":
        if isinstance(before, str):
            rule = f"only {', '.join(sorted(_TRUE_WORDS))} read as true"
        elif is_number(before):
            rule = "0 reads as false, any other number as true"
        else:
            rule = "null and empty values read as false"
        return f"switched to boolean: {was} is now {json.dumps(value)} ({rule})", ""
    if isinstance(before, str) and isinstance(value, str):
        string = shorten(json.dumps(value, ensure_ascii=False), 40)
        return f"switched to JSON: {was} is not JSON, so it is kept as the JSON string {string}", ""
    return f"switched to JSON: {was} is now the JSON value {_said(value)}", ""


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
        self.line: widgets.HBox  # the row of inputs, made with the view
        self._switch_note = ""
        self._switch_error = ""
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
        self._switch_note = self._switch_error = ""
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
        inner = self.inner
        shown = inner.typed if isinstance(inner, NumberField) and not inner.present else inner.value
        start = convert(shown, change["new"])
        self.inner = self._make_inner(change["new"])
        with self.ctx.quiet():
            if isinstance(self.inner, NumberField) and isinstance(start, str):
                # text becomes a number only as typed text, read like the user's typing (an error if it is none)
                self.inner.widget.text.value = start
                self.inner._edited()
            else:
                self.inner._load(start)
        self._switch_note, self._switch_error = switch_words(shown, change["old"], change["new"], self.inner)
        self._place_inner()
        self._edited()

    def _adopt(self) -> None:
        if not self.ctx.muted:  # the user edited the value: what the switch did is no longer news
            self._switch_note = self._switch_error = ""
        super()._adopt()

    def _place_inner(self) -> None:
        if self._view is not None:
            self.line.children = (self.key_widget, self.type_widget, self.inner.widget, self.remove_button)
            self._view.children = self._view_children()

    def _view_children(self) -> tuple[widgets.Widget, ...]:
        # the row's messages go under its inputs, not beside them
        return (self.line,) if self._msg is None else (self.line, self._msg)

    def _build_view(self) -> widgets.Widget:
        look = self.ctx.look
        self.line = widgets.HBox((self.key_widget, self.type_widget, self.inner.widget, self.remove_button), layout=look.row)
        return widgets.VBox(self._view_children(), layout=look.column)

    def _attach_message(self, message: widgets.HTML) -> None:
        self._place_inner()

    def _message_place(self) -> tuple[str, tuple[str, ...] | None]:
        return "0", self.parts

    def kept_note(self) -> str:
        return "; ".join(note for note in (self._switch_note, self.inner.kept_note()) if note)

    def problems(self) -> list[FieldError]:
        found = list(self.inner.problems())
        if found and self._switch_error:
            return [self.problem(self._switch_error, found[0].value)]
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
        self.raw_message = widgets.HTML(layout=look.message, style=look.html)
        self._own_errors: list[FieldError] = []
        self._claims: dict[int, list[tuple[Any, ...]]] = {}
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
                *caption(ctx, self.caption_text()),
                *(field.view for field in self.declared.values()),
                self.rows_box,
                widgets.HBox([self.add_button, self.raw_button], layout=look.row),
            ],
            layout=look.column,
        )
        self.widget = self._body

    def caption_text(self) -> str:
        """The line under the heading: the schema's description, saying which keys are declared once some are."""
        if not self.declared:
            return self.description
        text = _DECLARE_HINT.sub("", self.description).strip()
        others = "no other keys are allowed" if self.node.get("additionalProperties") is False else "other keys are free"
        return f"{text} Declared: {', '.join(self.declared)}; {others}.".strip()

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
        shown = tuple(c for c in self._body.children if c is not self._raw and c is not self.raw_message)
        self._body.children = (*shown, self.raw, self.raw_message) if change["new"] else shown
        self._place_errors()

    def _raw_edited(self, change: Mapping[str, Any]) -> None:
        if self.ctx.muted:
            return
        parsed, mistake = parse_json(change["new"])
        if mistake:
            self._raw_error = f"invalid JSON, {mistake}; the keys above stay as they were until it is valid"
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
        found = [self.problem(self._raw_error, self.raw.value)] if self._raw_error else []
        return found + [problem for _row, problem in self._row_problems()]

    def _row_problems(self) -> list[tuple[FreeRow, FieldError]]:
        """The problems of the rows' keys (empty, declared, duplicate), each with its row."""
        if self._kept is not NOTHING:
            return []
        found = []
        present = Counter(entry.key for entry in self._entries if entry.present)
        for row in self.rows:
            at = (*self.parts, row.key)
            if row.key == "":
                found.append((row, self.problem("empty key: name it or remove the row", row.value, at)))
            elif row.key in self.declared:
                found.append((row, self.problem(f"{row.key!r} is declared: fill in its own field instead", row.value, at)))
            elif present[row.key] > 1:
                found.append((row, self.problem(f"duplicate key {row.key!r}: only the first is sent", row.value, at)))
        return found

    # errors: each at the entry that has it, a JSON view's at the JSON view
    def show_errors(self, errors: list[FieldError]) -> None:
        # Where a row shares its key with a declared field or another row, an error raised by one of them
        # (its own problems) is that one's; an error the validator found in the value goes to the entry sent.
        keys = Counter(child.key for child in self.children())
        self._claims = {
            id(child): [problem[:3] for field in child.walk() for problem in field.problems()]
            for child in self.children()
            if keys[child.key] > 1
        }
        for row, problem in self._row_problems():
            if id(row) in self._claims:
                self._claims[id(row)].append(problem[:3])
        super().show_errors(errors)
        self._own_errors = self.shown_errors
        self._place_errors()

    def share_of(self, child: Field, errors: list[FieldError]) -> list[FieldError]:
        if id(child) not in self._claims:
            return errors
        rivals = [other for other in self.children() if other.key == child.key]
        sent = next((entry for entry in self._entries if entry.present and entry.key == child.key), rivals[0])
        mine = []
        for error in errors:
            claimed = [other for other in rivals if error[:3] in self._claims[id(other)]]
            if child in claimed if claimed else child is sent:
                mine.append(error)
        return mine

    def _place_errors(self) -> None:
        """Show the JSON view's error under the JSON view while it is open (at the top while it is closed)."""
        at_raw = [e for e in self._own_errors if self.raw_button.value and self._raw_error and e[:3] == self._raw_problem()]
        self.shown_errors = [e for e in self._own_errors if e not in at_raw]
        self._render()
        text = messages_html(at_raw)
        if self.raw_message.value != text:
            self.raw_message.value = text

    def _raw_problem(self) -> tuple[Any, ...]:
        return self.problem(self._raw_error)[:3]
