"""The order form in a real browser: JupyterLab runs 02_order_form.ipynb, Chromium types a remark and clicks Send."""
from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time

import pytest
import requests

from helpers import ROOT

ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM_FLAGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
]
REMARK = "typed in the browser"


def _chromium() -> str:
    """Debian's Chromium, installed with apt-get when missing (no browser can be downloaded here)."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    if shutil.which("apt-get") and os.geteuid() == 0:
        quiet = {"env": {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}, "stdout": subprocess.DEVNULL}
        subprocess.run(["apt-get", "update", "-qq"], check=True, **quiet)
        subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, **quiet)
        found = shutil.which("chromium")
    if not found:
        pytest.fail("Chromium is missing and could not be installed: run `apt-get install chromium` as root")
    return found


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """JupyterLab on localhost, serving a copy of notebooks/ (its autosave must not touch the repo)."""
    home = tmp_path_factory.mktemp("lab")
    shutil.copytree(ROOT / "notebooks", home / "notebooks")
    port, token = free_port(), "kapture-browser-test"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
    }
    command = [
        sys.executable, "-m", "jupyter", "lab", "--no-browser", f"--port={port}", "--ip=127.0.0.1",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={home / 'notebooks'}",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (home / "lab.log").open("w")
    server = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/status", params={"token": token}, timeout=2).ok:
                break
        except requests.RequestException:
            pass
        if server.poll() is not None:
            pytest.fail(f"JupyterLab exited: {(home / 'lab.log').read_text()[-2000:]}")
        time.sleep(0.5)
    else:
        pytest.fail("JupyterLab did not start within 90 s")
    yield url, token
    server.terminate()
    try:
        server.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.kill()
    log.close()


def _accept_kernel_dialog(page) -> None:
    """JupyterLab may ask which kernel to start; the notebook names python3, so accept its choice."""
    accept = page.locator(".jp-Dialog .jp-mod-accept")
    try:
        accept.wait_for(timeout=10_000)
    except Exception:  # no dialog came: the kernel started on its own
        return
    accept.click()


def _run_in_kernel(page, code: str, marker: str) -> str:
    """Add a cell at the end of the notebook, run ``code`` in the notebook's kernel, and return the line it prints
    that starts with ``marker``."""
    page.locator(".jp-Notebook .jp-Cell").last.click()
    page.keyboard.press("Escape")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.keyboard.type(code)
    page.keyboard.press("Shift+Enter")
    shown = page.get_by_text(re.compile(rf"^{marker}")).last
    shown.wait_for(timeout=30_000)
    return shown.inner_text().strip()


def test_the_form_in_a_browser_sends_once_per_click_shows_outcomes_and_fits_900_px(lab):
    from playwright.sync_api import sync_playwright

    url, token = lab
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=_chromium(), args=CHROMIUM_FLAGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        shot = "order_form_start.png"
        try:
            page.goto(f"{url}/lab/tree/02_order_form.ipynb?token={token}")
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=90_000)
            _accept_kernel_dialog(page)
            page.get_by_text("Run", exact=True).first.click()
            page.get_by_text("Run All Cells", exact=True).click()
            form = page.locator(".kapture-form").first
            output = form.locator(".kapture-output")
            # wait until the notebook's own send has run: its row shows in the form's output
            output.get_by_text("ORDER_FIELD_UPDATION").first.wait_for(timeout=90_000)
            form.get_by_text(re.compile(r"^order_info")).first.click()  # open the section
            remark = form.locator(".kapture-field-order_info-remarks input")
            remark.wait_for(timeout=30_000)

            shot = "order_form.png"
            remark.fill(REMARK)
            form.locator(".kapture-preview").click()
            output.get_by_text(REMARK).first.wait_for(timeout=30_000)  # the kernel has the typed value
            assert output.get_by_text("ORDER_FIELD_UPDATION").count() == 0  # the old result is gone
            before = _run_in_kernel(page, 'print(f"BEFORE={len(sb.requests)}")', "BEFORE=")
            form.locator(".kapture-send").dblclick()  # one intent, two clicks
            form.locator(".kapture-banner-success").first.wait_for(timeout=30_000)
            assert "23518265" in form.locator(".kapture-banner-success").first.inner_text()
            output.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / shot), full_page=False)
            after = _run_in_kernel(page, 'print(f"AFTER={len(sb.requests)}")', "AFTER=")
            assert int(after.split("=")[1]) == int(before.split("=")[1]) + 1  # one request for the double click

            shot = "order_form_failure.png"
            _run_in_kernel(page, 'form.fields["order_info.order_id"].widget.value = "99999999"; print("SET=1")', "SET=")
            form.locator(".kapture-send").click()
            failure = form.locator(".kapture-banner-failure").first
            failure.wait_for(timeout=30_000)
            assert "404" in failure.inner_text()
            failure.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / shot), full_page=False)

            shot = "order_form_900px.png"
            page.set_viewport_size({"width": 900, "height": 1000})
            page.wait_for_timeout(1_000)  # the layout settles
            widths = form.evaluate("root => [root.scrollWidth, root.clientWidth]")
            wider = form.evaluate(  # for the failure message: what sticks out, and by how much
                "root => { const edge = root.getBoundingClientRect().right; return [...root.querySelectorAll('*')]"
                ".filter(e => e.getBoundingClientRect().right > edge + 0.5).slice(0, 5)"
                ".map(e => `${e.className}: +${Math.round(e.getBoundingClientRect().right - edge)}px`) }"
            )
            form.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / shot), full_page=False)
            assert widths[0] <= widths[1], f"the form overflows at 900 px by {widths[0] - widths[1]} px: {wider}"
        except BaseException:
            page.screenshot(path=str(ARTIFACTS / f"failed_at_{shot}"), full_page=False)
            raise
        finally:
            browser.close()
