"""Plain JSON values: whether JSON carries a value as it is, what stops it where, JSON Schema's equality, and fast copies.

"Plain JSON" here: dicts with str keys, lists, str, int, float, bool and None; no NaN or
infinity; text that UTF-8 can encode (no surrogate code points); integers Python's json can
write (``sys.get_int_max_str_digits()``); arrays and objects nested at most ``MAX_DEPTH`` deep,
and no container inside itself. Every walk here is iterative or bounded by ``MAX_DEPTH``.
"""
from __future__ import annotations

import math
import numbers
import re
import sys
from collections.abc import Iterator
from typing import Any, NamedTuple

MAX_DEPTH = 64
"""Arrays and objects nest at most this deep (the body itself is level 1), as the sandbox's parser allows."""

_SURROGATE = re.compile("[\ud800-\udfff]")
_SAFE_BITS = 2000  # an int this short has at most 603 digits, under any limit Python allows (640 or more)
_CONTAINERS = (dict, list)


class Problem(NamedTuple):
    """Something JSON cannot carry, at ``parts`` (keys and list indexes as text).

    ``kind``: "key" (a key that is no string), "key-encoding" (a key UTF-8 cannot encode),
    "encoding" (text UTF-8 cannot encode), "nan" (NaN or an infinity), "digits" (an integer with
    more digits than Python's json writes), "type" (no JSON type), "depth" (an array or object
    nested deeper than ``MAX_DEPTH``) or "cycle" (an array or object inside itself: ``back_to``
    holds the parts of the enclosing container it is). ``value`` is the value (or key) found.
    """

    parts: tuple[str, ...]
    kind: str
    value: Any
    back_to: tuple[str, ...] | None = None


def encodable(text: str) -> bool:
    """Whether UTF-8 can encode the text: no surrogate code point (a lone ``"\\ud800"`` from text decoded wrongly)."""
    return text.isascii() or _SURROGATE.search(text) is None


def surrogate_at(text: str) -> int:
    """The position of the first surrogate code point in the text (-1 when there is none)."""
    found = _SURROGATE.search(text)
    return found.start() if found else -1


def writable(number: int) -> bool:
    """Whether Python's json can write the integer: no more digits than ``sys.get_int_max_str_digits()`` allows."""
    if number.bit_length() <= _SAFE_BITS:
        return True
    limit = sys.get_int_max_str_digits()
    return limit == 0 or -(10**limit) < number < 10**limit


def _scalar_problem(value: Any) -> str | None:
    """The kind of problem of a value that is no array or object; None when JSON carries it."""
    if isinstance(value, str):
        return None if encodable(value) else "encoding"
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return None if writable(value) else "digits"
    if isinstance(value, float):
        return None if math.isfinite(value) else "nan"
    return "type"


def is_clean(value: Any, level: int = 0) -> bool:
    """Whether JSON carries the value as it is (see the module's "plain JSON"); ``level``: how many containers enclose it."""
    kind = value.__class__
    if kind is str:  # the common cases first, without a call: free-form values are checked on every body
        return value.isascii() or _SURROGATE.search(value) is None
    if kind is bool or value is None:
        return True
    if kind is int:
        return value.bit_length() <= _SAFE_BITS or writable(value)
    if kind is float:
        return math.isfinite(value)
    if isinstance(value, _CONTAINERS):
        return _clean_container(value, level, set())
    return _scalar_problem(value) is None


def _clean_container(value: dict[Any, Any] | list[Any], level: int, open_ids: set[int]) -> bool:
    """``is_clean`` of an array or object: recursive, as that is fastest on small values, but never below MAX_DEPTH."""
    if level >= MAX_DEPTH or id(value) in open_ids:
        return False
    open_ids.add(id(value))
    if isinstance(value, dict):
        for key in value:
            if not (isinstance(key, str) and (key.isascii() or _SURROGATE.search(key) is None)):
                return False
        children: Any = value.values()
    else:
        children = value
    for child in children:
        kind = child.__class__
        if kind is str:
            if not (child.isascii() or _SURROGATE.search(child) is None):
                return False
        elif kind is bool or child is None:
            continue
        elif kind is int:
            if not (child.bit_length() <= _SAFE_BITS or writable(child)):
                return False
        elif kind is float:
            if not math.isfinite(child):
                return False
        elif isinstance(child, _CONTAINERS):
            if not _clean_container(child, level + 1, open_ids):
                return False
        elif _scalar_problem(child) is not None:
            return False
    open_ids.discard(id(value))
    return True


def problems(value: Any, at: tuple[str, ...] = (), level: int = 0) -> Iterator[Problem]:
    """Everything JSON cannot carry in the value, in its order; ``at`` are its parts, ``level`` the containers enclosing it.

    Iterative, and it never goes below ``MAX_DEPTH`` nor round a cycle: a container too deep,
    or one inside itself, is one problem and is not looked into.
    """
    if not isinstance(value, _CONTAINERS):
        kind = _scalar_problem(value)
        if kind is not None:
            yield Problem(at, kind, value)
        return
    if level >= MAX_DEPTH:
        yield Problem(at, "depth", value)
        return
    open_parts = {id(value): at}  # the containers being walked, each inside the one before, by id
    stack: list[tuple[tuple[str, ...], int, bool, Iterator[tuple[Any, Any]]]] = [(at, id(value), *_items(value))]
    while stack:
        parts, ident, keyed, items = stack[-1]
        for key, child in items:
            if keyed and not (isinstance(key, str) and (key.isascii() or _SURROGATE.search(key) is None)):
                yield Problem((*parts, str(key)), "key-encoding" if isinstance(key, str) else "key", key)
            if not isinstance(child, _CONTAINERS):
                kind = child.__class__  # the common, clean cases first and without a call: a body has many leaves
                if (kind is str and child.isascii()) or kind is bool or child is None:
                    continue
                if kind is int and child.bit_length() <= _SAFE_BITS:
                    continue
                problem = _scalar_problem(child)
                if problem is not None:
                    yield Problem((*parts, str(key)), problem, child)
                continue
            here = (*parts, str(key))
            if id(child) in open_parts:
                yield Problem(here, "cycle", child, open_parts[id(child)])
            elif level + len(stack) >= MAX_DEPTH:
                yield Problem(here, "depth", child)
            else:
                open_parts[id(child)] = here
                stack.append((here, id(child), *_items(child)))
                break
        else:
            stack.pop()
            del open_parts[ident]


def _items(container: dict[Any, Any] | list[Any]) -> tuple[bool, Iterator[tuple[Any, Any]]]:
    """Whether the container has keys (else indexes), and its (key or index, child) pairs."""
    if isinstance(container, dict):
        return True, iter(container.items())
    return False, enumerate(container)


def json_equal(a: Any, b: Any) -> bool:
    """Equality as JSON Schema sees it: true is not 1, 1.0 is 1, containers compare item by item."""
    if a.__class__ is str and b.__class__ is str:  # most values are text: compare them at once
        return a == b
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, (dict, list)) or isinstance(b, (dict, list)):
        return False
    return bool(a == b)


def as_whole(value: Any) -> int | None:
    """A whole number from an int, a numpy integer, a whole finite float or a string of ASCII digits; None otherwise.

    The one reading of ids and counts for the store, the result frames and the journal; ``True`` is not 1.
    Digits beyond what Python reads as an int (``sys.get_int_max_str_digits()``) are None too.
    """
    kind = value.__class__
    if kind is str:  # the common cases first: ids are read for every row of a batch
        return _digits(value)
    if kind is int:
        return int(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, numbers.Integral):  # int and numpy's integers, not numpy's bool_
        return int(value)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        return _digits(value)
    return None


def _digits(value: str) -> int | None:
    text = value.strip()
    if not (text.isascii() and text.isdigit()):
        return None
    try:
        return int(text)
    except ValueError:  # more digits than Python converts: no id, no count
        return None


def json_copy(value: Any) -> Any:
    """A deep copy of parsed JSON: dicts and lists copied, scalars shared (copy.deepcopy is slow per string)."""
    if isinstance(value, dict):
        return {key: json_copy(child) for key, child in value.items()}
    if isinstance(value, list):
        return [json_copy(child) for child in value]
    return value
