"""The ``kapture-nb`` command: demo | sandbox | validate | send."""
from __future__ import annotations

import argparse
import getpass
import math
import os
import re
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, TextIO

import pandas as pd

from .bodyfiles import MAX_BYTES, BodyFileError, read_bodies
from .exceptions import ConfigurationError, KaptureError
from .schema import ENDPOINT
from .validation import validate

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130
SANDBOX_PASSWORD_VARIABLE = "KAPTURE_SANDBOX_PASSWORD"
DEFAULT_SANDBOX_PASSWORD = "demo"
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


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate JSON/JSONL body files and print every error."""
    status = EXIT_OK
    if args.files.count("-") > 1:
        raise ConfigurationError("standard input (-) can be read once")
    for name in args.files:
        try:
            bodies = read_bodies(name, max_bytes=args.max_bytes, jsonl=args.jsonl)
        except BodyFileError as exc:
            _fail(str(exc))
            status = EXIT_ERROR
            continue
        rows = []
        warnings = 0
        for label, body in bodies:
            report = validate(body)
            warnings += len(report.warnings)
            rows += [(label, e.severity, e.path or "(body)", e.message) for e in report.errors + report.warnings]
        invalid = sum(1 for row in rows if row[1] == "error")
        shown = "standard input" if name == "-" else name
        _write(f"{shown}: {len(bodies)} body(ies), {invalid} error(s), {warnings} warning(s)")
        if rows:
            table = pd.DataFrame(rows, columns=["where", "severity", "path", "message"])
            if not any(table["where"]):
                table = table.drop(columns="where")
            _write(table.to_string(index=False))
        if invalid:
            status = max(status, EXIT_INVALID)
    return status


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
    """Send JSON/JSONL bodies with credentials from the environment; print one result row per body."""
    from .client import KaptureClient
    from .frames import SendResult, frame_from_rows

    labelled = read_bodies(args.file, max_bytes=args.max_bytes, jsonl=args.jsonl)
    target = {"base_url": args.base_url} if args.base_url is not None else {}
    if args.subdomain is not None:
        target = {"subdomain": args.subdomain}
    client = KaptureClient.from_env(**target)
    rows = []
    with client:
        for _label, body in labelled:
            if isinstance(body, dict):
                rows.append(client.send(body, dry_run=args.dry_run).row())
            else:
                rows.append(SendResult(error=f"not sent: a body is a JSON object, got {type(body).__name__}").row())
    results = frame_from_rows(rows, index=[label or "body" for label, _ in labelled])
    columns = ["order_id", "ok", "http_status", "status", "message", "attempts", "error"]
    with pd.option_context("display.width", 200, "display.max_colwidth", 80):
        _write(results[columns].to_string())
    if args.dry_run:
        refused = int(results["error"].notna().sum())
        _write(f"{len(results)} bodies (dry run): {len(results) - refused} would be sent, {refused} would not")
        return EXIT_INVALID if refused else EXIT_OK
    failed = int((~results["ok"]).sum())
    _write(f"{len(results)} bodies: {len(results) - failed} succeeded, {failed} failed")
    return EXIT_INVALID if failed else EXIT_OK


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
        "--max-bytes",
        type=_byte_count,
        default=MAX_BYTES,
        help=f"refuse an input larger than this many bytes (default {MAX_BYTES}, 256 MiB)",
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
    send = commands.add_parser("send", help="send JSON/JSONL bodies (credentials from KAPTURE_* variables)")
    send.add_argument("file", help="a .json or .jsonl file, or - for standard input")
    where = send.add_mutually_exclusive_group()
    where.add_argument("--base-url")
    where.add_argument("--subdomain")
    send.add_argument("--dry-run", action="store_true", help="validate and show the rows, send nothing")
    _add_input_options(send)
    send.set_defaults(run=cmd_send)
    check = commands.add_parser("validate", help="validate JSON or JSONL body files")
    check.add_argument(
        "files", nargs="+", help="*.json (a body or a list of bodies), *.jsonl (a body a line), or - for standard input"
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


if __name__ == "__main__":
    sys.exit(main())
