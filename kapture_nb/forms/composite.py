"""Composite fields: made of fields, they route each error to its field and count errors in a collapsible heading."""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any, cast

import ipywidgets as widgets

from ..validation import FieldError
from .base import Field, FormContext, badge, error_parts


def caption(ctx: FormContext, text: str) -> list[widgets.HTML]:
    """A composite field's description line (none when the schema gives none)."""
    if not text:
        return []
    return [widgets.HTML(f"<small style='color:#666'>{html.escape(text)}</small>", layout=ctx.look.column, style=ctx.look.html)]


class Composite(Field):
    """A field made of fields: routes each error to the child it is about, shows its count in its heading."""

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        super().__init__(node, key, parent, ctx)
        self._heading_errors: list[FieldError] = []
        self._body: widgets.Box

    @property
    def body(self) -> widgets.Box:
        """The content inside the collapsible header (a top-level section shows just this)."""
        return self._body

    def heading(self) -> str:
        """The title shown in this field's collapsible header: name, required mark, absence, error count."""
        text = self.title + (" *" if self.required else "") + ("" if self.present else " (not in the body)")
        return badge(text, self._heading_errors)

    def route(self, errors: list[FieldError]) -> tuple[list[FieldError], dict[str, list[FieldError]]]:
        """Split errors into this field's own and each child key's share."""
        depth = len(self.parts)
        own: list[FieldError] = []
        shares: dict[str, list[FieldError]] = {}
        for error in errors:
            parts = error_parts(error)
            if len(parts) > depth and self.has_child(parts[depth]):
                shares.setdefault(parts[depth], []).append(error)
            else:
                own.append(error)
        return own, shares

    def has_child(self, key: str) -> bool:
        """Whether a child field sits at this key."""
        raise NotImplementedError

    def share_of(self, child: Field, errors: list[FieldError]) -> list[FieldError]:
        """Which of the errors at a child's key are that child's (all of them, unless two children share a key)."""
        return errors

    def show_errors(self, errors: list[FieldError]) -> None:
        own, shares = self.route(errors)
        for child in self.children():
            # a composite's children all sit at a key: only a root or a free row's inner field has none
            child.show_errors(self.share_of(child, shares.get(cast(str, child.key), [])))
        self._heading_errors = list(errors)
        self.shown_errors = own
        self._render()
        self._refresh_heading()

    def _refresh_heading(self) -> None:
        if isinstance(self._view, widgets.Accordion):
            heading = self.heading()
            if self._view.titles != (heading,):
                self._view.titles = (heading,)

    def _presence_changed(self) -> None:
        self._refresh_heading()

    def _retitled(self) -> None:
        self._refresh_heading()

    def _attach_message(self, message: widgets.HTML) -> None:
        self._body.children = (message, *self._body.children)

    def _build_view(self) -> widgets.Widget:
        return widgets.Accordion([self.body], titles=(self.heading(),), selected_index=0, layout=self.ctx.look.column)
