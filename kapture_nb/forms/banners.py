"""The outcome banner the order form and the mapping studio share: an HTML widget with a CSS class per outcome."""
from __future__ import annotations

import html
from collections.abc import Mapping
from typing import Any

import ipywidgets as widgets

from ..display import MISSING, missing
from ..frames import UNKNOWN

BANNER_CLASS = "kapture-banner"
OUTCOME_STYLE = {
    "success": "background:#e8f5e9;color:#1b5e20;border-left:6px solid #2e7d32",
    "failure": "background:#fdecea;color:#b00020;border-left:6px solid #b00020",
    "unknown": "background:#fff4e5;color:#7a4100;border-left:6px solid #e69500",
}


def plain_text(value: Any) -> str:
    """One value of a result row as plain text (escaped where it is shown), a missing one as MISSING."""
    return MISSING if missing(value) else str(value)


def new_banner() -> widgets.HTML:
    """A hidden banner (CSS class ``kapture-banner``), shown by ``set_banner``."""
    banner = widgets.HTML(layout=widgets.Layout(width="auto", display="none"))
    banner.add_class(BANNER_CLASS)
    return banner


def set_banner(banner: widgets.HTML, kind: str | None, text: str = "") -> None:
    """Show ``text`` in the colours of ``kind`` (success, failure, unknown: class ``kapture-banner-<kind>``); None hides it."""
    for other in OUTCOME_STYLE:
        banner.remove_class(f"{BANNER_CLASS}-{other}")
    if kind is None:
        banner.value, banner.layout.display = "", "none"
        return
    banner.add_class(f"{BANNER_CLASS}-{kind}")
    banner.value = (
        f"<div style='{OUTCOME_STYLE[kind]};padding:0.4em 0.8em;font-weight:bold;overflow-wrap:anywhere'>"
        f"{html.escape(text)}</div>"
    )
    banner.layout.display = ""


def outcome(row: Mapping[str, Any], at: str) -> tuple[str, str]:
    """The kind of a result row (success, failure, unknown) and the banner's sentence for it, sent at ``at``."""
    order_id = plain_text(row["order_id"])
    if bool(row["ok"]):
        return "success", f"Updated order {order_id} at {at}"
    error = plain_text(row["error"])
    if plain_text(row["status"]) == UNKNOWN:
        return "unknown", (
            f"Outcome unknown for order {order_id} at {at}: the request went out and no answer came, so the server "
            "may have applied it. Check the order before sending again; Send stays off until the body changes."
        )
    if error.startswith("not sent, "):
        return "failure", f"Not sent: {error.removeprefix('not sent, ')}"
    return "failure", f"Failed: {error} (at {at})"
