"""How the toolkit's own HTML shows in a notebook: in a box that scrolls sideways rather than overflow, missing values as "—"."""
from __future__ import annotations

import html
from typing import Any

import pandas as pd
from pandas.api.types import is_scalar

MISSING = "—"  # every missing value (None, NaN, NA, NaT) in the toolkit's HTML tables: one spelling, apart from ""
BOX_STYLE = "max-width:100%; overflow-x:auto"
ERROR_STYLE = "color:#b00020;overflow-wrap:anywhere"  # a message saying what is wrong, in red
NOTE_STYLE = "color:#555;overflow-wrap:anywhere"  # a note beside an input, in grey


def box(inner: str, css_class: str) -> str:
    """``inner`` in a div of ``css_class`` no wider than the output area, scrolling sideways inside itself when wider."""
    return f"<div class='{html.escape(css_class, quote=True)}' style='{BOX_STYLE}'>{inner}</div>"


def cell(value: Any) -> str:
    """One table cell's text, escaped: ``MISSING`` for a missing value."""
    return MISSING if missing(value) else printable(html.escape(_text(value)))


def table(frame: pd.DataFrame, *, index: bool = False) -> str:
    """The frame as an HTML table: values escaped and never cut, missing values as ``MISSING``."""
    shown = frame.astype(object).map(lambda value: MISSING if missing(value) else _text(value))
    with pd.option_context("display.max_colwidth", None):
        return printable(shown.to_html(index=index, escape=True))


def _text(value: Any) -> str:
    """A value as text; an int too long for str() (past 4,300 digits) says how long it is."""
    try:
        return str(value)
    except ValueError:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1:,} digits"  # log10(2) digits a bit


def missing(value: Any) -> bool:
    """None, NaN, pd.NA and NaT; a list, a dict or an empty string is a value."""
    return bool(is_scalar(value) and pd.isna(value))


def printable(text: str) -> str:
    """The text with any surrogate code point escaped (``\\ud800``), so that the notebook can write it as UTF-8."""
    return text.encode("utf-8", "backslashreplace").decode("utf-8")
