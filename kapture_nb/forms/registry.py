"""Which field class shows which schema node: rules map nodes to kinds, kinds (or paths) to classes."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .. import paths
from ..schema import FREE_FORM, types_of
from .arrays import ArrayField
from .base import Field
from .free_form import FreeFormField
from .objects import ObjectField
from .scalars import (
    BooleanField,
    DateField,
    DateTimeField,
    EnumField,
    IntegerField,
    IntegerOrDigitsField,
    JsonField,
    NumberField,
    StringField,
)

Predicate = Callable[[Mapping[str, Any]], bool]


def has_type(*names: str) -> Predicate:
    """A rule predicate: the node's type is exactly these (in any order)."""
    wanted = set(names)
    return lambda node: set(types_of(node)) == wanted


def string_format(name: str) -> Predicate:
    """A rule predicate: a string node with this ``format``."""
    return lambda node: types_of(node) == ("string",) and node.get("format") == name


def _free_form(node: Mapping[str, Any]) -> bool:
    return bool(node.get(FREE_FORM))


def _enum(node: Mapping[str, Any]) -> bool:
    return isinstance(node.get("enum"), list) and bool(node["enum"])


def _array(node: Mapping[str, Any]) -> bool:
    return types_of(node) == ("array",) and isinstance(node.get("items"), Mapping)


def _anything(node: Mapping[str, Any]) -> bool:
    return True


DEFAULT_RULES: list[tuple[Predicate, str]] = [
    (_free_form, "free_form"),
    (_enum, "enum"),
    (has_type("integer", "string"), "integer_or_digits"),
    (string_format("date"), "date"),
    (string_format("date-time"), "date-time"),
    (has_type("string"), "string"),
    (has_type("integer"), "integer"),
    (has_type("number"), "number"),
    (has_type("boolean"), "boolean"),
    (has_type("object"), "object"),
    (_array, "array"),
    (_anything, "json"),
]

DEFAULT_KINDS: dict[str, type[Field]] = {
    "free_form": FreeFormField,
    "enum": EnumField,
    "integer_or_digits": IntegerOrDigitsField,
    "date": DateField,
    "date-time": DateTimeField,
    "string": StringField,
    "integer": IntegerField,
    "number": NumberField,
    "boolean": BooleanField,
    "object": ObjectField,
    "array": ArrayField,
    "json": JsonField,
}


class Registry:
    """Rules ``(predicate, kind)`` tried in order, a class per kind, and classes for particular paths."""

    def __init__(
        self,
        rules: list[tuple[Predicate, str]] | None = None,
        kinds: Mapping[str, type[Field]] | None = None,
        by_path: Mapping[paths.Path, type[Field]] | None = None,
    ) -> None:
        self.rules = list(DEFAULT_RULES if rules is None else rules)
        self.kinds = dict(DEFAULT_KINDS if kinds is None else kinds)
        self.by_path: dict[tuple[str, ...], type[Field]] = {}
        for path, cls in (by_path or {}).items():
            self.register_path(path, cls)

    def register(self, kind: str, cls: type[Field]) -> Registry:
        """Show every node of this kind with ``cls`` (a new kind needs a rule too: ``add_rule``)."""
        self.kinds[kind] = _checked(cls)
        return self

    def register_path(self, path: paths.Path, cls: type[Field]) -> Registry:
        """Show the node at this path with ``cls``; a ``*`` part matches any array index or key."""
        self.by_path[paths.parse(path)] = _checked(cls)
        return self

    def add_rule(self, predicate: Predicate, kind: str, *, first: bool = True) -> Registry:
        """Map the nodes ``predicate`` accepts to ``kind``: before the other rules, or after them but before the JSON fallback."""
        rule = (predicate, kind)
        if first:
            self.rules.insert(0, rule)
        elif self.rules and self.rules[-1][0] is _anything:
            self.rules.insert(len(self.rules) - 1, rule)
        else:
            self.rules.append(rule)
        return self

    def kind_of(self, node: Mapping[str, Any]) -> str:
        """The kind of the first rule that accepts this node."""
        for predicate, kind in self.rules:
            if predicate(node):
                return kind
        raise LookupError(f"no rule accepts the schema node {dict(node)!r}")

    def field_class(self, node: Mapping[str, Any], parts: tuple[str, ...] = ()) -> type[Field]:
        """The class that shows this node at this path."""
        cls = self.by_path.get(parts) or self._wildcard_class(parts)
        if cls is not None:
            return cls
        kind = self.kind_of(node)
        try:
            return self.kinds[kind]
        except KeyError:
            raise LookupError(f"no field class is registered for kind {kind!r}") from None

    def _wildcard_class(self, parts: tuple[str, ...]) -> type[Field] | None:
        for pattern, cls in reversed(self.by_path.items()):
            if len(pattern) == len(parts) and all(p in (paths.WILDCARD, q) for p, q in zip(pattern, parts, strict=True)):
                return cls
        return None

    def copy(self) -> Registry:
        """An independent copy to change."""
        made = Registry(self.rules, self.kinds)
        made.by_path = dict(self.by_path)
        return made

    def __repr__(self) -> str:
        return f"<Registry {len(self.rules)} rules, kinds {sorted(self.kinds)}, {len(self.by_path)} path(s)>"


def _checked(cls: Any) -> type[Field]:
    if not (isinstance(cls, type) and issubclass(cls, Field)):
        raise TypeError(f"a field class is a subclass of kapture_nb.forms.Field, got {cls!r}")
    return cls


def default_registry() -> Registry:
    """A fresh registry with the built-in rules and field classes."""
    return Registry()
