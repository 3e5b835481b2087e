"""Plain JSON values: whether JSON carries a value as it is, JSON Schema's equality, and fast copies."""
from __future__ import annotations

import math
import numbers
from typing import Any


def is_clean(value: Any) -> bool:
    """Whether JSON carries the value as it is: str keys, no NaN or infinity, no foreign objects."""
    if isinstance(value, (str, bool, int)) or value is None:
        return True
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_clean(v) for k, v in value.items())
    if isinstance(value, list):
        return all(is_clean(v) for v in value)
    return False


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
    """
    kind = value.__class__
    if kind is str:  # the common cases first: ids are read for every row of a batch
        text = value.strip()
        return int(text) if text.isascii() and text.isdigit() else None
    if kind is int:
        return int(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, numbers.Integral):  # int and numpy's integers, not numpy's bool_
        return int(value)
    if isinstance(value, float):
        return int(value) if math.isfinite(value) and value.is_integer() else None
    if isinstance(value, str):
        text = value.strip()
        return int(text) if text.isascii() and text.isdigit() else None
    return None


def json_copy(value: Any) -> Any:
    """A deep copy of parsed JSON: dicts and lists copied, scalars shared (copy.deepcopy is slow per string)."""
    if isinstance(value, dict):
        return {key: json_copy(child) for key, child in value.items()}
    if isinstance(value, list):
        return [json_copy(child) for child in value]
    return value
