"""Helpers shared by the tests: where the repo's files are, frames of orders to send, a free port, a plain-JSON oracle."""
from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

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


# "foo" has its own $id, so its "#/definitions/inner" is foo's, not the root's: only the whole schema knows.
INNER_ID: dict[str, Any] = {
    "$id": "http://example.com/root.json",
    "type": "object",
    "properties": {
        "foo": {
            "$id": "foo.json",
            "definitions": {"inner": {"type": "string"}},
            "properties": {"bar": {"$ref": "#/definitions/inner"}},
        }
    },
}


def free_port() -> int:
    """A local port nothing listens on (bound and released at once)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def plain_json(value: Any) -> bool:
    """Whether JSON carries the value unchanged: it survives a round trip with the same types throughout."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        return False
    return _same(json.loads(text), value)


def _same(a: Any, b: Any) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(_same(a[key], b[key]) for key in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(map(_same, a, b))
    return bool(a == b)


def writing(body: dict[str, Any]) -> dict[str, Any]:
    """The body with every section's update flag true (in place, and returned): no field goes unwritten, no warning."""
    for section in ("customer_info", "enquiry_info", "order_info"):
        if isinstance(body.get(section), dict):
            body[section]["update"] = True
    for contact in body.get("contact_info", []):
        contact["update"] = True
    return body
