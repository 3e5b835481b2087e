"""Frames of orders: one row per order, a column per body path (``customer_info.phone``), read as bodies.

The sandbox's ``orders`` table is one, an export of the account's orders can be one, and both seed
a sandbox or stand for the account's current orders in a plan. Columns must be body paths (or the
bare id columns ``order_id``, ``customer_id``, ``enquiry_id``, ``contact_id`` that the sandbox's
table carries); every row needs its ``order_id``: an id is never invented.
"""
from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

import numpy as np
import pandas as pd

from . import paths
from .exceptions import ConfigurationError
from .jsonvalues import as_whole
from .schema import load_schema, node_at

# The bare id columns of the sandbox's orders table, and where a body carries each id.
ID_PATHS = {
    "order_id": "order_info.order_id",
    "customer_id": "customer_info.customer_id",
    "enquiry_id": "enquiry_info.enquiry_id",
    "contact_id": "contact_info.0.contact_id",
}


def as_id(value: Any) -> int | None:
    """A positive id from an int or a string of digits; None for "", missing or anything else."""
    whole = as_whole(value)
    return whole if whole is not None and whole > 0 else None


def order_id_of(body: Any) -> int | None:
    """The body's ``order_info.order_id`` as an int, or None when missing, empty or not an id."""
    info = body.get("order_info") if isinstance(body, dict) else None  # read for every row of a batch: no path parsing
    return as_id(info.get("order_id")) if isinstance(info, dict) else None


def check_columns(frame: pd.DataFrame, schema: Mapping[str, Any] | None = None) -> None:
    """Raise ConfigurationError unless each column is a body path (or a bare id column), once, and an order_id column is there."""
    if isinstance(frame.columns, pd.MultiIndex):
        raise ConfigurationError(
            "a frame of orders has body paths as columns (like 'order_info.order_id'); its columns are a MultiIndex: "
            "flatten them first: df.columns = ['.'.join(map(str, c)) for c in df.columns]"
        )
    doubled = list(dict.fromkeys(frame.columns[frame.columns.duplicated()]))
    if doubled:
        raise ConfigurationError(
            f"a frame of orders has each column once; it has {', '.join(map(repr, doubled))} more than once: which value "
            "would the order hold? Drop or rename the copies first"
        )
    shape = schema if schema is not None else load_schema()
    unknown = [
        column for column in frame.columns
        if column not in ID_PATHS and not (isinstance(column, str | tuple) and node_at(shape, paths.parse(column))[0] is not None)
    ]
    if unknown:
        listed = ", ".join(map(repr, unknown[:20])) + (f" and {len(unknown) - 20} more" if len(unknown) > 20 else "")
        raise ConfigurationError(
            f"a frame of orders has body paths as columns (like 'order_info.order_id', 'customer_info.phone'); "
            f"these are not: {listed}. To seed from an export, map it first: kn.FieldMapping({{...}}).to_bodies(df)"
        )
    if "order_info.order_id" not in frame.columns and "order_id" not in frame.columns:
        raise ConfigurationError("a frame of orders needs the column 'order_info.order_id': an order id is never invented")


def orders_of(
    frame: pd.DataFrame, base: Callable[[], dict[str, Any]] = dict
) -> Iterator[tuple[Any, dict[str, Any], dict[str, int | None]]]:
    """Each row as ``(label, body, ids)``: the row's non-missing cells set into ``base()``; bare id columns win for the ids.

    Raises ConfigurationError naming the row when its order_id is missing or not an id.
    """
    columns = list(frame.columns)
    for label, values in zip(frame.index, frame.itertuples(index=False, name=None), strict=True):
        body = base()
        bare: dict[str, int | None] = {}
        for column, value in zip(columns, values, strict=True):
            if pd.api.types.is_scalar(value) and pd.isna(value):
                continue
            if isinstance(value, np.generic):
                value = value.item()
            if column in ID_PATHS:
                bare[column] = as_id(value)
            else:
                paths.set(body, column, value)
        ids = {name: as_id(paths.get(body, path)) for name, path in ID_PATHS.items()}
        ids.update({name: value for name, value in bare.items() if value is not None})
        if ids["order_id"] is None:
            raise ConfigurationError(f"row {label!r} has no order_id (a positive whole number): an order id is never invented")
        yield label, body, ids
