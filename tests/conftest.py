"""Shared fixtures: the documented example, the example folder, sandboxes, and frames of orders to send."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pandas as pd
import pytest

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


@pytest.fixture(scope="session")
def documented_example_master() -> dict:
    return json.loads((EXAMPLES / "documented_example.json").read_text())


@pytest.fixture
def example(documented_example_master: dict) -> dict:
    """A fresh copy of the body from the API page, for each test to change at will."""
    return copy.deepcopy(documented_example_master)


@pytest.fixture(scope="session")
def sandbox():
    """One sandbox for the whole run, holding the documented example's order (user demo, password demo)."""
    import kapture_nb as kn

    with kn.Sandbox() as running:
        yield running


@pytest.fixture
def client(sandbox):
    """A client of the shared sandbox; closed after the test."""
    with sandbox.client() as made:
        yield made


@pytest.fixture
def fresh_sandbox():
    """A sandbox of the test's own, for tests that change orders or need faults: call it with Sandbox arguments."""
    import kapture_nb as kn

    started = []

    def start(**kwargs):
        running = kn.Sandbox(**kwargs)
        running.start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop()
