"""The custom fields a mapping declares: each section's associate_fields (name, type, choices), strict or not."""
from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from typing import Any

import ipywidgets as widgets

from .. import paths
from ..display import ERROR_STYLE
from ..exceptions import MappingError
from ..forms.base import Look, parse_json
from ..schema import SECTIONS, SHORTHAND, declared_fields, with_associate_fields
from .columns import DESCRIBED

KEYWORD_OF = {section: keyword for keyword, section in SECTIONS.items()}  # order_info -> order
TYPE_NAMES = ("string", "integer", "number", "boolean", "date", "date-time")  # the types a field's Dropdown offers
TYPE_SCHEMAS: dict[str, dict[str, Any]] = {name: dict(SHORTHAND[name]) for name in TYPE_NAMES}
AS_DECLARED = "as declared"  # a declared schema none of TYPE_SCHEMAS spells: kept as it is


def type_of(schema: Mapping[str, Any]) -> str:
    """The type name a field's schema has (its enum aside), or AS_DECLARED."""
    plain = {key: value for key, value in schema.items() if key != "enum"}
    return next((name for name, known in TYPE_SCHEMAS.items() if known == plain), AS_DECLARED)


class DeclaredField:
    """One declared custom field: its type (Dropdown) and choices (a JSON list, empty for none) are editable."""

    def __init__(self, section: str, name: str, schema: Mapping[str, Any], look: Look, on_change: Callable[[], None],
                 on_remove: Callable[[DeclaredField], None]) -> None:
        self.section, self.name = section, name
        self._declared = dict(schema)
        self._on_change = on_change
        kind = type_of(schema)
        self.type = widgets.Dropdown(options=[*TYPE_SCHEMAS, *([AS_DECLARED] if kind == AS_DECLARED else [])], value=kind,
                                     layout=widgets.Layout(width="8em"))
        enum = schema.get("enum")
        self.choices = widgets.Text(value=_dumps(enum) if enum is not None else "", placeholder='choices: ["a", "b"]',
                                    continuous_update=False, layout=look.input)
        self.remove_button = widgets.Button(description="Remove", icon="trash", layout=look.button)
        self.remove_button.on_click(lambda _button: on_remove(self))
        self.message = widgets.HTML(layout=look.message)
        self.widget = widgets.VBox([
            widgets.HBox([widgets.HTML(f"<code>{html.escape(self.path)}</code>", layout=widgets.Layout(width="24em")),
                          self.type, self.choices, self.remove_button], layout=look.row),
            self.message,
        ], layout=look.column)
        self.type.observe(lambda _change: self._on_change(), "value")
        self.choices.observe(lambda _change: self._on_change(), "value")

    @property
    def path(self) -> str:
        """Where the field goes in a body."""
        return f"{self.section}.associate_fields.{self.name}"

    def schema(self) -> dict[str, Any]:
        """The field's schema from its inputs; the declared one where an input cannot be read (said under it)."""
        kind = self.type.value
        made = dict(self._declared) if kind == AS_DECLARED else dict(TYPE_SCHEMAS[kind])
        made.pop("enum", None)
        text = self.choices.value.strip()
        if not text:
            self.message.value = ""
            return made
        choices, why = parse_json(text)
        if why or not isinstance(choices, list) or not choices:
            said = why or f"choices are a JSON list of values, like [\"a\", \"b\"], got {text}"
            kept = html.escape(_dumps(self._declared))
            self.message.value = f"<span style='{ERROR_STYLE}'>⚠ {html.escape(said)}; kept: {kept}</span>"
            return dict(self._declared)
        self.message.value = ""
        return {**made, "enum": choices}


class FieldsView:
    """The declared custom fields of each section and the strict switch: ``schema()`` builds them with with_associate_fields."""

    def __init__(self, look: Look, on_change: Callable[[], None]) -> None:
        self._look = look
        self._on_change = on_change
        self.fields: dict[str, DeclaredField] = {}  # by path
        self._made: tuple[str | None, dict[str, Any] | None] = (None, None)  # (declarations as JSON, the schema)
        self.required: dict[str, list[str]] = {}  # by section: required names, as loaded (kept, not edited here)
        self.strict = widgets.Checkbox(value=False, description="strict: reject undeclared custom fields", indent=False,
                                       layout=widgets.Layout(width="auto"))
        self.strict.observe(lambda _change: self._on_change(), "value")
        self.list = widgets.VBox(layout=look.column)
        self.widget = widgets.VBox([self.strict, self.list], layout=look.column)
        self.widget.add_class("kapture-studio-fields")

    def load(self, schema: Mapping[str, Any] | None) -> None:
        """The declarations of this schema (None: the request schema, none); MappingError for one no declarations make."""
        found = declared_fields(schema) if schema is not None else {}
        if found is None:
            raise MappingError(
                "the mapping's schema is not the request schema with declared custom fields (kn.with_associate_fields): "
                "the studio cannot show it"
            )
        self.fields, self.required = {}, {}
        for keyword, declared in found.items():
            if keyword == "strict":
                continue
            section = SECTIONS[keyword]
            properties = declared
            if declared.get("type") == "object" and isinstance(declared.get("properties"), Mapping):
                properties = declared["properties"]
                self.required[section] = list(declared.get("required", []))
            for name, spec in properties.items():
                self._add(section, name, spec)
        self.strict.value = bool(found.get("strict"))
        self._refresh()

    def declare(self, section: str, name: str, kind: str) -> str:
        """Declare a field (MappingError for a bad name or one declared already); its path."""
        if section not in KEYWORD_OF:
            raise MappingError(f"custom fields go to {', '.join(KEYWORD_OF)}, got {section!r}")
        if not isinstance(name, str) or not name or "." in name or name != name.strip() or DESCRIBED in name:
            raise MappingError(f"a custom field's name has no dots, no ' — ' and no outer spaces, got {name!r}")
        if paths.is_index(name):
            raise MappingError(f"a custom field's name is not a number ({name!r} would make associate_fields a list)")
        if kind not in TYPE_SCHEMAS:
            raise MappingError(f"a custom field's type is one of {', '.join(TYPE_SCHEMAS)}, got {kind!r}")
        path = f"{section}.associate_fields.{name}"
        if path in self.fields:
            raise MappingError(f"{path} is declared already")
        self._add(section, name, TYPE_SCHEMAS[kind])
        self._refresh()
        return path

    def remove(self, field: DeclaredField) -> None:
        """Declare the field no more."""
        self.fields.pop(field.path, None)
        field.widget.close()
        self._refresh()
        self._on_change()

    def paths(self) -> list[str]:
        """The declared fields' paths."""
        return list(self.fields)

    def arguments(self) -> dict[str, Any]:
        """The with_associate_fields keyword arguments these declarations make ({} for none)."""
        by_section: dict[str, dict[str, Any]] = {}
        for field in self.fields.values():
            by_section.setdefault(field.section, {})[field.name] = field.schema()
        arguments: dict[str, Any] = {}
        for section, properties in by_section.items():
            required = [name for name in self.required.get(section, []) if name in properties]
            fragment: dict[str, Any] = {"type": "object", "properties": properties, "required": required}
            arguments[KEYWORD_OF[section]] = fragment if required else properties
        if arguments and self.strict.value:
            arguments["strict"] = True
        return arguments

    def schema(self) -> dict[str, Any] | None:
        """The request schema with these declarations; None when there are none (the request schema itself).

        The same object while the declarations stay the same: validators and checks are kept per schema object.
        """
        arguments = self.arguments()
        key = json.dumps(arguments, sort_keys=True, default=repr)
        if key != self._made[0]:
            self._made = (key, with_associate_fields(**arguments) if arguments else None)
        return self._made[1]

    @property
    def schema_key(self) -> str:
        """The declarations of the latest ``schema()`` as JSON: a key for what was checked against it."""
        return self._made[0] or ""

    def description(self, path: str) -> str:
        """A declared field's type in words, for the target's note."""
        field = self.fields.get(path)
        return f"custom field ({_dumps(field.schema())})" if field is not None else ""

    def _add(self, section: str, name: str, spec: Mapping[str, Any]) -> None:
        field = DeclaredField(section, name, spec, self._look, self._on_change, self.remove)
        self.fields[field.path] = field

    def _refresh(self) -> None:
        self.list.children = [field.widget for field in self.fields.values()] or [
            widgets.HTML("<i>no custom fields declared: pick “new custom field...” as a column's target</i>")
        ]


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)
