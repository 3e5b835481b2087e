"""A change plan before sending: per input row and body path, what would be set, changed, cleared or ignored.

The plan reads the bodies as ``update_orders`` would make them, checks them as it would, and runs
them through the same rules the sandbox applies (``effects.py``) against the account's current
orders: a sandbox, a frame of orders (an export), or nothing (then only what the bodies say).
Rows of one order are taken in row order, each seeing what the earlier ones did, as
``update_orders(duplicates="in_order")`` sends them.
"""
from __future__ import annotations

import html
from collections import Counter
from collections.abc import Mapping
from typing import Any

import pandas as pd

from . import display
from .batch import Batch, Data, bodies_of
from .effects import Effect, OrderView, Rules, apply, effects
from .exceptions import ConfigurationError
from .jsonvalues import json_copy
from .mapping import FieldMapping
from .orderframes import check_columns, order_id_of, orders_of
from .validation import Validator, validator_for

PLAN_COLUMNS = ["row", "order_id", "path", "before", "after", "effect", "note"]
EFFECTS = ("set", "change", "clear", "ignored", "unknown order", "duplicate", "not sent")
_SHOWN_ROWS = 20
WHOLE_ROW = "(whole row)"  # the summary's path for effects of a whole row: unknown order, duplicate, not sent


class KnownOrders:
    """The account's current orders as given by the analyst (an export, or one body), keyed by order_id."""

    unknown_order = "reject"

    def __init__(self, orders: dict[int, Mapping[str, Any]], rules: Rules | None = None) -> None:
        self.rules = rules or Rules()
        self._orders = orders

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> KnownOrders:
        """From a frame with body-path columns, keyed by ``order_info.order_id``."""
        check_columns(frame)
        return cls({order_id: body for _label, body, ids in orders_of(frame) if (order_id := ids["order_id"]) is not None})

    @classmethod
    def from_body(cls, body: Mapping[str, Any]) -> KnownOrders:
        """From one order's body as it stands."""
        order_id = order_id_of(body)
        if order_id is None:
            raise ConfigurationError("the current order has no order_info.order_id: the plan cannot tell which it is")
        return cls({order_id: body})

    def peek(self, order_id: int) -> Mapping[str, Any] | None:
        """The order's sections as given, or None."""
        return self._orders.get(order_id)


def _view(current: Any) -> OrderView | None:
    if current is None:
        return None
    if isinstance(current, pd.DataFrame):
        return KnownOrders.from_frame(current)
    if isinstance(current, Mapping):
        return KnownOrders.from_body(current)
    view = getattr(current, "order_view", None)
    if callable(view):
        found: OrderView = view()
        return found
    raise ConfigurationError(
        "current= takes a Sandbox, a DataFrame of the account's orders (body-path columns, keyed by "
        f"order_info.order_id), one order's body, or None; got {type(current).__name__}"
    )


class ChangePlan:
    """What sending a batch would do: ``to_frame()`` lists it row by row and path by path, ``summary()`` counts orders."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self._frame = frame

    def to_frame(self) -> pd.DataFrame:
        """One row per (input row, path) that would change: row, order_id, path, before, after, effect, note."""
        return self._frame.copy()

    def summary(self) -> pd.DataFrame:
        """Per path (rows) and effect (columns), how many orders (or rows, for new orders without an id)."""
        frame = self._frame
        if frame.empty:
            return pd.DataFrame(index=pd.Index([], name="path"), columns=pd.Index([], name="effect"), dtype="int64")
        keys = frame["order_id"].astype("string").fillna("row " + frame["row"].astype("string"))
        where = frame["path"].astype(str).replace("", WHOLE_ROW)
        counted = frame.assign(key=keys, path=where).groupby(["path", "effect"], sort=False)["key"].nunique()
        table = counted.unstack("effect", fill_value=0)
        order = sorted(table.index, key=lambda path: (path == WHOLE_ROW, path))  # by path, the whole-row effects last
        return table.loc[order, [effect for effect in EFFECTS if effect in table.columns]].astype("int64")

    def __len__(self) -> int:
        return len(self._frame)

    def __repr__(self) -> str:
        counts = self._frame["effect"].value_counts()
        said = ", ".join(f"{counts[effect]} {effect}" for effect in EFFECTS if effect in counts) or "no changes"
        return f"<ChangePlan {said}>"

    def _repr_html_(self) -> str:
        shown = self._frame.head(_SHOWN_ROWS)
        more = len(self._frame) - len(shown)
        tail = f"<p>… and {more} more row(s): <code>plan.to_frame()</code></p>" if more > 0 else ""
        return display.box(
            f"<b>Change plan</b>: {html.escape(repr(self).removeprefix('<ChangePlan ').removesuffix('>'))}"
            f"{display.table(self.summary(), index=True)}{display.table(shown)}{tail}",
            "kapture-plan",
        )


def plan(
    data: Data,
    mapping: FieldMapping | Mapping[Any, Any] | None = None,
    *,
    current: Any = None,
    schema: Mapping[str, Any] | None = None,
) -> ChangePlan:
    """The change plan of sending ``data`` (as ``update_orders`` takes it) against ``current``.

    ``current``: a ``Sandbox`` (its store and its rules), a DataFrame of the account's current orders
    (body-path columns keyed by ``order_info.order_id``), one order's body as it stands, or None
    (only what the bodies say: no value is known before, so every written value is a "set").
    """
    batch = bodies_of(data, mapping, schema)
    validator = validator_for(batch.schema)
    view = _view(current)
    rules = view.rules if view is not None else Rules()
    ids = [order_id_of(body) for body in batch.bodies]
    counts = Counter(order_id for order_id in ids if order_id is not None)
    repeated = {order_id for order_id, count in counts.items() if count > 1}
    labels: dict[int, list[str]] = {}
    for label, order_id in zip(batch.index, ids, strict=True):
        if order_id in repeated:
            labels.setdefault(order_id, []).append(repr(label))
    working: dict[int, dict[str, Any] | None] = {}  # repeated orders, as the earlier rows leave them
    rows: list[tuple[Any, ...]] = []
    for position, (label, body, order_id) in enumerate(zip(batch.index, batch.bodies, ids, strict=True)):
        unsent = _unsent(position, body, batch, validator)
        if unsent is not None:
            rows.append((label, order_id, "", None, None, "not sent", unsent))
            continue
        if order_id in repeated:
            others = [other for other in labels[order_id] if other != repr(label)]
            note = f"order {order_id} is also in row(s) {', '.join(others)}; the last row wins"
            rows.append((label, order_id, "", None, None, "duplicate", note))
        changes, note = _changes(view, rules, body, order_id, working, order_id in repeated)
        if changes is None:
            rows.append((label, order_id, "", None, None, "unknown order", note))
        else:
            rows += [(label, order_id, change.path, change.before, change.after, change.effect, note) for change in changes]
    frame = pd.DataFrame(rows, columns=PLAN_COLUMNS, dtype=object)
    frame["order_id"] = pd.array(frame["order_id"].tolist(), dtype="Int64")
    return ChangePlan(frame)


def _unsent(position: int, body: Any, batch: Batch, validator: Validator) -> str | None:
    """Why ``update_orders`` would not send this row; None when it would."""
    if position in batch.problems:
        return f"could not map the row: {batch.problems[position]}"
    if not isinstance(body, dict):
        return f"a body is a dict (a JSON object), got {type(body).__name__}"
    if validator.is_valid(body):
        return None
    first = validator.validate(body).errors[0]
    return f"invalid body: {first.path or '(body)'}: {first.message}"


def _changes(
    view: OrderView | None,
    rules: Rules,
    body: dict[str, Any],
    order_id: int | None,
    working: dict[int, dict[str, Any] | None],
    repeated: bool,
) -> tuple[list[Effect] | None, str]:
    """The effects of one valid body, and a note; None for an update of an order the view does not hold (and will not create)."""
    if order_id is None:
        return effects({}, body, rules, new=True), "a new order (no order_id)"
    if view is None:
        return effects(None, body, rules), ""
    stored: Mapping[str, Any] | None
    if repeated and order_id in working:
        stored = working[order_id]
    else:
        found = view.peek(order_id)
        stored = json_copy(dict(found)) if repeated and found is not None else found
    note = ""
    if stored is None:
        if view.unknown_order != "create":
            return None, f"Order {order_id} not found"
        changes, note = effects({}, body, rules, new=True), f"Order {order_id} not found: the sandbox creates it"
        stored = {}
    else:
        changes = effects(stored, body, rules)
    if repeated:
        held = stored if isinstance(stored, dict) else dict(stored)
        apply(held, changes)
        working[order_id] = held
    return changes, note
