"""UpdateOrderForm: build time and set-plus-get time, beside the peer ipywidgets_jsonschema.Form.

Goal (the form issue): build under 0.5 s, set plus get of a full body under 50 ms.
The peer (PyPI ipywidgets-jsonschema) is built on the same request schema in the same
run; what it cannot represent is reported feature by feature, never crashing the run.
"""
from __future__ import annotations

import copy
import json
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import kapture_nb as kn
from kapture_nb.forms import UpdateOrderForm

ROOT = Path(__file__).resolve().parent.parent
BUILDS, SETS = 7, 25
ASSOCIATE = {"delivery_slot": "am", "priority": 2, "gift": {"wrap": True, "note": None}, "tags": ["a", "b"]}
DECLARED = {"delivery_slot": {"enum": ["am", "pm"]}, "priority": "integer"}


def example() -> dict:
    return json.loads((ROOT / "schemas/examples/documented_example.json").read_text())


def full_body() -> dict:
    body = example()
    body["order_info"]["associate_fields"] = copy.deepcopy(ASSOCIATE)
    body["customer_info"]["associate_fields"] = {"loyalty_tier": "gold"}
    return body


def median_seconds(func: Callable[[], Any], repeat: int) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def ours() -> None:
    build, form = median_seconds(UpdateOrderForm, BUILDS)
    body = full_body()

    def set_and_get() -> Any:
        form.value = body
        return form.value

    set_get, got = median_seconds(set_and_get, SETS)
    remarks = form.fields["order_info.remarks"].widget
    edit, _ = median_seconds(lambda: setattr(remarks, "value", remarks.value + "x"), SETS)
    form.value = kn.template()
    remarks = form.fields["order_info.remarks"].widget
    edit_invalid, _ = median_seconds(lambda: setattr(remarks, "value", remarks.value + "x"), SETS)
    errors = len(form.errors.errors)
    print("kapture_nb UpdateOrderForm")
    print(f"  build (median of {BUILDS}):        {build * 1000:7.1f} ms   goal < 500 ms   {_verdict(build < 0.5)}")
    print(f"  set + get full body (median):   {set_get * 1000:7.1f} ms   goal < 50 ms    {_verdict(set_get < 0.05)}")
    print(f"  one keystroke, revalidated:     {edit * 1000:7.1f} ms (valid body)")
    print(f"  one keystroke, revalidated:     {edit_invalid * 1000:7.1f} ms (template: {errors} errors shown)")
    print(f"  round trip exact: {json.dumps(got) == json.dumps(body)}")


def _verdict(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def _reduce(node: Any, change: Callable[[dict], None]) -> Any:
    if isinstance(node, dict):
        out = {key: _reduce(value, change) for key, value in node.items()}
        change(out)
        return out
    if isinstance(node, list):
        return [_reduce(value, change) for value in node]
    return node


def _ids_as_strings(node: dict) -> None:
    if isinstance(node.get("type"), list):
        node["type"] = "string"
        node.pop("minimum", None)


def _no_formats(node: dict) -> None:
    node.pop("format", None)


REDUCTIONS = [
    ('"type": ["integer", "string"] (order_id and the ids)', _ids_as_strings),
    ('"format": "date-time" / "date" strings that may be ""', _no_formats),
]


def _short(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {str(exc).splitlines()[0][:110]}"


def _peer_build(peer: Any, schema: dict) -> tuple[dict, Any, list[str]]:
    """Build the peer form, removing the features it fails on one by one; the schema it took and the notes."""
    notes, pending = [], list(REDUCTIONS)
    while True:
        try:
            return schema, peer.Form(schema), notes
        except Exception as exc:
            if not pending:
                raise RuntimeError("the peer cannot build even the reduced schema") from exc
            name, change = pending.pop(0)
            notes.append(f"cannot build: {_short(exc)}\n    -> removed {name}, retried")
            schema = _reduce(schema, change)


def _round_trip(form: Any, body: dict) -> str:
    try:
        form.data = body
        got = form.data
    except Exception as exc:
        return f"fails: {_short(exc)}"
    if json.dumps(got) == json.dumps(body):
        return "ok"
    diffs = [
        f"{section}.{key}: {body[section].get(key)!r} -> {got.get(section, {}).get(key)!r}"
        for section in body
        if isinstance(body[section], dict)
        for key in body[section]
        if got.get(section, {}).get(key) != body[section][key]
    ]
    missing = [key for key in got if key not in body]
    return "changed: " + "; ".join(diffs[:3] + [f"invented {k}" for k in missing])


def _labels_in_order(widget: Any, names: set[str]) -> list[str]:
    found = []
    value = getattr(widget, "value", None)
    if isinstance(value, str) and value in names and type(widget).__name__ == "Label":
        found.append(value)
    for child in getattr(widget, "children", ()):
        found.extend(_labels_in_order(child, names))
    return found


def peer() -> None:
    print("\nipywidgets_jsonschema.Form (the peer), same request schema")
    try:
        import ipywidgets_jsonschema as peer_module
    except ImportError:
        print("  not installed: pip install ipywidgets-jsonschema")
        return
    schema, form, notes = _peer_build(peer_module, kn.load_schema())
    for note in notes:
        print(f"  {note}")
    build, _ = median_seconds(lambda: peer_module.Form(schema), BUILDS)
    print(f"  build of the reduced schema (median of {BUILDS}): {build * 1000:7.1f} ms")

    features: list[tuple[str, Callable[[], str]]] = []
    with_int_id = example()
    with_int_id["order_info"]["order_id"] = 23518265
    with_associate = example()
    with_associate["order_info"]["associate_fields"] = {"delivery_slot": "am", "priority": 2}
    nested = example()
    nested["order_info"]["associate_fields"] = {"gift": {"wrap": True, "note": None}, "tags": ["a"]}
    absent = example()
    del absent["enquiry_info"]
    invalid = example()
    invalid["order_info"]["update"] = "true"
    features += [
        ("documented example, set then read", lambda: _round_trip(form, example())),
        ("order_id as a JSON number", lambda: _round_trip(form, with_int_id)),
        ("free-form associate_fields", lambda: _round_trip(form, with_associate)),
        ("nested free-form values", lambda: _round_trip(form, nested)),
        ("a body without enquiry_info", lambda: _round_trip(form, absent)),
        ("an invalid body, errors at fields", lambda: _round_trip(form, invalid)),
    ]

    def declared() -> str:
        extended = _reduce(kn.with_associate_fields(order=DECLARED), _ids_as_strings)
        extended = _reduce(extended, _no_formats)
        try:
            declared_form = peer_module.Form(extended)
        except Exception as exc:
            return f"cannot build: {_short(exc)}"
        body = example()
        body["order_info"]["associate_fields"] = {"delivery_slot": "am", "priority": 2, "gift_note": "hi"}
        return _round_trip(declared_form, body)

    def order() -> str:
        names = list(schema["properties"]["customer_info"]["properties"])
        shown = [n for n in _labels_in_order(form.widget, set(names)) if n in names][: len(names)]
        return "schema order" if shown == names[: len(shown)] else f"alphabetical: {', '.join(shown[:4])}, ..."

    features += [("declared associate fields + one undeclared", declared), ("field order", order)]
    for name, check in features:
        try:
            outcome = check()
        except Exception as exc:
            outcome = f"fails: {_short(exc)}"
        print(f"  {name:45s} {outcome}")


if __name__ == "__main__":
    ours()
    peer()
