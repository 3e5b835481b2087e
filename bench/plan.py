"""kn.plan on 100,000 rows against a sandbox holding those 100,000 orders, against mapping.to_bodies on the same rows.

The plan maps the rows (as to_bodies does), checks each body (as update_orders does before it
sends), and works out per field what the sandbox would set, change, clear or ignore. Goal (issue
11): at most 2x the time of to_bodies, both measured in the same run (median of three). The
validation of the same bodies is printed too: mapping plus validating is the floor of any plan.
"""
from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

import kapture_nb as kn
from kapture_nb.validation import validator_for

N = 100_000
FIRST = 40_000_000
TARGETS = {
    "order_info.order_id": "Order No",
    "customer_info.customer_name": "Customer",
    "order_info.remarks": "Remarks",
    "order_info.invoice_no": "Invoice",
    "order_info.associate_fields.delivery_slot": "Slot",
    "customer_info.phone": "Mobile",
}


def make_frame(n: int, seed: int = 11) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "Order No": [str(FIRST + i) for i in range(n)],
            "Customer": [f"Customer {i}" for i in range(n)],
            "Remarks": rng.choice(["call first", "leave at door", ""], n),
            "Invoice": [str(7_000_000 + i) for i in range(n)],
            "Slot": rng.choice(["morning", "evening"], n),
            "Mobile": [f"9{p}" for p in rng.integers(10**8, 10**9, n)],
        }
    )


def stored_orders(n: int) -> list[dict[str, Any]]:
    """The account before the batch: each order with a remark and a slot, half of them the ones the batch sends."""
    return [
        {
            "customer_info": {"customer_name": f"Customer {i}", "phone": "9000000000"},
            "order_info": {
                "order_id": str(FIRST + i),
                "remarks": "call first",
                "associate_fields": {"delivery_slot": "morning"},
            },
        }
        for i in range(n)
    ]


def median_seconds(run: Callable[[], object], times: int = 3) -> float:
    spent = []
    for _ in range(times):
        started = time.perf_counter()
        run()
        spent.append(time.perf_counter() - started)
    return statistics.median(spent)


def main() -> None:
    frame = make_frame(N)
    mapping = kn.FieldMapping(TARGETS)
    sandbox = kn.Sandbox(orders=stored_orders(N))  # the plan reads its store; no server is needed
    bodies_time = median_seconds(lambda: mapping.to_bodies(frame))
    plan_time = median_seconds(lambda: kn.plan(frame, mapping, current=sandbox))
    bodies, validator = mapping.to_bodies(frame), validator_for(None)
    check_time = median_seconds(lambda: [validator.is_valid(body) for body in bodies])
    summary = kn.plan(frame, mapping, current=sandbox).summary()
    print(f"{N:,} rows x {len(TARGETS)} mapped columns, a sandbox holding {len(sandbox.app.store):,} orders")
    print(f"mapping.to_bodies:            {bodies_time:6.2f} s (median of 3)")
    print(f"validating those bodies:      {check_time:6.2f} s (median of 3; {check_time / bodies_time:.2f}x to_bodies)")
    print(f"kn.plan(current=sandbox):     {plan_time:6.2f} s (median of 3)")
    print(f"ratio: {plan_time / bodies_time:.2f}x the time of to_bodies (goal <= 2x; mapping plus validating alone: "
          f"{1 + check_time / bodies_time:.2f}x)")
    print(summary.to_string())


if __name__ == "__main__":
    main()
