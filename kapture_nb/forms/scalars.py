"""Leaf fields: text, dates, numbers, booleans, enums, ids (integer or digits), and raw JSON."""
from __future__ import annotations

import copy
import html
import json
import math
import numbers
import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

import ipywidgets as widgets
from traitlets import TraitError

from ..jsonvalues import is_clean, json_copy, writable
from ..schema import DATE_FORMATS
from ..validation import FieldError, shorten
from .base import NOTHING, Field, FormContext, Look, parse_json

_INTEGER = re.compile(r"[-+]?[0-9]+")
_DECIMAL = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_DIGITS = re.compile(r"-?[0-9]+")
_ABSENT_TIP = "not in the body: edit the field to add its key"


def read_number(text: str, integer: bool) -> tuple[int | float | None, str]:
    """What typed text holds: ``(number, "")``; ``(None, "")`` when blank; ``(None, why)`` when it is no number.

    Digits give an int; for a number (not ``integer``) a decimal point or an exponent gives a float,
    and a float that would not hold the digits typed is refused rather than rounded.
    """
    typed = text.strip()
    if not typed:
        return None, ""
    shown = repr(shorten(typed, 40))
    if _INTEGER.fullmatch(typed):
        try:
            return int(typed), ""
        except ValueError:  # more digits than Python reads (sys.get_int_max_str_digits())
            return None, f"{shown} has more digits than a number can be sent with"
    if not _DECIMAL.fullmatch(typed):
        if integer:
            return None, f"{shown} is not a whole number: type digits only, like 36"
        return None, f"{shown} is not a number: type digits with an optional decimal point, like 12.5"
    if integer:
        exact = Decimal(typed)
        _sign, digits, exponent = exact.as_tuple()
        if isinstance(exponent, int) and (exponent >= 0 or not any(digits[exponent:])):
            digits_of = f"type {int(exact)}" if exact.adjusted() < 15 else "type its digits"
            return None, f"{shown} is not written as a whole number: {digits_of}, without a decimal point or exponent"
        return None, f"{shown} is not a whole number: this field takes an integer"
    number = float(typed)
    if not math.isfinite(number):
        return None, f"{shown} is too large for a number"
    if Decimal(repr(number)) != Decimal(typed):
        return None, f"{shown} has more digits than a number holds: it would be sent as {number!r}"
    return number, ""


def spell_number(number: Any, integer: bool) -> str:
    """The text a number box shows for ``number`` (None: blank); anything but the field's own type is a TraitError."""
    if number is None:
        return ""
    kind = "an integer" if integer else "a number"
    expected = f"{kind} field's value is {'an int' if integer else 'an int or a float'}, or None to leave it out"
    if isinstance(number, bool):
        raise TraitError(f"{expected}; got bool {number!r} (booleans are not numbers)")
    if isinstance(number, numbers.Integral):  # int and numpy's integers
        whole = int(number)
        if not writable(whole):
            raise TraitError(f"{kind} field's value has more digits than JSON is written with ({whole.bit_length()} bits)")
        return repr(whole)
    if isinstance(number, float) and not integer:
        if not math.isfinite(number):
            raise TraitError(f"a number field's value is finite (JSON has no NaN or infinity), got {number!r}")
        return repr(float(number))
    hint = " (to type text, set .text.value)" if isinstance(number, str) else ""
    raise TraitError(f"{expected}; got {type(number).__name__} {shorten(number, 40)!r}{hint}")


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

    absent_tip = _ABSENT_TIP

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        super().__init__(node, key, parent, ctx)
        self.label: widgets.HTML | None = None
        self.line: widgets.HBox | None = None
        self.widget = self.make_widget()
        if not any(part.isdigit() for part in self.parts):
            # A stable DOM hook for browser tests and user CSS; array items move, so they get none.
            self.widget.add_class("kapture-field-" + "-".join(self.parts).replace(".", "_"))
        for control in self.watched():
            control.observe(self._user_change, "value")

    def make_widget(self) -> widgets.Widget:
        """The input widget."""
        raise NotImplementedError

    def controls(self) -> tuple[widgets.Widget, ...]:
        """The widgets the user edits, in display order."""
        return (self.widget,)

    def watched(self) -> tuple[widgets.Widget, ...]:
        """The widgets whose ``value`` changes are the user's edits (the controls, unless an input sits inside one)."""
        return self.controls()

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
        return self.description + ("" if self.present else f"\n({self.absent_tip})")

    def _build_view(self) -> widgets.Widget:
        look = self.ctx.look
        self.label = widgets.HTML(
            label_html(self.title, self.required, self.present),
            tooltip=self._tooltip(),
            layout=look.label,
            style=look.html,
        )
        self.line = widgets.HBox((self.label, *self.controls()), layout=look.row)
        extra = (self._msg,) if self._msg is not None else ()
        # messages go under the input, not beside it where a narrow window pushes them off the row
        return widgets.VBox((self.line, *extra), layout=look.column)

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


class NumberBox(widgets.HBox):  # type: ignore[misc]  # ipywidgets has no type information: HBox is Any
    """A number typed as text: ``value`` is the int (or float) typed, None while blank or not a number; ``error`` says why not.

    ipywidgets' IntText and FloatText cannot be blank and round what they are given (``True`` -> 1,
    ``36.5`` -> 36): this box reads only what is typed, and takes only the field's own type from code.
    """

    def __init__(self, integer: bool, look: Look, placeholder: str) -> None:
        self.integer = integer
        self.text = widgets.Text(placeholder=placeholder, layout=look.input, style=look.text)
        super().__init__((self.text,), layout=look.box)

    @property
    def value(self) -> int | float | None:
        """The number typed (an int for digits); None when the box is blank or holds no number."""
        return read_number(self.text.value, self.integer)[0]

    @value.setter
    def value(self, number: Any) -> None:
        self.text.value = spell_number(number, self.integer)

    @property
    def error(self) -> str:
        """Why the text typed is no number of this box's kind ("" when it is one, or blank)."""
        return read_number(self.text.value, self.integer)[1]


class NumberField(LeafField):
    """A number typed in a box: digits give an int, a decimal a float; blank leaves the key out; other text is an error."""

    integer = False
    placeholder = "number (blank: left out)"
    absent_tip = "not in the body: type a number to add its key"

    def make_widget(self) -> widgets.Widget:
        return NumberBox(self.integer, self.ctx.look, self.placeholder)

    def watched(self) -> tuple[widgets.Widget, ...]:
        return (self.widget.text,)

    def fits(self, value: Any) -> bool:
        if type(value) is int:
            return writable(value)
        return not self.integer and type(value) is float and math.isfinite(value)

    def _blank(self) -> None:
        self.widget.value = None

    def _read(self) -> Any:
        number = self.widget.value
        return NOTHING if number is None else number

    def _filled(self) -> bool:
        return self.widget.value is not None

    @property
    def typed(self) -> str:
        """The text in the box, as typed."""
        return str(self.widget.text.value)

    def problems(self) -> list[FieldError]:
        error = self.widget.error
        return [self.problem(f"{error} (left out of the body until fixed)", self.typed)] if error else []


class IntegerField(NumberField):
    """An integer typed in a box: digits only; blank leaves the key out; a decimal or other text is an error."""

    integer = True
    placeholder = "whole number (blank: left out)"


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
        if self.type_widget.value == "integer" and _DIGITS.fullmatch(text):
            try:
                return int(text)
            except ValueError:  # more digits than Python reads: sent as typed, for the validator to flag
                return text
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
        parsed, mistake = parse_json(change["new"])
        if mistake:
            self._error = f"invalid JSON, {mistake}; the last valid value is kept"
        else:
            self._last, self._error = parsed, ""
        self._edited()

    def problems(self) -> list[FieldError]:
        return [self.problem(self._error, self.widget.value)] if self._error and self.present else []
