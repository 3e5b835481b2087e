"""kn.plan: what a batch would change, checked against what sending it to the sandbox does to the sandbox's store."""
import pandas as pd
import pytest

import kapture_nb as kn
from helpers import FIRST_ID

TARGETS = {
    "order_info.order_id": "id",
    "customer_info.customer_name": "who",
    "customer_info.phone": "mobile",
    "order_info.remarks": "remark",
    "order_info.associate_fields.slot": "slot",
}


def seeded(n: int) -> list[dict]:
    return [
        {
            "customer_info": {"customer_name": f"C{i}", "phone": "9000000000"},
            "order_info": {"order_id": str(FIRST_ID + i), "remarks": "old", "associate_fields": {"slot": "am"}},
        }
        for i in range(n)
    ]


def batch() -> pd.DataFrame:
    """Changes, unchanged values, empties, an ignored section, an unknown order, an invalid row, an order twice."""
    return pd.DataFrame(
        {
            "id": [str(FIRST_ID + i) for i in (0, 1, 2, 3)] + ["99999999", "x", str(FIRST_ID)],
            "who": ["C0", "C1", "C2", "C3", "N", "N", "C0"],
            "mobile": ["9111111111", "9000000000", "", "9222222222", "1", "1", "9333333333"],
            "remark": ["new", "old", "", "new", "r", "r", "newer"],
            "slot": ["pm", "am", "", "am", "pm", "pm", "eve"],
        },
        index=[f"r{i}" for i in range(7)],
    )


def flat(frame: pd.DataFrame) -> dict:
    """The store as {(order_id, path): value}, without missing cells."""
    cells = frame.set_index("order_id").stack(future_stack=True).dropna()
    return {key: value for key, value in cells.items() if not str(key[1]).endswith(("_id", "update"))}


@pytest.mark.parametrize("rules", [{}, {"empty": "clear"}, {"update_flags": "ignore"}])
def test_a_plan_against_the_sandbox_predicts_what_sending_does_path_by_path(fresh_sandbox, rules):
    sb = fresh_sandbox(orders=seeded(4), **rules)
    mapping = kn.FieldMapping(TARGETS)
    planned = kn.plan(batch(), mapping, current=sb).to_frame()
    before = flat(sb.orders)
    with sb.client() as client:
        client.update_orders(batch(), mapping, concurrency=4, progress=False)
    after = flat(sb.orders)
    changed = {key: value for key, value in after.items() if before.get(key) != value}
    changed.update({key: "" for key in before.keys() - after.keys()})
    written = planned[planned["effect"].isin(["set", "change", "clear"])]
    predicted = {(row.order_id, row.path): row.after for row in written.itertuples()}  # the last row of an order wins
    assert changed == predicted
    ignored = planned[planned["effect"] == "ignored"]
    for row in ignored.itertuples():
        assert after.get((row.order_id, row.path)) == row.before


def test_the_plan_lists_each_kind_of_effect_with_its_row():
    sb = kn.Sandbox(orders=seeded(4))
    plan = kn.plan(batch(), kn.FieldMapping(TARGETS), current=sb)
    frame = plan.to_frame()
    assert list(frame.columns) == ["row", "order_id", "path", "before", "after", "effect", "note"]
    assert str(frame["order_id"].dtype) == "Int64"
    by_row = frame.groupby("row")["effect"].agg(list).to_dict()
    assert by_row["r0"] == ["duplicate", "ignored", "change", "change"]
    assert "r1" not in by_row and "r2" not in by_row  # nothing changes: nothing listed
    assert by_row["r4"] == ["unknown order"] and by_row["r5"] == ["not sent"]
    first = frame[(frame["row"] == "r0") & (frame["path"] == "order_info.remarks")].iloc[0]
    assert (first["before"], first["after"]) == ("old", "new")
    last = frame[(frame["row"] == "r6") & (frame["path"] == "order_info.remarks")].iloc[0]
    assert (last["before"], last["after"]) == ("new", "newer")  # the second row sees what the first one did
    assert "also in row(s) 'r6'" in frame.loc[frame["effect"] == "duplicate", "note"].iloc[0]
    assert frame.loc[frame["row"] == "r5", "note"].iloc[0].startswith("invalid body: order_info.order_id")


def test_the_summary_counts_orders_per_path_and_effect():
    plan = kn.plan(batch(), kn.FieldMapping(TARGETS), current=kn.Sandbox(orders=seeded(4)))
    summary = plan.summary()
    assert summary.loc["order_info.remarks", "change"] == 2  # orders 0 (twice) and 3
    assert summary.loc["customer_info.phone", "ignored"] == 2
    assert "Change plan" in plan._repr_html_() and repr(plan).startswith("<ChangePlan ")


def test_a_frame_of_current_orders_or_none():
    current = pd.DataFrame({"order_info.order_id": [FIRST_ID], "order_info.remarks": ["old"]})
    data = pd.DataFrame({"id": [str(FIRST_ID), "7"], "who": ["A", "B"], "remark": ["old", "x"]})
    mapping = kn.FieldMapping({"order_info.order_id": "id", "customer_info.customer_name": "who", "order_info.remarks": "remark"})
    against_frame = kn.plan(data, mapping, current=current).to_frame()
    assert against_frame[["order_id", "effect"]].values.tolist() == [[7, "unknown order"]]
    blind = kn.plan(data, mapping).to_frame()
    assert blind[["order_id", "path", "effect"]].values.tolist() == [
        [FIRST_ID, "order_info.remarks", "set"],
        [7, "order_info.remarks", "set"],
    ]


def test_a_sandbox_that_creates_unknown_orders_plans_them_as_sets():
    sb = kn.Sandbox(unknown_order="create")
    data = [{"customer_info": {"customer_name": "N"}, "order_info": {"order_id": "77", "remarks": "r", "update": True}}]
    frame = kn.plan(data, current=sb).to_frame()
    assert frame[["path", "effect"]].values.tolist() == [
        ["customer_info.customer_name", "set"],
        ["order_info.remarks", "set"],
    ]


@pytest.mark.parametrize(
    "current, words",
    [
        (42, "current= takes a Sandbox"),
        (pd.DataFrame({"Order No": [1]}), "these are not: 'Order No'"),
        (pd.DataFrame({"order_info.remarks": ["x"]}), "needs the column 'order_info.order_id'"),
        (pd.DataFrame([[1, "a", "b"]], columns=["order_info.order_id", "order_info.remarks", "order_info.remarks"]),
         "it has 'order_info.remarks' more than once"),
        (pd.DataFrame([[1]], columns=pd.MultiIndex.from_tuples([("order_info", "order_id")])), "a MultiIndex: flatten them"),
    ],
)
def test_a_current_it_cannot_read_is_a_clear_error(current, words):
    with pytest.raises(kn.ConfigurationError, match=words):
        kn.plan([], current=current)


def test_an_order_id_of_zeros_is_refused_by_the_validator_the_plan_and_the_sandbox(fresh_sandbox):
    sb = fresh_sandbox()
    data = [{"customer_info": {"customer_name": "A"}, "order_info": {"order_id": "00", "remarks": "r", "update": True}}]
    frame = kn.plan(data, current=sb).to_frame()
    assert frame["effect"].tolist() == ["not sent"] and "all zeros is no id" in frame["note"].iloc[0]
    with sb.client() as client:
        row = client.update_orders(data, progress=False, validate=False).iloc[0]
    assert row["http_status"] == 400 and len(sb.orders) == 1  # refused, not a 500, nothing stored
