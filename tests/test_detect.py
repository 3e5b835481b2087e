import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kapture_nb as kn
from kapture_nb.converters import BLANK
from kapture_nb.detect import SAMPLE_SIZE, detect, infer_field_schema, read_as, sample_values


def column(values, name="col"):
    return pd.Series(values, name=name, dtype=object)


def read_all(detection, values):
    """The detection's converter on these cells: the values, and fails if it could not read one."""
    converted = detection.converter.convert(column(values))
    assert converted.errors == []
    return converted.values


# --- the sample ---------------------------------------------------------------------------------------


def test_the_sample_is_the_head_and_a_seeded_draw_from_the_rest_stripped_and_without_blanks():
    cells = [f" v{i} " if i % 7 else None for i in range(10_000)]
    cells[3] = "   "
    series = column(cells)
    sample = sample_values(series, size=100)
    assert sample.equals(sample_values(series, size=100))  # the same every time
    assert not sample.equals(sample_values(series, size=100, seed=1))
    present = [cell.strip() for cell in cells if cell is not None]
    assert sample.iloc[:49].tolist() == [text for text in present[:50] if text]  # the head, blank "   " dropped
    later = [int(text[1:]) for text in sample.iloc[49:]]
    assert len(later) == 50 and later == sorted(later) and later[-1] > 5_000  # drawn from the rest, in column order
    assert all(text == text.strip() and text for text in sample)


def test_a_short_column_is_its_own_sample():
    assert sample_values(column([" a", None, "", "b "])).tolist() == ["a", "b"]
    assert SAMPLE_SIZE >= 100


# --- what values look like -----------------------------------------------------------------------------

CASES = [
    # values, kind, converter, schema
    (["Yes", "No", "Y", "n", "TRUE", " false "], "bool", "kn.Bool('col')", {"type": "boolean"}),
    (["a@x.com", "B@X.COM", "c.d@y.org"], "email", "kn.Email('col')", {"type": "string"}),
    (["+91 98765 43210", "+91-9876543210", "098765 43210", "9876543210.0"], "phone", "kn.Phone('col')", {"type": "string"}),
    (["12/03/2024", "2024-03-12", "12-Mar-24", "13/03/2024"], "date", "kn.Date('col', dayfirst=True)",
     {"type": "string", "format": "date"}),
    (["12/03/2024 14:05", "13/03/2024"], "datetime", "kn.DateTime('col', dayfirst=True)",
     {"type": "string", "format": "date-time"}),
    (["560 001", "110001", "007"], "digits", "kn.Digits('col')", {"type": "string"}),
    (["1,200", "36.0", "7"], "integer", "kn.Integer('col')", {"type": "integer"}),
    (["₹1,299.00", "Rs. 1299", "13,870.86"], "number", "kn.Number('col')", {"type": "number"}),
    (["Morning", " morning ", "Evening (6-9 PM)", "Morning", "evening", "Morning"], "enum",
     "kn.Choice('col', choices=['Evening', 'Morning'])", {"type": "string", "enum": ["Evening", "Morning"]}),
    (["call first", "leave at the gate", "fragile"], "text", "kn.Text('col')", {"type": "string"}),
]


@pytest.mark.parametrize(("values", "kind", "converter", "schema"), CASES, ids=[case[1] for case in CASES])
def test_each_kind_of_value_gets_its_converter_and_schema_and_the_converter_reads_the_sample(values, kind, converter, schema):
    found = detect(column(values))
    assert (found.kind, repr(found.converter), found.schema) == (kind, converter, schema)
    assert found.read == 1.0 and 0 < found.confidence <= 1 and found.why
    read_all(found, values)


def test_the_values_a_detection_reads_are_the_ones_written():
    assert read_all(detect(column(["1,200", "36.0", "7"])), ["1,200", "36.0", "7"]) == [1200, 36, 7]
    assert read_all(detect(column(["560 001", "007"])), ["560 001", "007"]) == ["560001", "007"]
    slots = ["Morning", " morning ", "Evening (6-9 PM)", "Morning", "evening", "Morning"]
    assert read_all(detect(column(slots)), slots) == ["Morning", "Morning", "Evening", "Morning", "Evening", "Morning"]


def test_day_first_is_proposed_only_where_a_value_shows_it_and_the_why_says_which():
    day_first = detect(column(["12/03/2024", "13/03/2024"]))
    assert day_first.converter.dayfirst is True and "'13/03/2024' has a first part over 12" in day_first.why
    month_first = detect(column(["03/12/2024", "03/13/2024"]))
    assert month_first.converter.dayfirst is False and "'03/13/2024' has a second part over 12" in month_first.why
    both = detect(column(["13/03/2024", "03/13/2024", "05/07/2024"]))
    assert both.kind == "date" and both.converter.dayfirst is None and "mixes both orders" in both.why
    assert both.read < 1 and both.confidence < day_first.confidence


def test_dates_that_read_two_ways_are_dates_with_no_order_guessed_and_a_low_confidence():
    found = detect(column(["05/07/2024", "03/04/2024", "2024-05-07"]))
    assert found.kind == "date" and found.converter.dayfirst is None
    assert "reads two ways" in found.why and "dayfirst=True" in found.why
    assert found.read == pytest.approx(1 / 3) and found.confidence < 0.5
    assert found.converter.convert(column(["2024-05-07"])).values == ["2024-05-07"]  # ISO stays ISO


def test_excel_serials_beside_dates_are_proposed_as_excel_and_alone_they_are_numbers():
    found = detect(column(["12/03/2024", "45363", "13/03/2024"]))
    assert found.converter.excel is True and "'45363' reads as an Excel serial date (2024-03-12)" in found.why
    assert read_all(found, ["45363"]) == ["2024-03-12"]
    assert detect(column(["45363", "45364", "45400"])).kind == "integer"
    wanted = read_as("date", "col", column(["45363", "45364"]))
    assert wanted.converter.excel is True and wanted.read == 1.0


def test_a_date_field_given_times_gets_datetime_with_a_lower_confidence_and_says_so():
    found = read_as("date", "col", column(["12/03/2024 14:05", "13/03/2024 09:00"]))
    assert found.kind == "datetime" and found.read == 1.0 and found.confidence < 0.95
    assert "the field takes a date" in found.why


def test_blank_spellings_become_missing_and_are_said():
    found = detect(column(["1,200", "NA", "36.0", "n/a"]))
    assert found.kind == "integer" and found.converter.missing == ("NA", "n/a")
    assert "'NA', 'n/a' taken as blank" in found.why
    assert found.converter.convert(column(["NA", "7"])).values == [BLANK, 7]
    assert detect(column(["NA", "-"])).kind == "empty"


def test_cells_the_converter_cannot_read_lower_the_confidence_and_are_named():
    found = detect(column(["a@x.com", "b@x.com", "a@x.com; b@x.com"]))
    assert found.kind == "email" and found.read == pytest.approx(2 / 3)
    assert found.confidence < 0.95 * 0.7 and "'a@x.com; b@x.com' holds two addresses" in found.why
    assert "1 of 3 sample values not read" in found.why


def test_yes_no_needs_evidence_and_a_count_is_no_flag():
    assert detect(column(["n"])).kind == "text"  # a lone n: a name? an answer?
    assert detect(column(["1", "0", "2", "1"])).kind == "integer"
    flag = detect(column(["1", "0", "1", "1"]))
    assert flag.kind == "bool" and flag.confidence < 0.7 and "only 0 and 1" in flag.why
    assert detect(column(["Y", "N", "Y"])).kind == "bool"


def test_ids_are_no_phones_and_too_many_spellings_are_no_enum():
    assert detect(column(["24101016", "24101017", "24101018"])).kind == "integer"
    spellings = [f"city {i}" for i in range(9)] * 3
    assert detect(column(spellings)).kind == "text"
    assert detect(column(spellings), max_enum=9).kind == "enum"


def test_typed_columns_go_by_their_dtype():
    assert detect(pd.Series([True, False], name="b")).kind == "bool"
    assert detect(pd.Series([1, 2], name="i")).kind == "integer"
    assert detect(pd.Series([1.0, np.nan], name="f")).kind == "integer"
    assert detect(pd.Series([1.5, 2.0], name="f")).kind == "number"
    stamps = pd.Series(pd.to_datetime(["2024-01-02 10:11:12", None]), name="t")
    found = detect(stamps)
    assert found.kind == "datetime" and read_all(found, stamps.tolist()[:1]) == ["2024-01-02 10:11:12"]
    assert detect(pd.Series([np.nan, None], name="e", dtype=object)).kind == "empty"


def test_read_as_refuses_a_kind_it_does_not_know():
    with pytest.raises(ValueError, match="kind is one of"):
        read_as("colour", "col", column(["red"]))


# --- properties: the proposed converter reads what was written (the oracle: the values before writing) ---

SPELLED = {True: ["Yes", "y", "TRUE", "1", "on"], False: ["No", "n", "false", "0", "OFF"]}


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 4), st.sampled_from(["", " ", "  "])), min_size=2, max_size=30))
def test_yes_no_spellings_read_back_as_the_answers_they_spell(cells):
    answers = [answer for answer, _which, _pad in cells]
    texts = [pad + SPELLED[answer][which] + pad for answer, which, pad in cells]
    found = detect(column(texts))
    words = {SPELLED[answer][which].casefold() for answer, which, _pad in cells}
    if not any(len(word) > 1 for word in words) and len(set(answers)) == 1:
        return  # one answer spelled with letters like n or 0 alone: not enough to call it yes/no (tested above)
    assert found.kind == "bool" and read_all(found, texts) == answers


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 10**9), st.sampled_from(["plain", "grouped", "float"])), min_size=1, max_size=30))
def test_whole_numbers_written_with_separators_or_a_float_read_back_as_those_numbers(cells):
    def written(number, how):
        return {"plain": str(number), "grouped": f"{number:,}", "float": f"{number}.0"}[how]

    texts = [written(number, how) for number, how in cells]
    found = detect(column(texts))
    if set(texts) == {"0", "1"}:
        assert found.kind == "bool"  # tested above: 1 and 0 together read as no/yes, with a low confidence
    else:
        assert found.kind == "integer" and read_all(found, texts) == [number for number, _how in cells]


@settings(max_examples=40, deadline=None)
@given(st.lists(st.dates(dt.date(1990, 1, 1), dt.date(2040, 12, 31)), min_size=1, max_size=30), st.sampled_from(["/", "-", "."]))
def test_day_first_dates_read_back_as_the_dates_written(days, separator):
    days = [*days, dt.date(2024, 3, 13)]  # one value whose day is over 12 shows the order
    texts = [day.strftime(f"%d{separator}%m{separator}%Y") for day in days]
    found = detect(column(texts))
    assert found.kind == "date" and found.converter.dayfirst is True
    assert read_all(found, texts) == [day.isoformat() for day in days]


# --- infer_field_schema: what infer_associate_fields declares -----------------------------------------


def test_infer_field_schema_types_texts_by_their_values():
    assert infer_field_schema(column(["Yes", "No", "y"])) == {"type": "boolean"}
    slots = ["Morning", " morning ", "Evening (6-9 PM)", "evening"]
    assert infer_field_schema(column(slots)) == {"type": "string", "enum": ["Evening", "Morning"]}
    assert infer_field_schema(column(["1,200", "36.0", "7"])) == {"type": "integer"}
    assert infer_field_schema(column(["₹1,299.00", "Rs. 1299"])) == {"type": "number"}
    assert infer_field_schema(column(["13/03/2024", "2024-03-12"])) == {"type": "string", "format": "date"}
    assert infer_field_schema(column(["x1", "x2", "x3"])) == {"type": "string"}


def test_infer_field_schema_keeps_the_dtype_rules_and_refuses_to_guess_mixed_objects():
    assert infer_field_schema(pd.Series([True, None], dtype=object)) == {"type": "boolean"}
    assert infer_field_schema(pd.Series(pd.to_datetime(["2024-01-02", None]))) == {"type": "string", "format": "date"}
    assert infer_field_schema(pd.Series([1.0, 2.0, np.nan])) == {"type": "integer"}
    assert infer_field_schema(pd.Series([1.5])) == {"type": "number"}
    assert infer_field_schema(pd.Series([1, "a"], dtype=object)) == {}
    assert infer_field_schema(pd.Series([1, 2], dtype=object)) == {}
    assert infer_field_schema(pd.Series([None, None], dtype=object)) == {}


def test_a_float_column_with_infinities_is_number_not_integer():
    for values in ([np.inf, 1.0, 2.0], [-np.inf, np.nan, 3.0], [np.inf]):
        assert infer_field_schema(pd.Series(values)) == {"type": "number"}, values
        assert detect(pd.Series(values, name="f")).kind == "number", values


@pytest.mark.parametrize("dtype", ["float64", "Float64", "Int64", "boolean", "datetime64[ns]", "object", "string"])
def test_an_all_missing_column_gets_the_empty_schema_whatever_its_dtype(dtype):
    assert infer_field_schema(pd.Series([None, None], dtype=dtype)) == {}
    assert infer_field_schema(pd.Series([], dtype=dtype)) == {}


def test_kn_converters_are_what_detection_proposes():
    assert isinstance(detect(column(["a@x.com"])).converter, kn.Email)
