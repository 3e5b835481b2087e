"""Credentials for Kapture's Basic auth, kept out of every repr, log, message and traceback's locals."""
from __future__ import annotations

import base64
import re
import string
import unicodedata

import requests

from .exceptions import ConfigurationError
from .redacted import REDACTED, Redacted

_SCHEME = re.compile(r"basic[ \t]+", re.IGNORECASE)
_VISIBLE_ASCII = frozenset(map(chr, range(0x21, 0x7F)))
_NO_CREDENTIALS = (
    "no credentials: give username= and password=, or token= "
    "(or set KAPTURE_USERNAME and KAPTURE_PASSWORD, or KAPTURE_TOKEN)"
)


class BasicCredentials(requests.auth.AuthBase):
    """``Authorization: Basic <token>`` from a user name and password, or from a ready token.

    Refused when made (a ConfigurationError that never shows them): a user name with ':', a user name
    or password with a control character (CR, LF, tab, NUL, DEL, C1; most often a newline pasted from a
    file) or a lone surrogate, a token that is not visible ASCII once its surrounding whitespace and a
    leading ``Basic `` are taken off (it goes into the header as it is; base64 is visible ASCII), and a
    password together with a token. A user name and password may hold any other characters: they are
    joined with ':' and sent base64-encoded as UTF-8 (RFC 7617). The secret is kept as a ``Redacted``
    and the raw arguments are deleted before anything is raised, so no frame's locals show them.
    """

    __slots__ = ("_token", "username")

    def __init__(self, username: str | None = None, password: str | None = None, token: str | None = None) -> None:
        self.username: str | None = None  # set first: repr() works whatever happens below
        self._token: Redacted | None = None
        made, problem = _basic_token(username, password, token)
        del password, token  # from here on no local holds the secret in the clear (tracebacks with locals)
        if problem is not None:
            del username  # a refused one may be "user:password" pasted whole
            raise ConfigurationError(problem)
        self.username = username
        self._token = made

    def authorization(self) -> Redacted:
        """The Authorization header's value, real when sent (``.encode()``), ``<redacted>`` when shown (repr, str, format)."""
        if self._token is None:
            raise ConfigurationError("these credentials were never made")
        return Redacted("Basic " + self._token)

    def header(self, reveal: bool = False) -> str:
        """The Authorization header's value as a plain str; redacted unless ``reveal``."""
        return self.authorization().reveal() if reveal else f"Basic {REDACTED}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.authorization()
        return request

    def __repr__(self) -> str:
        username = getattr(self, "username", None)
        if getattr(self, "_token", None) is None:
            return "<BasicCredentials (not made)>"
        who = f"user={username!r}" if username else "token"
        return f"<BasicCredentials {who}, secret {REDACTED}>"

    def __eq__(self, other: object) -> bool:
        mine = getattr(self, "_token", None)
        return isinstance(other, BasicCredentials) and mine is not None and getattr(other, "_token", None) == mine

    __hash__ = None  # type: ignore[assignment]


def _basic_token(username: object, password: object, token: object) -> tuple[Redacted | None, str | None]:
    """The Basic token, or None and why not (in words that never show a secret); never raises."""
    for name, value in (("user name", username), ("password", password), ("token", token)):
        if value is not None and not isinstance(value, str):
            return None, f"the {name} must be a str, got {type(value).__name__}"
    if isinstance(token, str) and token:
        if password:
            return None, "give username= and password=, or token=, not both"
        return _ready_token(token)
    if not (isinstance(username, str) and username and isinstance(password, str) and password):
        return None, _NO_CREDENTIALS
    for name, text in (("user name", username), ("password", password)):
        flaw = _text_flaw(text)
        if flaw:
            return None, f"the {name} holds {flaw}, which credentials may not hold (pasted by mistake?)"
    if ":" in username:
        return None, "the user name must not contain ':' (Basic auth joins it to the password with ':')"
    # Concatenation, not an f-string: formatting a Redacted password would give "<redacted>".
    return Redacted(base64.b64encode((username + ":" + password).encode("utf-8")).decode("ascii")), None


def _ready_token(token: str) -> tuple[Redacted | None, str | None]:
    """A ready token without surrounding ASCII whitespace or a leading ``Basic``, if it is visible ASCII; never raises."""
    bare = token.strip(string.whitespace)
    scheme = _SCHEME.match(bare)
    if scheme:
        bare = bare[scheme.end() :]
    if not bare or bare.lower() == "basic":
        return None, "the token is empty"
    if set(bare) <= _VISIBLE_ASCII:
        return Redacted(bare), None
    flaw = _text_flaw(bare) or next(
        ("a space" if char == " " else "a non-ASCII character") for char in bare if char not in _VISIBLE_ASCII
    )
    return None, (
        f"the token holds {flaw}; it goes into the Authorization header as it is, so it must be "
        "visible ASCII without spaces (a Basic token is base64: letters, digits, '+', '/' and '=')"
    )


def _text_flaw(text: str) -> str | None:
    """What in ``text`` credentials may not hold (a control character, a lone surrogate), named but not shown."""
    if "\r" in text or "\n" in text:
        return "a line break (CR or LF)"
    if any(unicodedata.category(char) == "Cc" for char in text):
        return "a control character"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "a lone surrogate (not a character UTF-8 can encode)"
    return None
