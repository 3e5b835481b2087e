"""Forms generated from the request schema, for Jupyter (ipywidgets)."""
from .arrays import ArrayField
from .base import NOTHING, Field, FormContext
from .composite import Composite
from .free_form import FreeFormField, FreeRow
from .objects import ObjectField
from .order_form import UpdateOrderForm
from .registry import DEFAULT_KINDS, DEFAULT_RULES, Registry, default_registry
from .scalars import (
    BooleanField,
    DateField,
    DateTimeField,
    EnumField,
    IntegerField,
    IntegerOrDigitsField,
    JsonField,
    LeafField,
    NumberBox,
    NumberField,
    StringField,
)
from .schema_form import SchemaForm

__all__ = [
    "DEFAULT_KINDS",
    "DEFAULT_RULES",
    "NOTHING",
    "ArrayField",
    "BooleanField",
    "Composite",
    "DateField",
    "DateTimeField",
    "EnumField",
    "Field",
    "FormContext",
    "FreeFormField",
    "FreeRow",
    "IntegerField",
    "IntegerOrDigitsField",
    "JsonField",
    "LeafField",
    "NumberBox",
    "NumberField",
    "ObjectField",
    "Registry",
    "SchemaForm",
    "StringField",
    "UpdateOrderForm",
    "default_registry",
]
