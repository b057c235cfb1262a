"""``gatehouse demo``: watch the real service handle a few pull requests in the sandbox."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.logs import configure_logging
from app.settings import load_settings


def add_demo_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    demo = sub.add_parser(
        "demo", help="run the service against the built-in sandbox through a few pull requests"
    )
    demo.add_argument("--rules", metavar="DIR", help="rules directory (GATEHOUSE_RULES_DIR)")
    demo.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    try:
        from app.sandbox.demo import run_demo
    except ModuleNotFoundError as missing:  # a lean install: the sandbox is an extra
        print(
            f"gatehouse demo needs the sandbox ({missing.name} is not installed): "
            "pip install 'gatehouse[sandbox]'",
            file=sys.stderr,
        )
        return 2

    configure_logging("ERROR", json_lines=False)
    rules = Path(args.rules) if args.rules else load_settings().resolved_rules_dir()
    return run_demo(rules_dir=rules)
