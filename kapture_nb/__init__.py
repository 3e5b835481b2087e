"""kapture_nb: try out Kapture CRM's Update Order API from Jupyter."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .client import KaptureClient
from .converters import Bool, Choice, Converter, Date, DateTime, Digits, Email, Integer, Number, Phone, Text
from .exceptions import (
    BodyTypeError,
    BodyValidationError,
    ConfigurationError,
    JournalError,
    JournalLockedError,
    KaptureError,
    MappingError,
    SchemaError,
)
from .frames import RESULT_COLUMNS, UNKNOWN, response_frame
from .journal import JOURNAL_COLUMNS, read_journal
from .mapping import Column, Const, FieldMapping, infer_associate_fields
from .plan import ChangePlan, plan
from .schema import documented_example, load_response_schema, load_schema, template, with_associate_fields
from .suggest import suggest_mapping
from .validation import FieldError, ValidationReport, Validator, validate

if TYPE_CHECKING:
    from .forms import SchemaForm, UpdateOrderForm
    from .sandbox import Faults, Sandbox
    from .studio import MappingStudio

# Loaded on first use: the forms and the studio bring ipywidgets and IPython, the sandbox its WSGI server.
_LAZY = {
    "SchemaForm": "kapture_nb.forms",
    "UpdateOrderForm": "kapture_nb.forms",
    "Faults": "kapture_nb.sandbox",
    "Sandbox": "kapture_nb.sandbox",
    "MappingStudio": "kapture_nb.studio",
}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = getattr(importlib.import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'kapture_nb' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "JOURNAL_COLUMNS",
    "RESULT_COLUMNS",
    "UNKNOWN",
    "BodyTypeError",
    "BodyValidationError",
    "Bool",
    "ChangePlan",
    "Choice",
    "Column",
    "ConfigurationError",
    "Const",
    "Converter",
    "Date",
    "DateTime",
    "Digits",
    "Email",
    "Faults",
    "FieldError",
    "FieldMapping",
    "Integer",
    "JournalError",
    "JournalLockedError",
    "KaptureClient",
    "KaptureError",
    "MappingError",
    "MappingStudio",
    "Number",
    "Phone",
    "Sandbox",
    "SchemaError",
    "SchemaForm",
    "Text",
    "UpdateOrderForm",
    "ValidationReport",
    "Validator",
    "documented_example",
    "infer_associate_fields",
    "load_response_schema",
    "load_schema",
    "plan",
    "read_journal",
    "response_frame",
    "suggest_mapping",
    "template",
    "validate",
    "with_associate_fields",
]
