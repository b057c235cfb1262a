"""Read-only views of gatehouse's records for people: the audit export and the report.

Nothing here writes to the database or calls GitHub, Jira or Slack.
"""

from app.reporting.audit_export import (
    COLUMNS,
    EXPORT_FORMATS,
    DateError,
    parse_when,
    record_to_dict,
    write_csv,
    write_export,
    write_jsonl,
)
from app.reporting.report import Durations, Report, SlaAttainment, build_report, render_text

__all__ = [
    "COLUMNS",
    "EXPORT_FORMATS",
    "DateError",
    "Durations",
    "Report",
    "SlaAttainment",
    "build_report",
    "parse_when",
    "record_to_dict",
    "render_text",
    "write_csv",
    "write_export",
    "write_jsonl",
]
