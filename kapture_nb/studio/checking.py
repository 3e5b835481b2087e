"""The studio's checks in the background: the latest mapping checked by one worker thread, older requests dropped."""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from ..exceptions import MappingError
from ..livecheck import CheckResult, LiveCheck
from ..mapping import FieldMapping

log = logging.getLogger(__name__)
Shown = Callable[[CheckResult | None, str | None, str], None]  # (result, why there is none, the edit's note) -> None


class BackgroundCheck:
    """Runs ``LiveCheck.run`` off the kernel's main thread, so a large frame never freezes the notebook.

    Edits made while a check runs are not queued one by one: the worker takes the latest mapping when it is
    free, and only the check of the latest request is shown. ``wait()`` blocks until that one is done.
    """

    def __init__(self, check: LiveCheck, show: Shown, busy: Callable[[], None]) -> None:
        self._check = check
        self._show = show
        self._busy = busy  # shows that a check is under way
        self._lock = threading.Lock()
        self._showing = threading.Lock()  # one show at a time, and never an older request's after a newer one's
        self._wanted: tuple[int, FieldMapping, str] | None = None
        self._asked = 0  # requests so far; the one shown is the latest
        self._worker: threading.Thread | None = None
        self._done = threading.Event()
        self._done.set()
        self.result: CheckResult | None = None
        self.error: str | None = "not checked yet"

    def submit(self, mapping: FieldMapping, note: str = "") -> None:
        """Check this mapping as soon as the worker is free (dropping any request not started yet); ``note`` is shown
        with its result."""
        with self._showing:  # after any result being shown now, which is older than this request
            with self._lock:
                self._asked += 1
                self._wanted = (self._asked, mapping, note)
                self._done.clear()
                if self._worker is None:
                    self._worker = threading.Thread(target=self._work, name="kapture-studio-check", daemon=True)
                    self._worker.start()
            self._busy()

    def fail(self, error: str) -> None:
        """No mapping to check: show why, at once (requests not started yet are dropped)."""
        with self._lock:
            self._asked += 1
            self._wanted = None
            asked = self._asked
        self._finish(asked, None, error, "")

    def wait(self) -> tuple[CheckResult | None, str | None]:
        """The latest request's result, or why there is none, once it is checked."""
        self._done.wait()
        return self.result, self.error

    @property
    def busy(self) -> bool:
        """Whether a request is not checked yet."""
        return not self._done.is_set()

    def _work(self) -> None:
        while True:
            with self._lock:
                job, self._wanted = self._wanted, None
                if job is None:
                    self._worker = None
                    return
            asked, mapping, note = job
            try:
                result, error = self._check.run(mapping), None
            except MappingError as exc:
                result, error = None, str(exc)
            except Exception as exc:  # a bug must not kill the worker silently: the studio says so
                log.exception("the studio's check raised")
                result, error = None, f"the check raised {type(exc).__name__} (a bug; see the log)"
            self._finish(asked, result, error, note)

    def _finish(self, asked: int, result: CheckResult | None, error: str | None, note: str) -> None:
        with self._showing:
            with self._lock:
                if asked != self._asked:
                    return  # a later request is pending: its result is the one to show
                self.result, self.error = result, error
            try:
                self._show(result, error, note)
            except Exception:  # the widgets' failure must not leave wait() hanging
                log.exception("showing the studio's check raised")
            finally:
                with self._lock:
                    if asked == self._asked:
                        self._done.set()
