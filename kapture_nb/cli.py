"""The ``kapture-nb`` command: demo | sandbox | validate | send."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import pandas as pd

from .bodyfiles import BodyFileError, read_bodies
from .exceptions import KaptureError
from .schema import ENDPOINT
from .validation import validate

EXIT_OK, EXIT_INVALID, EXIT_UNREADABLE = 0, 1, 2


def _write(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _fail(message: str) -> None:
    sys.stderr.write(f"kapture-nb: {message}\n")


def cmd_validate(args: argparse.Namespace) -> int:
    """Validate JSON/JSONL body files and print every error."""
    status = EXIT_OK
    for name in args.files:
        try:
            bodies = read_bodies(name)
        except BodyFileError as exc:
            _fail(str(exc))
            status = EXIT_UNREADABLE
            continue
        rows = []
        warnings = 0
        for label, body in bodies:
            report = validate(body)
            warnings += len(report.warnings)
            rows += [(label, e.severity, e.path or "(body)", e.message) for e in report.errors + report.warnings]
        invalid = sum(1 for row in rows if row[1] == "error")
        _write(f"{name}: {len(bodies)} body(ies), {invalid} error(s), {warnings} warning(s)")
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

    sandbox = Sandbox(
        username=args.username,
        password=args.password,
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

    labelled = read_bodies(args.file)
    target = {"base_url": args.base_url} if args.base_url else {}
    if args.subdomain:
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kapture-nb", description="Try out Kapture's Update Order API.")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="validate and send sample bodies to an embedded sandbox")
    demo.set_defaults(run=cmd_demo)
    serve = commands.add_parser("sandbox", help="serve a local Kapture-compatible sandbox until Ctrl-C")
    serve.add_argument("--port", type=int, default=8765)
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--username", default="demo")
    serve.add_argument("--password", default="demo")
    serve.add_argument("--token", default=None, help="accept this Basic token instead of username:password")
    serve.add_argument("--latency-ms", type=float, default=0.0)
    serve.set_defaults(run=cmd_sandbox)
    send = commands.add_parser("send", help="send JSON/JSONL bodies (credentials from KAPTURE_* variables)")
    send.add_argument("file")
    where = send.add_mutually_exclusive_group()
    where.add_argument("--base-url")
    where.add_argument("--subdomain")
    send.add_argument("--dry-run", action="store_true", help="validate and show the rows, send nothing")
    send.set_defaults(run=cmd_send)
    check = commands.add_parser("validate", help="validate JSON or JSONL body files")
    check.add_argument("files", nargs="+", help="*.json (a body or a list of bodies) or *.jsonl (a body a line)")
    check.set_defaults(run=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (a toolkit error is one line on stderr and status 2)."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except KaptureError as exc:
        _fail(str(exc))
        return EXIT_UNREADABLE


if __name__ == "__main__":
    sys.exit(main())
