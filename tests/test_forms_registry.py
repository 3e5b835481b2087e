"""Which field class shows which node, and how a user swaps in classes of their own."""
import ipywidgets as widgets
import pytest

import kapture_nb as kn
from kapture_nb.forms import (
    ArrayField,
    BooleanField,
    DateField,
    DateTimeField,
    EnumField,
    FreeFormField,
    IntegerField,
    IntegerOrDigitsField,
    JsonField,
    NumberBox,
    NumberField,
    ObjectField,
    Registry,
    SchemaForm,
    StringField,
    UpdateOrderForm,
    default_registry,
)

PLAIN = kn.load_schema()


class NotesField(StringField):
    """A string in a multi-line box."""

    def make_widget(self):
        return widgets.Textarea(layout=self.ctx.look.area)


class EmailField(StringField):
    """An e-mail address."""

    placeholder = "name@example.com"


@pytest.mark.parametrize(
    ("path", "kind", "cls"),
    [
        ("customer_info", "object", ObjectField),
        ("customer_info.customer_name", "string", StringField),
        ("customer_info.customer_id", "integer_or_digits", IntegerOrDigitsField),
        ("customer_info.individual", "boolean", BooleanField),
        ("customer_info.associate_fields", "free_form", FreeFormField),
        ("customer_info.additional_fields", "free_form", FreeFormField),
        ("contact_info", "array", ArrayField),
        ("contact_info.0", "object", ObjectField),
        ("contact_info.0.dob", "date", DateField),
        ("enquiry_info.next_follow_up_date", "date-time", DateTimeField),
        ("order_info.order_id", "integer_or_digits", IntegerOrDigitsField),
    ],
)
def test_the_request_schema_maps_to_the_built_in_kinds(path, kind, cls):
    form = SchemaForm(PLAIN)
    assert default_registry().kind_of(form.fields[path].node) == kind
    assert type(form.fields[path]) is cls


@pytest.mark.parametrize(("name", "kind", "cls"), [("quantity", "integer", IntegerField), ("weight", "number", NumberField)])
def test_declared_integer_and_number_nodes_get_number_boxes(example, name, kind, cls):
    schema = kn.with_associate_fields(order={"quantity": {"type": "integer"}, "weight": {"type": "number"}})
    form = UpdateOrderForm(schema=schema, value=example)
    field = form.fields[f"order_info.associate_fields.{name}"]
    assert default_registry().kind_of(field.node) == kind and type(field) is cls
    assert isinstance(field.widget, NumberBox) and isinstance(field.widget.text, widgets.Text)
    assert field.widget.integer is (cls is IntegerField)
    assert f"kapture-field-order_info-associate_fields-{name}" in field.widget._dom_classes


class CountField(NumberField):
    """A number field of the user's own."""

    placeholder = "how many"


def test_free_number_rows_use_the_class_registered_for_numbers(example):
    example["order_info"]["associate_fields"] = {"n": 1}
    registry = default_registry().register("number", CountField)
    form = SchemaForm(PLAIN, example, registry=registry)
    row = form.fields["order_info.associate_fields.n"]
    assert isinstance(row.inner, CountField) and row.widget.text.placeholder == "how many"
    row.widget.text.value = "2.5"
    assert form.value["order_info"]["associate_fields"] == {"n": 2.5}


@pytest.mark.parametrize(
    ("node", "kind"),
    [
        ({"enum": [1, 2]}, "enum"),
        ({"type": "string", "enum": ["a"]}, "enum"),
        ({"type": "integer"}, "integer"),
        ({"type": "number"}, "number"),
        ({"type": ["string", "null"]}, "json"),
        ({}, "json"),
        ({"type": "array", "items": {"type": "string"}}, "array"),
        ({"type": "array"}, "json"),
    ],
)
def test_rules_are_tried_in_order_and_json_catches_the_rest(node, kind):
    assert default_registry().kind_of(node) == kind


def test_a_class_registered_for_a_kind_shows_every_node_of_that_kind(example):
    registry = default_registry().register("string", NotesField)
    form = SchemaForm(PLAIN, example, registry=registry)
    remarks = form.fields["order_info.remarks"]
    assert isinstance(remarks.widget, widgets.Textarea) and isinstance(remarks, NotesField)
    assert isinstance(form.fields["contact_info.0.gender"], NotesField)
    assert not isinstance(form.fields["contact_info.0.dob"], NotesField)
    assert form.registry is registry
    remarks.widget.value = "line one\nline two"
    assert form.value["order_info"]["remarks"] == "line one\nline two"
    assert type(SchemaForm(PLAIN).fields["order_info.remarks"]) is StringField


def test_a_class_registered_for_a_path_shows_only_that_field(example):
    registry = default_registry().register_path("order_info.remarks", NotesField)
    form = SchemaForm(PLAIN, example, registry=registry)
    assert isinstance(form.fields["order_info.remarks"], NotesField)
    assert type(form.fields["customer_info.remarks"]) is StringField


def test_a_wildcard_path_covers_every_item_including_added_ones(example):
    registry = default_registry().register_path("contact_info.*.gender", NotesField)
    form = UpdateOrderForm(value=example, registry=registry)
    form.fields["contact_info"].add_button.click()
    assert isinstance(form.fields["contact_info.1.gender"], NotesField)
    form.fields["contact_info.1.gender"].widget.value = "Female"
    assert form.value["contact_info"][1]["gender"] == "Female"


def test_a_rule_adds_a_kind_of_its_own(example):
    schema = kn.load_schema()
    schema["properties"]["customer_info"]["properties"]["email_id"]["format"] = "email"
    registry = default_registry()
    registry.add_rule(lambda node: node.get("format") == "email", "email").register("email", EmailField)
    form = SchemaForm(schema, example, registry=registry)
    email = form.fields["customer_info.email_id"]
    assert isinstance(email, EmailField) and email.widget.placeholder == "name@example.com"
    email.widget.value = "x@y.z"
    assert form.value["customer_info"]["email_id"] == "x@y.z"


def test_a_late_rule_still_comes_before_the_json_fallback():
    registry = default_registry().add_rule(lambda node: "const" in node, "constant", first=False)
    assert registry.kind_of({"const": 1}) == "constant"
    assert registry.kind_of({"type": "string", "const": "a"}) == "string"
    assert registry.rules[-1][1] == "json"


def test_a_kind_without_a_class_and_a_class_that_is_not_a_field_are_refused():
    registry = default_registry().add_rule(lambda node: True, "mystery")
    with pytest.raises(LookupError, match="mystery"):
        SchemaForm(PLAIN, registry=registry)
    with pytest.raises(TypeError, match=r"subclass of kapture_nb\.forms\.Field"):
        default_registry().register("string", widgets.Text)


def test_copies_and_fresh_registries_are_independent():
    base = default_registry()
    changed = base.copy().register("string", NotesField).register_path("a.b", NotesField)
    assert base.kinds["string"] is StringField and base.by_path == {}
    assert changed.kinds["string"] is NotesField and changed.field_class({}, ("a", "b")) is NotesField
    assert default_registry().kinds["string"] is StringField
    assert isinstance(Registry().field_class({"enum": ["x"]}), type) and Registry().kinds["enum"] is EnumField
    assert Registry().kinds["json"] is JsonField
