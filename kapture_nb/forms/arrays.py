"""Arrays: a field per item, add and remove buttons, ``minItems`` / ``maxItems`` honoured."""
from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from typing import Any, cast

import ipywidgets as widgets

from ..schema import template
from ..validation import FieldError
from .base import NOTHING, Field, FormContext
from .composite import Composite, caption


class ArrayField(Composite):
    """An array whose items all follow ``items``: each item a field of its own, in a row with its remove button."""

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        super().__init__(node, key, parent, ctx)
        look = ctx.look
        self.items: list[Field] = []
        self.remove_buttons: list[widgets.Button] = []
        self._rows: list[widgets.Box] = []
        self.items_box = widgets.VBox([], layout=look.column)
        self.add_button = widgets.Button(
            description=f"add {self.item_title}", icon="plus", layout=look.button, style=look.buttons
        )
        self.add_button.on_click(lambda _button: self.add())
        self._body = widgets.VBox([*caption(ctx, self.description), self.items_box, self.add_button], layout=look.column)
        self.widget = self._body
        self._limit()

    @property
    def item_title(self) -> str:
        """What one item is called (the ``items`` schema's title)."""
        return str(self.node["items"].get("title") or "item")

    @property
    def min_items(self) -> int:
        return int(self.node.get("minItems", 0))

    @property
    def max_items(self) -> int | None:
        return self.node.get("maxItems")

    def child_title(self, child: Field) -> str:
        # an item's key is its index
        return f"{self.item_title} {int(cast(str, child.key)) + 1}"

    def children(self) -> Iterable[Field]:
        return list(self.items)

    def has_child(self, key: str) -> bool:
        return key.isdigit() and int(key) < len(self.items)

    def add(self, value: Any = NOTHING) -> Field:
        """Append an item (the schema's template of one, or ``value``) as the user would; its field."""
        with self.ctx.quiet():
            item = self._append()
            item._load(template(self.node["items"]) if value is NOTHING else value)
        self._limit()
        self._edited()
        return item

    def remove(self, index: int) -> None:
        """Remove the item at ``index`` as the user would; the items after it move up."""
        self.items.pop(index)
        self.remove_buttons.pop(index)
        self._rows.pop(index)
        for position, item in enumerate(self.items[index:], start=index):
            item.rekey(str(position))
        self.items_box.children = tuple(self._rows)
        self._limit()
        self._edited()

    def _append(self) -> Field:
        look = self.ctx.look
        item = self.ctx.build(self.node["items"], str(len(self.items)), self)
        button = widgets.Button(
            description="remove", icon="trash", tooltip=f"remove this {self.item_title}", layout=look.button, style=look.buttons
        )
        button.on_click(self._remove_clicked)
        self.items.append(item)
        self.remove_buttons.append(button)
        self._rows.append(widgets.HBox([item.view, button], layout=look.row))
        self.items_box.children = tuple(self._rows)
        return item

    def _remove_clicked(self, button: widgets.Button) -> None:
        self.remove(self.remove_buttons.index(button))

    def _resize(self, size: int) -> None:
        if size < len(self.items):
            del self.items[size:], self.remove_buttons[size:], self._rows[size:]
            self.items_box.children = tuple(self._rows)
        while len(self.items) < size:
            self._append()

    def _limit(self) -> None:
        """Disable add at ``maxItems`` and remove at ``minItems``."""
        count = len(self.items)
        self.add_button.disabled = self.max_items is not None and count >= self.max_items
        for button in self.remove_buttons:
            button.disabled = count <= self.min_items

    def _load(self, value: Any) -> None:
        self.present = True
        if isinstance(value, list):
            self._kept = NOTHING
            self._resize(len(value))
            for item, item_value in zip(self.items, value, strict=True):
                item._load(item_value)
        else:
            self._keep(value)
            self._resize(0)
        self._limit()
        self._render()

    def _unset(self) -> None:
        self.present = False
        self._kept = NOTHING
        self._resize(0)
        self._limit()
        self._render()

    def _get(self) -> Any:
        if self._kept is not NOTHING:
            return copy.deepcopy(self._kept)
        # an item left blank (a number field) is not in the array; problems() flags it
        return [item.value for item in self.items if item.present]

    def problems(self) -> list[FieldError]:
        return [
            self.problem(f"{self.child_title(item)} is blank: fill it in or remove it", parts=item.parts)
            for item in self.items
            if not item.present and not item.problems()
        ]
