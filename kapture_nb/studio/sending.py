"""Preview, plan, dry run and send for the mapping studio: the first bodies, the change plan, update_orders and its results."""
from __future__ import annotations

import html
import json
import threading
from collections.abc import Callable
from datetime import datetime
from os import PathLike
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from .. import display
from ..exceptions import ConfigurationError, KaptureError, MappingError
from ..forms.banners import new_banner, set_banner
from ..forms.base import Look
from ..frames import DRY_RUN, UNKNOWN
from ..mapping import FieldMapping
from ..plan import ChangePlan, plan

if TYPE_CHECKING:
    from ..client import KaptureClient

RESULTS_SHOWN = ["order_id", "ok", "http_status", "status", "message", "error", "attempts"]  # the rest: studio.sending.results
NOT_SENT_PREFIX = "not sent"  # how update_orders begins the error of a row it did not send


def not_sent(results: pd.DataFrame) -> pd.Series:
    """The rows update_orders did not send (or, in a dry run, would not): their error says why."""
    return results["error"].fillna("").astype(str).str.startswith(NOT_SENT_PREFIX) | (
        (results["status"] == DRY_RUN) & (results["error"].fillna("") != "")
    )


def failures(results: pd.DataFrame) -> pd.Series:
    """The rows that did not succeed: failed, unknown, not sent; a dry run's rows that would be sent are no failures."""
    would_send = (results["status"] == DRY_RUN) & (results["error"].fillna("") == "")
    return ~results["ok"].astype(bool) & ~would_send


def batch_outcome(results: pd.DataFrame, dry_run: bool, at: str) -> tuple[str, str]:
    """The banner's kind and sentence for a batch's results."""
    unsent = int(not_sent(results).sum())
    if dry_run:
        would = len(results) - unsent
        kind = "success" if not unsent else "failure"
        return kind, f"Dry run at {at}: {would:,} row(s) would be sent, {unsent:,} would not (see their error)"
    ok = int(results["ok"].astype(bool).sum())
    unknown = int((results["status"] == UNKNOWN).sum())
    failed = len(results) - ok - unknown - unsent
    said = f"Sent at {at}: {ok:,} updated, {failed:,} failed, {unknown:,} unknown; {unsent:,} not sent (see their error)"
    if unknown:
        return "unknown", f"{said}. An unknown outcome may have been applied: check those orders before sending again"
    return ("success" if ok == len(results) else "failure"), said


class SendView:
    """``preview()``, ``plan()`` and ``send(dry_run)`` for the studio's mapping, with their buttons, banner and results."""

    def __init__(
        self,
        look: Look,
        df: pd.DataFrame,
        mapping: Callable[[], FieldMapping],
        client: KaptureClient | None,
        current: Any,
        complete: Callable[[], FieldMapping],
    ) -> None:
        self._df, self._mapping, self.client, self.current = df, mapping, client, current
        self._complete = complete  # the mapping to send: refused while an input has an error
        self._sending = threading.Lock()
        self.results: pd.DataFrame | None = None
        self.preview_button = widgets.Button(description="Preview", icon="eye", layout=look.button)
        self.plan_button = widgets.Button(description="Plan", icon="exchange", layout=look.button)
        self.preview_view = widgets.HTML(layout=look.column)
        self.plan_view = widgets.HTML(layout=look.column)
        self.journal = widgets.Text(placeholder="journal file (optional), e.g. send.jsonl", layout=look.input)
        self.concurrency = widgets.BoundedIntText(value=4, min=1, max=64, description="threads",
                                                  layout=widgets.Layout(width="10em"))
        self.dry_run_button = widgets.Button(description="Dry run", icon="flask", layout=look.button)
        self.send_button = widgets.Button(description="Send", icon="paper-plane", button_style="primary", layout=look.button)
        if client is None:
            for button in (self.dry_run_button, self.send_button):
                button.disabled, button.tooltip = True, "no client: MappingStudio(df, client=...)"
        self.progress = widgets.Output(layout=look.column)
        self.banner = new_banner()
        self.failures_only = widgets.Checkbox(value=False, description="failures only", indent=False,
                                              layout=widgets.Layout(width="auto"))
        self.results_view = widgets.HTML(layout=look.column)
        self.preview_button.on_click(lambda _button: self._clicked(self.preview))
        self.plan_button.on_click(lambda _button: self._clicked(self.plan))
        self.dry_run_button.on_click(lambda _button: self._clicked(lambda: self.send(dry_run=True)))
        self.send_button.on_click(lambda _button: self._clicked(lambda: self.send(dry_run=False)))
        self.failures_only.observe(lambda _change: self._show_results(), "value")
        self.preview_widget = widgets.VBox([widgets.HBox([self.preview_button, self.plan_button], layout=look.row),
                                            self.preview_view, self.plan_view], layout=look.column)
        self.send_widget = widgets.VBox([
            widgets.HBox([self.journal, self.concurrency, self.dry_run_button, self.send_button], layout=look.row),
            self.progress, self.banner, self.failures_only, self.results_view,
        ], layout=look.column)
        self.send_widget.add_class("kapture-studio-send")

    def preview(self, n: int = 5) -> pd.DataFrame:
        """Show (and return) the first ``n`` rows as they would be sent, and the first body as JSON."""
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise MappingError(f"n is how many rows to show, an int >= 0; got {n!r}")
        mapping = self._mapping()
        frame = mapping.preview(self._df, n=n)
        first = mapping.build(self._df.head(1)).bodies
        body = json.dumps(first[0], indent=2, ensure_ascii=False) if first else "(no rows)"
        self.preview_view.value = display.box(
            f"{display.table(frame, index=True)}<b>First body</b><pre style='white-space:pre-wrap'>{html.escape(body)}</pre>",
            "kapture-studio-preview",
        )
        return frame

    def plan(self) -> ChangePlan:
        """Show (and return) the change plan: against ``current=``, else the client's sandbox, else nothing known before."""
        current = self.current if self.current is not None else getattr(self.client, "current", None)
        made = plan(self._df, self._mapping(), current=current)
        said = repr(made).removeprefix("<ChangePlan ").removesuffix(">")
        self.plan_view.value = display.box(
            f"<b>Change plan</b>: {html.escape(said)} (orders per path){display.table(made.summary(), index=True)}",
            "kapture-studio-plan",
        )
        return made

    def send(self, dry_run: bool = False, journal: str | PathLike[str] | None = None) -> pd.DataFrame:
        """Send every row through ``client.update_orders`` (rows with errors are not sent); the results frame.

        ``journal``: the journal file (else the one typed in the Send tab, if any).
        """
        if self.client is None:
            raise ConfigurationError("this studio has no client to send with: MappingStudio(df, client=sandbox.client())")
        if not self._sending.acquire(blocking=False):
            raise KaptureError("not sent: a send of this studio is still running")
        buttons = (self.dry_run_button, self.send_button)
        try:
            mapping = self._complete()
            for button in buttons:
                button.disabled = True
            self.progress.clear_output()
            set_banner(self.banner, None)
            with self.progress:
                results = self.client.update_orders(
                    self._df, mapping, concurrency=self.concurrency.value,
                    journal=journal if journal is not None else self.journal.value.strip() or None,
                    progress=True, dry_run=dry_run,
                )
        finally:
            for button in buttons:
                button.disabled = False
            self._sending.release()
        self.results = results
        set_banner(self.banner, *batch_outcome(results, dry_run, datetime.now().strftime("%H:%M:%S")))
        self._show_results()
        return results

    def shown_results(self) -> pd.DataFrame | None:
        """The results as the table shows them: failures only when the box is ticked."""
        if self.results is None:
            return None
        return self.results[failures(self.results)] if self.failures_only.value else self.results

    def _show_results(self) -> None:
        shown = self.shown_results()
        self.results_view.value = "" if shown is None else display.box(
            display.table(shown[RESULTS_SHOWN], index=True), "kapture-studio-results"
        )

    def _clicked(self, action: Callable[[], Any]) -> None:
        try:
            action()
        except KaptureError as exc:  # a click shows what went wrong; a call raises it
            set_banner(self.banner, "failure", str(exc))
