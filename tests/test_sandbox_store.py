"""OrderStore: the documented order, seeding from bodies and DataFrames, update and add rules, the orders frame."""
from __future__ import annotations

import copy
import threading

import numpy as np
import pandas as pd
import pytest

import kapture_nb as kn
from kapture_nb import paths
from kapture_nb.effects import Rules
from kapture_nb.exceptions import ConfigurationError
from kapture_nb.sandbox.store import (
    DOCUMENTED_IDS,
    ID_COLUMNS,
    IdRangeError,
    Ids,
    OrderStore,
    UnknownOrderError,
    documented_example,
)


def _body(order_id="", name="Acme", **order_fields) -> dict:
    body = kn.template()
    body["customer_info"]["customer_name"] = name
    body["order_info"]["order_id"] = order_id
    body["order_info"].update(order_fields)
    return body


def test_starts_with_the_documented_order_and_its_ids():
    store = OrderStore()
    assert len(store) == 1 and 23518265 in store
    order = store.get(23518265)
    assert Ids(order["order_id"], order["customer_id"], order["enquiry_id"], order["contact_id"]) == DOCUMENTED_IDS
    assert Ids(23518265, 191696570, 24284719, 210006001) == DOCUMENTED_IDS
    assert order["customer_info"]["customer_name"] == "ABC"
    assert order["order_info"]["invoice_no"] == "3141341"


def test_frame_has_id_columns_first_then_dotted_leaves():
    frame = OrderStore().frame()
    assert list(frame.columns[:4]) == ID_COLUMNS
    assert all(str(frame[column].dtype) == "Int64" for column in ID_COLUMNS)
    row = frame.iloc[0]
    assert row["customer_info.customer_name"] == "ABC"
    assert row["contact_info.0.contact_person_phone"] == "9380491257"
    assert row["order_info.remarks"] == "testing 2345"
    assert row["order_info.order_id"] == "23518265"


def test_empty_store_frame_keeps_the_id_columns():
    frame = OrderStore(documented=False).frame()
    assert frame.empty
    assert list(frame.columns) == ID_COLUMNS
    assert all(str(frame[column].dtype) == "Int64" for column in ID_COLUMNS)


def test_update_writes_flagged_sections_and_merges_custom_fields_key_by_key():
    store = OrderStore()
    first = documented_example()
    first["order_info"]["associate_fields"] = {"delivery_slot": "morning", "gift_wrap": "no"}
    first["customer_info"]["additional_fields"] = {"tier": "gold"}
    first["customer_info"]["update"] = True
    store.update(first)
    ids = store.update(
        {
            "customer_info": {"customer_name": "ABC Ltd", "additional_fields": {"region": "south"}, "update": True},
            "order_info": {"order_id": 23518265, "remarks": "changed", "associate_fields": {"gift_wrap": "yes"}, "update": True},
        }
    )
    assert ids == DOCUMENTED_IDS
    order = store.get(23518265)
    assert order["customer_info"]["customer_name"] == "ABC"  # the name identifies: an update never rewrites it
    assert order["customer_info"]["city"] == ""  # untouched fields stay
    assert order["customer_info"]["additional_fields"] == {"tier": "gold", "region": "south"}
    assert order["order_info"]["remarks"] == "changed"
    assert order["order_info"]["associate_fields"] == {"delivery_slot": "morning", "gift_wrap": "yes"}
    assert order["order_info"]["order_id"] == "23518265"


def test_a_section_whose_update_flag_is_false_is_not_written_unless_the_store_ignores_flags():
    body = {
        "customer_info": {"customer_name": "ABC", "phone": "1111111111", "update": False},
        "order_info": {"order_id": "23518265", "remarks": "", "update": True},
    }
    honoured, ignored = OrderStore(), OrderStore(rules=Rules(update_flags="ignore", empty="clear"))
    honoured.update(body)
    ignored.update(body)
    assert honoured.get(23518265)["customer_info"]["phone"] == "9380491257"
    assert honoured.get(23518265)["order_info"]["remarks"] == "testing 2345"  # "" keeps by default
    assert ignored.get(23518265)["customer_info"]["phone"] == "1111111111"
    assert ignored.get(23518265)["order_info"]["remarks"] == ""


def test_update_merges_contacts_by_index_and_appends_new_ones():
    store = OrderStore()
    contacts = [{"first_name": "Asha", "update": True}, {"first_name": "Ravi", "update": True}]
    store.update({"order_info": {"order_id": "23518265", "update": True}, "contact_info": contacts})
    contacts = store.get(23518265)["contact_info"]
    assert contacts[0]["first_name"] == "Asha" and contacts[0]["contact_person_phone"] == "9380491257"
    assert contacts[1] == {"first_name": "Ravi"}


def test_unknown_order_is_rejected_by_default():
    store = OrderStore()
    with pytest.raises(UnknownOrderError, match="Order 999 not found") as caught:
        store.update(_body(order_id="999"))
    assert caught.value.order_id == 999
    assert 999 not in store and isinstance(caught.value, kn.KaptureError)


def test_unknown_order_is_created_when_asked():
    store = OrderStore(unknown_order="create")
    ids = store.update(_body(order_id="999", name="New"))
    assert ids.order_id == 999 and 999 in store
    assert ids.customer_id == DOCUMENTED_IDS.customer_id + 1
    assert store.get(999)["customer_info"]["customer_name"] == "New"


def test_unknown_order_policy_is_checked():
    with pytest.raises(kn.ConfigurationError, match="unknown_order"):
        OrderStore(unknown_order="ignore")


def test_add_gives_new_ids_in_a_deterministic_sequence():
    first, second = OrderStore(), OrderStore()
    ids = [first.add(_body()), first.add(_body(name="Other"))]
    assert ids == [second.add(_body()), second.add(_body(name="Other"))]
    assert ids[0] == Ids(23518266, 191696571, 24284720, 210006002)
    assert ids[1] == Ids(23518267, 191696572, 24284721, 210006003)
    assert first.get(23518267)["customer_info"]["customer_name"] == "Other"
    assert first.get(23518266)["order_info"]["order_id"] == "23518266"


def test_add_keeps_ids_given_in_the_body():
    store = OrderStore()
    body = _body()
    body["customer_info"]["customer_id"] = "191696570"
    ids = store.add(body)
    assert ids.customer_id == 191696570 and ids.enquiry_id == 24284720


def test_concurrent_adds_get_distinct_ids():
    store = OrderStore()
    found: list[Ids] = []
    lock = threading.Lock()

    def add_some():
        for _ in range(50):
            ids = store.add(_body())
            with lock:
                found.append(ids)

    threads = [threading.Thread(target=add_some) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({ids.order_id for ids in found}) == 400 and len(store) == 401


def test_load_bodies_with_and_without_order_ids():
    bodies = [_body(order_id="5001", name="Given"), _body(name="No id"), {"customer_info": {"customer_name": "Bare"}}]
    store = OrderStore(bodies)
    assert sorted(store.frame()["order_id"].tolist()) == [5001, 23518265, 23518266, 23518267]
    assert store.get(5001)["customer_info"]["customer_name"] == "Given"
    assert store.get(23518267)["order_info"]["remarks"] == ""  # a missing section comes from the template


def test_loading_a_known_order_id_replaces_its_body_and_keeps_its_ids():
    body = documented_example()
    body["customer_info"]["customer_name"] = "Renamed"
    store = OrderStore([body])
    assert len(store) == 1
    order = store.get(23518265)
    assert order["customer_info"]["customer_name"] == "Renamed" and order["customer_id"] == 191696570


def test_load_dataframe_with_dotted_columns():
    frame = pd.DataFrame(
        {
            "order_info.order_id": ["7001", "7002"],
            "customer_info.customer_name": ["Row one", "Row two"],
            "contact_info.0.contact_person_phone": ["900", np.nan],
            "order_info.associate_fields.delivery_slot": ["morning", "evening"],
            "order_info.associate_fields.boxes": [np.int64(3), np.int64(4)],
        }
    )
    store = OrderStore(frame, documented=False)
    first, second = store.get(7001), store.get(7002)
    assert first["customer_info"]["customer_name"] == "Row one"
    assert first["contact_info"][0]["contact_person_phone"] == "900"
    assert first["order_info"]["associate_fields"] == {"delivery_slot": "morning", "boxes": 3}
    assert type(first["order_info"]["associate_fields"]["boxes"]) is int
    assert second["contact_info"][0]["contact_person_phone"] == ""  # a missing cell keeps the template's value
    assert second["order_info"]["associate_fields"]["delivery_slot"] == "evening"
    assert first["customer_info"]["city"] == ""  # every documented key is there


@pytest.mark.parametrize(
    "columns, words",
    [
        ({"Order No": ["1"], "order_info.order_id": ["1"]}, "these are not: 'Order No'.*FieldMapping"),
        ({"customer_info.customer_name": ["A"]}, "needs the column 'order_info.order_id'"),
        ({"order_info.order_id": ["1", None]}, "row 1 has no order_id"),
    ],
)
def test_a_frame_that_is_not_orders_is_refused_and_no_id_is_invented(columns, words):
    with pytest.raises(ConfigurationError, match=words):
        OrderStore(pd.DataFrame(columns))


def test_integer_custom_fields_stay_integers_in_the_frame():
    store = OrderStore(documented=False)
    store.load([_body(name="A", associate_fields={"boxes": 3}), _body(name="B")])
    frame = store.frame()
    assert str(frame["order_info.associate_fields.boxes"].dtype) == "Int64"
    assert frame["order_info.associate_fields.boxes"].tolist()[0] == 3


def test_frame_seeds_an_equal_store():
    store = OrderStore()
    store.add(_body(name="Second", remarks="r2", associate_fields={"slot": "a"}))
    copied = OrderStore(store.frame(), documented=False)
    pd.testing.assert_frame_equal(copied.frame(), store.frame())


def test_get_returns_a_copy():
    store = OrderStore()
    order = store.get(23518265)
    order["customer_info"]["customer_name"] = "changed outside"
    assert store.get(23518265)["customer_info"]["customer_name"] == "ABC"


def test_bodies_are_copied_in_not_referenced():
    body = _body(order_id="42")
    store = OrderStore([body])
    original = copy.deepcopy(store.get(42))
    body["customer_info"]["customer_name"] = "mutated"
    assert store.get(42) == original


def test_an_order_that_is_not_a_body_is_a_clear_error_naming_its_position():
    with pytest.raises(kn.BodyTypeError, match=r"orders\[1\] is a str, not a body"):
        OrderStore([{"order_info": {"order_id": 5}}, "not a body"])


@pytest.mark.parametrize("order_id", ["A-17", "0", 12.5])
def test_a_body_whose_order_id_is_not_an_id_is_refused_not_given_a_new_one(order_id):
    with pytest.raises(ConfigurationError, match=r"orders\[0\]: order_info.order_id .* is not an id"):
        OrderStore([{"customer_info": {"customer_name": "Z"}, "order_info": {"order_id": order_id}}])


MAX_ID = 2**63 - 1


@pytest.mark.parametrize(
    "path, value",
    [
        ("order_info.order_id", "1" * 20),
        ("order_info.order_id", MAX_ID + 1),
        ("customer_info.customer_id", str(MAX_ID + 1)),
        ("enquiry_info.enquiry_id", 10**30),
        ("contact_info.0.contact_id", "9" * 19),
    ],
)
def test_seeding_an_id_beyond_64_bits_is_refused_naming_it_and_the_limit(path, value):
    body = _body(order_id="42")
    paths.set(body, path, value)
    with pytest.raises(ConfigurationError, match=rf"orders\[0\]: {path.replace('.', '[.]')} \d+ is above 9223372036854775807"):
        OrderStore([body])


@pytest.mark.parametrize("column", ["order_info.order_id", "order_id"])
def test_seeding_a_frame_with_an_id_beyond_64_bits_is_refused_naming_the_row(column):
    frame = pd.DataFrame({column: ["7", "1" * 20], "customer_info.customer_name": ["A", "B"]}, index=["r1", "r2"])
    with pytest.raises(ConfigurationError, match=r"row 'r2': order_info.order_id 1{20} is above 9223372036854775807"):
        OrderStore(frame)


def test_an_id_of_2_63_minus_1_is_held_and_shown():
    store = OrderStore([_body(order_id=str(MAX_ID))], documented=False)
    assert store.frame()["order_id"].tolist() == [MAX_ID] and str(store.frame()["order_id"].dtype) == "Int64"


def test_update_and_add_refuse_ids_beyond_64_bits_and_change_nothing():
    store = OrderStore(unknown_order="create")
    before = store.frame()
    with pytest.raises(IdRangeError, match=r"order_info\.order_id 1{20} is above 9223372036854775807"):
        store.update(_body(order_id="1" * 20))
    known = _body(order_id="23518265")
    known["contact_info"][0]["contact_id"] = MAX_ID + 1
    with pytest.raises(IdRangeError, match=r"contact_info\.0\.contact_id"):
        store.update(known)
    big = _body()
    big["customer_info"]["customer_id"] = str(MAX_ID + 1)
    with pytest.raises(IdRangeError, match=r"customer_info\.customer_id"):
        store.add(big)
    pd.testing.assert_frame_equal(store.frame(), before)


def test_a_sequence_that_reaches_2_63_minus_1_gives_no_new_id():
    store = OrderStore([_body(order_id=str(MAX_ID))], documented=False)
    with pytest.raises(IdRangeError, match="no new order_id is left"):
        store.add(_body())
    assert store.frame()["order_id"].tolist() == [MAX_ID]


def test_custom_fields_beyond_64_bits_keep_their_values_and_the_frame_builds():
    store = OrderStore(documented=False)
    store.load([_body(order_id="1", associate_fields={"big": 10**20, "small": 3}), _body(order_id="2")])
    frame = store.frame()
    assert frame["order_info.associate_fields.big"].tolist()[0] == 10**20
    assert str(frame["order_info.associate_fields.big"].dtype) == "object"
    assert str(frame["order_info.associate_fields.small"].dtype) == "Int64"


@pytest.mark.parametrize("shape, words", [("deep", "nests deeper than 64 levels"), ("cycle", "holds itself")])
def test_seeding_an_order_too_deep_or_inside_itself_is_refused(shape, words):
    body = _body(order_id="42")
    if shape == "deep":
        value: object = 1
        for _ in range(100_000):
            value = [value]
        body["order_info"]["associate_fields"] = {"deep": value}
    else:
        body["order_info"]["associate_fields"] = {"again": body}
    with pytest.raises(ConfigurationError, match=rf"orders\[0\]: order_info.associate_fields.* {words}"):
        OrderStore([body])
