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


REDACTED = "<redacted>"


class Redacted(str):
    """A secret str: ``repr()``, ``str()``, ``format()`` and ``%s`` show ``<redacted>``; its characters stay the real ones.

    Comparing, hashing, ``encode()`` (what http.client sends), concatenation and ``str.__str__`` use the real
    text, so a header value or a password can travel as a Redacted through code that may show it
    (a dict of headers, a frame's locals in a traceback) without being shown.
    """

    __slots__ = ()

    def __new__(cls, text: str) -> Redacted:
        # str(text) would call a Redacted's own __str__ and keep "<redacted>"; str.__str__ copies the real text.
        return super().__new__(cls, str.__str__(text))

    def reveal(self) -> str:
        """The secret as a plain str (shown like any str: keep it out of what is printed or logged)."""
        return str.__str__(self)

    def __repr__(self) -> str:
        return REDACTED

    def __str__(self) -> str:
        return REDACTED

    def __format__(self, spec: str) -> str:
        return format(REDACTED, spec)
