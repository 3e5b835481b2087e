"""Where to send and with which credentials: the base URL checked, the KAPTURE_* environment read.

A base URL, a sub domain, a password or a token may hold a secret (``https://user:password@host``), so
none is ever shown in a message, and the functions here delete their raw arguments before they raise:
a traceback formatted with locals (``%xmode Verbose``, ``pytest -l``) shows none of them either.
"""
from __future__ import annotations

import ipaddress
import os
import re
import unicodedata
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from .exceptions import ConfigurationError
from .redacted import Redacted

_SUBDOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
_SHOWN_CHARS = 100
_SECRET_SETTINGS = ("password", "token")


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(subdomain: str | None, base_url: str | None, allow_insecure: bool = False) -> str:
    """The checked base URL: ``https://<subdomain>.kapturecrm.com`` or ``base_url`` (one of them, not both)."""
    url, problem = _base_url(subdomain, base_url, allow_insecure)
    del subdomain, base_url  # either may hold user info: out of tracebacks with locals
    if problem is not None:
        raise ConfigurationError(problem)
    return url


def _base_url(subdomain: object, base_url: object, allow_insecure: bool) -> tuple[str, str | None]:
    """The base URL, or "" and why not (in words that never show user info); never raises."""
    if base_url is not None:
        if subdomain is not None:
            return "", "give subdomain= or base_url=, not both"
        return _checked_url(base_url, allow_insecure)
    if subdomain is None:
        return "", "give subdomain= (your Kapture sub domain) or base_url="
    if not isinstance(subdomain, str) or not _SUBDOMAIN.match(subdomain):
        return "", (
            "subdomain must be letters, digits and hyphens (like 'acme' in acme.kapturecrm.com), "
            f"got {_shown(subdomain)}"
        )
    return f"https://{subdomain}.kapturecrm.com", None


def _checked_url(url: object, allow_insecure: bool) -> tuple[str, str | None]:
    """``url`` without a trailing '/', if it is an http(s) URL Kapture's path can be added to; never raises."""
    if not isinstance(url, str):
        return "", f"base_url must be a str, got {type(url).__name__}"
    if "@" in url:
        # Wherever it is ("u:p@host" without a scheme puts it in the path), an '@' may follow a password.
        return "", "base_url must not carry credentials (it holds '@'); pass username= and password=, or token="
    if not url:
        return "", "base_url is empty"
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in url):
        return "", "base_url holds whitespace or a control character (a line break pasted with it?)"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        reason = "an IPv6 address in [ ] is not closed" if "IPv6" in str(exc) else "its host changes under NFKC normalisation"
        return "", f"base_url cannot be read as a URL: {reason}"
    if parts.scheme not in ("http", "https"):
        return "", "base_url must start with https:// (or http:// for a loopback host), like https://acme.kapturecrm.com"
    if not parts.hostname:
        return "", "base_url has no host (like https://acme.kapturecrm.com)"
    if "?" in url or "#" in url:
        return "", "base_url must not have a query (?...) or a fragment (#...): the API's path is added to its end"
    try:
        port = parts.port
    except ValueError:
        port = 0
    if port == 0:
        return "", "base_url's port must be a number from 1 to 65535"
    if parts.scheme == "http" and not (_is_loopback(parts.hostname) or allow_insecure):
        return "", (
            f"plain http is only allowed for loopback hosts, not {parts.hostname!r}; "
            "use https, or pass allow_insecure=True"
        )
    return url.rstrip("/"), None


def _shown(value: object) -> str:
    """``value`` for a message: quoted if it is a short str that cannot hold user info, else only described."""
    if not isinstance(value, str):
        return f"a {type(value).__name__}"
    if "@" in value or ":" in value:
        return "a value with '@' or ':' (not shown: it may hold credentials, which go in username= and password=, or token=)"
    if len(value) > _SHOWN_CHARS:
        return f"{len(value)} characters"
    return repr(value)


def settings_from_env(**overrides: Any) -> dict[str, Any]:
    """KaptureClient's keyword arguments from KAPTURE_SUBDOMAIN or KAPTURE_BASE_URL, and the credentials' variables.

    An argument given here (not None) wins over the environment: ``subdomain`` or ``base_url`` over both
    target variables, ``password`` or ``token`` over both KAPTURE_PASSWORD and KAPTURE_TOKEN. Both
    variables of a pair set is an error naming them: which one was meant is not guessed. The password
    and the token come back as ``Redacted`` strs.
    """
    settings, problem = _settings(overrides)
    del overrides  # it may hold a password, a token or a URL with user info: out of tracebacks with locals
    if problem is not None:
        raise ConfigurationError(problem)
    return settings


def _settings(overrides: Mapping[str, Any]) -> tuple[dict[str, Any], str | None]:
    """The settings, or {} and why not; never raises."""
    settings: dict[str, Any] = {name: None for name in ("subdomain", "base_url", "username", *_SECRET_SETTINGS)}
    settings.update(_redact_secrets(overrides))
    if settings["subdomain"] is None and settings["base_url"] is None:
        subdomain, base_url = _variable("KAPTURE_SUBDOMAIN"), _variable("KAPTURE_BASE_URL")
        if subdomain and base_url:
            return {}, "KAPTURE_SUBDOMAIN and KAPTURE_BASE_URL are both set: unset one (or pass subdomain= or base_url=)"
        if not (subdomain or base_url):
            return {}, "set KAPTURE_SUBDOMAIN (or KAPTURE_BASE_URL) in the environment"
        settings.update(subdomain=subdomain, base_url=base_url)
    if settings["password"] is None and settings["token"] is None:
        password, token = _variable("KAPTURE_PASSWORD"), _variable("KAPTURE_TOKEN")
        if password and token:
            return {}, "KAPTURE_PASSWORD and KAPTURE_TOKEN are both set: unset one (or pass password= or token=)"
        settings.update(_redact_secrets({"password": password, "token": token}))
    if settings["username"] is None:
        settings["username"] = _variable("KAPTURE_USERNAME")
    if not (settings["token"] or (settings["username"] and settings["password"])):
        return {}, "set KAPTURE_USERNAME and KAPTURE_PASSWORD, or KAPTURE_TOKEN, in the environment"
    return settings, None


def _variable(name: str) -> str | None:
    return os.environ.get(name) or None


def _redact_secrets(settings: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``settings`` whose password and token, if strs, are ``Redacted`` (shown as ``<redacted>``)."""
    return {
        name: Redacted(value) if name in _SECRET_SETTINGS and isinstance(value, str) else value
        for name, value in settings.items()
    }
