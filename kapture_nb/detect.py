"""Value detection: what a column's values look like, read on a sample; the converter that reads them and a custom field's schema.

Every detection is tried: its converter is run on the sample, and the share it reads sets the
confidence (and the reason names the cells it could not read). Nothing here changes a value.
"""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Hashable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .converters import (
    _EXCEL_EPOCH,
    _SERIAL,
    BLANK,
    FALSE_SPELLINGS,
    TRUE_SPELLINGS,
    Bool,
    Choice,
    Converter,
    Date,
    DateTime,
    Digits,
    Email,
    Integer,
    Number,
    Phone,
    Text,
)

SAMPLE_SIZE = 500
SEED = 0
SURE = 0.9  # the share of the sample a reading must explain to be the column's
PROBE_SIZE = 100  # values of the sample that dates and phones (the slow readings) are first tried on
MISSING_SPELLINGS = ("na", "n/a", "n.a.", "nil", "null", "none", "-", "--", "tbd", "not available")
KINDS = ("empty", "bool", "email", "phone", "date", "datetime", "digits", "integer", "number", "enum", "text")
BASE = {  # how sure a reading is when the converter reads the whole sample
    "bool": 0.95, "email": 0.95, "phone": 0.9, "date": 0.95, "datetime": 0.95,
    "digits": 0.85, "integer": 0.9, "number": 0.9, "enum": 0.8, "text": 0.5,
}
_SCHEMAS: dict[str, dict[str, Any]] = {
    "empty": {}, "bool": {"type": "boolean"}, "email": {"type": "string"}, "phone": {"type": "string"},
    "date": {"type": "string", "format": "date"}, "datetime": {"type": "string", "format": "date-time"},
    "digits": {"type": "string"}, "integer": {"type": "integer"}, "number": {"type": "number"}, "text": {"type": "string"},
}
_NUMERIC_DATE = r"^(\d{1,2})[-/.](\d{1,2})[-/.](?:\d{4}|\d{2})(?!\d)"
_SERIAL_RANGE = (20_000, 80_000)  # the serials (converters' _SERIAL) of 1954 to 2119: the dates an export holds
_PHONE_LIKE = r"\+?[\d\s().-]{7,20}"
_NUMBER_LIKE = r"(?i)(?:₹|rs\.?|inr)?[^a-z₹]*(?:inr|/-)?"  # no letters but a currency's
_DATE_LIKE = r"^\d{1,4}[-/. ]+(?:\d{1,2}|[A-Za-z]{3,9})\.?[-/., ]+\d{2,4}|^[A-Za-z]{3,9}\.?\s+\d{1,2},?\s+\d{4}"
_QUALIFIER = re.compile(r"\s*[(\[{].*$|\s+[-\u2013\u2014|/:]\s.*$|\s*,.*$")  # "Evening (6-9 PM)", "Evening - 6 to 9", "Cash, COD"


@dataclass(frozen=True)
class Detection:
    """What a column's values look like: a kind, the converter that reads them, a custom field's schema, how sure, and why."""

    kind: str  # one of KINDS
    converter: Converter | None  # None only for a column with no values
    schema: dict[str, Any]  # a JSON Schema for a custom field holding what the converter gives
    confidence: float  # 0 to 1
    why: str
    read: float = 1.0  # the share of the sample's non-blank values the converter reads

    def __repr__(self) -> str:
        return f"<Detection {self.kind} {self.converter!r} confidence={self.confidence:.2f}: {self.why}>"


def sample_values(column: pd.Series, size: int = SAMPLE_SIZE, seed: int = SEED) -> pd.Series:
    """Up to ``size`` of the column's cells as stripped text, blanks left out, the same every time.

    Cells that are not NaN/None: the first ``size // 2`` in column order, then the rest drawn at random
    (numpy's generator seeded with ``seed``) from the cells after them and kept in column order; the head
    shows the export's usual shape, the draw what turns up further down. Cells blank once stripped are dropped.
    """
    present = column[column.notna().to_numpy(dtype=bool)]
    if len(present) > size:
        half = size // 2
        drawn = np.random.default_rng(seed).choice(len(present) - half, size=size - half, replace=False) + half
        present = present.iloc[np.concatenate([np.arange(half), np.sort(drawn)])]
    texts = present.astype("string").str.strip()
    kept: pd.Series = texts[(texts != "").to_numpy(dtype=bool)].astype(object).reset_index(drop=True)
    return kept


def _tried(converter: Converter, texts: pd.Series) -> tuple[float, str]:
    """The share of the sample's non-blank values the converter reads, and words on the first it cannot read."""
    converted = converter.convert(texts)
    filled = sum(value is not BLANK for value in converted.values) + len(converted.errors)
    if not filled:
        return 0.0, "no value to read"
    if not converted.errors:
        return 1.0, ""
    first = converted.errors[0][1]
    return 1 - len(converted.errors) / filled, f"{len(converted.errors)} of {filled} sample values not read ({first})"


def _examples(texts: pd.Series, n: int = 3) -> str:
    return ", ".join(repr(text) for text in list(dict.fromkeys(texts.tolist()))[:n])


def _missing_in(texts: pd.Series) -> tuple[str, ...]:
    """The blank spellings (NA, n/a, -...) the sample holds, as first spelled there."""
    found = texts[texts.str.casefold().isin(MISSING_SPELLINGS).to_numpy(dtype=bool)]
    return tuple(dict.fromkeys(found.tolist()))


def _detection(kind: str, converter: Converter, texts: pd.Series, notes: Sequence[str], factor: float = 1.0) -> Detection:
    """The detection of one reading: its converter tried on the sample sets the confidence; the notes say why."""
    share, unread = _tried(converter, texts)
    words = [*notes]
    if converter.missing:
        words.append(f"{', '.join(map(repr, converter.missing))} taken as blank (missing=)")
    if unread:
        words.append(unread)
    schema = {"type": "string", "enum": list(converter.choices)} if isinstance(converter, Choice) else dict(_SCHEMAS[kind])
    return Detection(kind, converter, schema, round(BASE[kind] * share * factor, 2), "; ".join(words), share)


def read_as(
    kind: str,
    label: Hashable,
    texts: pd.Series,
    *,
    region: str = "IN",
    choices: Sequence[str] | None = None,
    max_enum: int = 8,
) -> Detection:
    """The converter for a wanted kind (a field's), configured from the sample (dayfirst, excel, missing...) and tried on it.

    ``kind`` is one of KINDS (not "empty"); ``choices`` are an enum's (without them they come from the
    sample's spellings). The detection's ``read`` says how much of the sample the converter reads.
    """
    missing = _missing_in(texts) if kind != "text" else ()
    values = texts[~texts.str.casefold().isin(MISSING_SPELLINGS).to_numpy(dtype=bool)] if missing else texts
    if kind == "bool":
        only_01 = set(values.str.casefold()) <= {"0", "1"} and len(values) > 0
        note = "only 0 and 1 in the sample: read as no/yes (a count would be an integer)" if only_01 else (
            f"yes/no spellings: {_examples(values, 4)}"
        )
        return _detection(kind, Bool(label, missing=missing), texts, [note], 0.65 if only_01 else 1.0)
    if kind == "email":
        doubled = values[values.str.contains(r"@[^;,\s]*[;,\s]+[^;,\s]*@", regex=True).to_numpy(dtype=bool)]
        notes = ["e-mail addresses"]
        if len(doubled):
            notes.append(f"{_examples(doubled, 1)} holds two addresses: the converter reports those (first=True keeps the first)")
        return _detection(kind, Email(label, missing=missing), texts, notes)
    if kind == "phone":
        return _detection(kind, Phone(label, region=region, missing=missing), texts, [f"phone numbers for {region}"])
    if kind in ("date", "datetime"):
        return _dates(kind, label, texts, values, missing)
    if kind == "digits":
        return _detection(kind, Digits(label, missing=missing), texts, [_digits_note(values)])
    if kind == "integer":
        return _detection(kind, Integer(label, missing=missing), texts, [_integer_note(values)])
    if kind == "number":
        return _detection(kind, Number(label, missing=missing), texts, [_number_note(values)])
    if kind == "enum":
        return _enum(label, texts, values, missing, choices, max_enum)
    if kind == "text":
        distinct = values.nunique()
        note = f"free text: {distinct} different value(s) in a sample of {len(values)}" if len(values) else "no values"
        return _detection(kind, Text(label), texts, [note])
    raise ValueError(f"kind is one of {', '.join(KINDS[1:])}, got {kind!r}")


def _digits_note(values: pd.Series) -> str:
    zeros = values[values.str.match(r"0\d").to_numpy(dtype=bool)]
    spaced = values[values.str.contains(r"\d\s+\d", regex=True).to_numpy(dtype=bool)]
    floats = values[values.str.contains(r"\d\.0+$", regex=True).to_numpy(dtype=bool)]
    notes = [f"with leading zeros ({_examples(zeros, 1)})" if len(zeros) else "",
             f"with spaces ({_examples(spaced, 1)}) that go" if len(spaced) else "",
             f"with a float's .0 ({_examples(floats, 1)}) that goes" if len(floats) else ""]
    return "digits, kept as text as ids and PIN codes are" + "".join(f", {note}" for note in notes if note)


def _integer_note(values: pd.Series) -> str:
    grouped = values[values.str.contains(r"\d,\d", regex=True).to_numpy(dtype=bool)]
    floats = values[values.str.contains(r"\d\.0+$", regex=True).to_numpy(dtype=bool)]
    shown = [f"{_examples(grouped, 1)} (thousands separators)" if len(grouped) else "",
             f"{_examples(floats, 1)} (a whole float)" if len(floats) else ""]
    written = " and ".join(note for note in shown if note)
    return "whole numbers" + (f", written like {written}" if written else "")


def _number_note(values: pd.Series) -> str:
    money = values[values.str.contains(r"₹|rs\.?|inr|\$|€|£|/-", case=False, regex=True).to_numpy(dtype=bool)]
    grouped = values[values.str.contains(r"\d,\d", regex=True).to_numpy(dtype=bool) & ~values.isin(money).to_numpy(dtype=bool)]
    shown = [f"{_examples(money, 2)} (currency)" if len(money) else "",
             f"{_examples(grouped, 1)} (thousands separators)" if len(grouped) else ""]
    written = " and ".join(note for note in shown if note)
    return "numbers" + (f", written like {written}" if written else "")


def _dates(kind: str | None, label: Hashable, texts: pd.Series, values: pd.Series, missing: tuple[str, ...]) -> Detection:
    """Dates for a field of ``kind`` (None: whichever the values are): the day's place, Excel serials, and times."""
    notes: list[str] = []
    parts = values.str.extract(_NUMERIC_DATE).dropna()
    first, second = parts[0].astype(int), parts[1].astype(int)
    day_first = values[parts.index[(first > 12).to_numpy()]]
    month_first = values[parts.index[(second > 12).to_numpy()]]
    dayfirst: bool | None = None
    if len(day_first) and len(month_first):
        notes.append(
            f"{_examples(day_first, 1)} puts the day first and {_examples(month_first, 1)} the month: the column mixes "
            "both orders, so the converter reports the dates that read two ways"
        )
    elif len(day_first):
        dayfirst = True
        notes.append(f"{_examples(day_first, 1)} has a first part over 12: day first (dayfirst=True)")
    elif len(month_first):
        dayfirst = False
        notes.append(f"{_examples(month_first, 1)} has a second part over 12: month first (dayfirst=False)")
    else:
        two_ways = values[parts.index[(first != second).to_numpy()]]
        if len(two_ways):
            notes.append(
                f"{_examples(two_ways, 1)} reads two ways and no value in the sample settles the order: the converter "
                "reports such dates until you give dayfirst=True (day first, India's usual order) or dayfirst=False"
            )
    serials = values[values.str.fullmatch(_SERIAL.pattern).to_numpy(dtype=bool)]
    serials = serials[serials.astype(float).between(*_SERIAL_RANGE).to_numpy(dtype=bool)]
    excel = bool(len(serials))
    if excel:
        first_serial = serials.iloc[0]
        as_date = (_EXCEL_EPOCH + pd.Timedelta(days=float(first_serial))).strftime("%Y-%m-%d")
        notes.append(f"{first_serial!r} reads as an Excel serial date ({as_date}): excel=True")
    timed = bool(values.str.contains(r"\d:\d\d", regex=True).any()) or bool(serials.str.contains(r"\.\d*[1-9]", regex=True).any())
    factor = 1.0
    if kind is None:
        kind = "datetime" if timed else "date"
    elif kind == "date" and timed:
        kind, factor = "datetime", 0.7
        notes.append("values carry a time of day but the field takes a date: sent with the time, the validator warns")
    elif kind == "datetime" and not timed:
        notes.append("no time of day in the sample")
    cls = DateTime if kind == "datetime" else Date
    notes.insert(0, "dates with a time of day" if timed else "dates")
    return _detection(kind, cls(label, dayfirst=dayfirst, excel=excel, missing=missing), texts, notes, factor)


def _enum(
    label: Hashable,
    texts: pd.Series,
    values: pd.Series,
    missing: tuple[str, ...],
    choices: Sequence[str] | None,
    max_enum: int,
) -> Detection:
    """An enum: the given choices, or the sample's spellings clustered (case and spacing aside, by their leading words)."""
    if choices:
        return _detection("enum", Choice(label, choices=tuple(choices), missing=missing), texts, ["one of the field's choices"])
    cores = {text: _core(text) for text in dict.fromkeys(values.tolist())}
    clusters: dict[str, Counter[str]] = {}
    for text in values.tolist():
        clusters.setdefault(cores[text].casefold(), Counter())[cores[text]] += 1
    canonical = {key: spellings.most_common(1)[0][0] for key, spellings in clusters.items()}
    if not canonical or len(canonical) > max_enum:
        note = f"{len(canonical)} different value(s): too many for an enum (max_enum={max_enum})"
        return _detection("text", Text(label), texts, [note])
    found = tuple(sorted(canonical.values(), key=str.casefold))
    shown = [f"{text!r} -> {canonical[core.casefold()]!r}" for text, core in cores.items() if text != canonical[core.casefold()]]
    note = f"{len(found)} choice(s) from {len(cores)} spelling(s) in the sample (the most frequent spelling of each)"
    note += ": " + ", ".join(shown[:4]) if shown else ""
    return _detection("enum", Choice(label, choices=found, missing=missing), texts, [note])


def _core(text: str) -> str:
    """A spelling's core: spaces collapsed, a trailing qualifier cut (``Evening (6-9 PM)``: Evening)."""
    spaced = " ".join(text.split())
    return _QUALIFIER.sub("", spaced) or spaced


def detect(
    column: pd.Series,
    *,
    region: str = "IN",
    max_enum: int = 8,
    size: int = SAMPLE_SIZE,
    seed: int = SEED,
    texts: pd.Series | None = None,
) -> Detection:
    """What the column's values look like, read on a sample (``sample_values``; or ``texts``, a sample already taken).

    Typed columns go by their dtype (bool, datetime64, integers, floats); text is tried as yes/no, e-mails,
    dates, phone numbers for ``region``, digits, whole numbers, numbers, an enum of at most ``max_enum``
    clustered spellings, and free text, in that order: the first reading that explains 90% of the sample wins.
    """
    label, dtype = column.name, column.dtype
    if texts is None:
        texts = sample_values(column, size, seed)
    if not len(texts):
        return Detection("empty", None, {}, 0.0, "every cell is blank", 0.0)
    kind = _typed_kind(column)
    if kind is None:
        return _detect_texts(label, texts, region=region, max_enum=max_enum)
    converter = {"bool": Bool, "date": Date, "datetime": DateTime, "integer": Integer, "number": Number}[kind](label)
    what = {"integer": "whole numbers", "number": "numbers", "bool": "yes/no values"}.get(kind, "dates")
    return _detection(kind, converter, texts, [f"{what} in a {dtype} column, like {texts.iloc[0]!r}"])


def _typed_kind(column: pd.Series) -> str | None:
    """The kind a column's dtype says (bool, date, datetime, integer, number), or None for text and objects."""
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        stamps = column.dropna()
        return "date" if bool((stamps.dt.normalize() == stamps).all()) else "datetime"
    if pd.api.types.is_integer_dtype(dtype):
        return "integer"
    if pd.api.types.is_float_dtype(dtype):
        present = column.dropna().to_numpy(dtype=float)  # inf and -inf are no whole numbers: a column holding them is number
        return "integer" if len(present) and bool(np.isfinite(present).all() and (present == present.round()).all()) else "number"
    return None


def _share(mask: pd.Series) -> float:
    return float(mask.mean()) if len(mask) else 0.0


def _detect_texts(label: Hashable, texts: pd.Series, *, region: str, max_enum: int) -> Detection:
    folded = texts.str.casefold()
    values = texts[~folded.isin(MISSING_SPELLINGS).to_numpy(dtype=bool)]
    if not len(values):
        return Detection("empty", None, {}, 0.0, f"every value in the sample is a blank spelling ({_examples(texts)})", 0.0)
    if _is_yes_no(values):
        return read_as("bool", label, texts)
    if _share(values.str.contains("@", regex=False)) >= 0.5:
        found = read_as("email", label, texts)
        if found.read >= SURE or _share(values.str.fullmatch(r"\S+@\S+\.\S+([;,\s]+\S+@\S+\.\S+)*")) >= SURE:
            return found
    probe = values.iloc[:: -(-len(values) // PROBE_SIZE)]  # a spread of the sample, to rule slow readings out quickly
    if _date_shapes(probe) >= SURE:
        return _dates(None, label, texts, values, _missing_in(texts))
    if _share(values.str.fullmatch(_PHONE_LIKE)) >= SURE and _tried(Phone(label, region=region), probe)[0] >= SURE:
        found = read_as("phone", label, texts, region=region)
        if found.read >= SURE:
            return found
    if _share(values.str.fullmatch(_NUMBER_LIKE)) >= SURE:
        digits, integer, number = (read_as(kind, label, texts) for kind in ("digits", "integer", "number"))
        kept = values.str.match(r"0\d").any() or values.str.contains(r"\d\s+\d", regex=True).any()
        if digits.read >= SURE and kept:
            return digits
        for found in (integer, number, digits):
            if found.read >= SURE:
                return found
    found = read_as("enum", label, texts, max_enum=max_enum)
    if found.kind == "enum" and len(found.schema["enum"]) * 2 <= len(values) and found.read >= SURE:
        return found
    return read_as("text", label, texts)


def _is_yes_no(values: pd.Series) -> bool:
    """Yes/no spellings make 90% of the values, with a word among them or both answers (a lone ``n`` is not enough),
    and nothing else is a number (1, 0 and 2 are a count)."""
    folded = values.str.casefold()
    true, false = {s.casefold() for s in TRUE_SPELLINGS}, {s.casefold() for s in FALSE_SPELLINGS}
    spelled = folded.isin(true | false)
    seen = set(folded[spelled.to_numpy(dtype=bool)])
    evidence = any(len(spelling) > 1 for spelling in seen) or (bool(seen & true) and bool(seen & false))
    counts = values[~spelled.to_numpy(dtype=bool)].str.fullmatch(r"[+-]?[\d.,]+").any()
    return _share(spelled) >= SURE and evidence and not counts


def _date_shapes(values: pd.Series) -> float:
    """The share of values that read as dates in either order (Excel serials count only beside real dates)."""
    if _share(values.str.contains(_DATE_LIKE, regex=True)) < 0.5:
        return 0.0
    read = [value is not BLANK for value in DateTime("probe", dayfirst=True).convert(values).values]
    if sum(read) < SURE * len(values):
        month_first = DateTime("probe", dayfirst=False).convert(values).values
        read = [day or value is not BLANK for day, value in zip(read, month_first, strict=True)]
    as_dates = sum(read)
    if not as_dates:
        return 0.0
    if as_dates * 2 < len(values):
        return as_dates / len(values)
    serial = values.str.fullmatch(_SERIAL.pattern)
    serials = serial & values.where(serial, "0").astype(float).between(*_SERIAL_RANGE)
    return (as_dates + int(serials.sum())) / len(values)


def infer_field_schema(column: pd.Series, max_enum: int = 8) -> dict[str, Any]:
    """A custom field's JSON Schema for what the column holds: typed columns by dtype, text by ``detect`` on a sample.

    Bool, datetime64, integer and float dtypes say their type (a float column of whole numbers is integer).
    Text reads as boolean (yes/no spellings), an enum (clustered spellings, the most frequent spelling of
    each), integer (``1,200``, ``36.0``), number (``₹1,299.00``), date or date-time, else string. Python
    booleans are boolean; a float column holding inf or -inf is number. A column with no values (every cell
    missing, whatever its dtype: nothing was seen) and other Python objects (numbers or dates held as
    objects, a mix) get ``{}``.
    """
    if not column.notna().any():
        return {}
    kind = _typed_kind(column)
    if kind is not None:
        return dict(_SCHEMAS[kind])
    values = column.dropna()
    if not len(values) or values.map(lambda v: not isinstance(v, (str, bool, np.bool_))).any():
        return {}
    if values.map(lambda v: isinstance(v, (bool, np.bool_))).all():
        return {"type": "boolean"}
    if not values.map(lambda v: isinstance(v, str)).all():
        return {}
    return dict(detect(column, max_enum=max_enum).schema)
