"""``gatehouse agenda``, ``gatehouse audit export``, ``gatehouse report`` and
``gatehouse decisions``.

Read-only views of the service's database (``GATEHOUSE_DATABASE_URL``) under the service's
rules (``GATEHOUSE_RULES_DIR``). Each migrates the database first, so a new or empty one
gives an empty result. Exit codes: 0 done, 2 bad input, an unusable database or invalid
rules, always with one ``gatehouse: ...`` line on stderr.

``audit export`` and ``decisions`` do not need the rules and work even while they are
broken: the record of what happened must stay readable when the configuration is not.
"""

from __future__ import annotations

import argparse

EXPORT_FORMATS = ("jsonl", "csv")


def _lazy(name: str) -> object:
    def run(args: argparse.Namespace) -> int:
        from app.reporting import commands

        handler = getattr(commands, name)
        return int(handler(args))

    return run


def add_report_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    agenda = sub.add_parser(
        "agenda",
        help="print the agenda of the next architecture review call",
        description="The pull requests waiting for the Architectural Team at the next "
        "(or current) architecture review call.",
    )
    agenda.add_argument("--format", choices=("markdown", "json"), default="markdown")
    agenda.set_defaults(handler=_lazy("run_agenda"))

    audit = sub.add_parser("audit", help="the audit log of every decision gatehouse made")
    audit_sub = audit.add_subparsers(dest="audit_command", required=True)
    export = audit_sub.add_parser(
        "export",
        help="print the audit log, oldest first",
        description="Print every audit record with since <= time < until, oldest first. "
        "DATE is YYYY-MM-DD (midnight UTC) or an ISO 8601 timestamp (UTC when it has no "
        "offset).",
    )
    export.add_argument("--since", metavar="DATE", help="first instant included")
    export.add_argument("--until", metavar="DATE", help="first instant excluded")
    export.add_argument("--format", choices=EXPORT_FORMATS, default="jsonl")
    export.set_defaults(handler=_lazy("run_audit_export"))

    report = sub.add_parser(
        "report",
        help="review volumes, waits in business hours, SLA attainment, expedites, disputes",
        description="Figures for the pull requests with activity since DATE (YYYY-MM-DD or "
        "an ISO 8601 timestamp; default: all recorded activity). Waits are business hours "
        "of settings.sla.",
    )
    report.add_argument("--since", metavar="DATE", help="first instant included")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.set_defaults(handler=_lazy("run_report"))

    decisions = sub.add_parser(
        "decisions",
        help="the decision log: architecture, disagreement, expedite and deployment decisions",
        description="Every architecture review outcome, engineering management decision, "
        "expedite (with its post-implementation review's outcome) and deployment approval "
        "made at or after DATE (YYYY-MM-DD or an ISO 8601 timestamp, UTC without an "
        "offset), oldest first.",
    )
    decisions.add_argument("--since", metavar="DATE", help="first instant included")
    decisions.add_argument("--format", choices=("markdown", "json"), default="markdown")
    decisions.set_defaults(handler=_lazy("run_decisions"))
