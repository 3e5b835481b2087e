import json

import pytest

from kapture_nb.bodyfiles import BodyFileError, read_bodies
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


def test_undecodable_bytes_are_a_body_file_error_naming_the_file(tmp_path):
    path = tmp_path / "latin1.json"
    path.write_bytes('{"name": "Günter"}'.encode("latin-1"))
    with pytest.raises(BodyFileError) as caught:
        read_bodies(path)
    assert str(caught.value).startswith(f"{path}: cannot read it (UnicodeDecodeError: ")


def test_a_directory_is_a_body_file_error(tmp_path):
    with pytest.raises(BodyFileError, match="cannot read it"):
        read_bodies(tmp_path)


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
