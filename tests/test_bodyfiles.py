import io
import json
import os
import sys

import pandas as pd
import pytest

from kapture_nb.bodyfiles import MAX_BYTES, MAX_DEPTH, BodyFileError, read_bodies, read_bytes, read_csv_text, read_json
from kapture_nb.exceptions import KaptureError


def test_json_file_with_one_body_gives_one_unlabelled_body(tmp_path, example):
    path = tmp_path / "body.json"
    path.write_text(json.dumps(example))
    assert read_bodies(path) == [("", example)]


def test_path_may_be_a_string(tmp_path):
    path = tmp_path / "body.json"
    path.write_text('{"a": 1}')
    assert read_bodies(str(path)) == [("", {"a": 1})]


def test_json_list_gives_one_body_per_item_labelled_by_index(tmp_path):
    path = tmp_path / "many.json"
    path.write_text(json.dumps([{"a": 1}, [2], "three"]))
    assert read_bodies(path) == [("item 0", {"a": 1}), ("item 1", [2]), ("item 2", "three")]


def test_a_utf8_bom_is_allowed(tmp_path):
    path = tmp_path / "body.json"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps({"a": "\u00e9"}, ensure_ascii=False).encode("utf-8"))
    assert read_bodies(path) == [("", {"a": "\u00e9"})]


def test_jsonl_lines_split_only_at_newlines_not_at_unicode_line_separators(tmp_path):
    path = tmp_path / "bodies.jsonl"
    note = "a\u2028b\u2029c\x85d"  # JSON strings may hold these unescaped; str.splitlines() would cut there
    path.write_text(json.dumps({"note": note}, ensure_ascii=False) + "\n" + json.dumps({"n": 2}) + "\n", encoding="utf-8")
    assert read_bodies(path) == [("line 1", {"note": note}), ("line 2", {"n": 2})]


def test_empty_json_list_gives_no_bodies(tmp_path):
    path = tmp_path / "none.json"
    path.write_text("[]")
    assert read_bodies(path) == []


@pytest.mark.parametrize("name", ["bodies.jsonl", "bodies.ndjson", "BODIES.JSONL"])
def test_jsonl_skips_blank_lines_and_labels_bodies_by_their_real_line_number(tmp_path, name):
    path = tmp_path / name
    path.write_text('{"a": 1}\n\n   \n[1, 2]\r\n\t\n"x"\n')
    assert read_bodies(path) == [("line 1", {"a": 1}), ("line 4", [1, 2]), ("line 6", "x")]


def test_empty_jsonl_file_gives_no_bodies(tmp_path):
    path = tmp_path / "empty.jsonl"
    path.write_text("\n\n")
    assert read_bodies(path) == []


def test_missing_file_is_a_body_file_error_naming_it(tmp_path):
    path = tmp_path / "missing.json"
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path)
    assert str(caught.value) == f"{path}: no such file"


def test_body_file_error_is_a_kapture_error_and_a_value_error(tmp_path):
    with pytest.raises(BodyFileError) as caught:
        read_bodies(tmp_path / "missing.json")
    assert isinstance(caught.value, KaptureError)
    assert isinstance(caught.value, ValueError)


def test_undecodable_bytes_are_a_body_file_error_naming_the_file_the_byte_and_the_line(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{\n"name": "Günter"}'.encode("latin-1"))
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path)
    assert str(caught.value) == f"{path}: not UTF-8 text (invalid start byte at byte 12, line 2)"


def test_a_directory_is_a_body_file_error(tmp_path):
    with pytest.raises(BodyFileError) as caught:
        read_bodies(tmp_path)
    assert str(caught.value) == f"{tmp_path}: a directory, not a regular file; give a file, or - for standard input"


@pytest.mark.parametrize(
    "name, text, where, problem",
    [
        ("broken.json", '{\n  "a": }', "", "Expecting value; line 2, column 8"),
        ("bodies.jsonl", '{"a": 1}\n\n{"a": 1\n', ", line 3", "Expecting ',' delimiter; line 1, column 8"),
    ],
)
def test_broken_json_names_the_file_its_line_and_the_column(tmp_path, name, text, where, problem):
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path)
    assert str(caught.value) == f"{path}{where}: not JSON ({problem})"


def test_empty_json_file_is_not_json(tmp_path):
    path = tmp_path / "empty.json"
    path.write_text("")
    with pytest.raises(BodyFileError, match="not JSON"):
        read_bodies(path)


def test_a_named_pipe_is_refused_at_once_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "bodies.json"
    os.mkfifo(fifo)  # no writer ever comes: opening it to read would block for ever
    with pytest.raises(BodyFileError) as caught:
        read_bodies(fifo)
    assert str(caught.value) == f"{fifo}: a named pipe (FIFO), not a regular file; give a file, or - for standard input"


def test_a_device_is_refused_before_it_is_read():
    with pytest.raises(BodyFileError, match=r"^/dev/zero: a character device, not a regular file"):
        read_bodies("/dev/zero", max_bytes=MAX_BYTES)


def test_the_default_size_limit_is_256_mib():
    assert MAX_BYTES == 256 * 1024 * 1024


def test_a_file_over_the_size_limit_is_refused_and_one_at_the_limit_is_read(tmp_path):
    path = tmp_path / "body.json"
    path.write_text('{"a": 1}')  # 8 bytes
    assert read_bodies(path, max_bytes=8) == [("", {"a": 1})]
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path, max_bytes=7)
    assert str(caught.value) == f"{path}: larger than 7 bytes, the size limit"


@pytest.mark.parametrize("bad", [0, -1, 1.5, True, "10"])
def test_the_size_limit_must_be_a_whole_number_of_bytes(tmp_path, bad):
    with pytest.raises(BodyFileError, match="max_bytes must be a whole number"):
        read_bodies(tmp_path / "missing.json", max_bytes=bad)


def _stdin(monkeypatch, data: bytes) -> io.BytesIO:
    raw = io.BytesIO(data)
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(raw))
    return raw


def test_dash_reads_standard_input_as_json_or_as_jsonl_when_asked(monkeypatch):
    _stdin(monkeypatch, b'[{"a": 1}, {"b": 2}]')
    assert read_bodies("-") == [("item 0", {"a": 1}), ("item 1", {"b": 2})]
    _stdin(monkeypatch, b'{"a": 1}\n{"b": 2}\n')
    assert read_bodies("-", jsonl=True) == [("line 1", {"a": 1}), ("line 2", {"b": 2})]


def test_standard_input_over_the_limit_is_refused_after_reading_one_byte_past_it(monkeypatch):
    raw = _stdin(monkeypatch, b" " * 100)
    with pytest.raises(BodyFileError) as caught:
        read_bodies("-", max_bytes=10)
    assert str(caught.value) == "standard input: larger than 10 bytes, the size limit"
    assert raw.tell() == 11  # stopped just past the limit, not at the end of the stream


def test_jsonl_may_be_asked_for_or_turned_off_whatever_the_name(tmp_path):
    path = tmp_path / "bodies.txt"
    path.write_text('{"a": 1}\n{"b": 2}\n')
    assert read_bodies(path, jsonl=True) == [("line 1", {"a": 1}), ("line 2", {"b": 2})]
    named = tmp_path / "one.jsonl"
    named.write_text('{"a":\n 1}')
    assert read_bodies(named, jsonl=False) == [("", {"a": 1})]


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def test_bodies_nested_up_to_the_limit_are_read_and_deeper_ones_refused_naming_where(tmp_path):
    path = tmp_path / "many.json"
    path.write_text("[" + _nested(MAX_DEPTH) + "]")  # the list of bodies is not part of a body's depth
    assert len(read_bodies(path)) == 1
    path.write_text("[{}, " + _nested(MAX_DEPTH + 1) + "]")
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path)
    assert str(caught.value) == f"{path}, item 1: arrays and objects nest deeper than {MAX_DEPTH} levels, the limit"
    lines = tmp_path / "bodies.jsonl"
    lines.write_text('{"a": 1}\n{"a": ' + _nested(MAX_DEPTH) + "}\n")
    with pytest.raises(BodyFileError, match=r", line 2: arrays and objects nest deeper than"):
        read_bodies(lines)


def test_nesting_deeper_than_python_can_parse_is_the_same_clear_error(tmp_path):
    path = tmp_path / "deep.json"
    path.write_text("[" * 100_000)
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path)
    assert str(caught.value) == f"{path}: arrays and objects nest deeper than {MAX_DEPTH} levels, the limit"


def test_an_integer_longer_than_python_reads_is_a_body_file_error(tmp_path):
    path = tmp_path / "big.json"
    path.write_text('{"n": ' + "7" * 5000 + "}")
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path)
    assert str(caught.value) == f"{path}: a number has more than {sys.get_int_max_str_digits()} digits, more than Python reads"


def test_read_json_gives_the_one_value_of_a_file_bounded_like_bodies(tmp_path):
    path = tmp_path / "fields.json"
    path.write_bytes(b"\xef\xbb\xbf" + b'[{"order": {}}, 1]')
    assert read_json(path) == [{"order": {}}, 1]  # a list is one value here, not many bodies
    with pytest.raises(BodyFileError, match=r"larger than 5 bytes"):
        read_json(path, max_bytes=5)
    path.write_text("[" * 65 + "]" * 65)
    with pytest.raises(BodyFileError, match=r"nest deeper than 64 levels"):
        read_json(path)
    path.write_text('{"a": 1,}')
    with pytest.raises(BodyFileError, match=r"fields.json: not JSON \(.*line 1, column 9\)"):
        read_json(path)


def test_read_bytes_refuses_what_is_not_a_regular_file_and_reads_standard_input(tmp_path, monkeypatch):
    fifo = tmp_path / "orders.csv"
    os.mkfifo(fifo)
    with pytest.raises(BodyFileError, match="a named pipe"):
        read_bytes(fifo)
    raw = _stdin(monkeypatch, b"a,b\n1,2\n")
    assert read_bytes("-") == b"a,b\n1,2\n" and raw.tell() == 8


CSV = (
    "\ufeffOrder No,Cust Name,Mobile,Note,Amount\r\n"
    '007,  ABC ,"+91 98765 43210",NA,"1,200"\r\n'
    '24101016.0,"two\r\nlines",,null,1e5\r\n'
    "\r\n"
    "  \r\n"
    '2.41E+07,"say ""hi""",TRUE,nan,\r\n'
)


def test_csv_is_read_as_text_exactly_as_pandas_reads_it_with_dtype_str(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV.encode("utf-8"))
    frame = read_csv_text(path)
    oracle = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
    pd.testing.assert_frame_equal(frame.reset_index(drop=True), oracle)
    assert frame.loc[2].tolist() == ["007", "  ABC ", "+91 98765 43210", "NA", "1,200"]  # no guessing, nothing trimmed
    assert frame.loc[3, "Cust Name"] == "two\r\nlines" and pd.isna(frame.loc[3, "Mobile"])  # an empty cell is missing
    assert frame.loc[7].tolist()[:4] == ["2.41E+07", 'say "hi"', "TRUE", "nan"]


def test_a_csv_frame_is_indexed_by_the_line_where_each_row_starts(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_bytes(CSV.encode("utf-8"))
    frame = read_csv_text(path)
    assert frame.index.name == "line" and frame.index.tolist() == [2, 3, 7]  # row 3 spans lines 3-4, blank lines 5 and 6


def test_header_names_are_kept_as_written_twice_or_empty(tmp_path):
    path = tmp_path / "orders.csv"
    path.write_text("Mobile,Mobile,\n1,2,3\n")
    frame = read_csv_text(path)
    assert frame.columns.tolist() == ["Mobile", "Mobile", ""]  # pandas would rename them Mobile.1 and Unnamed: 2
    path.write_text("Order No,Cust Name\n")
    frame = read_csv_text(path)
    assert frame.columns.tolist() == ["Order No", "Cust Name"] and len(frame) == 0


@pytest.mark.parametrize(
    "content, problem",
    [
        ("a,b\n1,2\n3,4,5\n", ", line 3: 3 cell(s) where the header has 2; is a comma inside a value that is not quoted?"),
        ('a,b\n"1\n2",3\n4\n', ", line 4: 1 cell(s) where the header has 2"),
        ('a,b\n1,2\n3,"4\n5\n6\n', ", line 3: not CSV (a quoted value is not closed before the end of the file)"),
        ('a,b\n1,"2"x\n', ", line 2: not CSV (',' expected after '\"')"),
        (b"a,b\n1,2\n3,G\xfcnter\n", ": not UTF-8 text (invalid start byte at byte 11, line 3)"),
        ("\n \n", ": no header line (the file is empty)"),
        ("a,b\n1," + "x" * 200_000 + "\n", ", line 2: not CSV (field larger than field limit (131072))"),
    ],
)
def test_a_bad_csv_is_one_error_naming_the_file_and_the_line(tmp_path, content, problem):
    path = tmp_path / "orders.csv"
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    with pytest.raises(BodyFileError) as caught:
        read_csv_text(path)
    assert str(caught.value) == f"{path}{problem}"


def test_a_csv_is_bounded_like_body_files(tmp_path, monkeypatch):
    path = tmp_path / "orders.csv"
    path.write_text("a,b\n1,2\n")  # 8 bytes
    assert len(read_csv_text(path, max_bytes=8)) == 1
    with pytest.raises(BodyFileError, match="larger than 7 bytes"):
        read_csv_text(path, max_bytes=7)
    with pytest.raises(BodyFileError, match="a directory, not a regular file"):
        read_csv_text(tmp_path)
    _stdin(monkeypatch, b"a,b\n1,2\n")
    assert read_csv_text("-").to_dict("list") == {"a": ["1"], "b": ["2"]}
