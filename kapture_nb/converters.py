"""Converters: mapping sources that read one column's raw cells into what the API takes, or say why they cannot."""
from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from .exceptions import MappingError

CONVERT = "convert"  # the keyword of a cell a converter cannot read


class _Blank:
    """The value of a blank cell: the mapping's ``missing`` policy decides what is sent."""

    def __repr__(self) -> str:
        return "BLANK"


BLANK: Any = _Blank()


@dataclass(frozen=True)
class Converted:
    """One column converted: a value per cell (``BLANK`` for a blank one), and the cells that could not be read."""

    values: list[Any]
    errors: list[tuple[int, str]]  # (position in the column, message)


class Converter:
    """A column and the reading of its cells; a subclass fills in ``_read`` (a column of stripped texts at a time)."""

    type: ClassVar[str]  # the name in a saved mapping
    column: Hashable
    missing: tuple[str, ...]

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        """Values and messages (None where the cell was read), aligned with ``texts`` (distinct, stripped, not blank)."""
        raise NotImplementedError

    def convert(self, column: pd.Series) -> Converted:
        """Every cell read: blanks (empty, NaN, or spelled as ``missing``) are BLANK; an unreadable cell is an error."""
        if not isinstance(column, pd.Series):
            raise MappingError(f"{type(self).__name__}.convert takes a pandas Series (a column), got {type(column).__name__}")
        unfit = _unfit_cells(column)
        texts = column.astype("string").str.strip()
        blank = (texts.isna() | (texts == "")).to_numpy(dtype=bool)
        if self.missing:
            blank |= texts.str.casefold().isin([spelling.casefold() for spelling in self.missing]).to_numpy(dtype=bool)
        values: list[Any] = [BLANK] * len(column)
        errors: list[tuple[int, str]] = [(position, why) for position, why in unfit.items() if not blank[position]]
        blank[list(unfit)] = True  # reported: not read
        filled = np.flatnonzero(~blank)
        if len(filled):
            codes, distinct = pd.factorize(texts.iloc[filled].astype(str))  # exports repeat values: read each once
            read, messages = self._read(pd.Series(distinct, dtype=object))
            read_values, read_messages = read.tolist(), messages.tolist()
            for position, code in zip(filled.tolist(), codes.tolist(), strict=True):
                if read_messages[code] is None:
                    values[position] = read_values[code]
                else:
                    errors.append((position, read_messages[code]))
        return Converted(values, sorted(errors))

    def __repr__(self) -> str:
        options = "".join(f", {name}={value!r}" for name, value in self.to_json().items() if name != "type")
        return f"kn.{type(self).__name__}({self.column!r}{options})"

    def to_json(self) -> dict[str, Any]:
        """The converter as saved in a mapping: its type and the options that differ from their defaults."""
        saved: dict[str, Any] = {"type": self.type}
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            if field.name != "column" and value != field.default:
                saved[field.name] = list(value) if isinstance(value, tuple) else value
        return saved


_EXACT_FLOAT = 2.0**53  # from here on a float no longer holds every whole number: digits were lost
_CELL_TYPES = (str, int, float, bool, Decimal, dt.date, np.generic)


def _unfit_cells(column: pd.Series) -> dict[int, str]:
    """By position, the cells no converter should read as text: containers and objects, floats past 2^53."""
    if pd.api.types.is_float_dtype(column.dtype):
        numbers = column.to_numpy(dtype=float, na_value=np.nan)
        where = np.flatnonzero(np.isfinite(numbers) & (np.abs(numbers) >= _EXACT_FLOAT)).tolist()
    elif column.dtype == object:
        where = [position for position, cell in enumerate(column.tolist()) if _unfit(cell)]
    else:
        return {}
    found = {}
    for position in where:
        cell = column.iloc[position]
        if isinstance(cell, (float, np.floating)):
            found[position] = (
                f"{cell!r} is a float past 2^53: its last digits may be lost already; read the column as text "
                "(pd.read_csv(..., dtype=str))"
            )
        else:
            found[position] = f"{str(cell)[:60]!r} is a {type(cell).__name__}, not a cell's value"
    return found


def _unfit(cell: Any) -> bool:
    if isinstance(cell, (float, np.floating)):
        return bool(np.isfinite(cell) and abs(float(cell)) >= _EXACT_FLOAT)
    return not (cell is None or cell is pd.NA or cell is pd.NaT or isinstance(cell, _CELL_TYPES))


def _flag(value: Any, what: str, optional: bool = False) -> None:
    """Raise MappingError unless ``value`` is True or False (or None, when ``optional``)."""
    if not (type(value) is bool or (optional and value is None)):
        allowed = "True, False or None" if optional else "True or False"
        raise MappingError(f"{what} is {allowed}, got {value!r}")


def _separator(value: Any, what: str, optional: bool = False) -> None:
    """Raise MappingError unless ``value`` is one character that is no digit (or None, when ``optional``)."""
    if optional and value is None:
        return
    if not (isinstance(value, str) and len(value) == 1 and not value.isdigit() and not value.isspace()):
        raise MappingError(f"{what} is one character that is not a digit (',' '.' ...){' or None' * optional}, got {value!r}")


def _texts_tuple(value: Iterable[str] | None, what: str) -> tuple[str, ...] | None:
    if value is None:
        return None
    if not isinstance(value, (list, tuple)) or not all(isinstance(item, str) for item in value):
        raise MappingError(f"{what} takes a list of spellings (str), got {value!r}")
    return tuple(value)


class _Base(Converter):
    def __post_init__(self) -> None:
        try:
            hash(self.column)
        except TypeError:
            name = type(self).__name__
            raise MappingError(f"{name}: a column label is hashable (a str, a number...), got {self.column!r}") from None
        object.__setattr__(self, "missing", _texts_tuple(self.missing, "missing") or ())


def _shown(text: str) -> str:
    """A cell as a message shows it: quoted, cut after 60 characters."""
    return repr(text) if len(text) <= 60 else repr(text[:60]) + "..."


def _per_value(texts: pd.Series, read_one: Callable[[str], tuple[Any, str | None]]) -> tuple[pd.Series, pd.Series]:
    """Values and messages from a function of one text, for what a library reads a value at a time."""
    results = [read_one(text) for text in texts]
    return pd.Series([value for value, _ in results], dtype=object), pd.Series([why for _, why in results], dtype=object)


def _fail_where(bad: pd.Series, message: Callable[[str], str], texts: pd.Series) -> pd.Series:
    """Messages for the cells where ``bad`` holds, None elsewhere."""
    messages = pd.Series([None] * len(texts), dtype=object)
    where = bad.to_numpy(dtype=bool)
    messages[where] = [message(text) for text in texts[where]]
    return messages


TRUE_SPELLINGS = ("yes", "y", "true", "1", "on")
FALSE_SPELLINGS = ("no", "n", "false", "0", "off")


@dataclass(frozen=True, repr=False)
class Bool(_Base):
    """Yes/no cells as true/false: yes/no, y/n, true/false, 1/0, on/off in any case, or the spellings given."""

    type: ClassVar[str] = "bool"
    column: Hashable
    true: tuple[str, ...] | None = None
    false: tuple[str, ...] | None = None
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "true", _texts_tuple(self.true, "true"))
        object.__setattr__(self, "false", _texts_tuple(self.false, "false"))
        both = {s.casefold() for s in self._true()} & {s.casefold() for s in self._false()}
        if both:
            raise MappingError(f"Bool({self.column!r}): {', '.join(sorted(both))} is spelled as both true and false")

    def _true(self) -> tuple[str, ...]:
        return self.true if self.true is not None else TRUE_SPELLINGS

    def _false(self) -> tuple[str, ...]:
        return self.false if self.false is not None else FALSE_SPELLINGS

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        table = {s.casefold(): True for s in self._true()} | {s.casefold(): False for s in self._false()}
        values = texts.str.casefold().map(table)
        spelled = ", ".join(self._true()) + " / " + ", ".join(self._false())
        unread = _fail_where(values.isna(), lambda t: f"{_shown(t)} is not a yes/no value ({spelled})", texts)
        return values.astype(object), unread


_SCIENTIFIC = re.compile(r"[+-]?[0-9]+(?:\.[0-9]*)?[eE][+-]?[0-9]+")
_LOST = (
    "looks like scientific notation: the number went through a float (Excel shows 2.41E+07) and its digits are "
    "lost; read the column as text and fix the export"
)


@dataclass(frozen=True, repr=False)
class Digits(_Base):
    """Ids and PIN codes as a string of digits: spaces and a float's trailing ``.0`` go; other decimals are errors."""

    type: ClassVar[str] = "digits"
    column: Hashable
    missing: tuple[str, ...] = ()

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        # One space inside a code (560 001) goes; a space before a long run of digits may part two numbers: kept.
        grouped = texts.str.replace(r"(?<=[0-9]) (?=[0-9]{1,5}(?![0-9]))", "", regex=True)
        digits = grouped.str.replace(r"(?<=[0-9])\.0+$", "", regex=True)
        bad = ~digits.str.fullmatch(r"[0-9]+")

        def why(text: str) -> str:
            if _SCIENTIFIC.fullmatch(text):
                return f"{_shown(text)} {_LOST}"
            if re.fullmatch(r"[0-9]+(?:\s+[0-9]+)+", text):
                return f"{_shown(text)} is digits parted by spaces: one number with spaces, or two numbers? Clean the cell"
            return f"{_shown(text)} is not a string of digits"

        return digits.astype(object), _fail_where(bad, why, texts)


_GROUPED = r"[0-9]{{1,3}}(?:{t}[0-9]{{3}})+|[0-9]{{1,2}}(?:{t}[0-9]{{2}})+{t}[0-9]{{3}}"  # 1,299,000 and India's 12,99,000


def _numbers(texts: pd.Series, thousands: str | None, decimal: str) -> tuple[pd.Series, pd.Series]:
    """Texts of numbers with optional grouping: the plain form (``1299.5``) and whether each was one."""
    t = re.escape(thousands) if thousands else None
    whole = rf"(?:{_GROUPED.format(t=t)}|[0-9]+)" if t else r"[0-9]+"
    shape = rf"[+-]?{whole}(?:{re.escape(decimal)}[0-9]+)?"
    good = texts.str.fullmatch(shape)
    plain = texts.str.replace(t, "", regex=True) if t else texts
    if decimal != ".":
        plain = plain.str.replace(decimal, ".", regex=False)
    return plain, good


@dataclass(frozen=True, repr=False)
class Integer(_Base):
    """Whole numbers: ``1,200`` -> 1200, ``36.0`` -> 36; ``36.5`` and text are errors."""

    type: ClassVar[str] = "integer"
    column: Hashable
    thousands: str | None = ","
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        _separator(self.thousands, f"Integer({self.column!r}): thousands", optional=True)
        if self.thousands == ".":
            raise MappingError(f"Integer({self.column!r}): thousands cannot be '.', which marks the decimals of 36.0")

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        plain, good = _numbers(texts, self.thousands, ".")
        whole = plain.str.replace(r"\.0+$", "", regex=True)
        fractional = good & ~whole.str.fullmatch(r"[+-]?[0-9]+")
        read = good & ~fractional
        values = pd.Series([_whole(text) if ok else None for text, ok in zip(whole, read, strict=True)], dtype=object)
        messages = pd.Series(
            [
                None if ok and value is not None else _not_a_number(text, part)
                for text, ok, part, value in zip(texts, read, fractional, values, strict=True)
            ],
            dtype=object,
        )
        return values, messages


def _whole(text: str) -> int | None:
    """The int a text of digits spells, or None past the 4,300 digits Python reads."""
    try:
        return int(text)
    except ValueError:
        return None


def _not_a_number(text: str, whole_only: bool = False) -> str:
    if _SCIENTIFIC.fullmatch(text):
        return f"{_shown(text)} {_LOST}"
    if len(text) > 4300:
        return f"{text[:20]!r}... has more digits than a number holds"
    return f"{_shown(text)} is not a whole number" if whole_only else f"{_shown(text)} is not a number"


_RUPEES = re.compile(r"^(?:₹|rs\.?|inr)\s*|\s*(?:₹|rs\.?|inr|/-)$", re.IGNORECASE)  # other currencies stay: errors


@dataclass(frozen=True, repr=False)
class Number(_Base):
    """Numbers as written in exports: ``₹1,299.00``, ``Rs. 1299``, ``13,870.86``; an int when written without decimals.

    ``currency=True`` reads rupees (₹, Rs, INR, a trailing /-); a dollar or euro sign stays, and the cell is an error.
    """

    type: ClassVar[str] = "number"
    column: Hashable
    thousands: str | None = ","
    decimal: str = "."
    currency: bool = True
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        _separator(self.thousands, f"Number({self.column!r}): thousands", optional=True)
        _separator(self.decimal, f"Number({self.column!r}): decimal")
        _flag(self.currency, f"Number({self.column!r}): currency")
        if self.thousands == self.decimal:
            raise MappingError(f"Number({self.column!r}): thousands and decimal separators are both {self.decimal!r}")

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        bare = texts.str.replace(_RUPEES, "", regex=True) if self.currency else texts
        plain, good = _numbers(bare, self.thousands, self.decimal)
        read = [_number(text) if ok else (None, None) for text, ok in zip(plain, good, strict=True)]
        messages = [why if ok else _not_a_number(text) for text, ok, (_, why) in zip(texts, good, read, strict=True)]
        return pd.Series([value for value, _ in read], dtype=object), pd.Series(messages, dtype=object)


def _number(text: str) -> tuple[Any, str | None]:
    """The number a plain text spells (an int without decimals), or why it cannot be sent as written."""
    if "." not in text:
        whole = _whole(text)
        return (whole, None) if whole is not None else (None, f"{text[:20]!r}... has more digits than a number holds")
    number = float(text)
    if Decimal(repr(number)) != Decimal(text):
        return None, f"{_shown(text)} has more digits than a number holds: it would be sent as {number!r}"
    return number, None


def _normal(text: str) -> str:
    return " ".join(text.casefold().split())


@dataclass(frozen=True, repr=False)
class Choice(_Base):
    """One of ``choices``, ignoring case and spacing, maybe followed by a space or a bracket (``Evening (6-9 PM)``)."""

    type: ClassVar[str] = "choice"
    column: Hashable
    choices: tuple[str, ...] = ()
    aliases: dict[str, str] | None = None
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        object.__setattr__(self, "choices", _texts_tuple(self.choices, "choices") or ())
        if not self.choices:
            raise MappingError(f"Choice({self.column!r}) needs choices=[...]")
        normals = [_normal(choice) for choice in self.choices]
        doubled = sorted({choice for choice, normal in zip(self.choices, normals, strict=True) if normals.count(normal) > 1})
        if doubled:
            raise MappingError(
                f"Choice({self.column!r}): {', '.join(map(repr, doubled))} are one choice when case and spaces are set aside"
            )
        if self.aliases is not None and not (
            isinstance(self.aliases, Mapping) and all(isinstance(k, str) and isinstance(v, str) for k, v in self.aliases.items())
        ):
            raise MappingError(f"Choice({self.column!r}): aliases maps spellings (str) to choices (str), got {self.aliases!r}")
        aliases = dict(self.aliases or {})
        strays = [choice for choice in aliases.values() if choice not in self.choices]
        if strays:
            raise MappingError(f"Choice({self.column!r}): aliases lead to {strays!r}, which are not among the choices")
        clashes = [
            alias for alias, choice in aliases.items()
            if _normal(alias) in normals and choice != self.choices[normals.index(_normal(alias))]
        ]
        if clashes:
            raise MappingError(f"Choice({self.column!r}): the alias(es) {clashes!r} spell another choice")
        object.__setattr__(self, "aliases", aliases or None)

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        exact = {_normal(choice): choice for choice in self.choices} | {
            _normal(alias): choice for alias, choice in (self.aliases or {}).items()
        }

        def read_one(text: str) -> tuple[Any, str | None]:
            normal = _normal(text)
            if normal in exact:
                return exact[normal], None
            leads = [key for key in exact if re.match(rf"{re.escape(key)}(?= ?\()|{re.escape(key)} ", normal)]
            if leads:  # leads of one text are prefixes of each other: the longest is the most exact
                lead = max(leads, key=len)
                rest = normal[len(lead):]
                others = [exact[key] for key in exact if exact[key] != exact[lead] and re.search(rf"\b{re.escape(key)}\b", rest)]
                if not others:
                    return exact[lead], None
                return None, f"{_shown(text)} names {exact[lead]!r} and {others[0]!r}; the field takes one"
            from rapidfuzz import process

            nearest = process.extractOne(normal, list(exact), processor=None)
            hint = f"; nearest: {exact[nearest[0]]!r}" if nearest else ""
            return None, f"{_shown(text)} is none of {', '.join(map(repr, self.choices))}{hint} (aliases= maps other spellings)"

        return _per_value(texts, read_one)


@dataclass(frozen=True, repr=False)
class Email(_Base):
    """An e-mail address, trimmed and lower-cased, its syntax checked (no network); two in a cell is an error unless ``first``."""

    type: ClassVar[str] = "email"
    column: Hashable
    first: bool = False
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        _flag(self.first, f"Email({self.column!r}): first")

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        from email_validator import EmailNotValidError, validate_email

        lowered = texts.str.lower()  # not casefold: that rewrites letters (Straße -> strasse)
        plain = lowered.map(is_plain_email)

        def read_one(text: str) -> tuple[Any, str | None]:
            found = [part for part in re.split(r"[;,\s]+", text.lower()) if part]
            if not found:
                return None, f"{_shown(text)} holds no address"
            if len(found) > 1 and not self.first:
                return None, f"{_shown(text)} holds {len(found)} addresses; the field takes one (first=True takes the first)"
            try:
                validate_email(found[0], check_deliverability=False)
            except EmailNotValidError as exc:
                return None, f"{_shown(text)} is not an e-mail address: {exc}"
            return found[0], None

        values = lowered.astype(object)
        messages = pd.Series([None] * len(texts), index=texts.index, dtype=object)
        others = texts.index[~plain.to_numpy(dtype=bool)]
        read, why = _per_value(texts[others], read_one)
        values[others], messages[others] = read.to_numpy(), why.to_numpy()
        return values, messages


# Addresses of this shape pass email-validator's syntax check (tests/test_converters.py holds it to that), so only
# the rest pay for a call to it: a dot-atom local part of common characters, ASCII labels, an alphabetic top level.
_PLAIN_EMAIL = re.compile(r"[a-z0-9_+-]+(?:\.[a-z0-9_+-]+)*@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63})")


def is_plain_email(text: str) -> bool:
    """Whether an address has the plain shape email-validator accepts without a doubt, so it need not be asked."""
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    shape = _PLAIN_EMAIL.fullmatch(text)
    return (
        shape is not None and "--" not in text and shape.group(1) not in SPECIAL_USE_DOMAIN_NAMES
        and len(text) <= 254 and text.index("@") <= 64
    )


PHONE_PARTS = ("national", "country_code")


@dataclass(frozen=True, repr=False)
class Phone(_Base):
    """A phone number read by libphonenumber for ``region``: its national digits, or its country code (``part``)."""

    type: ClassVar[str] = "phone"
    column: Hashable
    region: str = "IN"
    part: str = "national"
    foreign: bool = False
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        import phonenumbers

        _flag(self.foreign, f"Phone({self.column!r}): foreign")
        if not isinstance(self.region, str) or self.region not in phonenumbers.SUPPORTED_REGIONS:
            raise MappingError(f"Phone({self.column!r}): {self.region!r} is not a region libphonenumber knows (IN, US, GB...)")
        if self.part not in PHONE_PARTS:
            raise MappingError(f"Phone({self.column!r}): part is one of {', '.join(PHONE_PARTS)}, got {self.part!r}")

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        import phonenumbers

        home = phonenumbers.country_code_for_region(self.region)
        quick = _quick_reader(self.region)

        def read_one(text: str) -> tuple[Any, str | None]:
            if _SCIENTIFIC.fullmatch(text):
                return None, f"{_shown(text)} {_LOST}"
            if re.search(r"[;,/|&]", text):
                return None, f"{_shown(text)} looks like more than one number; the field takes one"
            if re.search(r"[^\W\d_]", re.sub(r"(?i)\s*(?:ext\.?|x|#)\s*[0-9]+$", "", text)):
                return None, f"{_shown(text)} has letters; a phone number is digits"
            number_text = re.sub(r"(?<=[0-9])\.0$", "", text)  # a whole float's digits are all there
            number = quick(number_text)
            if number is None:
                try:
                    number = phonenumbers.parse(number_text, self.region)
                except phonenumbers.NumberParseException as exc:
                    return None, f"{_shown(text)} is not a phone number: {exc.args[0]}"
                if not phonenumbers.is_valid_number(number):
                    return None, f"{_shown(text)} is not a valid phone number for {self.region}"
            if number.extension:
                return None, f"{_shown(text)} has an extension ({number.extension}), which the field cannot hold"
            if self.part == "country_code":
                return str(number.country_code), None
            if number.country_code != home and not self.foreign:
                return None, (
                    f"{_shown(text)} is a +{number.country_code} number, not one of {self.region}: its national digits "
                    "alone would lose the country; give foreign=True and map part='country_code' beside it"
                )
            return phonenumbers.national_significant_number(number), None

        return _per_value(texts, read_one)


_SEPARATORS = re.compile(r"[\s().-]")  # what libphonenumber reads past between digits


def _quick_reader(region: str) -> Callable[[str], Any]:
    """A reader of the common shapes (+CC digits, national prefix and digits, digits) without parse(), which is most
    of libphonenumber's time: the number is built from the digits and only kept if libphonenumber calls it valid;
    anything else (None) goes through parse(). tests/test_converters.py holds both paths to the same answers."""
    import phonenumbers

    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    code = phonenumbers.country_code_for_region(region)
    if meta is None or meta.national_prefix_transform_rule:
        return lambda text: None  # the region's prefix rules are parse()'s to apply
    if meta.national_prefix_for_parsing not in (None, meta.national_prefix):
        return lambda text: None
    prefix = f"|{re.escape(meta.national_prefix)}" if meta.national_prefix else ""
    shape = re.compile(rf"(?:\+{code}{prefix})?([1-9][0-9]{{5,14}})")

    def quick(text: str) -> Any:
        found = shape.fullmatch(_SEPARATORS.sub("", text))
        if found is None:
            return None
        number = phonenumbers.PhoneNumber(country_code=code, national_number=int(found.group(1)))
        return number if phonenumbers.is_valid_number(number) else None

    return quick


@dataclass(frozen=True, repr=False)
class Text(_Base):
    """Text, stripped (``strip``) and, with ``case`` of lower, upper or title, recased."""

    type: ClassVar[str] = "text"
    column: Hashable
    strip: bool = True
    case: str | None = None
    missing: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        super().__post_init__()
        _flag(self.strip, f"Text({self.column!r}): strip")
        if self.case not in (None, "lower", "upper", "title"):
            raise MappingError(f"Text({self.column!r}): case is None, 'lower', 'upper' or 'title', got {self.case!r}")

    def convert(self, column: pd.Series) -> Converted:
        """Every cell as text; with ``strip=False`` the spaces around it are kept."""
        if self.strip:
            return super().convert(column)
        converted = super().convert(column)
        texts = column.astype("string")
        values = [value if value is BLANK else self._recase(texts.iloc[i]) for i, value in enumerate(converted.values)]
        return Converted(values, converted.errors)

    def _recase(self, text: str) -> str:
        return text if self.case is None else getattr(str, self.case)(text)

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        recased = texts if self.case is None else getattr(texts.str, self.case)()
        return recased.astype(object), pd.Series([None] * len(texts), dtype=object)


_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",), ("jun", "june"),
         ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"), ("oct", "october"), ("nov", "november"),
         ("dec", "december")],
        start=1,
    )
    for name in names
}
_TIME = r"(?:[T ]\s*(?P<H>[0-9]{1,2}):(?P<M>[0-9]{2})(?::(?P<S>[0-9]{2})(?:\.[0-9]+)?)?\s*(?P<ampm>[AaPp][Mm])?)?"
_ISO = re.compile(rf"(?P<y>[0-9]{{4}})[-/.](?P<m>[0-9]{{1,2}})[-/.](?P<d>[0-9]{{1,2}}){_TIME}")
_NUMERIC = re.compile(rf"(?P<a>[0-9]{{1,2}})[-/.](?P<b>[0-9]{{1,2}})[-/.](?P<y>[0-9]{{4}}|[0-9]{{2}}){_TIME}")
_NAMED = re.compile(rf"(?P<d>[0-9]{{1,2}})[-/ ]+(?P<mon>[A-Za-z]{{3,9}})\.?[-/, ]+(?P<y>[0-9]{{4}}|[0-9]{{2}}){_TIME}")
_NAMED_FIRST = re.compile(rf"(?P<mon>[A-Za-z]{{3,9}})\.?\s+(?P<d>[0-9]{{1,2}}),?\s+(?P<y>[0-9]{{4}}){_TIME}")
_SERIAL = re.compile(r"[0-9]{2,5}(?:\.[0-9]+)?")
_DIRECTIVES = "aAwdbBmyYHIpMSfjUW%"  # strptime's, less the time zones (%z, %Z): the API's dates carry none
_YEARS = (1678, 2261)  # the whole years pandas' timestamps hold
_EXCEL_EPOCH = pd.Timestamp("1899-12-30")
_LIKE_A_YEAR = (1900, 2100)  # Excel's day 0, for serials from 61 (1 March 1900) on


@dataclass(frozen=True, repr=False)
class Date(_Base):
    """Dates written ``yyyy-MM-dd``: ISO read as ISO; ``05/07/2024`` needs ``dayfirst``; ``formats`` (strptime) for only those."""

    type: ClassVar[str] = "date"
    column: Hashable
    formats: tuple[str, ...] | None = None
    dayfirst: bool | None = None
    excel: bool = False
    missing: tuple[str, ...] = ()
    with_time: ClassVar[bool] = False

    def __post_init__(self) -> None:
        super().__post_init__()
        name = f"{type(self).__name__}({self.column!r})"
        object.__setattr__(self, "formats", _texts_tuple(self.formats, f"{name}: formats"))
        _flag(self.dayfirst, f"{name}: dayfirst", optional=True)
        _flag(self.excel, f"{name}: excel")
        if self.formats is not None and not self.formats:
            raise MappingError(f"{name}: formats is empty; give None to read the usual shapes")
        for fmt in self.formats or ():
            if "%" not in fmt:
                raise MappingError(f"{name}: format {fmt!r} is no strptime format (like '%d/%m/%Y')")
            unknown = sorted(set(re.findall(r"%(.)", fmt)) - set(_DIRECTIVES))
            if unknown:
                raise MappingError(
                    f"{name}: format {fmt!r} has {', '.join('%' + code for code in unknown)}, which it cannot read "
                    "(time zones are not read: the API's dates have none)"
                )

    def _read(self, texts: pd.Series) -> tuple[pd.Series, pd.Series]:
        stamps = pd.Series(pd.NaT, index=texts.index, dtype="datetime64[ns]")
        timed = pd.Series(False, index=texts.index)
        messages = pd.Series([None] * len(texts), dtype=object)
        if self.formats:
            self._by_formats(texts, stamps, timed, messages)
        else:
            self._by_shapes(texts, stamps, timed, messages)
        unread = stamps.isna() & messages.isna()
        messages[unread] = [self._unread(text) for text in texts[unread]]
        if not self.with_time:
            has_time = stamps.notna() & (stamps != stamps.dt.normalize())
            messages[has_time] = [f"{_shown(text)} has a time of day; map it with kn.DateTime" for text in texts[has_time]]
        shown = stamps.dt.strftime("%Y-%m-%d %H:%M:%S").where(timed & bool(self.with_time), stamps.dt.strftime("%Y-%m-%d"))
        return shown.astype(object), messages

    def _beyond(self, text: str) -> str:
        return f"{_shown(text)} is outside the years {_YEARS[0]}-{_YEARS[1]}, which dates are held in"

    def _unread(self, text: str) -> str:
        if self.formats:
            return f"{_shown(text)} matches none of the formats {', '.join(self.formats)}"
        if _SERIAL.fullmatch(text) and not self.excel:
            return f"{_shown(text)} looks like an Excel serial date; give excel=True to read it as one"
        if _SERIAL.fullmatch(text) and _LIKE_A_YEAR[0] <= float(text) <= _LIKE_A_YEAR[1]:
            return f"{_shown(text)} reads as a year or as an Excel serial date, so it is neither"
        return f"{_shown(text)} is not a date {type(self).__name__} can read (give formats=[...] for other shapes)"

    def _by_formats(self, texts: pd.Series, stamps: pd.Series, timed: pd.Series, messages: pd.Series) -> None:
        assert self.formats is not None
        for fmt in self.formats:
            left = stamps.isna() & messages.isna()
            if not left.any():
                break
            read = pd.to_datetime(texts[left], format=fmt, errors="coerce")
            beyond = read.notna() & ~read.dt.year.between(*_YEARS)
            messages[read.index[beyond]] = [self._beyond(texts[label]) for label in read.index[beyond]]
            read = read.where(~beyond).astype("datetime64[ns]")
            stamps[left] = read
            timed[left] = read.notna() & any(code in fmt for code in ("%H", "%I", "%M", "%S"))

    def _by_shapes(self, texts: pd.Series, stamps: pd.Series, timed: pd.Series, messages: pd.Series) -> None:
        for pattern in (_ISO, _NUMERIC, _NAMED, _NAMED_FIRST):
            left = stamps.isna() & messages.isna()
            if not left.any():
                return
            parts = texts[left].str.extract(f"^(?:{pattern.pattern})$").dropna(how="all")
            if parts.empty:
                continue
            year = parts["y"].astype(int)
            short = parts["y"].str.len() == 2  # strptime's %y: 00-68 are 2000-2068, 69-99 are 1969-1999
            year = year.where(~short, year + np.where(year < 69, 2000, 1900))
            if "mon" in parts:
                month = parts["mon"].str.casefold().map(_MONTHS)
                day = parts["d"].astype(int)
            elif "a" in parts:
                month, day = self._day_and_month(parts, texts, messages)
            else:
                month, day = parts["m"].astype(int), parts["d"].astype(int)
            self._assemble(parts, year, month, day, stamps, timed, messages, texts)
        if self.excel:
            self._serials(texts, stamps, timed, messages)

    def _day_and_month(self, parts: pd.DataFrame, texts: pd.Series, messages: pd.Series) -> tuple[pd.Series, pd.Series]:
        a, b = parts["a"].astype(int), parts["b"].astype(int)
        if self.dayfirst is not None:
            return (b, a) if self.dayfirst else (a, b)
        two_ways = (a <= 12) & (b <= 12) & (a != b)
        for label in parts.index[two_ways]:
            messages[label] = (
                f"{_shown(texts[label])} reads two ways (day {a[label]} of month {b[label]}, or day {b[label]} of month "
                f"{a[label]}); give dayfirst=True or dayfirst=False"
            )
        day_first, month_first = parts.index[a > 12], parts.index[b > 12]
        if len(day_first) and len(month_first):  # each reads one way, but the column contradicts itself
            example = f"{texts[day_first[0]]!r} is day first, {texts[month_first[0]]!r} month first"
            for label in day_first.union(month_first):
                messages[label] = f"{_shown(texts[label])}: the column mixes orders ({example}); give dayfirst"
        return b.where(a > 12, a), a.where(a > 12, b)  # a day over 12 comes first; else month first, or both equal

    def _assemble(
        self,
        parts: pd.DataFrame,
        year: pd.Series,
        month: pd.Series,
        day: pd.Series,
        stamps: pd.Series,
        timed: pd.Series,
        messages: pd.Series,
        texts: pd.Series,
    ) -> None:
        hour = parts["H"].fillna("0").astype(int)
        minute, second = parts["M"].fillna("0").astype(int), parts["S"].fillna("0").astype(int)
        ampm = parts["ampm"].str.casefold()
        bad_time = (hour > 23) | (minute > 59) | (second > 59) | (ampm.notna() & ((hour < 1) | (hour > 12)))
        hour = hour.where(ampm.isna(), hour % 12 + (ampm == "pm") * 12)
        fields = pd.DataFrame({"year": year, "month": month, "day": day, "hour": hour, "minute": minute, "second": second})
        beyond = ~year.between(*_YEARS)
        for label in parts.index[beyond & messages[parts.index].isna()]:
            messages[label] = self._beyond(texts[label])
        usable = messages[parts.index].isna() & fields.notna().all(axis=1) & ~bad_time
        read = pd.to_datetime(fields[usable], errors="coerce") if usable.any() else pd.Series(dtype="datetime64[ns]")
        stamps[read.index] = read
        timed[read.index] = parts.loc[read.index, "H"].notna()
        impossible = [label for label in parts.index if label not in read.index or pd.isna(read.get(label))]
        for label in impossible:
            if messages[label] is None:
                messages[label] = f"{_shown(texts[label])} is no such date"

    def _serials(self, texts: pd.Series, stamps: pd.Series, timed: pd.Series, messages: pd.Series) -> None:
        left = stamps.isna() & messages.isna() & texts.str.fullmatch(_SERIAL.pattern)
        if not left.any():
            return
        days = texts[left].astype(float)
        days = days[(days < _LIKE_A_YEAR[0]) | (days > _LIKE_A_YEAR[1])]  # 1900 to 2100: years, most likely
        early = days < 61
        too_early = days.index[early]
        messages[too_early] = [f"{_shown(texts[i])} is an Excel serial before March 1900 (miscounted)" for i in too_early]
        days = days[~early]
        read = (_EXCEL_EPOCH + pd.to_timedelta(days, unit="D")).dt.round("ms")  # 14:00 is stored as 13:59:59.99999...
        stamps[days.index] = read.dt.floor("s")  # never into the next second, or day
        timed[days.index] = days != days.round()


@dataclass(frozen=True, repr=False)
class DateTime(Date):
    """Date-times written ``yyyy-MM-dd HH:mm:ss`` (a cell with no time is written ``yyyy-MM-dd``); read as Date reads."""

    type: ClassVar[str] = "datetime"
    with_time: ClassVar[bool] = True


CONVERTERS: dict[str, type[Converter]] = {
    cls.type: cls for cls in (Bool, Date, DateTime, Phone, Digits, Integer, Number, Choice, Email, Text)
}


def converter_from_json(saved: Mapping[str, Any], column: Hashable) -> Converter:
    """A converter saved by ``Converter.to_json`` for this column; MappingError when it is not one."""
    if not isinstance(saved, Mapping) or saved.get("type") not in CONVERTERS:
        raise MappingError(f"not a saved converter: {saved!r} (type is one of {', '.join(CONVERTERS)})")
    options = {name: value for name, value in saved.items() if name != "type"}
    try:
        return CONVERTERS[saved["type"]](column, **options)  # type: ignore[call-arg]
    except TypeError as exc:
        raise MappingError(f"not a saved {saved['type']} converter: {exc}") from None
