"""Leaf fields: text, dates, numbers, booleans, enums, ids (integer or digits), and raw JSON."""
from __future__ import annotations

import copy
import html
import json
import math
import re
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from ..jsonvalues import is_clean, json_copy
from ..schema import DATE_FORMATS
from ..validation import FieldError
from .base import NOTHING, Field, FormContext

_INTEGER = re.compile(r"-?[0-9]+")
_FLOAT = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_ABSENT_TIP = "not in the body: edit the field to add its key"


def parse_number(text: str, integer_only: bool = False) -> Any:
    """The int (or float) that ``text`` spells; the text itself when it spells none, for the validator to flag."""
    if _INTEGER.fullmatch(text):
        return int(text)
    if not integer_only and _FLOAT.fullmatch(text):
        number = float(text)
        if math.isfinite(number):
            return number
    return text


def is_number(value: Any) -> bool:
    """Whether the value is a JSON number (an int or a finite float, not a bool)."""
    return (type(value) is int) or (type(value) is float and math.isfinite(value))


def label_html(title: str, required: bool, present: bool) -> str:
    """A field's label: its name, greyed while the key is absent, with a red ``*`` when required."""
    name = html.escape(title)
    if not present:
        name = f"<span style='color:#999'>{name}</span>"
    star = " <span style='color:#c00' title='required'>*</span>" if required else ""
    return f"<span style='font-family:monospace'>{name}</span>{star}"


class LeafField(Field):
    """A field edited in one input widget; a loaded value the widget cannot show is kept until edited."""

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        super().__init__(node, key, parent, ctx)
        self.label: widgets.HTML | None = None
        self.widget = self.make_widget()
        if not any(part.isdigit() for part in self.parts):
            # A stable DOM hook for browser tests and user CSS; array items move, so they get none.
            self.widget.add_class("kapture-field-" + "-".join(self.parts).replace(".", "_"))
        for control in self.controls():
            control.observe(self._user_change, "value")

    def make_widget(self) -> widgets.Widget:
        """The input widget."""
        raise NotImplementedError

    def controls(self) -> tuple[widgets.Widget, ...]:
        """The widgets the user edits, in display order."""
        return (self.widget,)

    def fits(self, value: Any) -> bool:
        """Whether the widget can show this value exactly."""
        raise NotImplementedError

    def _show(self, value: Any) -> None:
        self.widget.value = value

    def _blank(self) -> None:
        raise NotImplementedError

    def _read(self) -> Any:
        return self.widget.value

    def _load(self, value: Any) -> None:
        self.present = True
        if self.fits(value):
            self._kept = NOTHING
            self._show(value)
        else:
            self._keep(value)
            self._blank()
        self._render()

    def _unset(self) -> None:
        self.present = False
        self._kept = NOTHING
        self._blank()
        self._render()

    def _get(self) -> Any:
        return self._read() if self._kept is NOTHING else copy.deepcopy(self._kept)

    def _tooltip(self) -> str:
        return self.description + ("" if self.present else f"\n({_ABSENT_TIP})")

    def _build_view(self) -> widgets.Widget:
        look = self.ctx.look
        self.label = widgets.HTML(
            label_html(self.title, self.required, self.present),
            tooltip=self._tooltip(),
            layout=look.label,
            style=look.html,
        )
        extra = (self._msg,) if self._msg is not None else ()
        return widgets.HBox((self.label, *self.controls(), *extra), layout=look.row)

    def _retitled(self) -> None:
        self._presence_changed()

    def _presence_changed(self) -> None:
        if self.label is not None:
            self.label.value = label_html(self.title, self.required, self.present)
            self.label.tooltip = self._tooltip()

    def _message_place(self) -> tuple[str, tuple[str, ...] | None]:
        return self.ctx.look.label.width, self.parts

    def _attach_message(self, message: widgets.HTML) -> None:
        if self._view is not None:
            self._view.children = (*self._view.children, message)


class StringField(LeafField):
    """A string, in a text box."""

    placeholder = ""

    def make_widget(self) -> widgets.Widget:
        look = self.ctx.look
        return widgets.Text(placeholder=self.placeholder, layout=look.input, style=look.text)

    def fits(self, value: Any) -> bool:
        return type(value) is str

    def _blank(self) -> None:
        self.widget.value = ""


class DateField(StringField):
    """A date string ``yyyy-MM-dd`` (or ``""``), in a text box."""

    placeholder = DATE_FORMATS["date"].spelled


class DateTimeField(StringField):
    """A date-time string ``yyyy-MM-dd HH:mm:ss`` (or ``""``), in a text box."""

    placeholder = DATE_FORMATS["date-time"].spelled


class NumberField(StringField):
    """A number, typed as text: digits give an int, a decimal a float, anything else stays text (and is flagged)."""

    integer_only = False

    def fits(self, value: Any) -> bool:
        return type(value) is int if self.integer_only else is_number(value)

    def _show(self, value: Any) -> None:
        self.widget.value = repr(value)

    def _read(self) -> Any:
        return parse_number(self.widget.value, self.integer_only)


class IntegerField(NumberField):
    """An integer, typed as text."""

    integer_only = True


class BooleanField(LeafField):
    """True or false, in a checkbox."""

    def make_widget(self) -> widgets.Widget:
        return widgets.Checkbox(indent=False, layout=self.ctx.look.button, style=self.ctx.look.checkbox)

    def fits(self, value: Any) -> bool:
        return type(value) is bool

    def _blank(self) -> None:
        self.widget.value = False


class EnumField(LeafField):
    """One of the schema's ``enum`` values, in a dropdown."""

    def make_widget(self) -> widgets.Widget:
        options = [(v if isinstance(v, str) else json.dumps(v), v) for v in self.node["enum"]]
        return widgets.Dropdown(options=options, value=None, layout=self.ctx.look.input, style=self.ctx.look.dropdown)

    def fits(self, value: Any) -> bool:
        return any(type(value) is type(option) and value == option for option in self.node["enum"])

    def _blank(self) -> None:
        self.widget.value = None


class IntegerOrDigitsField(LeafField):
    """An id given as an integer or a string of digits: a text box, and a switch keeping which of the two it is."""

    def make_widget(self) -> widgets.Widget:
        look = self.ctx.look
        self.type_widget = widgets.Dropdown(
            options=[("text", "string"), ("number", "integer")],
            value="string",
            tooltip="send the id as a JSON string or as a JSON number",
            layout=look.kind,
            style=look.dropdown,
        )
        return widgets.Text(layout=look.input, style=look.text)

    def controls(self) -> tuple[widgets.Widget, ...]:
        return (self.widget, self.type_widget)

    def fits(self, value: Any) -> bool:
        return type(value) in (int, str)

    def _show(self, value: Any) -> None:
        self.widget.value = str(value)
        self.type_widget.value = "integer" if type(value) is int else "string"

    def _blank(self) -> None:
        self.widget.value = ""
        self.type_widget.value = "string"

    def _read(self) -> Any:
        text = self.widget.value
        if self.type_widget.value == "integer" and _INTEGER.fullmatch(text):
            return int(text)
        return text


class JsonField(LeafField):
    """Any JSON value, typed as JSON text; invalid text is flagged and the last valid value kept."""

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        self._last: Any = None
        self._error = ""
        super().__init__(node, key, parent, ctx)

    def make_widget(self) -> widgets.Widget:
        return widgets.Textarea(placeholder="JSON", rows=1, layout=self.ctx.look.input, style=self.ctx.look.text)

    def fits(self, value: Any) -> bool:
        return is_clean(value)

    def _show(self, value: Any) -> None:
        self._last, self._error = json_copy(value), ""
        self.widget.value = json.dumps(value, ensure_ascii=False)

    def _blank(self) -> None:
        self._last, self._error = None, ""
        self.widget.value = ""

    def _read(self) -> Any:
        return json_copy(self._last)

    def _user_change(self, change: Mapping[str, Any]) -> None:
        if self.ctx.muted:
            return
        try:
            self._last, self._error = json.loads(change["new"]), ""
        except ValueError as exc:
            self._error = f"invalid JSON ({exc}); the last valid value is kept"
        self._edited()

    def problems(self) -> list[FieldError]:
        return [self.problem(self._error, self.widget.value)] if self._error and self.present else []
