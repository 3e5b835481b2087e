"""Shared fixtures: the documented example and the example folder."""
from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "schemas" / "examples"


@pytest.fixture(scope="session")
def documented_example_master() -> dict:
    return json.loads((EXAMPLES / "documented_example.json").read_text())


@pytest.fixture
def example(documented_example_master: dict) -> dict:
    """A fresh copy of the body from the API page, for each test to change at will."""
    return copy.deepcopy(documented_example_master)
