"""UpdateOrderForm: the request schema's form with Validate, Preview, Changes, Send and Reset."""
from __future__ import annotations

import copy
import html
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd
from IPython.display import HTML

from .. import paths
from ..exceptions import ConfigurationError
from ..frames import SendResult, frame_from_rows
from ..plan import ChangePlan, plan
from ..schema import load_schema
from ..validation import ValidationReport
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
        super().__init__(schema if schema is not None else load_schema(), value, registry=registry)

    def _layout(self) -> tuple[widgets.Widget, ...]:
        look = self._ctx.look
        self.validate_button = widgets.Button(description="Validate", icon="check", layout=look.button)
        self.preview_button = widgets.Button(description="Preview", icon="eye", layout=look.button)
        self.changes_button = widgets.Button(description="Changes", icon="exchange", layout=look.button)
        self.send_button = widgets.Button(description="Send", icon="paper-plane", button_style="primary", layout=look.button)
        self.reset_button = widgets.Button(description="Reset", icon="undo", layout=look.button)
        for name, button in (("validate", self.validate_button), ("preview", self.preview_button),
                             ("changes", self.changes_button), ("send", self.send_button), ("reset", self.reset_button)):
            button.add_class(f"kapture-{name}")
        self.validate_button.on_click(lambda _button: self.validate())
        self.preview_button.on_click(lambda _button: self.preview())
        self.changes_button.on_click(lambda _button: self.changes())
        self.send_button.on_click(lambda _button: self.send())
        self.reset_button.on_click(lambda _button: self.reset())
        self.output = widgets.Output(layout=look.column)
        self.output.add_class("kapture-output")
        toolbar = widgets.HBox(
            [self.validate_button, self.preview_button, self.changes_button, self.send_button, self.reset_button],
            layout=look.row,
        )
        return (toolbar, self.summary, self.root.body, self.output)

    def _reported(self, report: ValidationReport) -> None:
        if self.client is None:
            self.send_button.disabled, self.send_button.tooltip = True, "no client: UpdateOrderForm(client=...)"
        elif not report.ok:
            self.send_button.disabled, self.send_button.tooltip = True, "fix the errors first"
        else:
            self.send_button.disabled, self.send_button.tooltip = False, f"send to {self.client.url}"

    def _show(self, *items: Any) -> None:
        self.output.outputs = ()
        for item in items:
            self.output.append_display_data(item)

    def validate(self) -> ValidationReport:
        """Validate again, show the report below the form, and return it."""
        report = super().validate()
        self._show(report)
        return report

    def preview(self) -> str:
        """Show (and return) the body as JSON, and the curl command sending it (Authorization redacted)."""
        body = self.value
        text = _pretty(body)
        parts = [_pre("JSON", text)]
        if self.client is not None and isinstance(body, dict):
            curl = self.client.to_curl(body)
            parts.append(_pre("curl", curl))
            text = f"{text}\n\n{curl}"
        self._show(_html("".join(parts)))
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

    def send(self, content: Any = None, buffers: Any = None) -> pd.DataFrame | None:
        """Send the body with the client; the one-row result DataFrame (an invalid body comes back as a not-sent row)."""
        if content is not None:
            # ipywidgets' own Widget.send(content) carries custom messages (focus(), blur()): keep it working
            super().send(content, buffers)
            return None
        if self.client is None:
            raise ConfigurationError(
                "this form has no client to send with: UpdateOrderForm(client=sandbox.client()) "
                "or form.client = kn.KaptureClient(...)"
            )
        report = super().validate()
        body = self.value
        if report.ok:
            frame = self.client.update_order(body)
        else:
            problems = "; ".join(f"{e.path or '(body)'}: {e.message}" for e in report.errors)
            order_id = paths.get(body, "order_info.order_id") if isinstance(body, dict) else None
            frame = frame_from_rows([SendResult(order_id=order_id, error=f"not sent, invalid body: {problems}").row()])
        self.result = frame
        raw = frame["response"].iloc[0]
        shown = _pretty(json.loads(raw)) if isinstance(raw, str) and raw.startswith(("{", "[")) else str(raw)
        self._show(frame, _html(_pre("response", shown)))
        return frame

    def reset(self) -> None:
        """Back to the value the form started with; the output area is cleared."""
        self.value = copy.deepcopy(self.initial)
        self.output.outputs = ()

    def __repr__(self) -> str:
        state = "valid" if self.errors.ok else f"{len(self.errors.errors)} error(s)"
        order_id = paths.get(self.value, "order_info.order_id")
        return f"<UpdateOrderForm order_id={order_id!r} {state}, client={self.client!r}>"
