"""The field protocol every form field follows, and the context a form's fields share."""
from __future__ import annotations

import copy
import html
import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
from ipywidgets.widgets.widget_bool import CheckboxStyle
from ipywidgets.widgets.widget_button import ButtonStyle
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from .. import paths
from ..validation import FieldError, shorten

if TYPE_CHECKING:
    from .registry import Registry

FORM_KEYWORD = "form"
ERROR_MARK = "⚠"
# Plain ASCII: a circled i (U+24D8) is in neither DejaVu nor Liberation, and shows as an empty box there.
NOTE_MARK = "(i)"


class _Nothing:
    """The marker for "no value kept": distinct from None, which is a value a body can hold."""

    def __repr__(self) -> str:
        return "NOTHING"


NOTHING: Any = _Nothing()


class Look:
    """Layouts and styles shared by every widget of one form (sharing them makes building several times faster)."""

    def __init__(self) -> None:
        # Everything wraps or shrinks to the width it gets (a 900 px window): rows wrap, inputs shrink from
        # their usual width down to a floor, and min_width 0 lets a flex child be narrower than its content.
        # Containers are width auto, never 100%: a widget's own margin on top of 100% overflows its parent.
        self.row = widgets.Layout(flex_flow="row wrap", align_items="center", width="auto", min_width="0")
        self.label = widgets.Layout(width="15em", max_width="100%")
        self.input = widgets.Layout(flex="1 1 16em", width="auto", max_width="26em", min_width="8em")
        self.area = widgets.Layout(width="auto", max_width="40em", height="6em", min_width="0")
        self.key = widgets.Layout(flex="0 1 13em", width="auto", min_width="6em")
        self.kind = widgets.Layout(width="7em", min_width="7em")
        self.button = widgets.Layout(width="auto")
        self.message = widgets.Layout(width="auto", min_width="0")
        self.column = widgets.Layout(width="auto", min_width="0")
        self.box = widgets.Layout(flex="1 1 16em", width="auto", max_width="26em", min_width="8em")
        self.text = TextStyle()
        self.html = HTMLStyle()
        self.checkbox = CheckboxStyle()
        self.dropdown = DescriptionStyle()
        self.buttons = ButtonStyle()


class FormContext:
    """What a form's fields share: the registry that builds them, the look, and the change signal."""

    def __init__(self, registry: Registry, on_change: Callable[[], None]) -> None:
        self.registry = registry
        self.look = Look()
        self._on_change = on_change
        self._muted = 0

    @property
    def muted(self) -> bool:
        """Whether widget changes are the form's own (loading a value), not the user's."""
        return self._muted > 0

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Change widgets without their observers taking it for a user edit."""
        self._muted += 1
        try:
            yield
        finally:
            self._muted -= 1

    def changed(self) -> None:
        """Tell the form that the value changed (ignored while muted: the outermost setter validates once)."""
        if not self._muted:
            self._on_change()

    def build(self, node: Mapping[str, Any], key: str | None, parent: Field | None) -> Field:
        """The field for this schema node at ``key`` under ``parent``, of the class the registry picks."""
        parts = (parent.parts if parent is not None else ()) + ((key,) if key is not None else ())
        return self.registry.field_class(node, parts)(node, key, parent, self)


def error_parts(error: FieldError) -> tuple[str, ...]:
    """The parts of an error's path."""
    return paths.parse(error.path)


def count_errors(errors: Iterable[FieldError]) -> int:
    """How many of these are errors (not warnings)."""
    return sum(1 for e in errors if e.severity == "error")


def badge(title: str, errors: Iterable[FieldError]) -> str:
    """A title with its error count, like ``order_info ⚠ 2``."""
    count = count_errors(errors)
    return f"{title} {ERROR_MARK} {count}" if count else title


def describe_kept(value: Any) -> str:
    """A short note on a loaded value the widget cannot show."""
    kind = "null" if value is None else type(value).__name__
    # shorten() of a container writes at most 60 characters of its repr, however deep it nests; a str is shown quoted
    shown = shorten(repr(value), 60) if isinstance(value, str) else shorten(value, 60)
    return f"kept as loaded: {shown} ({kind}); editing the field replaces it"


_JSON_WORDS = {
    "Expecting value": "a value was expected here (a number, \"text\", true, false, null, [ ] or { })",
    "Extra data": "there is more after the JSON value ends",
    "Expecting property name enclosed in double quotes": (
        "a key in double quotes was expected here (no comma after the last item)"
    ),
    "Expecting ',' delimiter": "a comma (or the closing bracket) was expected here",
    "Expecting ':' delimiter": "a colon was expected after the key",
    "Unterminated string starting at": "this text in quotes is never closed",
    "Invalid control character at": "a line break or tab inside quotes: write it as \\n or \\t",
    "Invalid \\escape": "an unknown backslash escape: write \\\\ for a backslash",
    "Invalid \\uXXXX escape": "a \\u escape needs four hex digits",
}


def json_mistake(text: str, error: ValueError) -> str:
    """What is wrong with this JSON text, in plain words, with the line and column where the parser stopped."""
    if not text.strip():
        return "the box is empty: type a JSON value"
    if not isinstance(error, json.JSONDecodeError):
        return f"cannot be read: {error}"
    words = _JSON_WORDS.get(error.msg, error.msg[:1].lower() + error.msg[1:])
    return f"line {error.lineno}, column {error.colno}: {words}"


def parse_json(text: str) -> tuple[Any, str]:
    """The JSON value in ``text`` and "", or ``(None, why)`` in plain words when it is no JSON."""
    try:
        return json.loads(text), ""
    except ValueError as exc:  # JSONDecodeError, and the ValueError of a number with too many digits
        return None, json_mistake(text, exc)
    except RecursionError:
        return None, "nested too deeply to read"


def messages_html(errors: Iterable[FieldError], note: str = "", indent: str = "0", at: tuple[str, ...] | None = None) -> str:
    """The HTML under a field: its errors in red, warnings in amber, a kept-value note in grey.

    With ``at`` (a leaf's parts), an error deeper inside the leaf's value names where, relative to it.
    """
    lines, seen = [], set()
    for error in errors:
        where = ""
        if at is not None:
            parts = error_parts(error)
            if len(parts) > len(at) and parts[: len(at)] == at:
                where = f"{paths.join(parts[len(at):])}: "
        if (error.severity, where, error.message) in seen:
            continue
        seen.add((error.severity, where, error.message))
        color, mark = ("#b00020", ERROR_MARK) if error.severity == "error" else ("#a05a00", NOTE_MARK)
        lines.append(f"<div style='color:{color}'>{mark} {html.escape(where + error.message, quote=False)}</div>")
    if note:
        lines.append(f"<div style='color:#666'>{html.escape(note, quote=False)}</div>")
    if not lines:
        return ""
    return f"<div style='margin-left:{indent};font-size:90%;line-height:1.3'>" + "".join(lines) + "</div>"


class Field:
    """One spot in a body: the widget the user edits, its value, whether its key is present, its errors.

    Subclasses implement ``_load`` (show a value given by code), ``_unset`` (the key is
    absent), ``_get`` (the current value) and build ``widget``; composite fields also
    ``children`` and route errors to them in ``show_errors``.
    """

    def __init__(self, node: Mapping[str, Any], key: str | None, parent: Field | None, ctx: FormContext) -> None:
        self.node = node
        self.key = key
        self.parent = parent
        self.ctx = ctx
        self.required = parent is not None and key is not None and key in parent.node.get("required", ())
        self.shown_errors: list[FieldError] = []
        self._present = False
        self._kept: Any = NOTHING
        self._msg: widgets.HTML | None = None
        self._html = ""
        self._view: widgets.Widget | None = None
        self.widget: widgets.Widget

    # where the field sits
    @property
    def parts(self) -> tuple[str, ...]:
        """The parts of this field's path (array items and renamed keys move, so it is computed)."""
        above = self.parent.parts if self.parent is not None else ()
        return above if self.key is None else (*above, self.key)

    @property
    def path(self) -> paths.Path:
        """The dotted path of this field."""
        return paths.join(self.parts)

    @property
    def title(self) -> str:
        """The name shown for this field."""
        if self.parent is not None:
            return self.parent.child_title(self)
        return str(self.node.get("title") or "body")

    def rekey(self, key: str) -> None:
        """Move this field to another key (an array item moving up, a renamed free-form key)."""
        self.key = key
        self._retitled()

    def _retitled(self) -> None:
        """Show the new title."""

    def child_title(self, child: Field) -> str:
        """The name shown for a child field (its key, by default)."""
        return str(child.key if child.key is not None else child.node.get("title", ""))

    @property
    def description(self) -> str:
        """The schema's description of this field."""
        return str(self.node.get("description", ""))

    def children(self) -> Iterable[Field]:
        """The fields nested in this one."""
        return ()

    def walk(self) -> Iterator[Field]:
        """This field and every field nested in it."""
        yield self
        for child in self.children():
            yield from child.walk()

    # presence and value
    @property
    def present(self) -> bool:
        """Whether this field's key is in the body."""
        return self._present

    @present.setter
    def present(self, flag: bool) -> None:
        if flag != self._present:
            self._present = flag
            self._presence_changed()

    def _presence_changed(self) -> None:
        """Restyle for presence (labels grey out while the key is absent)."""

    @property
    def kept(self) -> Any:
        """The loaded value the widget could not show, kept as given (``NOTHING`` if none)."""
        return self._kept

    @property
    def value(self) -> Any:
        """The value at this field (a fresh copy)."""
        return self._get()

    @value.setter
    def value(self, value: Any) -> None:
        with self.ctx.quiet():
            self._load(value)
            for above in self.ancestors():
                above._adopt()
        self.ctx.changed()

    def _get(self) -> Any:
        raise NotImplementedError

    def _load(self, value: Any) -> None:
        raise NotImplementedError

    def _unset(self) -> None:
        raise NotImplementedError

    def _keep(self, value: Any) -> None:
        self._kept = copy.deepcopy(value)

    def ancestors(self) -> Iterator[Field]:
        """The fields this one is nested in, nearest first."""
        above = self.parent
        while above is not None:
            yield above
            above = above.parent

    def _adopt(self) -> None:
        """A nested field was edited: this key is now present and holds what its fields say."""
        self.present = True
        if self._kept is not NOTHING:
            self._kept = NOTHING
            self._render()

    def _edited(self) -> None:
        """The user changed this field's widgets: what they show replaces any kept value."""
        self._kept = NOTHING
        self._touched()

    def _filled(self) -> bool:
        """Whether what the user entered puts this key in the body (a number field left blank does not)."""
        return True

    def _touched(self) -> None:
        """The user edited this field: it is present if filled, the keys above it are present; revalidate."""
        self.present = self._filled()
        for above in self.ancestors():
            above._adopt()
        self._render()
        self.ctx.changed()

    def _user_change(self, _change: Mapping[str, Any]) -> None:
        """Widget observer: a change not made by the form itself is the user's edit."""
        if not self.ctx.muted:
            self._edited()

    # errors
    def problems(self) -> list[FieldError]:
        """Problems the validator cannot see (invalid JSON in a box, duplicate keys): errors of the form itself."""
        return []

    def show_errors(self, errors: list[FieldError]) -> None:
        """Show these errors (and warnings) at this field; composite fields pass each child its share."""
        self.shown_errors = list(errors)
        self._render()

    def problem(self, message: str, value: Any = None, parts: tuple[str, ...] | None = None) -> FieldError:
        """A form-side error at this field (or at ``parts``)."""
        return FieldError(paths.join(self.parts if parts is None else parts), message, FORM_KEYWORD, shorten(value))

    def kept_note(self) -> str:
        """The note shown while a loaded value is kept as given."""
        return describe_kept(self._kept) if self._kept is not NOTHING else ""

    @property
    def message_html(self) -> str:
        """The HTML shown under the field (errors, warnings, notes); empty when there is nothing to say."""
        return self._html

    def _message_place(self) -> tuple[str, tuple[str, ...] | None]:
        """How far messages are indented, and the parts deeper errors are named relative to (leaves only)."""
        return "0", None

    def _render(self) -> None:
        text = messages_html(self.shown_errors, self.kept_note(), *self._message_place())
        if text == self._html:
            return
        self._html = text
        self._message_widget().value = text

    def _message_widget(self) -> widgets.HTML:
        if self._msg is None:
            self._msg = widgets.HTML(layout=self.ctx.look.message, style=self.ctx.look.html)
            self._attach_message(self._msg)
        return self._msg

    def _attach_message(self, message: widgets.HTML) -> None:
        """Put the message widget into the view (leaves: after the input; composites: at the top)."""

    # display
    @property
    def view(self) -> widgets.Widget:
        """What the parent places: the labelled field (composites: collapsible)."""
        if self._view is None:
            self._view = self._build_view()
        return self._view

    @property
    def body(self) -> widgets.Widget:
        """The field without its own collapsible frame (a section's content); leaves: the view."""
        return self.view

    def _build_view(self) -> widgets.Widget:
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.path or '(body)'!r}>"
