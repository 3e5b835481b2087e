"""Credentials for Kapture's Basic auth, kept out of every repr, log and message."""
from __future__ import annotations

import base64

import requests

from .exceptions import ConfigurationError

REDACTED = "<redacted>"


class BasicCredentials(requests.auth.AuthBase):
    """``Authorization: Basic <token>`` from a user name and password, or from a ready token."""

    __slots__ = ("_token", "username")

    def __init__(self, username: str | None = None, password: str | None = None, token: str | None = None) -> None:
        if token:
            token = token.strip()
            self._token = token[6:].strip() if token.lower().startswith("basic ") else token
            self.username = username
        elif username and password:
            if ":" in username:
                raise ConfigurationError("the user name must not contain ':' (Basic auth joins it to the password with ':')")
            self._token = base64.b64encode(f"{username}:{password}".encode()).decode("ascii")
            self.username = username
        else:
            raise ConfigurationError(
                "no credentials: give username= and password=, or token= "
                "(or set KAPTURE_USERNAME and KAPTURE_PASSWORD, or KAPTURE_TOKEN)"
            )

    def header(self, reveal: bool = False) -> str:
        """The Authorization header's value; redacted unless ``reveal``."""
        return f"Basic {self._token if reveal else REDACTED}"

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.header(reveal=True)
        return request

    def __repr__(self) -> str:
        who = f"user={self.username!r}" if self.username else "token"
        return f"<BasicCredentials {who}, secret {REDACTED}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, BasicCredentials) and other._token == self._token

    __hash__ = None  # type: ignore[assignment]
