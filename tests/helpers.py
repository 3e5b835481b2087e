"""Helpers shared by the tests: where the repo's files are, frames of orders to send, a free port."""
from __future__ import annotations

import socket
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "schemas" / "examples"
FIRST_ID = 30_000_000


def orders(n: int, start: int = FIRST_ID) -> pd.DataFrame:
    """A DataFrame of flattened bodies: columns are body paths."""
    return pd.DataFrame(
        {
            "order_info.order_id": list(range(start, start + n)),
            "customer_info.customer_name": [f"Customer {i}" for i in range(n)],
            "order_info.associate_fields.batch": ["b1"] * n,
        },
        index=[f"row-{i}" for i in range(n)],
    )


def free_port() -> int:
    """A local port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port
