"""suggest_mapping: a FieldMapping proposed from a DataFrame's column names and values, with a review table to read first.

Names are matched against a table of synonyms and, with rapidfuzz, against the fields' own names and
titles; values (read on a sample, ``detect``) confirm or contradict a name and choose the converter.
A column it cannot place becomes a proposed custom field; nothing is placed without a reason in words.
"""
from __future__ import annotations

import copy
import re
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from . import display, paths
from .detect import BASE, SAMPLE_SIZE, SURE, Detection, detect, read_as, sample_values
from .effects import unwritten
from .exceptions import MappingError
from .mapping import ID_KEYS, FieldMapping
from .schema import DIGITS, FREE_FORM, SECTIONS, leaf_paths, load_schema, node_at, types_of, with_associate_fields

REVIEW_COLUMNS = ["column", "target", "converter", "confidence", "why", "sample"]
MANDATORY = ("order_info.order_id", "customer_info.customer_name")
PLACE = 90  # a name this close (rapidfuzz token_sort_ratio, 0-100) to a field's name or synonym is placed there
NEAR = 75  # a name this close is named in the review as a possibility, never placed
SECTION_ORDER = ("order_info", "customer_info", "contact_info", "enquiry_info")  # ties go to the order: exports are of orders
_SECTION_WORDS = {"order_info": "order", "customer_info": "customer", "contact_info": "contact", "enquiry_info": "enquiry"}
_NOT_SENT = "not sent: "
_CUSTOM_SECTIONS = ("customer_info", "order_info")  # the sections proposed custom fields go to: a schema must have them

ABBREVIATIONS = {
    "no": "number", "num": "number", "nbr": "number", "dt": "date", "cust": "customer", "qty": "quantity",
    "amt": "amount", "addr": "address", "emp": "employee", "inv": "invoice", "ph": "phone", "mob": "mobile",
    "tel": "telephone", "dob": "date of birth", "ref": "reference", "desc": "description", "pmt": "payment",
    "pymt": "payment", "zipcode": "zip code", "postcode": "postal code",
}
SYNONYMS: dict[str, tuple[str, ...]] = {
    "order_info.order_id": ("order id", "order no", "order", "order ref", "kapture order id"),
    "order_info.invoice_no": ("invoice no", "invoice", "bill no"),
    "order_info.invoice_date": ("invoice dt", "invoice date", "bill date", "billing date"),
    "order_info.create_date": ("order date", "create date", "created", "created at", "created on", "creation date",
                               "date created"),
    "order_info.remarks": ("remarks", "remark", "comments", "comment", "notes", "note"),
    "order_info.payment_mode": ("payment mode", "payment method", "payment type", "mode of payment", "pay mode"),
    "order_info.delivery_status": ("delivery status", "shipment status", "shipping status"),
    "order_info.erp_order_id": ("erp order id", "erp order no", "sap order no"),
    "order_info.erp_invoice_no": ("erp invoice no", "sap invoice no"),
    "order_info.assign_emp_name": ("assigned to", "sales person", "salesperson", "assigned employee"),
    "order_info.ticket_id": ("ticket id", "ticket no"),
    "customer_info.customer_name": ("customer name", "customer", "client", "client name", "buyer", "buyer name", "name",
                                    "party name"),
    "customer_info.phone": ("mobile", "mobile no", "phone", "phone no", "contact no", "customer phone", "customer mobile",
                            "telephone", "telephone no", "cell"),
    "customer_info.email_id": ("email", "mail", "email id", "email address", "customer email"),
    "customer_info.pincode": ("pincode", "pin", "pin code", "zip", "zip code", "postal code"),
    "customer_info.city": ("city", "town"),
    "customer_info.state": ("state", "province"),
    "customer_info.country": ("country",),
    "customer_info.address": ("address", "customer address", "billing address", "shipping address", "delivery address"),
    "customer_info.locality": ("locality", "area"),
    "customer_info.zone": ("zone",),
    "customer_info.customer_code": ("customer code", "customer no"),
    "customer_info.customer_id": ("customer id", "kapture customer id"),
    "customer_info.type": ("customer type",),
    "customer_info.primary_source": ("source", "lead source"),
    "contact_info.0.contact_person_name": ("contact person", "contact name"),
    "contact_info.0.contact_person_phone": ("contact phone", "contact mobile", "contact person mobile"),
    "contact_info.0.contact_person_email": ("contact email",),
    "contact_info.0.dob": ("dob", "date of birth", "birth date", "birthday"),
    "contact_info.0.gender": ("gender", "sex"),
    "contact_info.0.first_name": ("first name",),
    "contact_info.0.last_name": ("last name", "surname"),
    "enquiry_info.enquiry_id": ("enquiry id", "enquiry no", "lead id"),
    "enquiry_info.next_follow_up_date": ("next follow up", "follow up date", "next follow up date"),
}
_KIND_WORDS = {
    "bool": "yes/no values", "email": "e-mail addresses", "phone": "phone numbers", "date": "dates", "datetime": "dates",
    "digits": "digits", "integer": "whole numbers", "number": "numbers", "enum": "choices", "text": "text",
}


@dataclass(frozen=True)
class _Field:
    """A place a column can go: its path, the kind of value it takes, and an enum's choices."""

    path: paths.Path
    kind: str  # a detect kind, or "code" (digits when the values are all digits, else text)
    choices: tuple[str, ...] | None = None


@dataclass(frozen=True)
class _Placed:
    """A column's proposal: where it goes (None: not sent) and the reading of its values."""

    target: paths.Path | None
    detection: Detection | None
    confidence: float
    why: str


@dataclass(frozen=True, eq=False, repr=False)
class Suggestion:
    """A proposed mapping, to read before use: ``review`` says what each column becomes and why."""

    mapping: FieldMapping
    review: pd.DataFrame  # REVIEW_COLUMNS, one row per column (and one per mandatory field no column fills, first)
    fields: dict[str, dict[str, Any]]  # proposed custom fields: {"order": {name: schema}, ...}, with_associate_fields' keywords
    schema: dict[str, Any]  # the schema with those custom fields declared: the mapping's
    missing: tuple[str, ...]  # the mandatory fields no column fills
    detections: dict[Hashable, Detection] = field(default_factory=dict)  # what each column's values look like

    def _headline(self) -> str:
        review = self.review[self.review["column"].notna()]
        proposed = {f"{SECTIONS[keyword]}.associate_fields.{name}" for keyword, names in self.fields.items() for name in names}
        custom = int(review["target"].isin(proposed).sum())
        placed = int(review["target"].notna().sum()) - custom
        not_sent = int(review["target"].isna().sum())
        alarm = f"; NO COLUMN FOR {', '.join(self.missing)}" if self.missing else ""
        flags = self.review.loc[self.review["column"].isna() & self.review["target"].notna(), "target"].tolist()
        verb = "leaves" if len(flags) == 1 else "leave"
        unwritten = f"; {', '.join(flags)} {verb} mapped fields unwritten (kn.Const(True) proposed, not applied)" if flags else ""
        return (
            f"Suggestion: {placed} column(s) to fields of the schema, {custom} to proposed custom fields, "
            f"{not_sent} not sent{alarm}{unwritten}. Read the review before using .mapping"
        )

    def __repr__(self) -> str:
        shown = self.review[["column", "target", "converter", "confidence"]]
        return f"<{self._headline()}>\n{shown.to_string(index=False)}"

    def _repr_html_(self) -> str:
        import html

        return display.box(f"<p><b>{html.escape(self._headline())}</b></p>{display.table(self.review)}", "kapture-suggestion")


def _words(name: Hashable) -> str:
    """A column's or a field's name as plain lower-case words, abbreviations spelled out (``Invoice Dt``: invoice date)."""
    text = " ".join(map(str, name)) if isinstance(name, tuple) else str(name)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)  # camelCase
    text = re.sub(r"(?i)\be[-\s]?mail", "email", text).replace("#", " number ")
    words: list[str] = []
    for word in re.findall(r"[^\W_]+", text.casefold()):
        words.extend(ABBREVIATIONS.get(word, word).split())
    return " ".join(words)


def _field_name(label: Hashable) -> str:
    """A custom field's name for a column: its label in snake_case (``Gift Wrap?``: gift_wrap)."""
    text = "_".join(map(str, label)) if isinstance(label, tuple) else str(label)
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", text)
    name = "_".join(re.findall(r"[^\W_]+", text.casefold())) or "column"
    return f"field_{name}" if name[0].isdigit() else name


def _kind(parts: tuple[str, ...], node: Mapping[str, Any]) -> _Field:
    """What a field takes, from its schema node and its key."""
    key, path = parts[-1], paths.join(parts)
    types = types_of(node)
    enum = node.get("enum")
    shape = node.get("x-shape")  # the shape the validator warns about: phone, email, pincode
    if key in ID_KEYS and "associate_fields" not in parts:
        return _Field(path, "digits")
    if shape == "phone" or (node.get(DIGITS) and "phone" in key):
        return _Field(path, "phone")
    if shape == "email" or ("email" in key.casefold() and "string" in types):
        return _Field(path, "email")
    if node.get("format") in ("date", "date-time"):
        return _Field(path, "date" if node["format"] == "date" else "datetime")
    if "boolean" in types:
        return _Field(path, "bool")
    if isinstance(enum, list) and enum and all(isinstance(choice, str) for choice in enum):
        return _Field(path, "enum", tuple(enum))
    if "integer" in types or "number" in types:
        return _Field(path, "integer" if types == ("integer",) else "number")
    if node.get(DIGITS) or re.search(r"(_no|_code|_id)$", key):
        return _Field(path, "code")
    return _Field(path, "text")


def _catalogue(schema: Mapping[str, Any]) -> tuple[dict[str, _Field], dict[str, list[tuple[str, str, int]]]]:
    """The places a column can go (documented leaves, custom fields the schema declares) in the order ties go
    (SECTION_ORDER), and the phrases naming each: phrase -> [(path, what the phrase is of it, points off its score)]."""
    found: dict[str, _Field] = {}
    for path in leaf_paths(schema):
        parts = paths.parse(path)
        if parts[0] not in SECTION_ORDER:
            continue  # a property the request body does not have: the suggestion targets the body's sections
        node, _free = node_at(schema, parts)
        if node is None or parts[-1] == "update" or node.get(FREE_FORM) or types_of(node) in (("object",), ("array",)):
            continue
        found[path] = _kind(parts, node)
    for section in SECTIONS.values():
        declared, _free = node_at(schema, (section, "associate_fields"))
        properties = declared.get("properties", {}) if declared else {}
        for name, node in properties.items() if isinstance(properties, Mapping) else ():
            parts = (section, "associate_fields", name)
            found[str(paths.join(parts))] = _kind(parts, node if isinstance(node, Mapping) else {})
    rank = {section: position for position, section in enumerate(SECTION_ORDER)}
    fields = dict(sorted(found.items(), key=lambda item: rank.get(paths.parse(item[0])[0], len(rank))))
    phrases: dict[str, list[tuple[str, str, int]]] = {}
    for path, synonyms in SYNONYMS.items():
        for synonym in synonyms if path in fields else ():
            phrases.setdefault(_words(synonym), [(path, "a synonym of", 0)])
    synonymous = set(phrases)  # a synonym names one field: the same words as other fields' names do not make a tie
    for path in fields:
        parts = paths.parse(path)
        node, _free = node_at(schema, parts)
        word = _SECTION_WORDS.get(parts[0], parts[0])
        own = _words(parts[-1])
        # A field's own name comes before its name with the section's word (customer remarks: customer_remarks, not remarks).
        names = [(own, "the name of", 0), (f"{word} {own}", "with its section's word, the name of", 1)]
        if node is not None and isinstance(node.get("title"), str):
            names.append((_words(node["title"]), "the title of", 0))
        for phrase, what, off in names:
            held = phrases.setdefault(phrase, [])
            if phrase and phrase not in synonymous and path not in (p for p, _what, _off in held):
                held.append((path, what, off))
    return fields, phrases


def _name_matches(label: Hashable, phrases: Mapping[str, list[tuple[str, str, int]]], order: Mapping[str, int]) -> list[
    tuple[float, str, str]
]:
    """(score, path, words) of the fields whose names come near the column's, best first (one per field); words say why."""
    from rapidfuzz import fuzz, process

    name = _words(label)
    if not name:
        return []
    best: dict[str, tuple[float, str]] = {}
    found = process.extract(name, list(phrases), scorer=fuzz.token_sort_ratio, limit=None, score_cutoff=NEAR)
    for phrase, score, _index in found:
        read = f"reads {phrase!r}" if score == 100 else f"is {score:.0f}% like {phrase!r}"
        for path, what, off in phrases[phrase]:
            if path not in best or score - off > best[path][0]:
                best[path] = (score - off, f"its name {read}, {what} {path}")
    ranked = sorted(best.items(), key=lambda item: (-item[1][0], order[item[0]]))
    return [(score, path, words) for path, (score, words) in ranked]


def _fit(field: _Field, label: Hashable, texts: pd.Series, found: Detection, region: str) -> tuple[Detection, float, str]:
    """The converter a field needs, tried on the sample: the detection, how well the values fit (0-1), and words on a misfit."""
    if field.kind in ("text", "code"):
        if found.kind in ("email", "phone", "date", "datetime") and found.read >= SURE:
            return found, 0.0, f"its values are {_KIND_WORDS[found.kind]}, not what {field.path} holds"
        if field.kind == "code":
            digits = read_as("digits", label, texts)
            if digits.read == 1.0:
                return digits, 1.0, ""
        return read_as("text", label, texts), 1.0, ""
    fitted = read_as(field.kind, label, texts, region=region, choices=field.choices)
    fit = fitted.confidence / BASE[fitted.kind]
    if fitted.read < 0.5:
        seen = f"; they look like {_KIND_WORDS[found.kind]}" if found.kind not in ("text", fitted.kind) else ""
        return fitted, 0.0, (
            f"only {fitted.read:.0%} of its sample values read as {_KIND_WORDS[field.kind]} for {field.path}{seen}"
        )
    return fitted, fit, ""


def _sample_shown(column: pd.Series, n: int = 3) -> str:
    """A few distinct raw cells of the column, as written (spaces shown by the quotes)."""
    head = column.iloc[:500]
    cells = head[head.notna().to_numpy(dtype=bool)].tolist()
    distinct = list(dict.fromkeys(cell if isinstance(cell, str) else str(cell) for cell in cells))[:n]
    return ", ".join(map(repr, distinct))


def suggest_mapping(
    df: pd.DataFrame,
    schema: Mapping[str, Any] | None = None,
    *,
    region: str = "IN",
    sample: int = SAMPLE_SIZE,
    max_enum: int = 8,
) -> Suggestion:
    """A proposed FieldMapping for this frame, with the converters its values need and a review table to read first.

    Each documented field (or custom field ``schema`` declares) takes at most one column, the best;
    a column no field fits becomes a proposed ``order_info.associate_fields`` field (``customer_info``'s
    when its name begins with "customer") typed from its values. Values are read on ``sample`` cells a
    column (``detect.sample_values``); phones for ``region`` (a region code libphonenumber knows); enums
    of at most ``max_enum`` choices. ``schema`` is shaped like the request schema (``load_schema()``,
    ``with_associate_fields(...)``): an object with customer_info and order_info, each with an update flag
    and associate_fields. A bad argument is a MappingError before any column is read.

    The review's rows: first each mandatory field no column fills (column and target None); then, for
    each section whose update flag (false in the minimal template, as in the documented example) leaves
    mapped fields unwritten, a row with column None, target that flag (``customer_info.update``),
    converter ``kn.Const(True)`` and confidence 0: proposed, never applied to ``.mapping`` (Kapture then
    uses the section to find the customer, contact or enquiry, and writes none of those fields; to
    write them, add the Const yourself); then a row per column.
    """
    if not isinstance(df, pd.DataFrame):
        raise MappingError(f"suggest_mapping reads a DataFrame, got {type(df).__name__}")
    if isinstance(sample, bool) or not isinstance(sample, int) or sample < 1:
        raise MappingError(f"sample is how many cells of each column are read (an int >= 1), got {sample!r}")
    if isinstance(max_enum, bool) or not isinstance(max_enum, int) or max_enum < 1:
        raise MappingError(f"max_enum is the most choices an enum may have, an int >= 1; got {max_enum!r}")
    _check_region(region)
    base = _checked_schema(schema)
    fields, phrases = _catalogue(base)
    order = {path: position for position, path in enumerate(fields)}
    doubled = set(df.columns[df.columns.duplicated()])
    wanted: list[tuple[float, int, str, Detection, str]] = []  # (confidence, position, path, detection, why)
    readings: dict[int, tuple[Detection, list[str], list[tuple[float, str, str]]]] = {}
    placed: dict[int, _Placed] = {}
    for position, label in enumerate(df.columns):
        if label in doubled:
            why = f"the DataFrame has the label {label!r} more than once; rename the columns apart (df.columns = [...])"
            placed[position] = _Placed(None, None, 0.0, _NOT_SENT + why)
            continue
        column = df.iloc[:, position]
        texts = sample_values(column, sample)
        found = detect(column, region=region, max_enum=max_enum, texts=texts)
        matches = _name_matches(label, phrases, order)
        misfits: list[str] = []
        for score, path, named in matches if found.converter is not None else ():  # a blank column goes nowhere
            if score < PLACE:
                break
            fitted, fit, misfit = _fit(fields[path], label, texts, found, region)
            if fit == 0.0:
                misfits.append(f"{named}, but {misfit}")
                continue
            ties = [other for other_score, other, _said in matches if other_score == score and other != path]
            if ties:
                named += f" (as much as {' and '.join(map(str, ties))}: {path} is preferred, exports being of orders)"
            confidence = round(score / 100 * fit * (0.8 if ties else 1.0), 2)
            wanted.append((confidence, position, path, fitted, "; ".join(w for w in (named, fitted.why) if w)))
            break
        readings[position] = (found, misfits, matches)
    taken: dict[str, int] = {}
    for confidence, position, path, fitted, why in sorted(wanted, key=lambda item: (-item[0], item[1])):
        if path in taken:
            winner = df.columns[taken[path]]
            why = (f"{_NOT_SENT}named like {path} too, which column {winner!r} fills (the better fit); map it yourself "
                   "if it holds another field")
            placed[position] = _Placed(None, fitted, 0.0, why)
            continue
        taken[path] = position
        placed[position] = _Placed(path, fitted, confidence, why)
    custom: dict[str, dict[str, Any]] = {}
    for position, (found, misfits, matches) in readings.items():
        if position not in placed:
            placed[position] = _custom(df.columns[position], found, misfits, matches, fields, custom, taken)
    return _suggestion(df, base, placed, custom, taken, readings)


def _check_region(region: object) -> None:
    """A region libphonenumber knows, or a MappingError now rather than in the middle of the columns."""
    if not isinstance(region, str):
        raise MappingError(f"region is a region code libphonenumber knows, a str like 'IN'; got {region!r}")
    import phonenumbers

    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise MappingError(f"region: {region!r} is not a region libphonenumber knows (IN, US, GB...)")


def _checked_schema(schema: object) -> dict[str, Any]:
    """The schema to suggest over: the request schema for None, else one shaped like it (a MappingError naming the place)."""
    if schema is None:
        return load_schema()
    if not isinstance(schema, Mapping):
        raise MappingError(
            "schema is a JSON Schema dict shaped like the request schema (kn.load_schema(), kn.with_associate_fields(...)); "
            f"got {type(schema).__name__}"
        )
    problem = _shape_problem(schema)
    if problem is not None:
        raise MappingError(
            f"schema is not shaped like the request schema: {problem} "
            "(start from kn.load_schema() or kn.with_associate_fields(...))"
        )
    return dict(schema)


def _shape_problem(schema: Mapping[str, Any]) -> str | None:
    """Where the schema is not what the suggestion and its mapping read (the sections, their update flags); None if it is."""
    sections = schema.get("properties", {})
    if schema.get("type") != "object" or not isinstance(sections, Mapping):
        return "the body is no object with properties (customer_info, order_info...)"
    absent = [section for section in _CUSTOM_SECTIONS if section not in sections]
    if absent:
        return f"it has no {', '.join(absent)}"
    for section in (section for section in SECTION_ORDER if section in sections):
        node, at = sections[section], section
        if section == "contact_info":  # an array of contacts
            if not isinstance(node, Mapping) or node.get("type") != "array":
                return "contact_info is no array of contacts"
            node, at = node.get("items"), "contact_info.0"
        if not isinstance(node, Mapping):
            return f"{at} is no schema object (got {type(node).__name__})"
        properties = node.get("properties")
        if node.get("type") != "object" or not isinstance(properties, Mapping):
            return f"{at} is no object with properties"
        if "update" not in properties:
            return f"{at} has no update flag"
        declared = properties.get("associate_fields")
        if section in _CUSTOM_SECTIONS and not (isinstance(declared, Mapping) and declared.get("type") == "object"):
            return f"{at} has no associate_fields object"
    for key, node in sections.items():
        problem = _node_problem(node, key)
        if problem is not None:
            return problem
    return None


def _node_problem(node: object, at: str) -> str | None:
    """The first place at or under ``node`` that reading the schema's leaves or its template would trip on; None if none."""
    if not isinstance(node, Mapping):
        return f"{at} is no schema object (got {type(node).__name__})"
    kind = node.get("type")
    if kind == "object" and not node.get(FREE_FORM):
        properties = node.get("properties", {})
        if not isinstance(properties, Mapping):
            return f"{at}.properties is no object"
        for key, child in properties.items():
            if not isinstance(key, str):
                return f"{at}: the property name {key!r} is no str"
            problem = _node_problem(child, f"{at}.{key}")
            if problem is not None:
                return problem
    elif kind == "array":
        return _node_problem(node.get("items"), f"{at}.0")
    elif kind == "boolean" and "examples" in node and not (isinstance(node["examples"], list) and node["examples"]):
        return f"{at}: examples is no list with a first value (a template's flag is the first)"
    return None


def _custom(
    label: Hashable,
    found: Detection,
    misfits: list[str],
    matches: list[tuple[float, str, str]],
    fields: Mapping[str, _Field],
    custom: dict[str, dict[str, Any]],
    taken: Mapping[str, int],
) -> _Placed:
    """A column no field takes: a proposed custom field typed from its values, or not sent when it holds nothing."""
    if found.converter is None:
        named = [f"its name says {path}" for score, path, _said in matches if score >= PLACE][:1]
        return _Placed(None, None, 0.0, "; ".join([f"{_NOT_SENT}{found.why}", *named]))
    notes = [*misfits]
    near = [f"{path} ({score:.0f}%)" for score, path, _said in matches if score < PLACE][:2]
    if near:
        notes.append(f"its name comes near {' and '.join(near)}: map it there yourself if that is what it holds")
    section = "customer_info" if _words(label).startswith("customer") else "order_info"
    declared = {str(paths.parse(path)[-1]) for path in fields if paths.parse(path)[:2] == (section, "associate_fields")}
    name = _field_name(label)
    held = custom.setdefault(section, {})
    unique, count = name, 1
    while unique in held or unique in declared:
        count += 1
        unique = f"{name}_{count}"
    held[unique] = found.schema
    owner = "the customer" if section == "customer_info" else "the order (an order export's natural place)"
    placing = "no field it is named like takes its values" if misfits else "no documented field has this name"
    notes.insert(0, f"{placing}: proposed custom field of {owner}, from its values")
    hint = {"email": "customer_info.email_id", "phone": "customer_info.phone"}.get(found.kind)
    if hint and hint not in taken:
        notes.append(f"its values are {_KIND_WORDS[found.kind]}: if they are the customer's, map it to {hint}")
    why = "; ".join([*notes[:1], found.why, *notes[1:]])
    return _Placed(f"{section}.associate_fields.{unique}", found, found.confidence, why)


def _suggestion(
    df: pd.DataFrame,
    base: dict[str, Any],
    placed: Mapping[int, _Placed],
    custom: Mapping[str, dict[str, Any]],
    taken: Mapping[str, int],
    readings: Mapping[int, tuple[Detection, list[str], list[tuple[float, str, str]]]],
) -> Suggestion:
    """The Suggestion: the mapping over the schema with the proposed custom fields, and the review (mandatory gaps first)."""
    declarations = {keyword: dict(custom[section]) for keyword, section in SECTIONS.items() if custom.get(section)}
    schema = with_associate_fields(
        base, customer=declarations.get("customer"), enquiry=declarations.get("enquiry"), order=declarations.get("order")
    )
    rows: list[tuple[Any, ...]] = []
    missing = []
    for path in MANDATORY:
        if path in taken or node_at(schema, paths.parse(path))[0] is None:
            continue
        missing.append(path)
        near = [f"{df.columns[position]!r} ({score:.0f}%)" for position, (_f, _m, matches) in readings.items()
                for score, target, _phrase in matches if target == path]
        hint = f"; columns named near it: {', '.join(near)}" if near else ""
        needed = "kn.Digits" if path == "order_info.order_id" else "kn.Text"
        why = (f"no column found for the mandatory {path}: every body is refused without it; add one by hand: "
               f"kn.FieldMapping({{**suggestion.mapping.targets, {path!r}: {needed}('<column>')}}, "
               f"schema=suggestion.schema){hint}")
        rows.append((None, None, None, 0.0, why, ""))
    targets: dict[paths.Path, Any] = {}
    for position in sorted(placed):
        proposal = placed[position]
        converter = proposal.detection.converter if proposal.detection is not None and proposal.target is not None else None
        if proposal.target is not None and converter is not None:
            targets[proposal.target] = converter
        rows.append((
            df.columns[position],
            proposal.target,
            repr(converter) if converter is not None else None,
            proposal.confidence,
            proposal.why,
            _sample_shown(df.iloc[:, position]),
        ))
    mapping = FieldMapping(targets, schema=schema)
    rows[len(missing):len(missing)] = _flag_rows(mapping)
    review = pd.DataFrame(rows, columns=REVIEW_COLUMNS, dtype=object)
    review["confidence"] = review["confidence"].astype(float)
    detections: dict[Hashable, Detection] = {df.columns[p]: found for p, (found, _misfits, _matches) in readings.items()}
    return Suggestion(mapping, review, declarations, schema, tuple(missing), detections)


def _flag_rows(mapping: FieldMapping) -> list[tuple[Any, ...]]:
    """A review row per section whose update flag leaves mapped fields unwritten: the flag turned on, proposed only."""
    # Never applied: whether the export's values replace the account's is the analyst's call.
    body = copy.deepcopy(mapping.template)
    for target in mapping.targets:
        paths.set_parts(body, paths.parse(target), "x")  # a value in every mapped place: which would Kapture write?
    fields: dict[tuple[str, ...], list[str]] = {}
    for parts, _value in unwritten(body):
        section = parts[:2] if parts[0] == "contact_info" else parts[:1]
        fields.setdefault(section, []).append(".".join(parts[len(section):]))
    rows = []
    for section, names in fields.items():
        flag = paths.join((*section, "update"))
        value = paths.get_parts(body, (*section, "update"))
        state = "false" if value is False else f"{value!r}, not true,"
        owner = _SECTION_WORDS[section[0]]
        why = (f"{flag} is {state} in the body, so Kapture uses the {owner} section to find the {owner} and does not "
               f"write {', '.join(names)}: map kn.Const(True) to write them")
        rows.append((None, flag, "kn.Const(True)", 0.0, why, ""))
    return rows
