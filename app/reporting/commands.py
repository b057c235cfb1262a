"""The handlers of ``gatehouse agenda``, ``audit export``, ``report`` and ``decisions``.

Imported only when one of those commands runs, so the other commands start fast.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import SQLAlchemyError

from app.agenda import build_agenda, render_markdown
from app.policy.loader import RulesError, load_rules_dir
from app.policy.model import RuleSet
from app.reporting import DateError, build_report, parse_when, write_export
from app.reporting import render_text as render_report
from app.settings import ServiceSettings, load_settings
from app.sla import BusinessCalendar
from app.store import AuditLog, Database, RecordStore, utc_now

EXIT_OK, EXIT_BAD_INPUT = 0, 2


class CommandFailed(Exception):
    """Input the command cannot use; the message is one line saying what is wrong."""


def run_agenda(args: argparse.Namespace) -> int:
    def body(settings: ServiceSettings) -> None:
        ruleset = _ruleset(settings)
        with _database(settings) as db:
            agenda = build_agenda(RecordStore(db), ruleset, utc_now())
        if args.format == "json":
            _print_json(agenda.to_json())
        else:
            sys.stdout.write(render_markdown(agenda, ruleset))

    return _run(body)


def run_audit_export(args: argparse.Namespace) -> int:
    def body(settings: ServiceSettings) -> None:
        since, until = _when(args.since, "--since"), _when(args.until, "--until")
        if since is not None and until is not None and since > until:
            raise CommandFailed(f"--since {args.since} is after --until {args.until}")
        with _database(settings) as db:
            write_export(AuditLog(db).export(since, until), sys.stdout, args.format)
            sys.stdout.flush()

    return _run(body)


def run_report(args: argparse.Namespace) -> int:
    def body(settings: ServiceSettings) -> None:
        since = _when(args.since, "--since")
        ruleset = _ruleset(settings)
        calendar = BusinessCalendar.from_settings(ruleset.settings.sla)
        with _database(settings) as db:
            report = build_report(
                AuditLog(db).export(),
                RecordStore(db).load,
                calendar,
                since=since,
                now=utc_now(),
            )
        if args.format == "json":
            _print_json(report.to_json())
        else:
            sys.stdout.write(render_report(report))

    return _run(body)


def run_decisions(args: argparse.Namespace) -> int:
    from app.reporting.decisions import (
        AUDIT_KINDS,
        build_decisions,
        decisions_to_json,
        render_markdown,
    )

    def body(settings: ServiceSettings) -> None:
        since = _when(args.since, "--since")
        with _database(settings) as db:
            # Post-implementation reviews follow their expedite, so ``since`` loses none.
            decisions = build_decisions(AuditLog(db).export(since, kinds=AUDIT_KINDS), since)
        if args.format == "json":
            _print_json(decisions_to_json(decisions))
        else:
            sys.stdout.write(render_markdown(decisions, since))

    return _run(body)


def _run(body: Callable[[ServiceSettings], None]) -> int:
    try:
        body(load_settings())
    except CommandFailed as exc:
        print(f"gatehouse: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:
        # The reader stopped early (``| head``): what it read is all it wanted.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    return EXIT_OK


def _when(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        return parse_when(text)
    except DateError as exc:
        raise CommandFailed(f"{option}: {exc}") from None


def _ruleset(settings: ServiceSettings) -> RuleSet:
    directory = settings.resolved_rules_dir()
    try:
        return load_rules_dir(directory)
    except RulesError as exc:
        issues = "; ".join(" ".join(str(issue).split()) for issue in exc.issues)
        raise CommandFailed(
            f"the rules in {directory} are invalid: {issues} "
            "(`gatehouse rules validate` lists each error)"
        ) from None


@contextmanager
def _database(settings: ServiceSettings) -> Iterator[Database]:
    """The migrated database; any failure to reach or read it becomes :class:`CommandFailed`."""
    from alembic.util import CommandError as MigrationError

    shown = _shown_url(settings.database_url)
    try:
        db = Database(settings.database_url)
    except (SQLAlchemyError, ValueError) as exc:
        raise CommandFailed(f"cannot use the database {shown}: {_first_line(exc)}") from None
    try:
        db.migrate()
        yield db
    except (SQLAlchemyError, MigrationError) as exc:
        raise CommandFailed(f"cannot use the database {shown}: {_first_line(exc)}") from None
    finally:
        db.dispose()


def _shown_url(url: str) -> str:
    """The URL without its password, so error messages never leak it."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (SQLAlchemyError, ValueError):
        return "(GATEHOUSE_DATABASE_URL is not a database URL)"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
