"""The ``gatehouse`` command: one entry point, one sub-command per job."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app import __version__
from app.cli_check import EXIT_BAD_INPUT, add_check_parser
from app.cli_demo import add_demo_parser
from app.cli_reports import add_report_parsers
from app.cli_serve import add_serve_parser
from app.settings import SettingsError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gatehouse",
        description="Enforce the organisation's change-approval workflow on pull requests.",
    )
    parser.add_argument("--version", action="version", version=f"gatehouse {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_check_parser(sub)
    add_serve_parser(sub)
    add_demo_parser(sub)
    add_report_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        code: int = args.handler(args)
    except SettingsError as exc:
        print(f"gatehouse: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
