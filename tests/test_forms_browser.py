"""The order form in a real browser: JupyterLab runs 02_order_form.ipynb, Chromium types a remark and clicks Send."""
from __future__ import annotations

import re

import pytest

from helpers import ARTIFACTS, jupyter_lab, notebook_in_browser, run_in_kernel

REMARK = "typed in the browser"


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on localhost, serving a copy of notebooks/."""
    with jupyter_lab(tmp_path_factory.mktemp("lab")) as served:
        yield served


def test_the_form_in_a_browser_sends_once_per_click_shows_outcomes_and_fits_900_px(lab):
    url, token = lab
    with notebook_in_browser(url, token, "02_order_form.ipynb") as run:
        page = run.page
        form = page.locator(".kapture-form").first
        output = form.locator(".kapture-output")
        # wait until the notebook's own send has run: its row shows in the form's output
        output.get_by_text("ORDER_FIELD_UPDATION").first.wait_for(timeout=90_000)
        form.get_by_text(re.compile(r"^order_info")).first.click()  # open the section
        remark = form.locator(".kapture-field-order_info-remarks input")
        remark.wait_for(timeout=30_000)

        run.shot = "order_form.png"
        remark.fill(REMARK)
        form.locator(".kapture-preview").click()
        output.get_by_text(REMARK).first.wait_for(timeout=30_000)  # the kernel has the typed value
        assert output.get_by_text("ORDER_FIELD_UPDATION").count() == 0  # the old result is gone
        before = run_in_kernel(page, 'print(f"BEFORE={len(sb.requests)}")', "BEFORE=")
        form.locator(".kapture-send").dblclick()  # one intent, two clicks
        form.locator(".kapture-banner-success").first.wait_for(timeout=30_000)
        assert "23518265" in form.locator(".kapture-banner-success").first.inner_text()
        output.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / run.shot), full_page=False)
        after = run_in_kernel(page, 'print(f"AFTER={len(sb.requests)}")', "AFTER=")
        assert int(after.split("=")[1]) == int(before.split("=")[1]) + 1  # one request for the double click

        run.shot = "order_form_failure.png"
        run_in_kernel(page, 'form.fields["order_info.order_id"].widget.value = "99999999"; print("SET=1")', "SET=")
        form.locator(".kapture-send").click()
        failure = form.locator(".kapture-banner-failure").first
        failure.wait_for(timeout=30_000)
        assert "404" in failure.inner_text()
        failure.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / run.shot), full_page=False)

        run.shot = "order_form_900px.png"
        page.set_viewport_size({"width": 900, "height": 1000})
        page.wait_for_timeout(1_000)  # the layout settles
        widths = form.evaluate("root => [root.scrollWidth, root.clientWidth]")
        wider = form.evaluate(  # for the failure message: what sticks out, and by how much
            "root => { const edge = root.getBoundingClientRect().right; return [...root.querySelectorAll('*')]"
            ".filter(e => e.getBoundingClientRect().right > edge + 0.5).slice(0, 5)"
            ".map(e => `${e.className}: +${Math.round(e.getBoundingClientRect().right - edge)}px`) }"
        )
        form.scroll_into_view_if_needed()
        page.screenshot(path=str(ARTIFACTS / run.shot), full_page=False)
        assert widths[0] <= widths[1], f"the form overflows at 900 px by {widths[0] - widths[1]} px: {wider}"
