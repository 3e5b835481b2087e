"""The problems view: per path, the rows with an error or a warning; a path's first rows with raw, sent and message."""
from __future__ import annotations

import html

import ipywidgets as widgets

from .. import display
from ..display import ERROR_STYLE
from ..forms.base import Look
from ..livecheck import CheckResult


def headline(result: CheckResult) -> str:
    """The studio's title for a LiveCheck result: rows ready, with errors, with warnings."""
    said = f"{result.ready:,} rows ready, {result.with_errors:,} with errors"
    if result.with_warnings:
        said += f", {result.with_warnings:,} with warnings"
    return f"Mapping studio: {said}"


class ProblemsView:
    """``table`` (path, rows with errors, rows with warnings), ``paths`` (a Select) and ``detail`` (the chosen path's rows)."""

    def __init__(self, look: Look) -> None:
        self.result: CheckResult | None = None
        self.table = widgets.HTML(layout=look.column)
        self.paths = widgets.Select(options=[], rows=6, layout=widgets.Layout(width="auto", max_width="40em"))
        self.detail = widgets.HTML(layout=look.column)
        self.widget = widgets.VBox([self.table, self.paths, self.detail], layout=look.column)
        self.widget.add_class("kapture-studio-problems")
        self.paths.observe(lambda _change: self._show_detail(), "value")

    def show(self, result: CheckResult) -> None:
        """The counts of this LiveCheck result; the chosen path's rows again, if it still has problems."""
        self.result = result
        frame = result.by_path.rename(columns={"errors": "rows with errors", "warnings": "rows with warnings"})
        self.table.value = display.box(display.table(frame), "kapture-studio-by-path") if len(frame) else (
            "<i>no problems</i>"
        )
        chosen = self.paths.value
        options = [str(path) for path in result.by_path["path"]]
        self.paths.options = options
        self.paths.value = chosen if chosen in options else None
        self._show_detail()

    def show_error(self, message: str) -> None:
        """A mapping the check could not build: its message, and no counts."""
        self.result = None
        self.table.value = f"<span style='{ERROR_STYLE}'>⚠ {html.escape(message)}</span>"
        self.paths.options = []
        self.detail.value = ""

    def _show_detail(self) -> None:
        path = self.paths.value
        if self.result is None or path is None:
            self.detail.value = ""
            return
        rows = self.result.detail(path)
        self.detail.value = display.box(f"<b>{html.escape(path)}</b>: first rows{display.table(rows)}", "kapture-studio-detail")
