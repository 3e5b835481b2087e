"""The ``kapture-nb`` command: demo | sandbox | validate | send."""
from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

import pandas as pd

from .bodyfiles import BodyFileError, read_bodies
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="kapture-nb", description="Try out Kapture's Update Order API.")
    commands = parser.add_subparsers(dest="command", required=True)
    check = commands.add_parser("validate", help="validate JSON or JSONL body files")
    check.add_argument("files", nargs="+", help="*.json (a body or a list of bodies) or *.jsonl (a body a line)")
    check.set_defaults(run=cmd_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
