"""kapture_nb: try out Kapture CRM's Update Order API from Jupyter."""
from .client import KaptureClient
from .exceptions import (
    BodyTypeError,
    BodyValidationError,
    ConfigurationError,
    KaptureError,
    MappingError,
)
from .forms import SchemaForm, UpdateOrderForm
from .frames import RESULT_COLUMNS, response_frame
from .journal import JOURNAL_COLUMNS, read_journal
from .mapping import Const, FieldMapping, infer_associate_fields
from .sandbox import Faults, Sandbox
from .schema import documented_example, load_response_schema, load_schema, template, with_associate_fields
from .validation import FieldError, ValidationReport, Validator, validate

__all__ = [
    "JOURNAL_COLUMNS",
    "RESULT_COLUMNS",
    "BodyTypeError",
    "BodyValidationError",
    "ConfigurationError",
    "Const",
    "Faults",
    "FieldError",
    "FieldMapping",
    "KaptureClient",
    "KaptureError",
    "MappingError",
    "Sandbox",
    "SchemaForm",
    "ValidationReport",
    "UpdateOrderForm",
    "Validator",
    "documented_example",
    "infer_associate_fields",
    "load_response_schema",
    "load_schema",
    "read_journal",
    "response_frame",
    "template",
    "validate",
    "with_associate_fields",
]
