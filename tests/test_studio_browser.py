"""The mapping studio in a real browser: JupyterLab opens it on the messy export, Chromium picks a target, dry-runs and sends."""
from __future__ import annotations

import re
import shutil

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers import ARTIFACTS, ROOT, jupyter_lab, notebook_in_browser, run_in_kernel

NOTEBOOK = "studio_in_browser.ipynb"
# The messy export and a sandbox holding its forty orders, as notebook 06 starts; the studio is the last output.
CELLS = [
    "import pandas as pd\n\nimport kapture_nb as kn",
    'df = pd.read_csv("data/messy_export.csv", dtype=str, keep_default_na=False, na_values=[""])\n'
    "current = pd.DataFrame({\n"
    '    "order_info.order_id": [str(24101016 + i) for i in range(len(df))],\n'
    '    "customer_info.customer_name": df["Cust Name"],\n'
    "})\n"
    "sb = kn.Sandbox(orders=current).start()",
    "studio = kn.MappingStudio(df, client=sb.client())\nstudio",
]
COUNTS = re.compile(r"Mapping studio: (\d+) rows ready, (\d+) with errors")


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on localhost, serving a copy of notebooks/ with a notebook that opens the studio."""
    home = tmp_path_factory.mktemp("lab")
    with jupyter_lab(home) as served:
        notebook = new_notebook(cells=[new_code_cell(source) for source in CELLS], metadata={
            "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        })
        nbformat.write(notebook, home / "notebooks" / NOTEBOOK)
        yield served


def counts(title) -> tuple[int, int]:
    """The title's rows ready and rows with errors, once its check is done ("checking ..." meanwhile)."""
    title.get_by_text(COUNTS).wait_for(timeout=60_000)
    found = COUNTS.search(title.inner_text())
    assert found, title.inner_text()
    return int(found[1]), int(found[2])


def top(element) -> None:
    """Scroll the notebook so that ``element`` is at the top of the window, with JupyterLab's news offer out of the way."""
    element.evaluate("e => e.scrollIntoView({block: 'start'})")
    news = element.page.locator(".Toastify__toast").get_by_role("button", name="No", exact=True)
    if news.count():
        news.first.click()
        news.first.wait_for(state="detached", timeout=10_000)


def pick_target(page, row, part: str, path: str) -> None:
    """Type part of a path in the row's target box, check the box offers ``path`` (with what it is), take that choice
    and press Enter."""
    target = row.locator("input[list]")
    target.fill(part)
    offered = target.evaluate(
        "box => [...box.list.options].map(o => o.value).filter(v => v.toLowerCase().includes(box.value.toLowerCase()))"
    )
    choice = next((option for option in offered if option.split(" — ")[0] == path), None)
    assert choice is not None, offered
    target.fill(choice)
    target.press("Enter")


def test_the_studio_in_a_browser_retargets_a_column_and_its_counts_follow_then_dry_runs_and_sends(lab):
    url, token = lab
    with notebook_in_browser(url, token, NOTEBOOK, wide=True) as run:  # wide: the studio gets the width
        page = run.page
        studio = page.locator(".kapture-studio").first
        title = studio.locator(".kapture-studio-title")
        ready, errors = counts(title)
        assert (ready, errors) == (36, 4)  # the four cells no converter can read (notebook 06 shows them)

        run.shot = "studio.png"
        city = studio.locator(".kapture-studio-column").filter(has=page.get_by_text("City", exact=True))
        pick_target(page, city, "customer_id", "customer_info.customer_id")  # ids are digits: every city is an error
        title.get_by_text(f"{ready} rows ready").wait_for(state="detached", timeout=60_000)
        assert counts(title)[1] > errors
        assert "customer_info.customer_id" in city.locator("input[list]").input_value()
        pick_target(page, city, "city", "customer_info.city")
        title.get_by_text(f"{ready} rows ready, {errors} with errors").wait_for(timeout=60_000)
        top(title)
        page.screenshot(path=str(ARTIFACTS / run.shot), full_page=False)

        run.shot = "studio_send.png"
        studio.get_by_role("tab", name="Send", exact=True).click()
        banner = studio.locator(".kapture-studio-send .kapture-banner")
        studio.get_by_role("button", name="Dry run").click()
        banner.get_by_text("Dry run at").wait_for(timeout=60_000)
        assert f"{ready} row(s) would be sent, {errors} would not" in banner.inner_text()
        assert "kapture-banner-failure" in (banner.get_attribute("class") or "")  # some rows would not go
        dry = run_in_kernel(page, 'print(f"DRY={len(sb.requests)}")', "DRY=")
        assert dry == "DRY=0"  # a dry run sends nothing

        studio.get_by_role("button", name=re.compile(r"\bSend$")).click()  # its name starts with the icon's glyph
        banner.get_by_text("Sent at").wait_for(timeout=60_000)
        said = banner.inner_text()
        assert f"{ready} updated, 0 failed, 0 unknown; {errors} not sent" in said
        assert "kapture-banner-failure" in (banner.get_attribute("class") or "")  # not every row went
        studio.locator(".kapture-studio-results").wait_for(timeout=30_000)
        top(studio.get_by_role("tab", name="Send", exact=True))
        page.screenshot(path=str(ARTIFACTS / run.shot), full_page=False)
        sent = run_in_kernel(page, 'print(f"SENT={len(sb.requests)}")', "SENT=")
        assert sent == f"SENT={ready}"  # one request per row ready, none for the rows with errors
    shutil.copyfile(ARTIFACTS / "studio.png", ROOT / "docs" / "studio.png")
