"""Background work: the intake worker that processes recorded webhook deliveries."""

from app.jobs.intake import IntakeWorker, backoff_delay, default_owner

__all__ = ["IntakeWorker", "backoff_delay", "default_owner"]
