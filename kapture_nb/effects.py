"""What an update does to a stored order, field by field: the one set of rules the sandbox applies and the plan predicts.

The page's example sends ``customer_info`` with ``update: false`` and ``order_info`` with
``update: true``: a section with ``update: false`` identifies, one with ``update: true`` is written
(each ``contact_info`` item by its own flag). What ``""`` does is not documented: by default it
leaves the stored value (``empty="keep"``), or it clears it (``empty="clear"``). Both are sandbox
assumptions, switchable with ``Rules``.
"""
from __future__ import annotations

from collections.abc import Mapping
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
_NEW_SKIPPED = CONTROL | {"order_id"}
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
    path: paths.Path
    before: Any  # None when there was no value (or it is not known)
    after: Any
    effect: str  # "set", "change", "clear" or "ignored"


def is_empty(value: Any) -> bool:
    """Whether a value is what the page sends for "nothing": ``""`` (or null)."""
    return value is None or (isinstance(value, str) and value == "")


def effects(stored: Mapping[str, Any] | None, body: Mapping[str, Any], rules: Rules, *, new: bool = False) -> list[Effect]:
    """What applying ``body`` to ``stored`` (an order's sections; None when not known) does; unchanged fields are left out.

    Identifying keys and flags are no fields of an update. ``new``: the body creates the order (an
    Add, or an unknown order the server creates), so it takes every value it gives whatever the
    flags say, its identifying keys too (but the order_id, the server's to give).
    """
    found: list[Effect] = []
    judge = _Judge(found, rules, new, stored is not None)
    for section in OBJECT_SECTIONS:
        given = body.get(section)
        if isinstance(given, dict):
            held = stored.get(section) if stored is not None else None
            judge.section((section,), given, held if isinstance(held, dict) else None)
    contacts = body.get("contact_info")
    if isinstance(contacts, list):
        kept = stored.get("contact_info") if stored is not None else None
        kept = kept if isinstance(kept, list) else []
        for index, contact in enumerate(contacts):
            if isinstance(contact, dict):
                held = kept[index] if index < len(kept) and isinstance(kept[index], dict) else None
                judge.section(("contact_info", str(index)), contact, held)
    return found


class _Judge:
    """The rules applied field by field, in plain loops over plain dicts: a plan runs them on every row of a batch."""

    def __init__(self, found: list[Effect], rules: Rules, new: bool, known: bool) -> None:
        self.found = found
        self.gate = rules.update_flags == "honour" and not new
        self.clears = rules.empty == "clear"
        self.known = known
        self.skipped = _NEW_SKIPPED if new else _NOT_FIELDS

    def section(self, at: tuple[str, ...], given: dict[str, Any], held: dict[str, Any] | None) -> None:
        ignored = self.gate and given.get("update") is not True
        plain = {}
        for key, value in given.items():
            if key in self.skipped:
                continue
            if key in MERGED and isinstance(value, dict):
                inner = held.get(key) if held is not None else None
                self.fields((*at, key), value, inner if isinstance(inner, dict) else None, ignored)
            else:
                plain[key] = value
        self.fields(at, plain, held, ignored)

    def fields(self, at: tuple[str, ...], given: dict[str, Any], held: dict[str, Any] | None, ignored: bool) -> None:
        prefix = ".".join(at) + "."
        clears, known, found = self.clears, self.known, self.found
        for key, after in given.items():
            empty = after is None or after == ""
            if empty and not clears:
                continue  # "" leaves the stored value
            before = held.get(key, _MISSING) if held is not None else _MISSING
            had = before is not _MISSING and before is not None and before != ""
            if known and (json_equal(before, after) if had else empty):
                continue
            if ignored:
                effect = "ignored"
            elif empty:
                effect = "clear"
            else:
                effect = "change" if had else "set"
            name = str(key)
            parts = (*at, name)
            found.append(Effect(parts, prefix + name if "." not in name else parts, before if had else None, after, effect))


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
    # On every valid body (the validator's warnings): a plain loop.
    for key, value in given.items():
        if is_empty(value) or key in _NOT_FIELDS:
            continue
        if key in MERGED and isinstance(value, Mapping):
            found.extend(((*at, key, str(inner)), item) for inner, item in value.items() if not is_empty(item))
        else:
            found.append(((*at, key), value))
