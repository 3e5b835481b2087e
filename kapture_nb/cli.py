"""The ``kapture-nb`` command: demo | sandbox | validate | send (JSON/JSONL bodies, or CSV files through a mapping)."""
from __future__ import annotations

import argparse
import contextlib
import difflib
import getpass
import math
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn, TextIO

from .bodyfiles import JSONL_SUFFIXES, MAX_BYTES, STDIN, BodyFileError, read_bodies, read_csv_text, read_json, where
from .exceptions import ConfigurationError, KaptureError, MappingError, SchemaError
from .schema import ENDPOINT

# pandas, the validator, the mapping and the client are imported by the commands that use them: --help needs none.
if TYPE_CHECKING:
    import pandas as pd

    from .mapping import FieldMapping

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
SANDBOX_PASSWORD_VARIABLE = "KAPTURE_SANDBOX_PASSWORD"
DEFAULT_SANDBOX_PASSWORD = "demo"
FIELD_SECTIONS = ("customer", "enquiry", "order")
CSV_SUFFIXES = {".csv"}
JSON_SUFFIXES = {".json", *JSONL_SUFFIXES}
RESULT_SHOWN = ["order_id", "ok", "http_status", "status", "message", "attempts", "error"]
_WHOLE = re.compile(r"-?[0-9]{1,20}")


class _UsageError(Exception):
    """A command line argparse refuses; main() turns it into one line and EXIT_ERROR."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise _UsageError(f"{message} (see {self.prog} --help)")


def _emit(stream: TextIO, text: str) -> None:
    # A body may hold a lone surrogate or text the terminal's encoding lacks: show it escaped, never fail on it.
    encoding = getattr(stream, "encoding", None) or "utf-8"
    stream.write(text.encode(encoding, "backslashreplace").decode(encoding) + "\n")


def _write(text: str = "") -> None:
    _emit(sys.stdout, text)


def _fail(message: str) -> None:
    _emit(sys.stderr, "kapture-nb: " + " ".join(message.split()))


def _check_options(args: argparse.Namespace) -> None:
    """Options that cannot work together are a usage error before anything is read."""
    for option, value in (("--mapping", args.mapping), ("--fields", args.fields)):
        if value == STDIN:
            raise _UsageError(f"{option} names a file (standard input is for the bodies or the CSV)")
    if getattr(args, "resend_unknown", False) and args.journal is None:
        raise _UsageError("--resend-unknown goes with --journal: it sends again what the journal says was never answered")


def _check_input(name: str, args: argparse.Namespace) -> None:
    """A CSV file goes with --mapping, a JSON body file without it; anything else is a usage error before anything is read.

    With --mapping every input is read as CSV, whatever its name (``-`` too), except a .json, .jsonl or .ndjson file.
    """
    suffix = "" if name == STDIN else Path(name).suffix.lower()
    if args.mapping is None:
        if suffix in CSV_SUFFIXES:
            raise _UsageError(f"{name}: a CSV file is read through a mapping: give --mapping mapping.json (FieldMapping.to_json)")
    elif suffix in JSON_SUFFIXES:
        raise _UsageError(f"{name}: a JSON body file takes no --mapping (a mapping maps the columns of a CSV file)")
    elif args.jsonl:
        raise _UsageError("--jsonl reads JSON lines; with --mapping the inputs are CSV files")


def declared_schema(path: str, *, max_bytes: int = MAX_BYTES, region: str | None = "IN") -> dict[str, Any]:
    """The request schema with the custom fields a JSON file declares (``kn.with_associate_fields``'s arguments).

    The file holds ``{"customer": {...}, "enquiry": {...}, "order": {...}, "strict": false}``: each section maps a
    field name to a JSON Schema or a shorthand ("string", "integer", "date"...); anything else, or a schema the
    validator cannot use (an unknown x-shape, a $ref that leads nowhere), is a ConfigurationError naming the file
    and the field. The schema is compiled here, for ``region``, once: the commands reuse it.
    """
    from .schema import with_associate_fields

    document = read_json(path, max_bytes=max_bytes)
    shown = where(path)
    example = '{"order": {"delivery_slot": {"enum": ["morning", "evening"]}, "gift_wrap": "boolean"}, "strict": true}'
    if not isinstance(document, dict):
        raise ConfigurationError(
            f"{shown}: custom fields are declared in a JSON object like {example}, got {_json_kind(document)}"
        )
    unknown = [key for key in document if key not in (*FIELD_SECTIONS, "strict")]
    if unknown:
        raise ConfigurationError(
            f"{shown}: unknown key(s) {', '.join(map(repr, unknown))}; the keys are customer, enquiry and order "
            "(each field name: its schema) and strict (true or false)"
        )
    if not isinstance(document.get("strict", False), bool):
        raise ConfigurationError(f"{shown}: strict is true or false, got {_json_kind(document['strict'])}")
    for section in FIELD_SECTIONS:
        if section in document and not isinstance(document[section], dict):
            raise ConfigurationError(
                f"{shown}: {section} maps field names to their schemas (a JSON object), got {_json_kind(document[section])}"
            )
    try:
        schema = with_associate_fields(**document)
    except (TypeError, ValueError) as exc:
        raise ConfigurationError(f"{shown}: {exc}") from None
    _check_schema(schema, shown, region)
    return schema


def _check_schema(schema: dict[str, Any], shown: str, region: str | None) -> None:
    """Compile the schema (its $refs resolved), or say where in the declaration the toolkit cannot use it."""
    from .validation import validator_for

    try:
        validator_for(schema, region)
    except SchemaError as exc:
        where_in = list(exc.location)
        # properties.<section>_info.properties.associate_fields[.properties.<name>...] -> <section>[.<name>...]
        if where_in[:1] == ["properties"] and where_in[2:4] == ["properties", "associate_fields"]:
            where_in = [str(where_in[1]).removesuffix("_info"), *where_in[5:]]
        at = ".".join(map(str, where_in)) or "(the schema)"
        raise ConfigurationError(f"{shown}: {at}: {exc.reason}") from None


def _json_kind(value: Any) -> str:
    return {dict: "an object", list: "a list", str: "a string", bool: "true or false", type(None): "null"}.get(
        type(value), "a number"
    )


def load_mapping(path: str, schema: Mapping[str, Any] | None = None, *, max_bytes: int = MAX_BYTES) -> FieldMapping:
    """A mapping saved with ``FieldMapping.to_json`` (converters included), read once, like every input (bounded, regular)."""
    from .mapping import FieldMapping

    return FieldMapping.from_json(path, schema=schema, max_bytes=max_bytes)


def _check_header(frame: pd.DataFrame, mapping: FieldMapping, shown: str) -> None:
    """Each column the mapping reads is in the CSV's header exactly once, or a MappingError naming the file."""
    header = [str(column) for column in frame.columns]
    for column in mapping.columns():
        count = header.count(str(column)) if isinstance(column, str) else 0
        if count == 0:
            close = difflib.get_close_matches(str(column), header, n=3)
            hint = f"; did you mean {', '.join(map(repr, close))}?" if close else f"; it has {', '.join(map(repr, header[:20]))}"
            raise MappingError(f"{shown}: the mapping reads column {column!r}, which the header lacks{hint}")
        if count > 1:
            places = ", ".join(str(i + 1) for i, name in enumerate(header) if name == column)
            raise MappingError(
                f"{shown}: the mapping reads column {column!r}, which the header has {count} times "
                f"(columns {places}); rename them apart in the file"
            )


def _csv_frame(name: str, mapping: FieldMapping, max_bytes: int) -> pd.DataFrame:
    frame = read_csv_text(name, max_bytes=max_bytes)
    _check_header(frame, mapping, where(name))
    return frame


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate JSON/JSONL body files, or CSV files through a mapping, and print every problem."""
    if args.files.count(STDIN) > 1:
        raise ConfigurationError("standard input (-) can be read once")
    _check_options(args)
    for name in args.files:
        _check_input(name, args)
    schema = declared_schema(args.fields, max_bytes=args.max_bytes, region=args.region) if args.fields is not None else None
    mapping = load_mapping(args.mapping, schema, max_bytes=args.max_bytes) if args.mapping is not None else None
    status = EXIT_OK
    for name in args.files:
        try:
            found = _validate_bodies(name, schema, args) if mapping is None else _validate_csv(name, mapping, args)
        except (BodyFileError, MappingError) as exc:
            _fail(str(exc))
            found = EXIT_ERROR
        status = max(status, found)
    return status


def _validate_bodies(name: str, schema: Mapping[str, Any] | None, args: argparse.Namespace) -> int:
    """Print one file's summary and its bodies' errors and warnings; EXIT_INVALID when there are errors."""
    import pandas as pd

    from .validation import validator_for

    bodies = read_bodies(name, max_bytes=args.max_bytes, jsonl=args.jsonl)
    validator = validator_for(schema, args.region)
    rows = []
    warnings = 0
    for label, body in bodies:
        report = validator.validate(body)
        warnings += len(report.warnings)
        rows += [(label, e.severity, e.path or "(body)", e.message) for e in report.errors + report.warnings]
    invalid = sum(1 for row in rows if row[1] == "error")
    _write(f"{where(name)}: {len(bodies)} body(ies), {invalid} error(s), {warnings} warning(s)")
    if rows:
        table = pd.DataFrame(rows, columns=["where", "severity", "path", "message"])
        if not any(table["where"]):
            table = table.drop(columns="where")
        _write(_left_aligned(table))
    return EXIT_INVALID if invalid else EXIT_OK


def _validate_csv(name: str, mapping: FieldMapping, args: argparse.Namespace) -> int:
    """Print one CSV file's summary and the mapping's problems by line of the file; EXIT_INVALID when there are errors."""
    frame = _csv_frame(name, mapping, args.max_bytes)
    try:
        problems = mapping.validate(frame, region=args.region)
    except MappingError as exc:
        raise MappingError(f"{where(name)}: {exc}") from None
    errors = problems[problems["severity"] == "error"]
    lines = f" on lines {frame.index[0]}-{frame.index[-1]}" if len(frame) else ""
    _write(
        f"{where(name)}: {len(frame)} row(s){lines}, {len(errors)} error(s) in {errors['row'].dropna().nunique()} row(s), "
        f"{len(problems) - len(errors)} warning(s)"
    )
    if len(problems):
        table = problems[["row", "severity", "path", "message"]].rename(columns={"row": "line"})
        table = table.iloc[sorted(range(len(table)), key=lambda i: _by_line(table["line"].iat[i]))]  # stable: a row's own order
        table["line"] = ["-" if line is None else line for line in table["line"]]  # "-": a whole column's or path's problem
        _write(_left_aligned(table))
    return EXIT_INVALID if len(errors) else EXIT_OK


def _left_aligned(table: pd.DataFrame) -> str:
    """A table as text, every column left-aligned (pandas right-aligns text, which is hard to read in long messages)."""
    cells = [[str(column), *map(str, table[column].tolist())] for column in table.columns]
    widths = [max(map(len, column)) for column in cells]
    rows = zip(*cells, strict=True)
    return "\n".join(" ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows)


def _by_line(line: Any) -> tuple[bool, int]:
    """Problems in file order, those of no one row (a whole column or path) last."""
    return (line is None, 0 if line is None else int(line))


def cmd_demo(args: argparse.Namespace) -> int:
    """Run the main job against the embedded sandbox and print what happened."""
    from .demo import DEMO_COLUMNS, run_demo

    run = run_demo()
    table = run.results[DEMO_COLUMNS].copy()
    long = table["error"].str.len() > 60
    table.loc[long, "error"] = table.loc[long, "error"].str.slice(0, 59) + "…"
    _write(table.to_string(index=False))
    slot = run.stored_order.get("order_info.associate_fields.delivery_slot")
    _write()
    _write(f"sandbox order 23518265 now has delivery_slot={slot!r}, remarks={run.stored_order['order_info.remarks']!r}")
    _write(run.summary())
    return EXIT_OK


def cmd_sandbox(args: argparse.Namespace) -> int:
    """Serve a sandbox in the foreground until Ctrl-C."""
    from .sandbox import Sandbox

    if args.token is not None and args.password is not None:
        raise ConfigurationError("give --password or --token, not both")
    sandbox = Sandbox(
        username=args.username,
        password=DEFAULT_SANDBOX_PASSWORD if args.token is not None else sandbox_password(args.password, args.username),
        token=args.token,
        latency=args.latency_ms / 1000,
        port=args.port,
        host=args.host,
    )
    sandbox.start()
    _write(f"Kapture sandbox at {sandbox.url} (POST {ENDPOINT}); Ctrl-C stops it")
    sys.stdout.flush()
    try:
        sandbox.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        sandbox.stop()
    return EXIT_OK


def cmd_send(args: argparse.Namespace) -> int:
    """Send JSON/JSONL bodies, or a CSV file through a mapping (credentials from KAPTURE_* variables); print a row each."""
    import pandas as pd

    _check_options(args)
    _check_input(args.file, args)
    if args.dry_run:
        _check_configured(args)
    schema = declared_schema(args.fields, max_bytes=args.max_bytes) if args.fields is not None else None
    mapping = load_mapping(args.mapping, schema, max_bytes=args.max_bytes) if args.mapping is not None else None
    data: pd.DataFrame | pd.Series
    if mapping is not None:
        data, noun = _csv_frame(args.file, mapping, args.max_bytes), "rows"
    else:
        import numpy as np

        labelled = read_bodies(args.file, max_bytes=args.max_bytes, jsonl=args.jsonl)
        bodies = np.empty(len(labelled), dtype=object)
        for position, (_label, body) in enumerate(labelled):
            bodies[position] = body  # one at a time: a body that is a list stays one value, not a row of values
        data, noun = pd.Series(bodies, index=[label or "body" for label, _ in labelled], dtype=object), "bodies"
    if args.dry_run:
        results = dry_run(data, mapping, schema=schema, journal=args.journal, resend_unknown=args.resend_unknown)
    else:
        from .client import KaptureClient

        target = {"base_url": args.base_url} if args.base_url is not None else {}
        if args.subdomain is not None:
            target = {"subdomain": args.subdomain}
        with KaptureClient.from_env(**target, **({"schema": schema} if schema is not None else {})) as client:
            results = client.update_orders(
                data,
                mapping,
                journal=args.journal,
                progress=sys.stderr is not None and sys.stderr.isatty(),
                resend_unknown=args.resend_unknown,
            )
    if len(results):
        where_column = "line" if mapping is not None else "where"  # a CSV row's line, or a body's label
        _write(_left_aligned(results[RESULT_SHOWN].rename_axis(where_column).reset_index()))
    summary, ok = _totals(results, noun, args.dry_run)
    _write(summary)
    return EXIT_OK if ok else EXIT_INVALID


def _check_configured(args: argparse.Namespace) -> None:
    """A dry run requires no target and no credentials, but checks those it finds as a send would: a mistake shows now.

    The values go straight from the environment to the functions that check them (and delete them before they
    raise): no frame here holds a secret.
    """
    from .auth import BasicCredentials
    from .settings import resolve_base_url

    variable = os.environ.get

    def given(name: str) -> bool:
        return bool(variable(name))

    if args.base_url is not None or args.subdomain is not None:
        resolve_base_url(args.subdomain, args.base_url)
    elif given("KAPTURE_SUBDOMAIN") and given("KAPTURE_BASE_URL"):
        raise ConfigurationError(
            "KAPTURE_SUBDOMAIN and KAPTURE_BASE_URL are both set: unset one (or give --subdomain or --base-url)"
        )
    elif given("KAPTURE_SUBDOMAIN") or given("KAPTURE_BASE_URL"):
        resolve_base_url(variable("KAPTURE_SUBDOMAIN") or None, variable("KAPTURE_BASE_URL") or None)
    if given("KAPTURE_PASSWORD") and given("KAPTURE_TOKEN"):
        raise ConfigurationError("KAPTURE_PASSWORD and KAPTURE_TOKEN are both set: unset one")
    if given("KAPTURE_PASSWORD") or given("KAPTURE_TOKEN"):
        BasicCredentials(
            variable("KAPTURE_USERNAME") or None, variable("KAPTURE_PASSWORD") or None, variable("KAPTURE_TOKEN") or None
        )


def dry_run(
    data: pd.DataFrame | pd.Series,
    mapping: FieldMapping | None = None,
    *,
    schema: Mapping[str, Any] | None = None,
    journal: str | os.PathLike[str] | None = None,
    resend_unknown: bool = False,
) -> pd.DataFrame:
    """What ``client.update_orders(data, mapping, dry_run=True)`` returns, without a client: no credentials, nothing sent.

    Every row is validated (and mapped) as a send would do it; with a journal, the rows it settles (done, or
    sent and never answered) come back as a rerun would show them. The journal is read, never written.
    """
    from .batch import BatchOptions, bodies_of, send_many
    from .frames import SendResult
    from .paths import get
    from .validation import validator_for

    batch = bodies_of(data, mapping, schema)
    validator = validator_for(batch.schema)

    def would_send(body: dict[str, Any]) -> SendResult:
        order_id = get(body, "order_info.order_id")
        report = validator.validate(body)
        if report.ok:
            return SendResult(order_id=order_id, dry_run=True)
        problems = "; ".join(f"{e.path or '(body)'}: {e.message}" for e in report.errors)
        return SendResult(order_id=order_id, error=f"not sent, invalid body: {problems}", dry_run=True)

    options = BatchOptions(journal=journal, progress=False, dry_run=True, resend_unknown=resend_unknown)
    return send_many(would_send, batch, options)


def _totals(results: pd.DataFrame, noun: str, dry: bool) -> tuple[str, bool]:
    """The closing line (counts of sent, failed, settled by the journal) and whether every row went (or would go) well."""
    from .frames import DRY_RUN, UNKNOWN

    count = len(results)
    earlier = int((results["ok"] & (results["attempts"] == 0)).sum())
    unknown = int((results["status"] == UNKNOWN).sum())
    if dry:
        would = int(((results["status"] == DRY_RUN) & results["error"].isna()).sum())
        line = f"{count} {noun} (dry run): {would} would be sent, {count - would} would not"
        ok = not results["error"].notna().any()
    else:
        failed = int((~results["ok"]).sum())
        line = f"{count} {noun}: {count - failed} succeeded, {failed} failed"
        ok = not failed
    notes = [f"{earlier} done in an earlier run (the journal says so), not sent again"] if earlier else []
    notes += [f"{unknown} with an unknown outcome (sent, never answered: see the error)"] if unknown else []
    return line + (f"; {'; '.join(notes)}" if notes else ""), ok


def sandbox_password(given: str | None, username: str) -> str:
    """The sandbox's password: ``--password``, else $KAPTURE_SANDBOX_PASSWORD, else typed at a prompt (a terminal), else demo."""
    if given is not None:
        return given
    from_env = os.environ.get(SANDBOX_PASSWORD_VARIABLE)
    if from_env:
        return from_env
    if sys.stdin is None or not sys.stdin.isatty():
        return DEFAULT_SANDBOX_PASSWORD
    try:
        typed = getpass.getpass(f"Sandbox password for user {username} (Enter: {DEFAULT_SANDBOX_PASSWORD}): ")
    except EOFError:
        raise ConfigurationError(f"no password typed; set {SANDBOX_PASSWORD_VARIABLE} or give --password") from None
    return typed or DEFAULT_SANDBOX_PASSWORD


def _port(text: str) -> int:
    port = _whole(text, "a port number")
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535 (0 picks a free one), got {port}")
    return port


def _byte_count(text: str) -> int:
    count = _whole(text, "a number of bytes")
    if count < 1:
        raise argparse.ArgumentTypeError(f"a number of bytes is 1 or more, got {count}")
    return count


def _whole(text: str, what: str) -> int:
    if not _WHOLE.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text[:30]!r}")
    return int(text)


def _region(text: str) -> str | None:
    if text.lower() == "none":
        return None
    from .validation import checked_region

    try:
        return checked_region(text)
    except ConfigurationError:
        raise argparse.ArgumentTypeError(
            f"a region code libphonenumber knows (IN, US, GB...), or none for no phone warnings; got {text[:30]!r}"
        ) from None


def _milliseconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise argparse.ArgumentTypeError(f"expected milliseconds, zero or more, got {text[:30]!r}")
    return value


def _add_input_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--mapping",
        default=None,
        metavar="MAPPING.json",
        help="read the inputs as CSV files (UTF-8, comma-separated, a header line first; every cell is text) and map "
        "their columns with this mapping (FieldMapping.to_json, converters included); a row is named by the line "
        "of the file where it starts (the header is line 1)",
    )
    command.add_argument(
        "--fields",
        default=None,
        metavar="FIELDS.json",
        help='declare the account\'s custom fields from this JSON file: {"customer": {name: schema}, "enquiry": {...}, '
        '"order": {...}, "strict": false}, as kn.with_associate_fields takes them',
    )
    command.add_argument(
        "--max-bytes",
        type=_byte_count,
        default=MAX_BYTES,
        help=f"refuse an input (a mapping and fields too) larger than this many bytes (default {MAX_BYTES}, 256 MiB)",
    )
    command.add_argument(
        "--jsonl",
        action="store_true",
        default=None,  # None: by the file's name (.jsonl, .ndjson); standard input is JSON
        help="read every input as JSONL, one body a line (standard input too)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="kapture-nb", description="Try out Kapture's Update Order API.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="validate and send sample bodies to an embedded sandbox")
    demo.set_defaults(run=cmd_demo)
    serve = commands.add_parser("sandbox", help="serve a local Kapture-compatible sandbox until Ctrl-C")
    serve.add_argument("--port", type=_port, default=8765, help="0 picks a free port (default 8765)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--username", default="demo")
    serve.add_argument(
        "--password",
        default=None,
        help=f"visible to other local users (ps), so for scripts; without it: ${SANDBOX_PASSWORD_VARIABLE}, "
        f"else a prompt when standard input is a terminal, else {DEFAULT_SANDBOX_PASSWORD}",
    )
    serve.add_argument(
        "--token", default=None, help="accept this Basic token instead of username:password (visible to other local users, in ps)"
    )
    serve.add_argument("--latency-ms", type=_milliseconds, default=0.0)
    serve.set_defaults(run=cmd_sandbox)
    send = commands.add_parser(
        "send", help="send JSON/JSONL bodies, or a CSV file through --mapping (credentials from KAPTURE_* variables)"
    )
    send.add_argument("file", help="a .json or .jsonl file, a CSV file with --mapping, or - for standard input")
    where_to = send.add_mutually_exclusive_group()
    where_to.add_argument("--base-url")
    where_to.add_argument("--subdomain")
    send.add_argument(
        "--dry-run",
        action="store_true",
        help="map and validate, show what would be sent and what not; sends nothing and needs no credentials "
        "(a target or credentials that are set are checked all the same)",
    )
    send.add_argument(
        "--journal",
        default=None,
        metavar="JOURNAL.jsonl",
        help="a JSONL file recording every row's outcome; a rerun with it does not send again the rows done, "
        "nor those whose outcome is unknown",
    )
    send.add_argument(
        "--resend-unknown",
        action="store_true",
        help="with --journal: send again the updates whose outcome was unknown (sent, never answered); never an Add",
    )
    _add_input_options(send)
    send.set_defaults(run=cmd_send)
    check = commands.add_parser("validate", help="validate JSON or JSONL body files, or CSV files through --mapping")
    check.add_argument(
        "files",
        nargs="+",
        help="*.json (a body or a list of bodies), *.jsonl (a body a line), CSV files with --mapping, or - for standard input",
    )
    check.add_argument(
        "--region",
        type=_region,
        default="IN",
        help="read phone numbers for this region (a code such as IN, US, GB; default IN), or none for no phone warnings; "
        "a contact's own country_code wins",
    )
    _add_input_options(check)
    check.set_defaults(run=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (every error is one line on stderr and status 2)."""
    try:
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except (_UsageError, KaptureError) as exc:
        _fail(str(exc))
        return EXIT_ERROR
    except KeyboardInterrupt:
        _fail("interrupted")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (kapture-nb send ... | head): stop quietly, and keep Python's own flush of
        # standard output at exit from failing again; the rows were all sent (or not) before the table is printed.
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_ERROR


if __name__ == "__main__":
    sys.exit(main())
