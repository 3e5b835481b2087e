"""Objects with declared properties: a field per property, in the schema's order; the top one lays out sections."""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets

from ..validation import FieldError, shorten
from .base import NOTHING, Field, FormContext, badge
from .composite import Composite, caption


class ObjectField(Composite):
    """An object with ``properties``: a field per key; unknown keys of a loaded value are kept, and can be dropped."""

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        super().__init__(node, key, parent, ctx)
        self.fields_by_key: dict[str, Field] = {
            name: ctx.build(child, name, self) for name, child in node.get("properties", {}).items()
        }
        self._order: list[Any] = []
        self._extras: dict[Any, Any] = {}
        self.drop_button: widgets.Button | None = None
        self.sections: list[widgets.Accordion] = []
        if parent is None:
            # one collapsible per section, so that opening one leaves the others as they are; the first starts open
            self.sections = [
                widgets.Accordion(
                    [child.body], titles=(child.title,), selected_index=None if index else 0, layout=ctx.look.column
                )
                for index, child in enumerate(self.fields_by_key.values())
            ]
            self._body = widgets.VBox(self.sections, layout=ctx.look.column)
        else:
            self._body = widgets.VBox(
                caption(ctx, self.description) + [child.view for child in self.fields_by_key.values()],
                layout=ctx.look.column,
            )
        self.widget = self._body

    def children(self) -> Iterable[Field]:
        return self.fields_by_key.values()

    def has_child(self, key: str) -> bool:
        return key in self.fields_by_key

    @property
    def extras(self) -> dict[Any, Any]:
        """Keys of the loaded value that the schema does not declare, kept as given."""
        return copy.deepcopy(self._extras)

    def _load(self, value: Any) -> None:
        self.present = True
        if isinstance(value, dict):
            self._kept = NOTHING
            self._order = list(value)
            self._extras = {k: copy.deepcopy(v) for k, v in value.items() if k not in self.fields_by_key}
            for name, child in self.fields_by_key.items():
                if name in value:
                    child._load(value[name])
                else:
                    child._unset()
        else:
            self._keep(value)
            self._order, self._extras = [], {}
            for child in self.fields_by_key.values():
                child._unset()
        self._show_drop_button()
        self._render()

    def _unset(self) -> None:
        self.present = False
        self._kept = NOTHING
        self._order, self._extras = [], {}
        for child in self.fields_by_key.values():
            child._unset()
        self._show_drop_button()
        self._render()

    def _get(self) -> Any:
        if self._kept is not NOTHING:
            return copy.deepcopy(self._kept)
        out: dict[Any, Any] = {}
        for name in self._order:
            child = self.fields_by_key.get(name)
            if child is None:
                out[name] = copy.deepcopy(self._extras[name])
            elif child.present:
                out[name] = child.value
        for name, child in self.fields_by_key.items():
            if child.present and name not in out:
                out[name] = child.value
        return out

    def drop_extras(self) -> None:
        """Remove the kept keys the schema does not declare (a misspelt key, once its value is moved)."""
        self._order = [name for name in self._order if name not in self._extras]
        self._extras = {}
        self._show_drop_button()
        self._edited()

    def _show_drop_button(self) -> None:
        """Offer the drop button only while unknown keys are kept."""
        if self._extras and self.drop_button is None:
            self.drop_button = widgets.Button(icon="trash", layout=self.ctx.look.button, style=self.ctx.look.buttons)
            self.drop_button.on_click(lambda _button: self.drop_extras())
        if self.drop_button is None:
            return
        if self._extras:
            names = ", ".join(repr(k) for k in self._extras)
            self.drop_button.description = f"drop unknown key(s) {shorten(names, 60)}"
        others = tuple(c for c in self._body.children if c is not self.drop_button)
        children = (*others, self.drop_button) if self._extras else others
        if children != self._body.children:
            self._body.children = children

    def kept_note(self) -> str:
        if self._kept is NOTHING and self._extras:
            return f"kept unknown key(s) {shorten(', '.join(map(repr, self._extras)), 60)} as loaded"
        return super().kept_note()

    def show_errors(self, errors: list[FieldError]) -> None:
        super().show_errors(errors)
        for section, child in zip(self.sections, self.fields_by_key.values(), strict=False):  # no sections below the top
            heading = (_section_heading(child),)
            if section.titles != heading:
                section.titles = heading

    @property
    def section_titles(self) -> tuple[str, ...]:
        """The headings of the top-level sections (name, required mark, error count); none below the top."""
        return tuple(section.titles[0] for section in self.sections)


def _section_heading(child: Field) -> str:
    if isinstance(child, Composite):
        return child.heading()
    text = child.title + (" *" if child.required else "")
    return badge(text, child.shown_errors)
