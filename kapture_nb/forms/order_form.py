"""UpdateOrderForm: the request schema's form with Validate, Preview, Changes, Send and Reset."""
from __future__ import annotations

import copy
import html
import itertools
import json
import threading
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML

from .. import paths
from ..display import MISSING
from ..exceptions import ConfigurationError, KaptureError
from ..frames import SendResult, frame_from_rows, payload_of
from ..plan import ChangePlan, plan
from ..schema import load_schema
from ..validation import ValidationReport
from .banners import OUTCOME_STYLE, new_banner, outcome, set_banner
from .banners import plain_text as _text
from .registry import Registry
from .schema_form import SchemaForm

if TYPE_CHECKING:
    from ..client import KaptureClient


def _pre(title: str, text: str) -> str:
    return f"<b>{html.escape(title)}</b><pre style='white-space:pre-wrap'>{html.escape(text)}</pre>"


def _html(markup: str) -> HTML:
    """The markup as an IPython display object the output area renders as HTML."""
    return HTML(markup)  # type: ignore[no-untyped-call]  # IPython leaves HTML.__init__ unannotated


def _pretty(value: Any) -> str:
    return json.dumps(value, indent=4, ensure_ascii=False, default=repr)


_UNWRITABLE = itertools.count()


def _fingerprint(body: Any) -> str:
    """The body as canonical JSON: equal exactly when the bodies are (``1 == True`` in Python, not in JSON).

    A body JSON cannot write (int keys beside str ones, a 5,000-digit int, a cycle) gets a mark no other body
    has: it cannot be sent, and it must not match one that was."""
    try:
        return json.dumps(body, sort_keys=True, ensure_ascii=False, default=repr)
    except (TypeError, ValueError, RecursionError):
        return f"unwritable:{next(_UNWRITABLE)}"


STALE_NOTE = "the body has changed since this was shown"
_COMPACT = ("ok", "http_status", "status", "message", "error", "attempts", "elapsed_ms",
            "order_id", "customer_id", "enquiry_id", "contact_id", "action_event")
_SHOWN_WHEN_PRESENT = ("message", "error", "action_event")


def _sent_note(at: str, kind: str) -> str:
    """Why Send is off after a send at ``at`` whose outcome was ``kind``, and what it takes to send again."""
    if kind == "unknown":
        return f"outcome unknown at {at}: the server may have applied it; check the order, then edit to send again"
    if kind == "failure":
        return f"failed at {at}; edit to send again, or use Retry under the result"
    return f"sent at {at}; edit to send again"




def _table(row: Mapping[str, Any], names: tuple[str, ...] | list[str]) -> str:
    """A vertical two-column table of ``row``'s ``names``: it stays narrow however long the values are."""
    lines = []
    for name in names:
        value = row[name]
        shown = MISSING if _text(value) == MISSING else f"{value:.0f} ms" if name == "elapsed_ms" else _text(value)
        lines.append(
            f"<tr><th style='text-align:left;padding-right:1em;vertical-align:top'>{html.escape(name)}</th>"
            f"<td style='text-align:left;white-space:pre-wrap;overflow-wrap:anywhere'>{html.escape(shown)}</td></tr>"
        )
    return f"<table class='kapture-result-table'>{''.join(lines)}</table>"


class UpdateOrderForm(SchemaForm):
    """The Update Order form: a SchemaForm of the request schema, a toolbar, and an output area for results."""

    def __init__(
        self,
        client: KaptureClient | None = None,
        schema: Mapping[str, Any] | None = None,
        value: Any = None,
        *,
        registry: Registry | None = None,
        current: Any = None,
    ) -> None:
        self.client = client
        self.current = current
        self.result: pd.DataFrame | None = None
        self._sent: tuple[str, str, str] | None = None  # (fingerprint, HH:MM:SS, kind) of the body last sent
        # Bodies whose outcome was unknown stay unsendable by click even after an edit and its undo.
        self._unknown: dict[str, str] = {}  # fingerprint -> HH:MM:SS
        self._sending = threading.Lock()  # held while a send runs: a second one (a thread, a click) is refused
        self.retry_button: widgets.Button | None = None  # under a failed result: send the same body once more
        self._shown: str | None = None  # fingerprint of the body the output area shows, None when it shows nothing
        self._views: list[widgets.Widget] = []  # widgets made for the output area, closed when it is cleared
        self.preview_tabs: widgets.Tab | None = None  # the latest preview while it shows: JSON and curl
        self.details: widgets.Accordion | None = None  # the latest result's full row and raw response while it shows
        super().__init__(schema if schema is not None else load_schema(), value, registry=registry)

    def _layout(self) -> tuple[widgets.Widget, ...]:
        look = self._ctx.look
        self.validate_button = widgets.Button(description="Validate", icon="check", layout=look.button)
        self.preview_button = widgets.Button(description="Preview", icon="eye", layout=look.button)
        self.changes_button = widgets.Button(description="Changes", icon="exchange", layout=look.button)
        self.send_button = widgets.Button(description="Send", icon="paper-plane", button_style="primary", layout=look.button)
        self.reset_button = widgets.Button(description="Reset", icon="undo", layout=look.button)
        self.reset_yes = widgets.Button(description="Yes, discard", button_style="danger", layout=look.button)
        self.reset_no = widgets.Button(description="No, keep", layout=look.button)
        for name, button in (("validate", self.validate_button), ("preview", self.preview_button),
                             ("changes", self.changes_button), ("send", self.send_button), ("reset", self.reset_button),
                             ("reset-yes", self.reset_yes), ("reset-no", self.reset_no)):
            button.add_class(f"kapture-{name}")
        self.validate_button.on_click(lambda _button: self.validate())
        self.preview_button.on_click(lambda _button: self.preview())
        self.changes_button.on_click(lambda _button: self.changes())
        self.send_button.on_click(lambda _button: self._send_clicked())
        self.reset_button.on_click(lambda _button: self._ask_reset(True))
        self.reset_no.on_click(lambda _button: self._ask_reset(False))
        self.reset_yes.on_click(lambda _button: self.reset())
        self.reset_confirm = widgets.HBox(
            [widgets.HTML("<b>Discard every edit?</b> The form goes back to the body it started with."),
             self.reset_yes, self.reset_no],
            layout=widgets.Layout(flex_flow="row wrap", align_items="center", width="auto", display="none"),
        )
        self.reset_confirm.add_class("kapture-reset-confirm")
        self.stale_note = widgets.HTML(layout=widgets.Layout(width="auto", display="none"))
        self.banner = new_banner()
        self.output = widgets.Output(layout=look.column)
        self.output.add_class("kapture-output")
        toolbar = widgets.HBox(
            [self.validate_button, self.preview_button, self.changes_button, self.send_button,
             widgets.Box(layout=widgets.Layout(flex="1 1 2em")), self.reset_button],
            layout=look.row,
        )
        return (toolbar, self.reset_confirm, self.summary, self.root.body, self.stale_note, self.banner, self.output)

    def _reported(self, report: ValidationReport) -> None:
        body = _fingerprint(self.value)
        if self._sent is not None and body != self._sent[0]:
            self._sent = None  # the body changed since it was sent: sending it is a new intent
        self._mark_stale(self._shown is not None and body != self._shown)
        if self.client is None:
            self.send_button.disabled, self.send_button.tooltip = True, "no client: UpdateOrderForm(client=...)"
        elif self._sending.locked():
            self.send_button.disabled, self.send_button.tooltip = True, "sending..."
        elif not report.ok:
            self.send_button.disabled, self.send_button.tooltip = True, "fix the errors first"
        elif body in self._unknown:
            self.send_button.disabled, self.send_button.tooltip = True, _sent_note(self._unknown[body], "unknown")
        elif self._sent is not None:
            self.send_button.disabled, self.send_button.tooltip = True, _sent_note(*self._sent[1:])
        else:
            self.send_button.disabled, self.send_button.tooltip = False, f"send to {self.client.url}"

    def _mark_stale(self, stale: bool) -> None:
        if stale == ("kapture-stale" in self.stale_note._dom_classes):
            return
        if stale:
            self.stale_note.value = (
                f"<div style='{OUTCOME_STYLE['unknown']};padding:0.2em 0.6em'><b>Out of date:</b> {STALE_NOTE}; "
                "what is below was shown for an earlier body.</div>"
            )
            self.stale_note.add_class("kapture-stale")
        else:
            self.stale_note.remove_class("kapture-stale")
        self.stale_note.layout.display = "" if stale else "none"

    def _ask_reset(self, asking: bool) -> None:
        self.reset_confirm.layout.display = "" if asking else "none"

    def _show(self, *items: Any, body: Any = None) -> None:
        """Show these items below the form (widgets among them too), for ``body`` (else the body as it is now)."""
        self._clear()
        for item in items:
            self.output.append_display_data(item)
            if isinstance(item, widgets.Widget):
                self._views += [item, *getattr(item, "children", ())]
        self._shown = _fingerprint(self.value if body is None else body)

    def _clear(self) -> None:
        self.output.outputs = ()
        for view in self._views:
            view.close()
        self._views = []
        self._shown, self.preview_tabs, self.details = None, None, None
        set_banner(self.banner, None)
        self._mark_stale(False)

    def validate(self) -> ValidationReport:
        """Validate again, show the report below the form, and return it."""
        report = super().validate()
        self._show(report)
        return report

    def preview(self) -> str:
        """Show the body as JSON and the curl command sending it (Authorization redacted) in two tabs; return both texts.

        The returned text is the JSON, then (with a client) a blank line and the curl command.
        """
        body = self.value
        text = _pretty(body)
        tabs = [("JSON", widgets.HTML(_pre("JSON", text)))]
        if self.client is not None and isinstance(body, dict):
            curl = self.client.to_curl(body)
            tabs.append(("curl", widgets.HTML(_pre("curl", curl))))
            text = f"{text}\n\n{curl}"
        shown = widgets.Tab(children=[view for _title, view in tabs], titles=[title for title, _view in tabs])
        shown.add_class("kapture-preview-tabs")
        self._show(shown)
        self.preview_tabs = shown
        return text

    def changes(self) -> ChangePlan:
        """Show (and return) what sending the body would change: against ``current=``, else the client's sandbox.

        ``current`` is the order as it stands (a body), or anything ``kn.plan`` takes; without one,
        a client made by ``Sandbox.client()`` plans against its sandbox, and otherwise nothing is
        known before (every written value shows as a "set").
        """
        current = self.current if self.current is not None else getattr(self.client, "current", None)
        made = plan([self.value], current=current, schema=self.schema)
        self._show(made)
        return made

    def _send_clicked(self) -> None:
        # a click queued behind a running send arrives after it: the kernel runs one message at a time
        if not self.send_button.disabled:
            self.send()

    def send(self, content: Any = None, buffers: Any = None, *, again: bool = False) -> pd.DataFrame | None:
        """Send the body with the client; the one-row result DataFrame (an invalid body comes back as a not-sent row).

        A body sent with success, or with an unknown outcome (the server may have applied it), is not
        sent again until it changes: ``send()`` raises KaptureError then, unless ``again=True``.
        """
        if content is not None:
            # ipywidgets' own Widget.send(content) carries custom messages (focus(), blur()): keep it working
            super().send(content, buffers)
            return None
        if self.client is None:
            raise ConfigurationError(
                "this form has no client to send with: UpdateOrderForm(client=sandbox.client()) "
                "or form.client = kn.KaptureClient(...)"
            )
        if not self._sending.acquire(blocking=False):
            raise KaptureError("not sent: a send of this form is still running")
        try:
            return self._send_once(again)
        finally:
            self._sending.release()
            self._reported(self.errors)

    def _send_once(self, again: bool) -> pd.DataFrame:
        report = super().validate()
        body = self.value
        fingerprint = _fingerprint(body)
        held = (self._unknown[fingerprint], "unknown") if fingerprint in self._unknown else self._sent and self._sent[1:]
        if held and not again:
            raise KaptureError(f"not sent again: {_sent_note(*held)} (or form.send(again=True) to send the same body once more)")
        if report.ok:
            self.send_button.disabled, self.send_button.tooltip = True, "sending..."
            try:
                frame = self.client.update_order(body)  # type: ignore[union-attr]  # send() checked it
            except BaseException:  # Ctrl-C or a bug after the request may have gone out: as unknown as a lost answer
                at = datetime.now().strftime("%H:%M:%S")
                self._unknown[fingerprint], self._sent = at, (fingerprint, at, "unknown")
                set_banner(self.banner, "unknown", f"Interrupted at {at}: the request may have gone out; check the order first")
                raise
        else:
            problems = "; ".join(f"{e.path or '(body)'}: {e.message}" for e in report.errors)
            order_id = paths.get(body, "order_info.order_id") if isinstance(body, dict) else None
            frame = frame_from_rows([SendResult(order_id=order_id, error=f"not sent, invalid body: {problems}").row()])
        self.result = frame
        row = {str(name): value for name, value in frame.iloc[0].items()}
        at = datetime.now().strftime("%H:%M:%S")
        kind, sentence = outcome(row, at)
        if report.ok:  # it went out: the same body again is a new intent, by edit or by Retry
            self._sent = (fingerprint, at, kind)
        if kind == "unknown":
            self._unknown[fingerprint] = at
        self._show_result(row, body, retry=report.ok and kind == "failure")
        set_banner(self.banner, kind, sentence)
        return frame

    def _show_result(self, row: Mapping[str, Any], body: Any, retry: bool) -> None:
        """The row's key values as a narrow table, and the full row and raw response behind a toggle."""
        names = [n for n in _COMPACT if n not in _SHOWN_WHEN_PRESENT or _text(row[n]) != MISSING]
        if _text(row["error"]) != MISSING and "message" in names:
            names.remove("message")  # an error already quotes the server's message
        raw = row["response"]
        payload = payload_of(raw) if isinstance(raw, str) else None  # a malformed or cut response shows as its text
        shown = _pretty(payload) if isinstance(payload, (dict, list)) else _text(raw)
        details = widgets.Accordion(children=[widgets.HTML(_table(row, list(row)) + _pre("response", shown))],
                                    titles=("Full row and raw response",), selected_index=None)
        details.add_class("kapture-details")
        items: list[Any] = [_html(_table(row, tuple(names))), details]
        self.retry_button = None
        if retry:  # a fresh button per result: a click queued for an earlier one finds it closed
            self.retry_button = widgets.Button(description="Retry", icon="repeat", layout=self._ctx.look.button)
            self.retry_button.add_class("kapture-retry")
            self.retry_button.on_click(self._retry_clicked)
            items.insert(0, self.retry_button)
        self._show(*items, body=body)
        self.details = details

    def _retry_clicked(self, button: widgets.Button) -> None:
        current = self.retry_button
        if current is None or current is not button or current.disabled:
            return  # a click for an earlier result, or a second click on this one
        current.disabled = True
        self.send(again=True)

    def reset(self) -> None:
        """Back to the value the form started with, at once (the Reset button asks first); the output area is cleared."""
        self._ask_reset(False)
        self.value = copy.deepcopy(self.initial)
        self._clear()

    def __repr__(self) -> str:
        state = "valid" if self.errors.ok else f"{len(self.errors.errors)} error(s)"
        order_id = paths.get(self.value, "order_info.order_id")
        return f"<UpdateOrderForm order_id={order_id!r} {state}, client={self.client!r}>"
