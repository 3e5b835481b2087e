"""Secrets as strs that never show themselves: Redacted."""
from __future__ import annotations

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
