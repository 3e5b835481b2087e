"""The toolkit's exceptions: every one is a ``KaptureError``."""
from __future__ import annotations

from typing import Any


class KaptureError(Exception):
    """Base class of every error the toolkit raises on purpose."""


class BodyValidationError(KaptureError, ValueError):
    """A body does not match the schema; ``.report`` holds every error."""

    def __init__(self, report: Any) -> None:
        self.report = report
        lines = [f"{e.path or '(body)'}: {e.message}" for e in report.errors]
        super().__init__(f"{len(lines)} validation error(s):\n  " + "\n  ".join(lines))


class ConfigurationError(KaptureError, ValueError):
    """Bad settings: a malformed subdomain or URL, missing credentials, an unusable option."""


class MappingError(KaptureError, ValueError):
    """A field mapping names a column or a body path that does not exist."""


class BodyTypeError(KaptureError, TypeError):
    """A body that is not a dict (a JSON object) was given where one is due."""
