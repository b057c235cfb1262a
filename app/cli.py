"""The ``gatehouse`` command: one entry point, one sub-command per job.

``gatehouse check`` and ``gatehouse rules`` build only their own parsers: the other
sub-commands' modules import the service's settings and logging, which an offline check
does not need. Any other command line (``--help`` included) builds the whole parser.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import os
import sys
from collections.abc import Sequence

from app import __version__
from app.cli_check import EXIT_BAD_INPUT, add_check_parser

_CHECK_COMMANDS = frozenset({"check", "rules"})


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser; given ``check`` or ``rules``, one that knows only those two."""
    parser = argparse.ArgumentParser(
        prog="gatehouse",
        description="Enforce the organisation's change-approval workflow on pull requests.",
    )
    parser.add_argument("--version", action="version", version=f"gatehouse {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)
    add_check_parser(sub)
    if command in _CHECK_COMMANDS:
        return parser
    from app.cli_demo import add_demo_parser
    from app.cli_reports import add_report_parsers
    from app.cli_serve import add_serve_parser
    from app.cli_setup import add_setup_parser

    add_serve_parser(sub)
    add_demo_parser(sub)
    add_report_parsers(sub)
    add_setup_parser(sub)
    return parser


def _command(argv: Sequence[str]) -> str | None:
    """The sub-command named on the command line: its first word that is no option."""
    return next((word for word in argv if not word.startswith("-")), None)


def main(argv: Sequence[str] | None = None) -> int:
    arguments = list(sys.argv[1:] if argv is None else argv)
    command = _command(arguments)
    # A check is one short process that frees everything at exit: the cyclic garbage
    # collector would only cost it time (about a tenth of a large check).
    collecting = gc.isenabled() and command in _CHECK_COMMANDS
    if collecting:
        gc.disable()
    try:
        return _run(build_parser(command).parse_args(arguments))
    finally:
        if collecting:
            gc.enable()


def console() -> None:
    """The ``gatehouse`` console script: :func:`main`, then exit with its code.

    ``check`` and ``rules`` leave without the interpreter's teardown. By the time they
    return, their answer is written and they hold nothing that needs closing (no server,
    no database, no thread), while the teardown frees every object one at a time and runs
    a last full garbage collection: about a third of what checking 3,000 paths costs
    beyond starting up (``bench/engine.py``). Their output is flushed first; an error
    that escapes :func:`main` still ends the usual way, with its traceback.
    """
    code = main()
    if _command(sys.argv[1:]) in _CHECK_COMMANDS:
        for stream in (sys.stdout, sys.stderr):
            # A closed pipe (`gatehouse check ... | head`): nobody is left to read it.
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(code)
    sys.exit(code)


def _run(args: argparse.Namespace) -> int:
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from app.settings import SettingsError

        if not isinstance(exc, SettingsError):
            raise
        print(f"gatehouse: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    return code


if __name__ == "__main__":
    console()
