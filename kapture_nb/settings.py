"""Where to send and with which credentials: the base URL checked, the KAPTURE_* environment read."""
from __future__ import annotations

import ipaddress
import os
import re
from typing import Any
from urllib.parse import urlsplit

from .exceptions import ConfigurationError

_SUBDOMAIN = re.compile(r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\Z")
def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def resolve_base_url(subdomain: str | None, base_url: str | None, allow_insecure: bool = False) -> str:
    """The checked base URL: ``https://<subdomain>.kapturecrm.com`` or ``base_url``."""
    if base_url:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigurationError(f"base_url must be an http(s) URL with a host, got {base_url!r}")
        if parts.username or parts.password:
            raise ConfigurationError("base_url must not carry credentials; pass username=/password= or token=")
        if parts.scheme == "http" and not (_is_loopback(parts.hostname) or allow_insecure):
            raise ConfigurationError(
                f"plain http is only allowed for loopback hosts, not {parts.hostname!r}; "
                "use https, or pass allow_insecure=True"
            )
        return base_url.rstrip("/")
    if subdomain is None:
        raise ConfigurationError("give subdomain= (your Kapture sub domain) or base_url=")
    if not isinstance(subdomain, str) or not _SUBDOMAIN.match(subdomain):
        raise ConfigurationError(
            f"subdomain must be letters, digits and hyphens (like 'acme' in acme.kapturecrm.com), got {subdomain!r}"
        )
    return f"https://{subdomain}.kapturecrm.com"


def settings_from_env(**overrides: Any) -> dict[str, Any]:
    """KaptureClient's keyword arguments from KAPTURE_SUBDOMAIN or KAPTURE_BASE_URL, and the credentials' variables."""
    env = os.environ
    settings: dict[str, Any] = {
        "subdomain": env.get("KAPTURE_SUBDOMAIN") or None,
        "base_url": env.get("KAPTURE_BASE_URL") or None,
        "username": env.get("KAPTURE_USERNAME") or None,
        "password": env.get("KAPTURE_PASSWORD") or None,
        "token": env.get("KAPTURE_TOKEN") or None,
    }
    settings.update(overrides)
    if not (settings["subdomain"] or settings["base_url"]):
        raise ConfigurationError("set KAPTURE_SUBDOMAIN (or KAPTURE_BASE_URL) in the environment")
    if not (settings["token"] or (settings["username"] and settings["password"])):
        raise ConfigurationError("set KAPTURE_USERNAME and KAPTURE_PASSWORD, or KAPTURE_TOKEN, in the environment")
    return settings
