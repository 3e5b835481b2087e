"""Shared fixtures: the documented example, sandboxes. Helpers that tests import live in helpers.py."""
from __future__ import annotations

import copy
import json

import pytest

from helpers import EXAMPLES


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
