"""The sandbox's orders: the documented example's order, any given ones, and what the API adds or updates."""
from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping
from typing import Any, NamedTuple

import pandas as pd

from .. import paths
from ..effects import Rules, apply, effects
from ..exceptions import BodyTypeError, ConfigurationError, KaptureError
from ..jsonvalues import MAX_DEPTH, json_copy, problems
from ..orderframes import ID_PATHS, as_id, check_columns, order_id_of, orders_of
from ..schema import MAX_ID, documented_example, template
from ..validation import shorten

SECTIONS = ("customer_info", "contact_info", "enquiry_info", "order_info")
ID_COLUMNS = ["order_id", "customer_id", "enquiry_id", "contact_id"]
UNKNOWN_ORDER_POLICIES = ("reject", "create")

Orders = pd.DataFrame | Mapping[str, Any] | Iterable[Mapping[str, Any]]


class Ids(NamedTuple):
    """The ids of one stored order."""

    order_id: int
    customer_id: int
    enquiry_id: int
    contact_id: int


DOCUMENTED_IDS = Ids(order_id=23518265, customer_id=191696570, enquiry_id=24284719, contact_id=210006001)


class UnknownOrderError(KaptureError, LookupError):
    """An update names an order_id the store does not hold (and the store rejects unknown orders)."""

    def __init__(self, order_id: int) -> None:
        self.order_id = order_id
        super().__init__(f"Order {order_id} not found")


class IdRangeError(KaptureError, ValueError):
    """An id above ``MAX_ID`` (2^63-1): the store, as Kapture, keeps ids as 64-bit integers, and its tables as Int64."""


class OrderStore:
    """Orders keyed by order_id, safe to use from many threads.

    Starts with the documented example's order (order_id 23518265 with the ids of the documented
    success response) unless ``documented=False``. ``unknown_order`` says what an update of an
    order_id the store does not hold does: ``"reject"`` raises ``UnknownOrderError``, ``"create"``
    creates it. The published docs are silent on this; rejecting is the sandbox's assumption. An
    update writes what ``rules`` say (``effects.py``: the update flags and empty values); a plan
    reads the store through the same rules (``order_view``).
    """

    def __init__(
        self,
        orders: Orders | None = None,
        *,
        unknown_order: str = "reject",
        documented: bool = True,
        rules: Rules | None = None,
    ) -> None:
        if unknown_order not in UNKNOWN_ORDER_POLICIES:
            raise ConfigurationError(f"unknown_order must be one of {UNKNOWN_ORDER_POLICIES}, got {unknown_order!r}")
        self.unknown_order = unknown_order
        self.rules = rules or Rules()
        self._lock = threading.Lock()
        self._orders: dict[int, dict[str, Any]] = {}
        self._last = dict(DOCUMENTED_IDS._asdict())
        if documented:
            self._put(documented_example(), DOCUMENTED_IDS)
        if orders is not None:
            self.load(orders)

    def __len__(self) -> int:
        with self._lock:
            return len(self._orders)

    def __contains__(self, order_id: object) -> bool:
        with self._lock:
            return order_id in self._orders

    def __repr__(self) -> str:
        return f"<OrderStore orders={len(self)} unknown_order={self.unknown_order!r}>"

    def load(self, orders: Orders) -> list[int]:
        """Hold more orders (bodies, or a DataFrame with body-path columns); returns their order_ids.

        A body without an order_id gets a new one (as an Add would); a DataFrame row must have one
        (see ``orderframes``: an id is never invented for a row). Ids given in the body
        (``customer_info.customer_id``, ``enquiry_info.enquiry_id``, ``contact_info.0.contact_id``) or, in a
        DataFrame, in the bare columns ``order_id``, ``customer_id``, ``enquiry_id``, ``contact_id`` (as
        ``frame()`` gives them) are kept, missing ones are new. A known order_id replaces that order's
        sections and keeps its ids.
        """
        seeds = _seeds(orders)
        with self._lock:
            loaded = []
            for body, given in seeds:
                held = self._orders.get(given["order_id"]) if given["order_id"] is not None else None
                ids = held["ids"] if held is not None else self._new_ids(given)
                self._put(body, ids)
                loaded.append(ids.order_id)
            return loaded

    def get(self, order_id: int) -> dict[str, Any]:
        """A copy of one stored order: its ids and its four sections."""
        with self._lock:
            held = self._orders.get(order_id)
            if held is None:
                raise UnknownOrderError(order_id)
            return {**held["ids"]._asdict(), **json_copy({s: held[s] for s in SECTIONS})}

    def peek(self, order_id: int) -> Mapping[str, Any] | None:
        """The stored sections of one order, not a copy (None when unknown): for reading under the rules, never changing."""
        with self._lock:
            return self._orders.get(order_id)

    def order_view(self) -> OrderStore:
        """The store as a plan reads it (``effects.OrderView``)."""
        return self

    def update(self, body: Mapping[str, Any]) -> Ids:
        """Apply an update as the rules say (``effects.py``): flagged sections written, custom fields merged key by key.

        Raises IdRangeError, storing nothing, when an id of the body is above ``MAX_ID``.
        """
        order_id = order_id_of(body)
        if order_id is None:
            raise ValueError("an update needs order_info.order_id: a positive integer or a string of digits")
        given = _given_ids(body)
        _check_range(given)
        with self._lock:
            held = self._orders.get(order_id)
            if held is None:
                if self.unknown_order == "reject":
                    raise UnknownOrderError(order_id)
                ids = self._new_ids(given)
                self._put(body, ids)
                return ids
            apply(held, effects(held, body, self.rules))
            held["order_info"]["order_id"] = str(order_id)
            kept: Ids = held["ids"]
            return kept

    def add(self, body: Mapping[str, Any]) -> Ids:
        """Create an order from the body with a new order_id (and new ids wherever the body gives none).

        Raises IdRangeError, storing nothing, when an id of the body is above ``MAX_ID``.
        """
        given = {**_given_ids(body), "order_id": None}
        _check_range(given)
        with self._lock:
            ids = self._new_ids(given)
            self._put(body, ids)
            return ids

    def frame(self) -> pd.DataFrame:
        """One row per order: order_id, customer_id, enquiry_id, contact_id (Int64), then every leaf by dotted path.

        A custom field's column is Int64 when its values are whole numbers that fit in 64 bits; otherwise they stay as they are.
        """
        with self._lock:
            rows = [{**held["ids"]._asdict(), **paths.flatten({s: held[s] for s in SECTIONS})} for held in self._orders.values()]
        columns = list(dict.fromkeys(ID_COLUMNS + [key for row in rows for key in row]))
        frame = pd.DataFrame(rows, columns=columns)
        # A column of whole numbers with gaps stays whole (Int64), not float64: custom fields keep their type.
        for column in columns:
            values = [row.get(column) for row in rows]
            if column in ID_COLUMNS or (any(v is not None for v in values) and all(v is None or _int64(v) for v in values)):
                frame[column] = pd.array(values, dtype="Int64")
        return frame

    def _new_ids(self, given: Mapping[str, int | None]) -> Ids:
        """Ids for a new order: the given ones, the next of each sequence for the rest (call under the lock)."""
        chosen = {}
        for name in ID_COLUMNS:
            value = given[name]
            if value is None:
                value = self._last[name] + 1
                if value > MAX_ID:
                    raise IdRangeError(f"no new {name} is left: the store holds {MAX_ID} (2^63-1), the largest id")
            self._last[name] = max(self._last[name], value)
            chosen[name] = value
        return Ids(**chosen)

    def _put(self, body: Mapping[str, Any], ids: Ids) -> None:
        """Store the body's sections (missing ones from the template) under these ids (call under the lock)."""
        if not isinstance(body, Mapping):
            raise TypeError(f"an order is a body (a dict), got {type(body).__name__}")
        held: dict[str, Any] = {"ids": ids}
        for section in SECTIONS:
            held[section] = json_copy(body[section]) if section in body else template()[section]
        if not isinstance(held["order_info"], dict):
            raise TypeError(f"order {ids.order_id}: order_info must be an object")
        held["order_info"]["order_id"] = str(ids.order_id)
        self._orders[ids.order_id] = held


def _given_ids(body: Any) -> dict[str, int | None]:
    return {name: as_id(paths.get(body, path)) for name, path in ID_PATHS.items()}


def _int64(value: Any) -> bool:
    return type(value) is int and -MAX_ID - 1 <= value <= MAX_ID


def _out_of_range(given: Mapping[str, int | None]) -> str | None:
    """What is wrong with the first id above MAX_ID, in words; None when every id fits."""
    for name, value in given.items():
        if value is not None and value > MAX_ID:
            return f"{ID_PATHS[name]} {shorten(value, 40)} is above {MAX_ID} (2^63-1: ids are 64-bit)"
    return None


def _check_range(given: Mapping[str, int | None]) -> None:
    problem = _out_of_range(given)
    if problem is not None:
        raise IdRangeError(problem)


def _seeds(orders: Orders) -> list[tuple[Mapping[str, Any], dict[str, int | None]]]:
    """Each order's body and the ids it gives."""
    if isinstance(orders, pd.DataFrame):
        check_columns(orders)
        seeds: list[tuple[Mapping[str, Any], dict[str, int | None]]] = []
        for label, row, ids in orders_of(orders, base=template):
            problem = _out_of_range(ids)
            if problem is not None:
                raise ConfigurationError(f"row {label!r}: {problem}")
            seeds.append((row, ids))
        return seeds
    bodies = [orders] if isinstance(orders, Mapping) else list(orders)
    for index, body in enumerate(bodies):
        if not isinstance(body, Mapping):
            raise BodyTypeError(f"orders[{index}] is a {type(body).__name__}, not a body (a dict)")
        given = paths.get(body, "order_info.order_id")
        if given not in (None, "") and as_id(given) is None:
            raise ConfigurationError(
                f"orders[{index}]: order_info.order_id {shorten(given)!r} is not an id (a positive whole number or its digits); "
                'leave it out, or "", for a new order'
            )
        problem = _out_of_range(_given_ids(body))
        if problem is not None:
            raise ConfigurationError(f"orders[{index}]: {problem}")
        unwalkable = next((p for p in problems(body) if p.kind in ("depth", "cycle")), None)
        if unwalkable is not None:
            where = paths.join(unwalkable.parts)
            shape = "holds itself (a cycle)" if unwalkable.kind == "cycle" else f"nests deeper than {MAX_DEPTH} levels"
            raise ConfigurationError(f"orders[{index}]: {where} {shape}: an order is plain JSON")
    return [(body, _given_ids(body)) for body in bodies]
