"""SchemaForm: a form generated from a JSON Schema, validated live, every error shown at its field."""
from __future__ import annotations

import copy
import html
from collections.abc import Iterable, Mapping
from typing import Any

import ipywidgets as widgets

from .. import paths
from ..schema import template
from ..validation import FieldError, ValidationReport, Validator
from .base import Field, FormContext
from .registry import Registry, default_registry

_SUMMARY_LINES = 12


def summary_html(report: ValidationReport) -> str:
    """The summary above the form: how many errors and warnings, and the first of them by path."""
    if report.ok and not report.warnings:
        return "<div style='color:#1b5e20'>✓ valid</div>"
    head = (
        "<b style='color:#1b5e20'>✓ valid</b>" if report.ok else f"<b style='color:#b00020'>⚠ {len(report.errors)} error(s)</b>"
    ) + f", {len(report.warnings)} warning(s)"
    items = []
    for error in (report.errors + report.warnings)[:_SUMMARY_LINES]:
        color = "#b00020" if error.severity == "error" else "#a05a00"
        where = html.escape(str(error.path or "(body)"))
        items.append(f"<li style='color:{color}'><code>{where}</code>: {html.escape(error.message, quote=False)}</li>")
    more = len(report.errors) + len(report.warnings) - _SUMMARY_LINES
    if more > 0:
        items.append(f"<li>… and {more} more</li>")
    return f"<div>{head}<ul style='margin:0.2em 0'>{''.join(items)}</ul></div>"


class SchemaForm(widgets.VBox):  # type: ignore[misc]  # ipywidgets has no type information: VBox is Any
    """A form for bodies of ``schema``: ``.value`` (a dict), ``.fields[path]``, ``.errors`` (a ValidationReport)."""

    def __init__(self, schema: Mapping[str, Any], value: Any = None, *, registry: Registry | None = None) -> None:
        super().__init__()
        self.add_class("kapture-form")
        self.schema = copy.deepcopy(dict(schema))
        self.validator = Validator(self.schema)
        self.errors = ValidationReport()
        self._ctx = FormContext(registry if registry is not None else default_registry(), self._validate)
        self.root = self._ctx.build(self.schema, None, None)
        self.summary = widgets.HTML(layout=self._ctx.look.column)
        self.initial = copy.deepcopy(value) if value is not None else template(self.schema)
        self.children = self._layout()
        self.value = self.initial

    def _layout(self) -> tuple[widgets.Widget, ...]:
        return (self.summary, self.root.body)

    @property
    def registry(self) -> Registry:
        """The registry this form's fields were built from."""
        return self._ctx.registry

    @property
    def value(self) -> Any:
        """The body the form holds (a fresh copy: changing it does not change the form)."""
        return self.root.value

    @value.setter
    def value(self, body: Any) -> None:
        with self._ctx.quiet():
            self.root._load(body)
        self._validate()

    @property
    def fields(self) -> dict[paths.Path, Field]:
        """Every field by its dotted path (``contact_info.0.dob``); the body itself at ``""``."""
        found: dict[paths.Path, Field] = {}
        for field in self.root.walk():
            found.setdefault(field.path, field)
        return found

    def validate(self) -> ValidationReport:
        """Validate the current value again, show the result, and return the report."""
        self._validate()
        return self.errors

    def _validate(self) -> None:
        report = self.validator.validate(self.value)
        problems = _unique(p for field in self.root.walk() for p in field.problems())
        self.errors = ValidationReport(report.errors + problems, report.warnings)
        self.root.show_errors(self.errors.errors + self.errors.warnings)
        text = summary_html(self.errors)
        if self.summary.value != text:
            self.summary.value = text
        self._reported(self.errors)

    def _reported(self, report: ValidationReport) -> None:
        """Called after every validation (subclasses update their toolbar)."""

    def __repr__(self) -> str:
        state = "valid" if self.errors.ok else f"{len(self.errors.errors)} error(s)"
        return f"<{type(self).__name__} {self.schema.get('title', 'schema')!r}: {state}>"


def _unique(problems: Iterable[FieldError]) -> list[FieldError]:
    seen, out = set(), []
    for problem in problems:
        if problem[:2] not in seen:
            seen.add(problem[:2])
            out.append(problem)
    return out
