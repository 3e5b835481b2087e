"""Dotted paths into a body: ``customer_info.customer_name``, ``contact_info.0.dob``.

This module is the only place that splits or joins paths. A path is given as a
dotted string, or as a tuple when a key itself contains a dot. Parts are kept as
strings; a part addresses a list item when the container there is a list.
"""
from __future__ import annotations

from collections.abc import Iterable, Iterator
from itertools import pairwise
from typing import Any

Path = str | tuple[str, ...]
WILDCARD = "*"
_MISSING = object()


def parse(path: Path) -> tuple[str, ...]:
    """Split a path into its parts."""
    if isinstance(path, tuple):
        return tuple(str(part) for part in path)
    if not isinstance(path, str):
        raise TypeError(f"a path is a dotted string or a tuple, got {type(path).__name__}")
    if path == "":
        return ()
    return tuple(path.split("."))


def is_index(part: str) -> bool:
    """Whether a path part names an array item: ASCII digits only ("²" and "٣" are keys)."""
    return part.isascii() and part.isdigit()


def join(parts: Iterable[Any]) -> Path:
    """Make the path of these parts: a dotted string, or a tuple when a part holds a dot."""
    parts = tuple(str(part) for part in parts)
    if any("." in part for part in parts):
        return parts
    return ".".join(parts)


def _step(container: Any, part: str) -> Any:
    if isinstance(container, dict):
        return container.get(part, _MISSING)
    if isinstance(container, list) and is_index(part):
        index = int(part)
        return container[index] if index < len(container) else _MISSING
    return _MISSING


def get(body: Any, path: Path, default: Any = None) -> Any:
    """The value at ``path`` in ``body``, or ``default`` when any step is missing."""
    return get_parts(body, parse(path), default)


def get_parts(body: Any, parts: tuple[str, ...], default: Any = None) -> Any:
    """``get`` for a parsed path."""
    node = body
    for part in parts:
        node = _step(node, part)
        if node is _MISSING:
            return default
    return node


def exists(body: Any, path: Path) -> bool:
    """Whether ``path`` leads to a value in ``body``."""
    return get(body, path, _MISSING) is not _MISSING


def set(body: dict[str, Any], path: Path, value: Any) -> None:
    """Write ``value`` at ``path``, creating dicts (or lists, for numeric parts) on the way."""
    set_parts(body, parse(path), value)


def set_parts(body: Any, parts: tuple[str, ...], value: Any, new_item: Any = None) -> None:
    """``set`` for a parsed path; ``new_item(list_parts)`` makes a missing list item (default ``{}``)."""
    if not parts:
        raise ValueError("cannot set the empty path")
    node = body
    for depth, (part, following) in enumerate(pairwise(parts)):
        child = _step(node, part)
        if child is _MISSING or not isinstance(child, (dict, list)):
            if is_index(following):
                child = []
            elif isinstance(node, list) and new_item is not None:
                child = new_item(parts[:depth])
            else:
                child = {}
            _put(node, part, child)
        node = child
    _put(node, parts[-1], value)


def _put(container: Any, part: str, value: Any) -> None:
    if isinstance(container, dict):
        container[part] = value
        return
    if isinstance(container, list) and is_index(part):
        index = int(part)
        if index > len(container):
            raise IndexError(f"list index {index} leaves a gap after item {len(container) - 1}")
        if index == len(container):
            container.append(value)
        else:
            container[index] = value
        return
    raise TypeError(f"cannot set {part!r} inside a {type(container).__name__}")


def expand(body: Any, pattern: Path) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Yield ``(parts, value)`` for every place matching ``pattern``; ``*`` matches any list item or key."""
    yield from _expand(body, parse(pattern), ())


def _expand(node: Any, rest: tuple[str, ...], done: tuple[str, ...]) -> Iterator[tuple[tuple[str, ...], Any]]:
    if not rest:
        yield done, node
        return
    head, tail = rest[0], rest[1:]
    if head == WILDCARD:
        items: Iterable[tuple[Any, Any]]
        if isinstance(node, dict):
            items = node.items()
        elif isinstance(node, list):
            items = ((str(i), v) for i, v in enumerate(node))
        else:
            return
        for key, child in items:
            yield from _expand(child, tail, (*done, str(key)))
        return
    child = _step(node, head)
    if child is not _MISSING:
        yield from _expand(child, tail, (*done, head))


def flatten(body: Any) -> dict[Path, Any]:
    """Every scalar in the body keyed by its path (empty objects and lists have no leaves)."""
    found: dict[Path, Any] = {}

    def walk(node: Any, at: tuple[str, ...]) -> None:
        if isinstance(node, dict):
            for key, child in node.items():
                walk(child, (*at, str(key)))
        elif isinstance(node, list):
            for index, child in enumerate(node):
                walk(child, (*at, str(index)))
        else:
            found[join(at)] = node

    walk(body, ())
    return found
