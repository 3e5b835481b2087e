"""The committed notebooks: executed, free of secrets and machine paths, wired to nbval; their data file.

nbval itself runs the notebooks (pyproject's addopts); these tests check what it cannot: that the
stored outputs are there and clean, and that the walkthroughs keep their shape.
"""
from __future__ import annotations

import base64
import json
import re
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from nbval.plugin import get_sanitize_patterns

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
WALKTHROUGHS = ["01_quickstart.ipynb", "03_associate_fields_mapping.ipynb", "04_faults_and_resume.ipynb"]
SWITCH = "# Where to send: the sandbox, or your account"
CHECK = "# NBVAL_CHECK_OUTPUT"


def _notebook(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def _code_cells(notebook: dict) -> list[dict]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def _source(cell: dict) -> str:
    source = cell["source"]
    return source if isinstance(source, str) else "".join(source)


def _outputs_text(notebook: dict) -> str:
    return json.dumps([cell.get("outputs", []) for cell in _code_cells(notebook)]) + json.dumps(notebook["metadata"])


ALL = sorted(NOTEBOOKS.glob("*.ipynb"))


@pytest.mark.parametrize("name", WALKTHROUGHS)
def test_walkthroughs_exist(name):
    assert (NOTEBOOKS / name).is_file()


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_notebooks_are_committed_run_top_to_bottom(path):
    # `make notebooks` runs each one in order; a cell left unrun or run out of order means it was not.
    counts = [cell.get("execution_count") for cell in _code_cells(_notebook(path))]
    assert counts == list(range(1, len(counts) + 1)), f"{path.name}: run `make notebooks` (execution counts {counts})"
    for cell in _code_cells(_notebook(path)):
        assert not [o for o in cell.get("outputs", []) if o.get("output_type") == "error"], _source(cell)[:80]


@pytest.mark.parametrize("path", ALL, ids=[p.name for p in ALL])
def test_outputs_hold_no_secrets_nor_machine_paths(path):
    text = _outputs_text(_notebook(path))
    demo = base64.b64encode(b"demo:demo").decode()
    assert demo not in text
    assert "demo:demo" not in text
    assert not re.search(r"Basic (?!<redacted>)[A-Za-z0-9+/=]{6,}", text)
    assert not re.search(r"(?:/private)?/(?:tmp|var/folders)/", text), "a temporary path is in an output"
    assert str(ROOT) not in text and str(Path.home()) + "/" not in text


@pytest.mark.parametrize("name", WALKTHROUGHS)
def test_one_cell_says_where_to_send_and_the_sandbox_is_stopped(name):
    cells = _code_cells(_notebook(NOTEBOOKS / name))
    switches = [cell for cell in cells if _source(cell).startswith(SWITCH)]
    assert len(switches) == 1
    source = _source(switches[0])
    assert "kn.Sandbox(" in source and ".start()" in source
    assert re.search(r"^# client = kn\.KaptureClient\.from_env\(", source, re.MULTILINE)
    assert "sb.stop()" in _source(cells[-1])


@pytest.mark.parametrize("name", WALKTHROUGHS)
def test_checked_cells_have_stored_outputs(name):
    checked = [cell for cell in _code_cells(_notebook(NOTEBOOKS / name)) if _source(cell).startswith(CHECK)]
    assert len(checked) >= 5
    for cell in checked:
        assert cell["outputs"], f"a checked cell without a stored output: {_source(cell)[:80]}"
        # progress bars and timings vary from run to run; checked cells must not show them
        assert "progress=True" not in _source(cell)
        assert "elapsed_ms" not in json.dumps(cell["outputs"]), _source(cell)[:80]


def test_pytest_runs_the_notebooks_with_nbval_and_the_sanitizer():
    options = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["pytest"]["ini_options"]
    assert "notebooks" in options["testpaths"]
    addopts = options["addopts"].split()
    assert "--nbval-lax" in addopts
    sanitizer = addopts[addopts.index("--nbval-sanitize-with") + 1]
    patterns = get_sanitize_patterns((ROOT / sanitizer).read_text(encoding="utf-8"))
    assert len(patterns) >= 5
    sample = "curl http://127.0.0.1:54321/ms 2024-05-02T08:35:44.865+00:00 took 12.5 ms /tmp/kapture-nb-x1/orders.jsonl"
    sample += " update_orders:   0%|          | 0/40 [00:00<?, ?row/s]"
    for regex, replace in patterns:
        sample = re.sub(regex, replace, sample)
    assert not re.search(r":54321|08:35|12\.5|/tmp/|0/40", sample), sample


@pytest.mark.parametrize("path", ALL, ids=lambda path: path.name)
def test_the_notebooks_show_the_progress_bar_their_readers_calls_will_show(path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    assert not [_source(cell) for cell in _code_cells(notebook) if "progress=False" in _source(cell)]


def test_orders_csv_is_the_promised_sample():
    df = pd.read_csv(NOTEBOOKS / "data" / "orders.csv", dtype={"order_id": str, "phone": str})
    assert 150 <= len(df) <= 250
    assert {"order_id", "customer_name", "phone", "invoice_date", "delivery_slot", "gift_wrp"} <= set(df.columns)
    assert "gift_wrap" not in df.columns  # the typo the mapping notebook catches
    assert df["order_id"].duplicated().sum() == 1  # one order twice: the notebook shows the last row winning
    assert df["phone"].dropna().str.startswith("0").sum() > 50  # leading zeros, kept when read as text
    for column in ("customer_name", "phone", "invoice_date", "delivery_slot", "gift_wrp"):
        assert df[column].isna().any(), f"{column} has no blanks"
    assert set(df["delivery_slot"].dropna()) == {"morning", "afternoon", "evening", "evning"}
    pd.to_datetime(df["invoice_date"], format="%d/%m/%Y")  # one date format throughout
