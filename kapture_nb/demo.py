"""The main job, end to end against the embedded sandbox: validate and send the documented example and variants."""
from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

import pandas as pd

from .sandbox import Sandbox
from .schema import documented_example

DEMO_COLUMNS = ["case", "order_id", "ok", "http_status", "status", "message", "customer_id", "error"]


@dataclass
class DemoRun:
    """What the demo did: one result row per case, and the sandbox's order afterwards."""

    results: pd.DataFrame
    stored_order: pd.Series

    def summary(self) -> str:
        ok = int(self.results["ok"].sum())
        sent = int(self.results["http_status"].notna().sum())
        return (
            f"{len(self.results)} bodies: {ok} succeeded, {len(self.results) - ok} failed "
            f"({len(self.results) - sent} not sent, {sent - ok} refused by the server)"
        )


def demo_bodies() -> dict[str, dict[str, Any]]:
    """The documented example and three variants: invalid, unknown order, new associate_fields."""
    example = documented_example()
    invalid = copy.deepcopy(example)
    invalid["order_info"]["order_id"] = "ORD-23518265"
    invalid["order_info"]["update"] = "true"
    unknown = copy.deepcopy(example)
    unknown["order_info"]["order_id"] = "99999999"
    custom = copy.deepcopy(example)
    custom["order_info"]["associate_fields"] = {"delivery_slot": "evening", "gift_wrap": True}
    custom["order_info"]["remarks"] = "deliver after 6 pm"
    return {
        "documented example": example,
        "invalid (order_id, update)": invalid,
        "unknown order": unknown,
        "new associate_fields": custom,
    }


def run_demo() -> DemoRun:
    """Start a sandbox, send the demo bodies one by one, and collect the results."""
    with Sandbox() as sandbox, sandbox.client() as client:
        bodies = demo_bodies()
        rows = [client.update_order(body) for body in bodies.values()]
        results = pd.concat(rows, ignore_index=True)
        results.insert(0, "case", list(bodies))
        orders = sandbox.orders
        stored = orders[orders["order_id"] == 23518265].iloc[0]
    return DemoRun(results, stored)
