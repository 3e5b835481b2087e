import datetime as dt

import email_validator
import numpy as np
import pandas as pd
import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kapture_nb as kn
from kapture_nb.converters import _PLAIN_EMAIL, BLANK, CONVERTERS, converter_from_json


def read(converter, *cells):
    """The converted values, and the messages by position."""
    converted = converter.convert(pd.Series(list(cells), dtype=object))
    return converted.values, dict(converted.errors)


@pytest.mark.parametrize(
    "cell, expected",
    [("Yes", True), (" no ", False), ("TRUE", True), (" true", True), ("Y", True), ("n", False), ("1", True),
     ("0", False), ("On", True), ("OFF", False), (True, True), (False, False), (1, True), (0, False)],
)
def test_bool_reads_the_usual_spellings_in_any_case_and_padding(cell, expected):
    values, errors = read(kn.Bool("b"), cell)
    assert values == [expected] and not errors


def test_bool_refuses_what_it_does_not_know_and_takes_the_spellings_given():
    values, errors = read(kn.Bool("b"), "maybe", "2", "1.0")
    assert values == [BLANK] * 3 and set(errors) == {0, 1, 2}
    assert "'maybe' is not a yes/no value" in errors[0]
    values, errors = read(kn.Bool("b", true=["Gift"], false=["-"]), "gift", "-", "yes")
    assert values == [True, False, BLANK] and list(errors) == [2]  # the given spellings replace the defaults
    with pytest.raises(kn.MappingError, match="both true and false"):
        kn.Bool("b", true=["x"], false=["X"])


@pytest.mark.parametrize(
    "cell, expected",
    [("24101016.0", "24101016"), (" 24101016 ", "24101016"), ("560 001", "560001"), ("0042", "0042"),
     (24101016, "24101016"), (24101016.0, "24101016"), ("7.00", "7")],
)
def test_digits_strip_spaces_and_a_whole_floats_zero(cell, expected):
    assert read(kn.Digits("id"), cell) == ([expected], {})


@pytest.mark.parametrize("cell, why", [("2.41E+07", "scientific notation"), ("12.5", "not a string of digits"),
                                       ("56O001", "not a string of digits"), ("-5", "not a string of digits")])
def test_digits_refuse_lost_digits_and_other_decimals(cell, why):
    values, errors = read(kn.Digits("id"), cell)
    assert values == [BLANK] and why in errors[0] and repr(cell) in errors[0]


@pytest.mark.parametrize(
    "cell, expected",
    [("1,200", 1200), ("36.0", 36), ("-5", -5), ("12,34,567", 1234567), ("1,234,567", 1234567), (36, 36), (36.0, 36),
     ("+7", 7)],
)
def test_integer_reads_separators_and_whole_decimals(cell, expected):
    values, errors = read(kn.Integer("q"), cell)
    assert values == [expected] and type(values[0]) is int and not errors


@pytest.mark.parametrize("cell, why", [("36.5", "not a whole number"), ("NA", "not a number"), ("1,2", "not a number"),
                                       ("1e5", "scientific notation"), ("12,3456", "not a number"), (True, "not a number")])
def test_integer_refuses_fractions_text_and_bad_grouping(cell, why):
    values, errors = read(kn.Integer("q"), cell)
    assert values == [BLANK] and why in errors[0]


@pytest.mark.parametrize(
    "cell, expected",
    [("₹1,299.00", 1299.0), ("Rs. 1299", 1299), ("rs 1,299", 1299), ("13,870.86", 13870.86), ("INR 50", 50),
     ("1299/-", 1299), ("-0.5", -0.5), (12.5, 12.5)],
)
def test_number_reads_currency_and_separators(cell, expected):
    values, errors = read(kn.Number("amount"), cell)
    assert values == [expected] and type(values[0]) is type(expected) and not errors


def test_number_refuses_text_unless_it_is_listed_as_missing_and_knows_other_separators():
    values, errors = read(kn.Number("amount"), "TBD", "NA", "12 apples")
    assert values == [BLANK] * 3 and set(errors) == {0, 1, 2}
    values, errors = read(kn.Number("amount", missing=["na", "TBD"]), "TBD", "NA", "7")
    assert values == [BLANK, BLANK, 7] and not errors
    values, errors = read(kn.Number("amount", thousands=".", decimal=","), "1.299,50", "₹ 3,5")
    assert values == [1299.5, 3.5] and not errors
    assert read(kn.Number("amount", currency=False), "₹5")[0] == [BLANK]
    with pytest.raises(kn.MappingError, match="both"):
        kn.Number("amount", thousands=".", decimal=".")


def test_blanks_follow_the_mapping_not_the_converter():
    for converter in (kn.Bool("c"), kn.Digits("c"), kn.Date("c"), kn.Email("c"), kn.Text("c"), kn.Phone("c")):
        assert read(converter, None, np.nan, "", "   ", pd.NA) == ([BLANK] * 5, {})


@pytest.mark.parametrize(
    "cell, expected",
    [("Morning", "morning"), (" morning ", "morning"), ("MORNING", "morning"), ("Evening (6-9 PM)", "evening"),
     ("evening slot", "evening"), ("AM", "morning"), ("next  day", "Next day"), ("Morning(9-12)", "morning")],
)
def test_choice_matches_case_spacing_a_leading_word_and_aliases(cell, expected):
    choice = kn.Choice("slot", ["morning", "evening", "Next day"], aliases={"am": "morning"})
    assert read(choice, cell) == ([expected], {})


def test_choice_names_the_nearest_when_nothing_matches_and_the_longest_leading_choice_wins():
    values, errors = read(kn.Choice("slot", ["morning", "evening"]), "mornings", "night")
    assert values == [BLANK, BLANK] and "nearest: 'morning'" in errors[0]
    values, errors = read(kn.Choice("city", ["Pune", "Pune East"]), "pune east side")
    assert values == ["Pune East"] and not errors  # the whole choice "pune east" leads; "pune" alone is a shorter lead
    values, errors = read(kn.Choice("x", ["a b", "a"]), "a c")
    assert values == ["a"] and not errors
    values, errors = read(kn.Choice("x", ["a"], aliases={"a-b": "a", "a b c": "a"}), "a b c d")
    assert values == ["a"] and not errors
    with pytest.raises(kn.MappingError, match="not among the choices"):
        kn.Choice("slot", ["morning"], aliases={"Bombay": "Mumbai"})


def test_email_trims_lowercases_and_checks_the_syntax():
    values, errors = read(kn.Email("mail"), " A.B@Example.COM ", "a@x.com; b@x.com", "nope@", "plain")
    assert values == ["a.b@example.com", BLANK, BLANK, BLANK]
    assert "holds 2 addresses" in errors[1] and "not an e-mail address" in errors[2] and 3 in errors
    assert read(kn.Email("mail", first=True), "a@x.com; b@x.com") == (["a@x.com"], {})
    values, errors = read(kn.Email("mail"), "b@x.com", "O'Neil@X.com", "a..b@x.com", "c@x.in", "d@x.test", "é@x.com")
    assert values == ["b@x.com", "o'neil@x.com", BLANK, "c@x.in", BLANK, "é@x.com"] and set(errors) == {2, 4}


@settings(max_examples=150, deadline=None)
@given(st.from_regex(_PLAIN_EMAIL, fullmatch=True))
def test_the_plain_addresses_email_validator_is_not_asked_about_are_ones_it_accepts(address):
    values, errors = read(kn.Email("mail"), address)
    try:
        email_validator.validate_email(address, check_deliverability=False)
    except email_validator.EmailNotValidError:
        assert values == [BLANK] and errors, address
    else:
        assert values == [address] and not errors


@pytest.mark.parametrize("cell", ["+91 98765 43210", "+91-9876543210", "098765 43210", "9876543210", "9876543210.0",
                                  9876543210, 9876543210.0, "(+91) 98765-43210"])
def test_phone_gives_the_national_digits(cell):
    assert read(kn.Phone("mobile"), cell) == (["9876543210"], {})


def test_phone_refuses_lost_digits_and_invalid_numbers_and_gives_a_country_code():
    values, errors = read(kn.Phone("mobile"), "9.87654E+09", "12345", "call me")
    assert values == [BLANK] * 3 and "scientific notation" in errors[0] and "not a valid phone number for IN" in errors[1]
    assert "has letters" in errors[2]
    assert read(kn.Phone("mobile", part="country_code"), "+44 20 7946 0018", "98765 43210") == (["44", "91"], {})
    assert read(kn.Phone("mobile", region="GB"), "020 7946 0018") == (["2079460018"], {})
    with pytest.raises(kn.MappingError, match="region"):
        kn.Phone("mobile", region="India")
    with pytest.raises(kn.MappingError, match="part"):
        kn.Phone("mobile", part="e164")


@settings(max_examples=60, deadline=None)
@given(st.from_regex(r"[6-9][0-9]{9}", fullmatch=True), st.sampled_from(["{}", "+91 {}", "0{}", "+91-{}", "91{}"]))
def test_phone_agrees_with_libphonenumber(digits, shape):
    number = phonenumbers.parse(digits, "IN")
    expected = ([phonenumbers.national_significant_number(number)], {}) if phonenumbers.is_valid_number(number) else None
    values, errors = read(kn.Phone("mobile"), shape.format(digits))
    if expected is None:
        assert values == [BLANK] and errors
    else:
        assert (values, errors) == expected


@pytest.mark.parametrize(
    "converter, cell, expected",
    [
        (kn.Date("d"), "2024-03-12", "2024-03-12"),
        (kn.Date("d"), "2024-05-07", "2024-05-07"),  # ISO is ISO: never 5 July
        (kn.Date("d", dayfirst=True), "2024-05-07", "2024-05-07"),
        (kn.Date("d"), "13/03/2024", "2024-03-13"),  # reads one way only
        (kn.Date("d"), "03/13/2024", "2024-03-13"),
        (kn.Date("d"), "07/07/2024", "2024-07-07"),
        (kn.Date("d", dayfirst=True), "12/03/2024", "2024-03-12"),
        (kn.Date("d", dayfirst=False), "12/03/2024", "2024-12-03"),
        (kn.Date("d"), "12-Mar-24", "2024-03-12"),
        (kn.Date("d"), "12 March 2024", "2024-03-12"),
        (kn.Date("d"), "Mar 12, 2024", "2024-03-12"),
        (kn.Date("d"), "13.3.99", "1999-03-13"),
        (kn.Date("d"), "13.3.68", "2068-03-13"),
        (kn.Date("d", excel=True), "45363", "2024-03-12"),
        (kn.Date("d", excel=True), 45363, "2024-03-12"),
        (kn.Date("d", formats=["%d.%m.%Y"]), "12.03.2024", "2024-03-12"),
        (kn.DateTime("d", dayfirst=True), "12/03/2024 14:05", "2024-03-12 14:05:00"),
        (kn.DateTime("d"), "2024-03-12T14:05:09", "2024-03-12 14:05:09"),
        (kn.DateTime("d"), "3/25/2024 2:05 PM", "2024-03-25 14:05:00"),
        (kn.DateTime("d"), "2024-03-12", "2024-03-12"),  # no time given: none invented
        (kn.DateTime("d", excel=True), "45363.5", "2024-03-12 12:00:00"),
        (kn.Date("d"), pd.Timestamp("2024-03-12"), "2024-03-12"),
        (kn.Date("d"), dt.date(2024, 3, 12), "2024-03-12"),
    ],
)
def test_dates_are_written_yyyy_mm_dd(converter, cell, expected):
    assert read(converter, cell) == ([expected], {})


@pytest.mark.parametrize(
    "converter, cell, why",
    [
        (kn.Date("d"), "05/07/2024", "reads two ways (day 5 of month 7, or day 7 of month 5); give dayfirst"),
        (kn.Date("d"), "12/03/2024 14:05", "reads two ways"),
        (kn.Date("d", dayfirst=True), "12/03/2024 14:05", "has a time of day; map it with kn.DateTime"),
        (kn.Date("d"), "45363", "give excel=True"),
        (kn.Date("d", excel=True), "45", "before March 1900"),
        (kn.Date("d"), "31/02/2024", "no such date"),
        (kn.Date("d", dayfirst=True), "03/25/2024", "no such date"),  # the column is day first: 25 is no month
        (kn.Date("d"), "12-Foo-24", "no such date"),
        (kn.Date("d"), "soon", "is not a date Date can read"),
        (kn.Date("d"), "9999-12-31", "outside the years 1678-2261"),
        (kn.Date("d"), "01/01/1500", "outside the years 1678-2261"),
        (kn.Date("d", formats=["%Y-%m-%d"]), "9999-12-31", "outside the years 1678-2261"),
        (kn.Date("d", formats=["%d.%m.%Y"]), "2024-03-12", "matches none of the formats %d.%m.%Y"),
        (kn.DateTime("d"), "13:65 2024-01-01", "is not a date DateTime can read"),
        (kn.DateTime("d"), "2024-01-01 25:00", "no such date"),
        (kn.DateTime("d"), "2024-01-01 13:00 PM", "no such date"),
    ],
)
def test_dates_that_read_two_ways_or_none_are_errors(converter, cell, why):
    values, errors = read(converter, cell)
    assert values == [BLANK] and why in errors[0], errors


@settings(max_examples=80, deadline=None)
@given(st.dates(dt.date(1969, 1, 1), dt.date(2068, 12, 31)),
       st.sampled_from(["%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d-%b-%y", "%d %B %Y", "%Y-%m-%d", "%b %d, %Y"]))
def test_day_first_dates_agree_with_strftime(day, shape):
    assert read(kn.Date("d", dayfirst=True), day.strftime(shape)) == ([day.isoformat()], {})


@settings(max_examples=80, deadline=None)
@given(st.integers(-(10**15), 10**15))
def test_integers_with_separators_agree_with_python_formatting(number):
    values, errors = read(kn.Integer("q"), f"{number:,}", f"{number}.0", str(number))
    assert values == [number] * 3 and not errors


def test_text_strips_and_recases_on_request():
    assert read(kn.Text("t"), " ab cd ", 36.0, 7) == (["ab cd", "36.0", "7"], {})
    assert read(kn.Text("t", case="title"), " ab cd ") == (["Ab Cd"], {})
    assert read(kn.Text("t", strip=False, case="upper"), " ab ") == ([" AB "], {})
    with pytest.raises(kn.MappingError, match="case"):
        kn.Text("t", case="shout")


def test_errors_carry_positions_so_the_mapping_can_name_rows():
    converted = kn.Integer("q").convert(pd.Series(["1", "x", None, "2.5"], index=["a", "b", "c", "d"]))
    assert converted.values == [1, BLANK, BLANK, BLANK] and [position for position, _ in converted.errors] == [1, 3]


def test_a_column_of_a_hundred_thousand_cells_reads_a_column_at_a_time():
    cells = pd.Series(["1,200", "36.0", "x"] * 33_334)
    converted = kn.Integer("q").convert(cells)
    assert converted.values[:3] == [1200, 36, BLANK] and len(converted.errors) == 33_334


CONFIGURED = [
    kn.Bool("b", true=["gift"], false=["-"], missing=["?"]),
    kn.Date("d", formats=["%d.%m.%Y"]),
    kn.Date("d", dayfirst=True, excel=True),
    kn.DateTime("d", dayfirst=False),
    kn.Phone("p", region="GB", part="country_code"),
    kn.Digits("i"),
    kn.Integer("q", thousands=None),
    kn.Number("n", thousands=".", decimal=",", currency=False),
    kn.Choice("c", ["morning", "evening"], aliases={"am": "morning"}),
    kn.Email("e", first=True),
    kn.Text("t", strip=False, case="lower"),
]


@pytest.mark.parametrize("converter", CONFIGURED, ids=lambda c: type(c).__name__)
def test_a_converter_saved_as_json_comes_back_equal(converter):
    saved = converter.to_json()
    assert saved["type"] in CONVERTERS and "column" not in saved
    assert converter_from_json(saved, converter.column) == converter
    assert repr(converter).startswith(f"kn.{type(converter).__name__}({converter.column!r}")


def test_a_bad_saved_converter_is_a_mapping_error():
    with pytest.raises(kn.MappingError, match="type is one of"):
        converter_from_json({"type": "money"}, "c")
    with pytest.raises(kn.MappingError, match="not a saved date converter"):
        converter_from_json({"type": "date", "dayfist": True}, "c")
    with pytest.raises(kn.MappingError, match="list of spellings"):
        converter_from_json({"type": "bool", "true": "yes"}, "c")


@pytest.mark.parametrize(
    "make, why",
    [
        (lambda: kn.Integer("q", thousands="."), "cannot be '.'"),
        (lambda: kn.Integer("q", thousands=5), "one character"),
        (lambda: kn.Number("n", decimal=""), "one character"),
        (lambda: kn.Number("n", decimal="5"), "one character"),
        (lambda: kn.Number("n", currency="yes"), "True or False"),
        (lambda: kn.Date("d", dayfirst="false"), "True, False or None"),
        (lambda: kn.Date("d", excel="no"), "True or False"),
        (lambda: kn.Date("d", formats=["%d/%m/%Y %z"]), "%z"),
        (lambda: kn.DateTime("d", formats=["%Q"]), "%Q"),
        (lambda: kn.Email("e", first=0.0001), "True or False"),
        (lambda: kn.Text("t", strip="no"), "True or False"),
        (lambda: kn.Phone("p", region=["IN"]), "region"),
        (lambda: kn.Phone("p", foreign=1), "True or False"),
        (lambda: kn.Choice("c", ["a", "a"]), "one choice when case"),
        (lambda: kn.Choice("c", ["Mumbai", "MUMBAI"]), "one choice when case"),
        (lambda: kn.Choice("c", ["morning", "evening"], aliases={"Morning": "evening"}), "spell another choice"),
        (lambda: kn.Date("d", formats=["mixed"]), "no strptime format"),
        (lambda: kn.Date("d", formats=[]), "formats is empty"),
        (lambda: kn.Date("d", missing={"NA": 1}), "list of spellings"),
        (lambda: kn.Choice("c", ["a"], aliases=["b"]), "aliases maps"),
        (lambda: kn.Choice("c", ["a"], aliases={1: "a"}), "aliases maps"),
    ],
)
def test_options_of_the_wrong_kind_are_refused_when_made_never_read_loosely(make, why):
    with pytest.raises(kn.MappingError, match=why):
        make()


def test_a_saved_option_of_the_wrong_kind_is_refused_too():
    with pytest.raises(kn.MappingError, match="dayfirst is True, False or None"):
        converter_from_json({"type": "date", "dayfirst": "false"}, "d")


def test_phone_refuses_a_foreign_number_an_extension_and_two_numbers_unless_told():
    values, errors = read(kn.Phone("p"), "+44 20 7946 0958", "+91 98765 43210 ext. 12", "9876543210;9123456789",
                          "98765 43210 / 91234 56789")
    assert values == [BLANK] * 4
    assert "is a +44 number" in errors[0] and "extension (12)" in errors[1]
    assert "more than one number" in errors[2] and "more than one number" in errors[3]
    assert read(kn.Phone("p", foreign=True), "+44 20 7946 0958") == (["2079460958"], {})
    assert read(kn.Phone("p", part="country_code"), "+44 20 7946 0958") == (["44"], {})


def test_floats_past_two_to_the_53_and_objects_are_errors_not_texts():
    floats = kn.Digits("id").convert(pd.Series([9007199254740993.0, 24101016.0, np.nan]))
    assert floats.values == [BLANK, "24101016", BLANK] and "past 2^53" in dict(floats.errors)[0]
    mixed = kn.Text("t").convert(pd.Series([["a"], {"a": 1}, 9007199254740993.0, "ok", b"x"], dtype=object))
    assert mixed.values == [BLANK, BLANK, BLANK, "ok", BLANK]
    assert [position for position, _ in mixed.errors] == [0, 1, 2, 4] and "is a list" in mixed.errors[0][1]
    with pytest.raises(kn.MappingError, match="takes a pandas Series"):
        kn.Digits("x").convert(["1"])


def test_numbers_that_would_lose_digits_are_errors_and_only_rupees_are_read():
    values, errors = read(kn.Number("n"), "12345678901234567.89", "1" * 5000, "$15", "€15", "-₹5", "₹-5", "0.1")
    assert values == [BLANK] * 5 + [-5, 0.1]
    assert "would be sent as 1.2345678901234568e+16" in errors[0] and "more digits than a number holds" in errors[1]
    assert set(errors) == {0, 1, 2, 3, 4}
    assert read(kn.Integer("q"), "9" * 5000)[0] == [BLANK]


@pytest.mark.parametrize("cell", ["24101016 24101017", "24101016\n24101017", "560\t001", "560  001", "३१४१३४१", "\u0662\u0660"])
def test_digits_keep_parted_numbers_and_other_scripts_apart(cell):
    values, errors = read(kn.Digits("id"), cell)
    assert values == [BLANK] and errors


def test_integers_and_dates_read_only_ascii_digits():
    assert read(kn.Integer("q"), "\u0661\u0662\u0663")[0] == [BLANK]  # Arabic-Indic 123
    assert read(kn.Date("d"), "\u0662\u0660\u0662\u0664-01-01")[0] == [BLANK]


def test_email_lowercases_without_rewriting_letters():
    assert read(kn.Email("e"), "Straße@Example.com") == (["straße@example.com"], {})


def test_an_excel_serial_that_reads_as_a_year_is_an_error():
    values, errors = read(kn.Date("d", excel=True), "2024", "45363")
    assert values == [BLANK, "2024-03-12"] and "reads as a year" in errors[0]


@pytest.mark.parametrize(
    "cell, choices",
    [("Morning or Evening", ["morning", "evening"]), ("morning/evening", ["morning", "evening"]), ("1.5", ["1", "2"]),
     ("2,5", ["1", "2"]), ("1-2", ["1", "2"]), ("No, wait yes", ["yes", "no"]), ("no-show", ["yes", "no"])],
)
def test_choice_refuses_a_cell_that_goes_on_past_its_choice_or_names_two(cell, choices):
    values, errors = read(kn.Choice("c", choices), cell)
    assert values == [BLANK] and errors


def test_phone_refuses_letters_and_email_a_cell_of_separators():
    assert read(kn.Phone("p"), "1-800-FLOWERS")[0] == [BLANK]
    values, errors = read(kn.Email("e"), ";", " , ;")
    assert values == [BLANK, BLANK] and "holds no address" in errors[0]


def test_a_long_cell_is_shown_cut_in_its_message():
    values, errors = read(kn.Integer("q"), "x" * 100_000)
    assert values == [BLANK] and len(errors[0]) < 200 and "..." in errors[0]


def test_an_excel_serial_just_before_midnight_stays_on_its_day_and_two_pm_is_two_pm():
    assert read(kn.DateTime("d", excel=True), "45363.9999999", "45363.583333333336") == (
        ["2024-03-12 23:59:59", "2024-03-12 14:00:00"], {}
    )


def test_a_column_that_mixes_day_first_and_month_first_dates_is_an_error_where_it_shows():
    values, errors = read(kn.Date("d"), "13/03/2024", "03/13/2024", "07/07/2024", "2024-03-12")
    assert values == [BLANK, BLANK, "2024-07-07", "2024-03-12"] and "mixes orders" in errors[0] and 1 in errors


REGIONS = ["IN", "US", "GB", "DE", "FR", "AU", "IT", "BR", "AR", "SG"]
KINDS = [phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]
SHAPES = ["{n}", "+{cc}{n}", "+{cc} {n4} {rest}", "0{n}", "{prefix}{n}", "({n3}) {rest3}", "{n3}-{rest3}", "+{cc}-0{n}",
          "{cc}{n}", "00{cc}{n}"]


def by_the_library(text, region):
    """What libphonenumber alone makes of a cell: its national digits, or None where the converter must refuse it."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    ok = phonenumbers.is_valid_number(number) and not number.extension
    home = number.country_code == phonenumbers.country_code_for_region(region)
    return phonenumbers.national_significant_number(number) if ok and home else None


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(REGIONS), st.sampled_from(KINDS), st.integers(0, 10**6), st.integers(0, 3), st.sampled_from(SHAPES))
def test_phone_agrees_with_libphonenumber_alone_in_every_shape_and_region(region, kind, tail, cut, shape):
    example = phonenumbers.example_number_for_type(region, kind)
    digits = phonenumbers.national_significant_number(example)
    digits = (digits[: len(digits) - 4] + f"{tail % 10**4:04d}")[: len(digits) - cut or None]  # near a valid number
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    text = shape.format(n=digits, cc=example.country_code, n4=digits[:4], rest=digits[4:], n3=digits[:3],
                        rest3=digits[3:], prefix=meta.national_prefix or "")
    values, errors = read(kn.Phone("p", region=region), text)
    expected = by_the_library(text, region)
    assert values == ([expected] if expected is not None else [BLANK]), (text, region, errors)
