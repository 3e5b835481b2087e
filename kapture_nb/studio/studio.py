"""MappingStudio: a DataFrame's columns mapped onto the body in a notebook, its problems live, then planned, sent and kept."""
from __future__ import annotations

import html
import logging
from collections.abc import Callable, Hashable, Mapping
from functools import partial
from os import PathLike
from pathlib import Path as FilePath
from typing import TYPE_CHECKING, Any

import ipywidgets as widgets
import pandas as pd

from .. import paths
from ..converters import Converter
from ..detect import detect
from ..display import ERROR_STYLE
from ..exceptions import ConfigurationError, MappingError
from ..forms.base import Look
from ..jsonvalues import is_clean
from ..livecheck import CheckResult, LiveCheck
from ..mapping import Column, Const, FieldMapping
from ..plan import ChangePlan
from ..schema import leaf_paths, load_schema, node_at
from ..schema import template as make_template
from ..suggest import suggest_mapping
from ..validation import DEFAULT_REGION
from .checking import BackgroundCheck
from .columns import DESCRIBED, ColumnRow, first_sentence, heading
from .constants import ConstantRow, ConstantsView
from .fields import FieldsView
from .problems import ProblemsView, headline
from .sending import SendView

if TYPE_CHECKING:
    from ..client import KaptureClient

_TABS = ("Columns", "Constants and flags", "Custom fields", "Problems", "Preview and plan", "Send", "Keep it")


log = logging.getLogger(__name__)
_FLAGGED = ("customer_info", "order_info", "enquiry_info", "contact_info")  # the sections an update flag gates


def _later_contact(parts: tuple[str, ...]) -> bool:
    """Whether a path is inside a contact_info item after the first (contact_info.1.contact_person_phone...)."""
    return len(parts) > 2 and parts[0] == "contact_info" and paths.is_index(parts[1]) and int(parts[1]) > 0


def _overlap(parts: tuple[str, ...], other: tuple[str, ...]) -> bool:
    """Whether two targets are the same place, or one holds the other."""
    size = min(len(parts), len(other))
    return parts[:size] == other[:size]


def _flag_section(parts: tuple[str, ...]) -> str | None:
    """The section whose update flag this path is (``customer_info``, ``contact_info.0``), or None."""
    if len(parts) == 2 and parts[1] == "update" and parts[0] != "contact_info":
        return parts[0]
    if len(parts) == 3 and parts[0] == "contact_info" and paths.is_index(parts[1]) and parts[2] == "update":
        return ".".join(parts[:2])
    return None


def _section_of(parts: tuple[str, ...]) -> str:
    """The section a path is sent in: its first key, with the item for contact_info."""
    return ".".join(parts[:2]) if parts[0] == "contact_info" and len(parts) > 1 else parts[0]


def _show_constant(row: ConstantRow, error: str | None, _note: str) -> None:
    row.show(error)


class MappingStudio:
    """The mapping studio: ``columns[label].target`` / ``.converter`` / ``.options``, ``mapping``, ``problems``, ``plan``,
    ``send()``, ``to_code()``, ``save(path)``; displayed in a notebook as one widget."""

    def __init__(
        self,
        df: pd.DataFrame,
        *,
        client: KaptureClient | None = None,
        schema: Mapping[str, Any] | None = None,
        mapping: FieldMapping | None = None,
        current: Any = None,
        region: str = DEFAULT_REGION,
    ) -> None:
        if not isinstance(df, pd.DataFrame):
            raise MappingError(f"MappingStudio maps a DataFrame, got {type(df).__name__}")
        doubled = list(dict.fromkeys(df.columns[df.columns.duplicated()]))
        if doubled:
            named = ", ".join(map(repr, doubled))
            raise MappingError(f"the DataFrame has column(s) {named} more than once; rename them apart first")
        if mapping is not None and not isinstance(mapping, FieldMapping):
            raise MappingError(f"mapping= takes a kn.FieldMapping (FieldMapping.from_json(path)), got {type(mapping).__name__}")
        if client is not None and not callable(getattr(client, "update_orders", None)):
            raise ConfigurationError(f"client= takes a kn.KaptureClient (sandbox.client()), got {type(client).__name__}")
        if mapping is not None and schema is not None:
            raise MappingError("give schema= or mapping=, not both: a mapping carries its schema (FieldMapping(..., schema=))")
        self.client, self.region = client, region
        self.check = LiveCheck(df, region=region)
        self.df = self.check.df  # a copy: what is checked is what is sent, whatever happens to the caller's frame later
        self._checks = BackgroundCheck(self.check, self._shown, self._checking)
        self._mapping: FieldMapping | None = None
        self._ready = False
        self._path_errors: dict[tuple[str, str, str], str | None] = {}  # (path, source, declarations) -> the path's error
        look = self._look = Look()
        self._request_schema = load_schema()
        defaults = {section: value.get("update") is True for section, value in make_template(self._request_schema).items()
                    if isinstance(value, dict)} | {"contact_info": False}
        self.fields = FieldsView(look, self.refresh)
        self.constants = ConstantsView(look, self.refresh, defaults, self._node_for)
        suggestion = suggest_mapping(df, schema, region=region) if mapping is None else None
        detections = suggestion.detections if suggestion is not None else {}
        self.columns: dict[Hashable, ColumnRow] = {
            label: ColumnRow(
                label, df[label], detections.get(label) or detect(df[label], region=region), look, self.refresh, self._declare
            )
            for label in df.columns
        }
        self.problems_view = ProblemsView(look)
        self.sending = SendView(look, self.df, lambda: self.mapping, client, current, self._complete_mapping)
        if suggestion is not None:
            self._load(suggestion.mapping, suggestion.review)
        else:
            assert mapping is not None
            self._load(mapping, None)
        self._build_widget()
        self._ready = True
        self.refresh()

    # ---- loading ----------------------------------------------------------------------------------------------------

    def _load(self, base: FieldMapping, review: pd.DataFrame | None) -> None:
        self._template: Mapping[str, Any] | str = base.template_name or base.template
        self._missing = base.missing
        self.fields.load(base.schema)
        said: dict[Hashable, str] = {}
        if review is not None:
            for column, target, confidence, why in zip(review["column"], review["target"], review["confidence"], review["why"],
                                                         strict=True):
                if column is None and isinstance(target, str) and target.endswith(".update"):
                    self.constants.notes[target.removesuffix(".update")] = why
                elif column is not None and isinstance(target, str):
                    said[column] = f"suggested, confidence {confidence:.2f}: {why}"
        self._kept: dict[paths.Path, Any] = {}  # targets no row shows (callables, absent or repeated columns): sent as loaded
        self._flags: dict[str, bool] = {}
        shown: set[Hashable] = set()
        for place, source in base.targets.items():
            parts = paths.parse(place)
            joined = paths.join(parts)  # a tuple path of parts without dots is a plain dotted one
            if isinstance(source, Const):
                section = _flag_section(parts)
                if section is not None and isinstance(source.value, bool):
                    self._flags[section] = source.value
                elif isinstance(joined, str):
                    self.constants.add(joined, source.value)  # the studio is not ready: no check yet
                else:
                    self._kept[place] = source
                continue
            label = source.label if isinstance(source, Column) else source.column if isinstance(source, Converter) else source
            if not isinstance(joined, str) or (callable(source) and not isinstance(source, Converter)) or (
                label not in self.columns or label in shown
            ):
                self._kept[place] = source
                continue
            shown.add(label)
            self.columns[label].load(joined, source, said.get(label))
        for label, row in self.columns.items():
            if label not in shown:
                row.load(None, None)
        for section, value in base.template.items():  # the template's flags (none: false) are the toggles' first state
            items = enumerate(value) if isinstance(value, list) else [(None, value)]
            for number, item in items if section in _FLAGGED else ():
                if isinstance(item, dict):
                    self._flags.setdefault(section if number is None else f"{section}.{number}", item.get("update") is True)

    def _build_widget(self) -> None:
        look = self._look
        self.title = widgets.HTML()
        self.title.add_class("kapture-studio-title")
        self.kept_note = widgets.HTML(self._kept_html())
        self.save_path = widgets.Text(value="mapping.json", placeholder="mapping.json", layout=look.input)
        self.save_button = widgets.Button(description="Save", icon="save", layout=look.button)
        self.code_button = widgets.Button(description="Code", icon="code", layout=look.button)
        self.keep_note = widgets.HTML(layout=look.message)
        self.code = widgets.Textarea(disabled=True, layout=widgets.Layout(width="auto", height="16em"))
        self.save_button.on_click(lambda _button: self._keep(lambda: self._saved(self.save_path.value.strip())))
        self.code_button.on_click(lambda _button: self._keep(self._coded))
        rows = [row.widget for row in self.columns.values()]
        columns = widgets.VBox([self.kept_note, heading(look), *rows], layout=look.column)
        keep = widgets.VBox([widgets.HBox([self.save_path, self.save_button, self.code_button], layout=look.row),
                             self.keep_note, self.code], layout=look.column)
        views = [columns, self.constants.widget, self.fields.widget, self.problems_view.widget,
                 self.sending.preview_widget, self.sending.send_widget, keep]
        self.tabs = widgets.Tab(children=views, titles=_TABS)
        self.widget = widgets.VBox([self.title, self.tabs], layout=look.column)
        self.widget.add_class("kapture-studio")

    def _kept_html(self) -> str:
        """The note naming the targets no row shows (sent as loaded)."""
        if not self._kept:
            return ""
        listed = ", ".join(f"{paths.join(paths.parse(place))} <- {source!r}" for place, source in self._kept.items())
        return f"<i>kept as loaded (no row shows them): {html.escape(listed)}</i>"

    # ---- the mapping from the inputs ---------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Build the mapping from the inputs and check it again, in the background (the widgets' observers call this)."""
        if not self._ready:
            return
        try:
            self._mapping = self._build()
        except MappingError as exc:
            self._mapping = None
            self._checks.fail(str(exc))
            return
        except Exception as exc:  # a bug: the studio says so rather than keep showing a mapping it no longer sends
            log.exception("the studio could not build its mapping")
            self._mapping = None
            self._checks.fail(f"the studio could not build the mapping: {type(exc).__name__} (a bug; see the log)")
            return
        bad = len(self._bad_inputs())
        self._checks.submit(self._mapping, f"; {bad} input(s) with a mapping error, not sent (see their rows)" if bad else "")

    def wait(self) -> CheckResult:
        """The check of the latest edit, once it is done; MappingError when the inputs make no mapping."""
        result, error = self._checks.wait()
        if result is None:
            raise MappingError(error or "the studio has not checked a mapping yet")
        return result

    @property
    def result(self) -> CheckResult | None:
        """The check of the latest edit (waiting for it); None when the inputs make no mapping."""
        return self._checks.wait()[0]

    @property
    def error(self) -> str | None:
        """Why the inputs make no mapping (waiting for the latest check), or None."""
        return self._checks.wait()[1]

    def _checking(self) -> None:
        """The title while a check runs."""
        self.title.value = f"<h3>Mapping studio: checking {len(self.df):,} rows...</h3>"

    def _shown(self, result: CheckResult | None, error: str | None, note: str) -> None:
        """Show a check's counts (and the edit's note) in the title and the problems view (called from the checking thread)."""
        if result is None:
            self.title.value = f"<h3>Mapping studio</h3><p style='{ERROR_STYLE}'>⚠ {html.escape(error or '')}</p>"
            self.problems_view.show_error(error or "")
        else:
            self.title.value = f"<h3>{html.escape(headline(result))}{html.escape(note)}</h3>"
            self.problems_view.show(result)

    def _bad_inputs(self) -> list[str]:
        """The inputs with a mapping error (left out of the mapping), named."""
        columns = [f"column {label!r}" for label, row in self.columns.items() if row.error]
        return columns + [f"constant {row.path.value or '(no path)'}" for row in self.constants.rows if row.error]

    def _build(self) -> FieldMapping:
        schema = self.fields.schema()
        shape = schema if schema is not None else self._request_schema
        key = self.fields.schema_key
        choices = self._choices(shape)
        targets: dict[paths.Path, Any] = dict(self._kept)
        owner = {paths.parse(place): f"{source!r}, kept as loaded" for place, source in self._kept.items()}

        def place(path: str, source: Any, who: str, show: Callable[[str | None, str], None]) -> None:
            error = self._path_error(path, source, schema, key)
            parts = paths.parse(path)
            if error is None:
                taken = next((other for other in owner if _overlap(parts, other)), None)
                if taken is not None:
                    inside = "" if taken == parts else f" ({paths.join(taken)}, which this path holds or is inside)"
                    error = f"{path} is the target of {owner[taken]} already{inside}"
            if error is None:
                owner[parts], targets[path] = who, source
            show(error, "" if error else self._description(shape, path))

        for label, row in self.columns.items():
            if list(row.target.options[:-2]) != choices:
                row.set_paths(choices)
            path = row.path()
            if path is None:
                row.show(None)
                continue
            try:
                source = row.source()
            except MappingError as exc:
                row.show(str(exc))
                continue
            place(path, source, f"column {label!r}", row.show)
        for constant in self.constants.rows:
            try:
                path, value = constant.constant()
            except MappingError as exc:
                constant.show(str(exc))
                continue
            if not path:
                constant.show(None)
                continue
            place(path, Const(value), f"constant {path}", partial(_show_constant, constant))
        self._flag_paths(targets)  # every section sent, constants' included, gets its flag
        plain = FieldMapping(targets, template=self._template, missing=self._missing, schema=schema)
        flags: dict[paths.Path, Any] = {  # a constant only where it differs from the template's: a reopened mapping stays
            f"{section}.update": Const(flag.toggle.value)
            for section, flag in self.constants.flags.items()
            if flag.toggle.value != (paths.get(plain.template, f"{section}.update") is True)
        }
        if not flags:
            return plain
        return FieldMapping({**targets, **flags}, template=self._template, missing=self._missing, schema=schema)

    def _flag_paths(self, targets: Mapping[paths.Path, Any]) -> None:
        """Show a flag per section the targets send."""
        sections = ["customer_info", "order_info"]
        for place in targets:
            section = _section_of(paths.parse(place))
            if section not in sections and section.split(".", 1)[0] in ("contact_info", "enquiry_info"):
                sections.append(section)
        self.constants.show_sections(sections, self._flags)

    def _path_error(self, path: str, source: Any, schema: Mapping[str, Any] | None, key: str) -> str | None:
        """Why this one target cannot be mapped (an unknown path, a path inside a flag...), or None."""
        parts = paths.parse(path)
        if _flag_section(parts) is not None:
            return f"{path} is the update flag: set it under Constants and flags"
        checked = (path, repr(source), key)
        if checked not in self._path_errors:
            # the items before a contact_info item are other inputs' business (the whole mapping checks the gaps)
            before: dict[paths.Path, Any] = (
                {f"contact_info.{i}.update": Const(False) for i in range(int(parts[1]))} if _later_contact(parts) else {}
            )
            try:
                FieldMapping({**before, path: source}, schema=schema)
                self._path_errors[checked] = None
            except MappingError as exc:
                self._path_errors[checked] = str(exc)
        return self._path_errors[checked]

    def _choices(self, shape: Mapping[str, Any]) -> list[str]:
        """The target choices: each documented leaf and declared custom field, with what it is (flags have their own tab)."""
        found = [
            path for path in leaf_paths(shape)
            if not path.endswith(".associate_fields") and _flag_section(paths.parse(path)) is None
        ] + self.fields.paths()
        described = [(path, first_sentence(self._description(shape, path))) for path in found]
        return [f"{path}{DESCRIBED}{said}" if said else path for path, said in described]

    def _node_for(self, path: str) -> Mapping[str, Any]:
        """The schema node at a path (with the declared custom fields); {} where the schema has none."""
        shape = self.fields.schema() or self._request_schema
        try:
            node, _free = node_at(shape, paths.parse(path))
        except (TypeError, ValueError):
            return {}
        return node if node is not None else {}

    def _description(self, shape: Mapping[str, Any], path: str) -> str:
        """The schema's description of a path (a declared custom field's type, for those)."""
        node, _free = node_at(shape, paths.parse(path))
        said = node.get("description") if node is not None else None
        return said if isinstance(said, str) else self.fields.description(path)

    def _declare(self, row: ColumnRow, section: str, name: str, kind: str) -> None:
        """Declare a new custom field from a row's inputs and target it; the error on the row if it cannot be."""
        try:
            path = self.fields.declare(section, name, kind)
        except MappingError as exc:
            row.show(str(exc))
            return
        row.target.value = path  # its observer checks the mapping again

    # ---- the public face ---------------------------------------------------------------------------------------------

    @property
    def mapping(self) -> FieldMapping:
        """The mapping the inputs make (rows with a mapping error left out); MappingError when none can be built."""
        result, error = self._checks.wait()
        if self._mapping is None or result is None:
            raise MappingError(error or "the studio has no mapping yet")
        return self._mapping

    @property
    def problems(self) -> pd.DataFrame:
        """The problems of every row (``mapping.validate``'s frame: row, path, message, keyword, value, severity)."""
        return self.wait().problems

    @property
    def plan(self) -> ChangePlan:
        """The change plan of the mapping (shown under Preview and plan)."""
        return self.sending.plan()

    def preview(self, n: int = 5) -> pd.DataFrame:
        """The first ``n`` rows as they would be sent (shown under Preview and plan)."""
        return self.sending.preview(n)

    def send(self, dry_run: bool = False, journal: str | PathLike[str] | None = None) -> pd.DataFrame:
        """Send the rows through the client's update_orders (rows with errors are not sent); the results frame.

        ``journal``: the journal file (else the one typed in the Send tab, if any): a rerun sends only what is not done.
        """
        return self.sending.send(dry_run=dry_run, journal=journal)

    def add_constant(self, path: str, value: Any) -> None:
        """A constant for ``path`` in every body, as the Add button makes it (a plain JSON value)."""
        if not isinstance(path, str):
            raise MappingError(f"a constant's path is a dotted str ('order_info.remarks'), got {path!r}")
        if not is_clean(value):
            raise MappingError(f"a constant's value is plain JSON (text, a number, true/false, a list, an object), got {value!r}")
        self.constants.add(path, value)

    def to_code(self) -> str:
        """The Python that builds the same mapping and schema (MappingError while an input has an error)."""
        return self._complete_mapping().to_code()

    def save(self, path: str | FilePath) -> None:
        """Write the mapping and its custom-field declarations as JSON (FieldMapping.from_json, kapture-nb send --mapping);
        MappingError while an input has an error."""
        self._complete_mapping().to_json(path)

    def _complete_mapping(self) -> FieldMapping:
        """The mapping of every input: refused while one has an error, so nothing is sent or kept without it unnoticed."""
        bad = self._bad_inputs()
        if bad:
            raise MappingError(
                f"{', '.join(bad)}: a mapping error (see the row); fix it, or set the column to \"not sent\" or remove "
                "the constant, first"
            )
        return self.mapping

    def _saved(self, path: str) -> str:
        """Save (the Save button), and say where."""
        self.save(path)
        return f"saved to {path}"

    def _coded(self) -> str:
        """Show the code (the Code button)."""
        self.code.value = self.to_code()
        return ""

    def _keep(self, action: Callable[[], str]) -> None:
        """Run a Keep-it button's action; what it says, or its error, under the buttons."""
        try:
            said = action()
            self.keep_note.value = html.escape(said)
        except (MappingError, OSError) as exc:
            self.keep_note.value = f"<span style='{ERROR_STYLE}'>⚠ {html.escape(str(exc))}</span>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        result, error = self._checks.result, self._checks.error
        state = "checking" if self._checks.busy else headline(result) if result is not None else f"no mapping: {error}"
        mapped = sum(1 for row in self.columns.values() if row.path() is not None)
        return f"<MappingStudio {len(self.df):,} rows, {mapped} of {len(self.columns)} columns mapped; {state}>"
