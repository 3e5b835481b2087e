"""The toolkit's exceptions: every one is a ``KaptureError``."""
from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
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


class SchemaError(KaptureError, ValueError):
    """A schema the toolkit cannot use: not a draft-7 JSON Schema, an unknown ``x-shape``, two country codes in one
    object, a ``$ref`` that leads nowhere. ``.location`` is the place (its keys from the schema's root), ``.reason``
    what is wrong there."""

    def __init__(self, message: str, location: Sequence[str | int] = (), reason: str | None = None) -> None:
        self.location = tuple(location)
        self.reason = message if reason is None else reason
        super().__init__(message)


class MappingError(KaptureError, ValueError):
    """A field mapping names a column or a body path that does not exist."""


class BodyTypeError(KaptureError, TypeError):
    """A body that is not a dict (a JSON object) was given where one is due."""


class JournalError(KaptureError):
    """The journal cannot be locked, opened, written or read; ``.path`` names it, ``.reason`` says why."""

    def __init__(self, path: Path, reason: str, doing: str = "") -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"journal {path}: {doing + ': ' if doing else ''}{reason}")


class JournalLockedError(JournalError):
    """Another batch (another process, or this one) holds the journal; ``.pid`` is its process id when known."""

    def __init__(self, path: Path, pid: int | None, since: str | None) -> None:
        self.pid = pid
        if pid is None:
            holder = "another batch holds it (its pid is not known: it has not written its start line yet)"
        else:
            mine = ", this process" if pid == os.getpid() else ""
            holder = f"another batch holds it: pid {pid}{mine}, started {since or 'at an unknown time'}"
        super().__init__(path, f"{holder}; wait for it to end, or use another journal", "in use")
