"""Business-time clocks for gatehouse's SLAs and the weekly architecture review call.

Pure calendar arithmetic: callers pass the current time in, nothing here reads a clock.
"""

from app.sla.business_time import BusinessCalendar, current_or_next_call, next_occurrence
from app.sla.humanize import format_due, relative_due

__all__ = [
    "BusinessCalendar",
    "current_or_next_call",
    "format_due",
    "next_occurrence",
    "relative_due",
]
