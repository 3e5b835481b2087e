"""What an update does to a stored order, field by field: the one set of rules the sandbox applies and the plan predicts.

The page's example sends ``customer_info`` with ``update: false`` and ``order_info`` with
``update: true``: a section with ``update: false`` identifies, one with ``update: true`` is written
(each ``contact_info`` item by its own flag). What ``""`` does is not documented: by default it
leaves the stored value (``empty="keep"``), or it clears it (``empty="clear"``). Both are sandbox
assumptions, switchable with ``Rules``.
"""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol

from . import paths
from .exceptions import ConfigurationError
from .jsonvalues import json_copy, json_equal

UPDATE_FLAGS = ("honour", "ignore")
EMPTY_VALUES = ("keep", "clear")
OBJECT_SECTIONS = ("customer_info", "enquiry_info", "order_info")
# Keys that find the order, customer, contact or enquiry, or steer the update: an update never writes them.
IDENTIFYING = frozenset({"customer_name", "customer_id", "contact_id", "enquiry_id", "order_id"})
CONTROL = frozenset({"update", "matchEmailPhone"})
MERGED = frozenset({"associate_fields", "additional_fields"})  # custom-field objects merge key by key
WRITTEN = frozenset({"set", "change", "clear"})
_NOT_FIELDS = CONTROL | IDENTIFYING
_MISSING: Any = object()


@dataclass(frozen=True)
class Rules:
    """Where the docs are silent: do update flags gate writes ("honour"/"ignore"), does "" clear ("clear"/"keep")."""

    update_flags: str = "honour"
    empty: str = "keep"

    def __post_init__(self) -> None:
        if self.update_flags not in UPDATE_FLAGS:
            raise ConfigurationError(f"update_flags must be one of {UPDATE_FLAGS}, got {self.update_flags!r}")
        if self.empty not in EMPTY_VALUES:
            raise ConfigurationError(f"empty must be one of {EMPTY_VALUES}, got {self.empty!r}")


class Effect(NamedTuple):
    """One field an update changes (or would, but its section's update flag is false): where, from what, to what, and how."""

    parts: tuple[str, ...]
    before: Any  # None when there was no value (or it is not known)
    after: Any
    effect: str  # "set", "change", "clear" or "ignored"

    @property
    def path(self) -> paths.Path:
        """The dotted path."""
        return paths.join(self.parts)


def is_empty(value: Any) -> bool:
    """Whether a value is what the page sends for "nothing": ``""`` (or null)."""
    return value is None or (isinstance(value, str) and value == "")


def fields(body: Mapping[str, Any], *, new: bool = False) -> Iterator[tuple[tuple[str, ...], Any, bool]]:
    """Each field a body gives, as ``(parts, value, flagged)``: ``flagged`` when its section's update flag is true.

    Identifying keys and flags are left out of an update (``new=False``); a new order takes its
    identifying keys (but the order_id) as fields too. Custom-field objects give one field per key.
    """
    skipped = CONTROL | {"order_id"} if new else _NOT_FIELDS  # a new order's id is the server's to give
    for section in OBJECT_SECTIONS:
        given = body.get(section)
        if isinstance(given, Mapping):
            yield from _section_fields((section,), given, skipped)
    contacts = body.get("contact_info")
    if isinstance(contacts, list):
        for index, contact in enumerate(contacts):
            if isinstance(contact, Mapping):
                yield from _section_fields(("contact_info", str(index)), contact, skipped)


def _section_fields(
    at: tuple[str, ...], given: Mapping[str, Any], skipped: frozenset[str]
) -> Iterator[tuple[tuple[str, ...], Any, bool]]:
    flagged = given.get("update") is True
    for key, value in given.items():
        if key in skipped:
            continue
        if key in MERGED and isinstance(value, Mapping):
            for inner, item in value.items():
                yield (*at, key, str(inner)), item, flagged
        else:
            yield (*at, key), value, flagged


def effects(stored: Mapping[str, Any] | None, body: Mapping[str, Any], rules: Rules, *, new: bool = False) -> list[Effect]:
    """What applying ``body`` to ``stored`` (an order's sections; None when not known) does; unchanged fields are left out.

    ``new``: the body creates the order (an Add, or an unknown order the server creates), so every
    value it gives is written whatever the flags say.
    """
    found = []
    gate = rules.update_flags == "honour" and not new
    clears = rules.empty == "clear"
    for parts, after, flagged in fields(body, new=new):
        empty = is_empty(after)
        if empty and not clears:
            continue  # "" leaves the stored value
        before = paths.get_parts(stored, parts, _MISSING) if stored is not None else _MISSING
        had = before is not _MISSING and not is_empty(before)
        if stored is not None and (json_equal(before, after) if had else empty):
            continue
        if gate and not flagged:
            effect = "ignored"
        elif empty:
            effect = "clear"
        else:
            effect = "change" if had else "set"
        found.append(Effect(parts, before if had else None, after, effect))
    return found


def apply(held: dict[str, Any], changes: list[Effect]) -> None:
    """Write the written effects into an order's sections (the ignored ones are left alone)."""
    for change in changes:
        if change.effect not in WRITTEN:
            continue
        if change.parts[0] == "contact_info":
            _make_room(held, int(change.parts[1]))
        paths.set_parts(held, change.parts, json_copy(change.after))


def _make_room(held: dict[str, Any], index: int) -> None:
    """Contacts are matched by position: an update's contact N exists once the stored list reaches it."""
    contacts = held.get("contact_info")
    if not isinstance(contacts, list):
        contacts = held["contact_info"] = []
    while len(contacts) <= index:
        contacts.append({})


class OrderView(Protocol):
    """The account's current orders as a plan reads them (the sandbox's store implements it)."""

    rules: Rules
    unknown_order: str  # "reject" (an update of an unknown order changes nothing) or "create"

    def peek(self, order_id: int) -> Mapping[str, Any] | None:
        """The stored sections of one order, not a copy (None when unknown); read them, never change them."""
        ...


def unwritten(body: Mapping[str, Any]) -> list[tuple[tuple[str, ...], Any]]:
    """The non-empty fields of an update body (not its identifying keys) that its sections' update flags leave unwritten."""
    found: list[tuple[tuple[str, ...], Any]] = []
    for section in OBJECT_SECTIONS:
        given = body.get(section)
        if isinstance(given, Mapping) and given.get("update") is not True:
            _unwritten((section,), given, found)
    contacts = body.get("contact_info")
    if isinstance(contacts, list):
        for index, contact in enumerate(contacts):
            if isinstance(contact, Mapping) and contact.get("update") is not True:
                _unwritten(("contact_info", str(index)), contact, found)
    return found


def _unwritten(at: tuple[str, ...], given: Mapping[str, Any], found: list[tuple[tuple[str, ...], Any]]) -> None:
    # On every valid body (the validator's warnings): a plain loop, not the generators of fields().
    for key, value in given.items():
        if value is None or value == "" or key in _NOT_FIELDS:
            continue
        if key in MERGED and isinstance(value, Mapping):
            found.extend(((*at, key, str(inner)), item) for inner, item in value.items() if not is_empty(item))
        else:
            found.append(((*at, key), value))
