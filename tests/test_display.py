"""The toolkit's own HTML: each display scrolls inside its own box, missing values have one spelling, texts are never cut."""
from html.parser import HTMLParser

import pandas as pd
import pytest

import kapture_nb as kn
from helpers import FIRST_ID
from kapture_nb.display import MISSING, cell, table

BOX = "max-width:100%; overflow-x:auto"
LONG = "a remark long enough to be cut by pandas' default column width of fifty characters, and then some more"


class _Outer(HTMLParser):
    """The outermost elements of an HTML text: (tag, attributes) for each, and any text outside them."""

    def __init__(self) -> None:
        super().__init__()
        self.depth, self.outer, self.loose = 0, [], ""

    def handle_starttag(self, tag, attrs):
        if self.depth == 0:
            self.outer.append((tag, dict(attrs)))
        self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= 1

    def handle_data(self, data):
        self.loose += data if self.depth == 0 else ""


def outer(html: str) -> _Outer:
    parsed = _Outer()
    parsed.feed(html)
    parsed.close()
    return parsed


def displays() -> dict[str, object]:
    """One of each toolkit display, each with a missing value in its table."""
    body = kn.documented_example()
    body["customer_info"]["customer_name"] = None
    del body["order_info"]["order_id"]  # "required": an error without a value
    data = pd.DataFrame({"id": [str(FIRST_ID), "77"], "remark": [LONG, None]})
    mapping = kn.FieldMapping(
        {"order_info.order_id": "id", "customer_info.customer_name": kn.Const("A"), "order_info.remarks": "remark"}
    )
    current = pd.DataFrame({"order_info.order_id": [str(FIRST_ID)], "customer_info.customer_name": ["A"]})
    frame = pd.DataFrame({"Order No": ["1", "2"], "Notes": [LONG, "x"], "Blank": [None, None]})
    return {
        "kapture-report": kn.validate(body),
        "kapture-plan": kn.plan(data, mapping, current=current),
        "kapture-suggestion": kn.suggest_mapping(frame),
    }


@pytest.mark.parametrize("css_class", ["kapture-report", "kapture-plan", "kapture-suggestion"])
def test_each_display_is_one_box_that_scrolls_sideways_inside_itself(css_class):
    html = displays()[css_class]._repr_html_()
    parsed = outer(html)
    assert parsed.outer == [("div", {"class": css_class, "style": BOX})] and parsed.loose.strip() == ""


@pytest.mark.parametrize("css_class", ["kapture-report", "kapture-plan", "kapture-suggestion"])
def test_each_display_spells_a_missing_value_one_way(css_class):
    html = displays()[css_class]._repr_html_()
    assert f"<td>{MISSING}</td>" in html
    for other in ("<td>None</td>", "<td>NaN</td>", "<td>nan</td>", "<td>&lt;NA&gt;</td>", "<td>NaT</td>"):
        assert other not in html


def test_a_valid_report_is_a_box_too():
    parsed = outer(kn.validate(kn.documented_example())._repr_html_())
    assert parsed.outer == [("div", {"class": "kapture-report", "style": BOX})]


def test_the_plans_headline_says_its_counts_whole():
    assert "<b>Change plan</b>: 1 set, 1 unknown order<table" in displays()["kapture-plan"]._repr_html_()


def test_the_plan_and_the_suggestion_show_long_texts_whole():
    shown = displays()
    assert LONG in shown["kapture-plan"]._repr_html_() and LONG in shown["kapture-suggestion"]._repr_html_()


def test_a_table_keeps_values_apart_from_missing_ones_and_escapes_them():
    frame = pd.DataFrame({
        "text": ["", None, "<b>", "\ud800"],
        "number": [1.5, float("nan"), 2.0, 3.0],
        "whole": pd.array([1, None, 3, 4], dtype="Int64"),
        "when": pd.to_datetime(["2024-01-02", None, "2024-01-03", "2024-01-04"]),
        "json": [[None], {}, [], {"a": None}],
    })
    html = table(frame)
    rows = [row.split("</td>")[:-1] for row in html.split("<tr>")[1:]]
    cells = [[c.strip().removeprefix("<td>") for c in row] for row in rows]
    assert cells[0] == ["", "1.5", "1", "2024-01-02 00:00:00", "[None]"]
    assert cells[1] == [MISSING, MISSING, MISSING, MISSING, "{}"]
    assert cells[2][0] == "&lt;b&gt;" and cells[3][0] == "\\ud800"
    html.encode("utf-8")  # the lone surrogate is escaped: the notebook can write it


def test_an_integer_too_long_for_str_is_shown_by_its_length():
    assert cell(10**5000) == "an integer of about 5,001 digits"
    assert "an integer of about 5,001 digits" in table(pd.DataFrame({"x": [10**5000]}))
