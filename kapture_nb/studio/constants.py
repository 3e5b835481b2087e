"""Constants and flags: a value for any path in every body, and each sent section's ``update`` flag as a toggle."""
from __future__ import annotations

import html
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from .. import paths
from ..display import ERROR_STYLE, NOTE_STYLE
from ..exceptions import MappingError
from ..forms.base import NOTHING, Field, FormContext, Look
from ..forms.registry import default_registry

_OWNER = {"customer_info": "customer", "order_info": "order", "enquiry_info": "enquiry", "contact_info": "contact"}


def flag_rule(section: str, on: bool) -> str:
    """What the section's update flag means, in words (``section``: customer_info, contact_info.0...)."""
    owner = _OWNER[section.split(".", 1)[0]]
    if on:
        return f"{section} is written to the {owner}"
    return f"{section} is used to find the {owner}, not written (an Add, with no order_id, takes it whatever the flag)"


class Flag:
    """One section's update flag: ``toggle`` (a Checkbox) and the rule in words beside it."""

    def __init__(self, section: str, value: bool, note: str, on_change: Callable[[], None]) -> None:
        self.section = section
        self.toggle = widgets.Checkbox(value=value, description=f"{section}.update", indent=False,
                                       layout=widgets.Layout(width="16em"))
        self.rule = widgets.HTML(layout=widgets.Layout(width="auto"))
        self.note = widgets.HTML(f"<span style='{NOTE_STYLE}'>suggested: {html.escape(note)}</span>" if note else "",
                                 layout=widgets.Layout(width="auto"))
        self.widget = widgets.VBox([widgets.HBox([self.toggle, self.rule], layout=widgets.Layout(
            flex_flow="row wrap", align_items="center", width="auto")), self.note], layout=widgets.Layout(width="auto"))
        self._on_change = on_change
        self._said()
        self.toggle.observe(self._toggled, "value")

    def _toggled(self, _change: Mapping[str, Any]) -> None:
        self._said()
        self._on_change()

    def _said(self) -> None:
        self.rule.value = f"<i>{html.escape(flag_rule(self.section, self.toggle.value))}</i>"


class ConstantRow:
    """A constant: ``path`` (a Text), its value in the order form's own field for that path (``field``: a text box, a
    number box, a checkbox, a choice; JSON where the schema says nothing), a Remove button and the row's error."""

    def __init__(
        self,
        path: str,
        value: Any,
        look: Look,
        on_change: Callable[[], None],
        on_remove: Callable[[ConstantRow], None],
        node_for: Callable[[str], Mapping[str, Any]],
    ) -> None:
        self._node_for = node_for
        self._on_change = on_change
        self._ctx = FormContext(default_registry(), on_change)
        self.path = widgets.Text(value=path, placeholder="order_info.remarks", continuous_update=False, layout=look.input)
        self.value_box = widgets.Box(layout=widgets.Layout(width="auto", flex="1 1 16em"))
        self.field = self._field_for(path, value)
        self.remove_button = widgets.Button(description="Remove", icon="trash", layout=look.button)
        self.remove_button.on_click(lambda _button: on_remove(self))
        self.note = widgets.HTML(layout=look.message)
        self.error: str | None = None
        self.widget = widgets.VBox([widgets.HBox([self.path, widgets.HTML("="), self.value_box, self.remove_button],
                                                 layout=look.row), self.note], layout=look.column)
        self.path.observe(self._path_changed, "value")

    def _field_for(self, path: str, value: Any) -> Field:
        """The form's field for the node at ``path`` holding ``value`` (kept and flagged there when it does not fit)."""
        parts = paths.parse(path.strip()) if path.strip() else ()
        node = self._node_for(path.strip()) if parts else {}
        field = self._ctx.build(node, parts[-1] if parts else "value", None)
        with self._ctx.quiet():  # shown, not an edit: the studio checks once the row is in place
            field.value = value
        self.value_box.children = [field.view]
        return field

    def _path_changed(self, _change: Mapping[str, Any]) -> None:
        """Another path: the value moves into that path's field (as it is, where it fits)."""
        held = self.field.kept if self.field.kept is not NOTHING else self.field.value if self.field.present else ""
        self.field = self._field_for(self.path.value, held)
        self._on_change()

    def constant(self) -> tuple[str, Any]:
        """The path and the value; MappingError when the field holds none or one it cannot send."""
        said = self.field.problems()
        if said:
            raise MappingError(f"the value: {said[0].message}")
        if self.field.kept is not NOTHING:
            raise MappingError(f"the value: {self.field.kept_note()}")
        value = self.field.value
        if not self.field.present or value == "":  # an empty text would blank the field on every order: never by default
            raise MappingError("the constant has no value yet")
        return self.path.value.strip(), value

    def show(self, error: str | None) -> None:
        """The row's error, or nothing."""
        self.error = error
        self.note.value = f"<span style='{ERROR_STYLE}'>⚠ {html.escape(error)}</span>" if error else ""


class ConstantsView:
    """The flags of the sections the mapping sends, and the constants (``add(path, value)``)."""

    def __init__(
        self, look: Look, on_change: Callable[[], None], defaults: dict[str, bool], node_for: Callable[[str], Mapping[str, Any]]
    ) -> None:
        self._look = look
        self._node_for = node_for  # a path's schema node ({} where the schema has none): its field shows the value
        self._on_change = on_change
        self._defaults = defaults  # section -> the template's flag
        self.flags: dict[str, Flag] = {}  # by section
        self.rows: list[ConstantRow] = []
        self.notes: dict[str, str] = {}  # section -> why a suggestion turns its flag on
        self.add_button = widgets.Button(description="Add a constant", icon="plus", layout=look.button)
        self.add_button.on_click(lambda _button: self.add("", ""))  # a path first: its field follows
        self.flag_box = widgets.VBox(layout=look.column)
        self.row_box = widgets.VBox(layout=look.column)
        self.widget = widgets.VBox([widgets.HTML("<b>Update flags</b>"), self.flag_box,
                                    widgets.HTML("<b>Constants</b> (the same value in every body)"), self.row_box,
                                    self.add_button], layout=look.column)
        self.widget.add_class("kapture-studio-constants")

    def show_sections(self, sections: list[str], values: dict[str, bool]) -> None:
        """A flag per section sent, in this order; ``values`` for sections new here (else the template's flag)."""
        for section in list(self.flags):
            if section not in sections:
                self.flags.pop(section).widget.close()
        for section in sections:
            if section not in self.flags:
                value = values.get(section, self._defaults.get(section.split(".", 1)[0], False))
                self.flags[section] = Flag(section, value, self.notes.get(section, ""), self._on_change)
        self.flags = {section: self.flags[section] for section in sections}
        self.flag_box.children = [flag.widget for flag in self.flags.values()]

    def add(self, path: str, value: Any) -> ConstantRow:
        """A new constant row (the path may be empty until typed)."""
        row = ConstantRow(path, value, self._look, self._on_change, self._remove, self._node_for)
        self.rows.append(row)
        self.row_box.children = [r.widget for r in self.rows]
        self._on_change()
        return row

    def _remove(self, row: ConstantRow) -> None:
        self.rows.remove(row)
        row.widget.close()
        self.row_box.children = [r.widget for r in self.rows]
        self._on_change()
