"""kapture_nb: try out Kapture CRM's Update Order API from Jupyter."""
from .exceptions import BodyValidationError, ConfigurationError, KaptureError, MappingError
from .schema import load_response_schema, load_schema, template, with_associate_fields
from .validation import FieldError, ValidationReport, Validator, validate

__all__ = [
    "BodyValidationError",
    "ConfigurationError",
    "FieldError",
    "KaptureError",
    "MappingError",
    "ValidationReport",
    "Validator",
    "load_response_schema",
    "load_schema",
    "template",
    "validate",
    "with_associate_fields",
]
