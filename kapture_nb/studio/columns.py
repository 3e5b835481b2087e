"""One DataFrame column in the mapping studio: its samples, what its values look like, its target and its converter."""
from __future__ import annotations

import html
import json
from collections.abc import Callable, Hashable, Mapping
from typing import Any

import ipywidgets as widgets
import pandas as pd

from ..converters import CONVERTERS, Converter, converter_from_json
from ..detect import Detection
from ..display import ERROR_STYLE, NOTE_STYLE
from ..exceptions import MappingError
from ..forms.base import Look, parse_json
from ..mapping import Column

NOT_SENT = "not sent"
DESCRIBED = " — "  # between a target choice's path and what it is (the first sentence of its description)
NEW_FIELD = "new custom field..."
AS_IS = "as is"
# The converters in the order the analyst meets them; the values are their saved names (Converter.type).
CONVERTER_CHOICES = [(AS_IS, AS_IS)] + [
    (name, CONVERTERS[name.lower()].type)
    for name in ("Text", "Digits", "Phone", "Date", "DateTime", "Bool", "Integer", "Number", "Choice", "Email")
]
FIELD_SECTIONS = ("order_info", "customer_info", "enquiry_info")
FIELD_TYPES = ("string", "integer", "number", "boolean", "date")
_SAMPLES = 3


def options_text(converter: Converter) -> str:
    """A converter's options as the options box shows them: its saved JSON without the type."""
    return json.dumps({k: v for k, v in converter.to_json().items() if k != "type"}, ensure_ascii=False)


def samples(column: pd.Series, n: int = _SAMPLES) -> str:
    """The first ``n`` distinct non-blank cells, quoted."""
    texts = column.dropna().astype(str)
    return ", ".join(repr(text) for text in list(dict.fromkeys(texts[texts.str.strip() != ""]))[:n])


_HEADINGS = ("column", "sample values", "looks like", "target", "converter", "converter options")
_WIDTHS = ("10em", None, "6em", None, "9em", None)  # None: as wide as an input (Look.input)


def heading(look: Look) -> widgets.HBox:
    """The headings over the column rows, aligned with them."""
    cells = [
        widgets.HTML(f"<b>{name}</b>", layout=widgets.Layout(width=width) if width else look.input)
        for name, width in zip(_HEADINGS, _WIDTHS, strict=True)
    ]
    return widgets.HBox(cells, layout=look.row)


class ColumnRow:
    """A column's row: ``target`` (a Combobox of body paths), ``converter`` (Dropdown), ``options`` (JSON Text)."""

    def __init__(
        self,
        label: Hashable,
        column: pd.Series,
        detection: Detection,
        look: Look,
        on_change: Callable[[], None],
        on_declare: Callable[[ColumnRow, str, str, str], None],
    ) -> None:
        self.label = label
        self.detection = detection
        self._on_change = on_change
        self._on_declare = on_declare
        self._quiet = False
        self.error: str | None = None
        self.suggested: str | None = None  # the suggestion's words while it stands, None once accepted or changed
        self.target = widgets.Combobox(
            value="", placeholder=NOT_SENT, ensure_option=False, continuous_update=False, layout=look.input
        )
        self.converter = widgets.Dropdown(options=CONVERTER_CHOICES, value=AS_IS, layout=widgets.Layout(width=_WIDTHS[4]))
        self.options = widgets.Text(value="{}", continuous_update=False, layout=look.input, placeholder="options (JSON)")
        self.accept_button = widgets.Button(description="Accept", icon="check", layout=look.button)
        self.accept_button.on_click(lambda _button: self.accept())
        self.marker = widgets.HTML(layout=look.message)
        self.suggestion = widgets.HBox([self.marker, self.accept_button], layout=widgets.Layout(display="none", **_ROW))
        self.note = widgets.HTML(layout=look.message)  # the target's description, or the row's error
        self.field_name = widgets.Text(placeholder="field name", layout=widgets.Layout(width="12em"))
        self.field_section = widgets.Dropdown(options=FIELD_SECTIONS, value="order_info", layout=widgets.Layout(width="10em"))
        self.field_type = widgets.Dropdown(options=FIELD_TYPES, value=_field_type(detection), layout=widgets.Layout(width="8em"))
        self.add_button = widgets.Button(description="Add", icon="plus", layout=look.button)
        self.add_button.on_click(lambda _button: self._declare())
        self.new_field = widgets.HBox(
            [self.field_name, self.field_section, self.field_type, self.add_button], layout=widgets.Layout(display="none", **_ROW)
        )
        looks = widgets.HTML(
            f"<span title='{html.escape(detection.why, quote=True)}'>{html.escape(detection.kind)}</span>",
            layout=widgets.Layout(width=_WIDTHS[2]),
        )
        head = widgets.HBox(
            [
                widgets.HTML(f"<b>{html.escape(str(label))}</b>", layout=widgets.Layout(width=_WIDTHS[0])),
                widgets.HTML(f"<span style='{NOTE_STYLE}'>{html.escape(samples(column))}</span>", layout=look.input),
                looks,
                self.target,
                self.converter,
                self.options,
            ],
            layout=look.row,
        )
        self.widget = widgets.VBox([head, self.suggestion, self.new_field, self.note], layout=look.column)
        self.widget.add_class("kapture-studio-column")
        self.target.observe(self._target_changed, "value")
        self.converter.observe(self._converter_changed, "value")
        self.options.observe(self._options_changed, "value")

    def load(self, path: str | None, source: Any, suggested: str | None = None) -> None:
        """Show this target and source (a column name, a Column or a converter) without calling back; ``suggested`` marks it."""
        self._quiet = True
        try:
            self.target.value = path or NOT_SENT
            if isinstance(source, Converter):
                self.converter.value, self.options.value = source.type, options_text(source)
            else:
                self.converter.value, self.options.value = AS_IS, "{}"
        finally:
            self._quiet = False
        self.suggested = suggested
        self.marker.value = _hinted(suggested, first_clause(suggested)) if suggested else ""
        self.suggestion.layout.display = "" if suggested else "none"

    def set_paths(self, paths: list[str]) -> None:
        """The target's choices: these paths (each may say what it is after DESCRIBED: typing searches that too), then
        "not sent" and "new custom field..."."""
        self.target.options = [*paths, NOT_SENT, NEW_FIELD]

    def accept(self) -> None:
        """Take the suggestion as it stands: its marker goes."""
        self.suggested = None
        self.suggestion.layout.display = "none"

    def path(self) -> str | None:
        """The target path typed or picked; None when not sent (or while a new custom field is being named)."""
        value = self.target.value.split(DESCRIBED, 1)[0].strip()
        return None if value in ("", NOT_SENT, NEW_FIELD) else value

    def source(self) -> Any:
        """The mapping source: the column as it is, or through the converter with its options (MappingError when they are bad)."""
        kind = self.converter.value
        if kind == AS_IS:
            return self.label if isinstance(self.label, str) else Column(self.label)
        options, why = parse_json(self.options.value or "{}")
        if why:
            raise MappingError(f"the converter's options are not JSON: {why}")
        if not isinstance(options, dict):
            raise MappingError(f"the converter's options are a JSON object ({{\"dayfirst\": true}}), got {options!r}")
        return converter_from_json({**options, "type": kind}, self.label)

    def show(self, error: str | None, description: str = "") -> None:
        """The row's error in red, else the target's description in grey (its first sentence; the rest on hover)."""
        self.error = error
        if error:
            self.note.value = f"<span style='{ERROR_STYLE}'>⚠ {html.escape(error)}</span>"
        else:
            self.note.value = _hinted(description, first_sentence(description)) if description else ""

    def _changed(self) -> None:
        if self._quiet:
            return
        self.accept()
        self._on_change()

    def _target_changed(self, _change: Mapping[str, Any]) -> None:
        if DESCRIBED in self.target.value:  # a choice picked with its description: the box keeps the path alone
            self._quiet, quiet = True, self._quiet
            try:
                self.target.value = self.target.value.split(DESCRIBED, 1)[0].strip()
            finally:
                self._quiet = quiet
        self.new_field.layout.display = "" if self.target.value == NEW_FIELD else "none"
        self._changed()

    def _converter_changed(self, change: Mapping[str, Any]) -> None:
        if self._quiet:
            return
        detected = self.detection.converter
        self._quiet = True
        try:  # the options the detection found for this kind, else none: another kind's options would not fit
            self.options.value = options_text(detected) if detected is not None and detected.type == change["new"] else "{}"
        finally:
            self._quiet = False
        self._changed()

    def _options_changed(self, _change: Mapping[str, Any]) -> None:
        self._changed()

    def _declare(self) -> None:
        self._on_declare(self, self.field_section.value, self.field_name.value.strip(), self.field_type.value)

    def __repr__(self) -> str:
        return f"<ColumnRow {self.label!r} -> {self.path() or NOT_SENT}>"


_ROW: dict[str, str] = {"flex_flow": "row wrap", "align_items": "center", "width": "auto"}


def first_sentence(text: str) -> str:
    """Up to the end of the first sentence (the schema's descriptions run to several)."""
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def first_clause(text: str) -> str:
    """Up to the first semicolon (a suggestion's why lists its reasons so)."""
    return text.split("; ", 1)[0] + (" ..." if "; " in text else "")


def _hinted(full: str, shown: str) -> str:
    """Grey text, the full text on hover when it is shortened."""
    title = f" title='{html.escape(full, quote=True)}'" if shown != full else ""
    return f"<span style='{NOTE_STYLE}'{title}>{html.escape(shown)}</span>"


def _field_type(detection: Detection) -> str:
    """The custom-field type the detection's schema says, string when it says none of FIELD_TYPES."""
    schema = detection.schema
    if schema.get("format") == "date":
        return "date"
    kind = schema.get("type")
    return kind if isinstance(kind, str) and kind in FIELD_TYPES else "string"
