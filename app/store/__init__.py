"""gatehouse's durable state: SQLite for one process, PostgreSQL shared by replicas.

Build one :class:`Database` at start-up, call :meth:`Database.migrate`, and hand the
stores to whoever needs them.
"""

from app.store.assignments import AssignmentStore, Strategy
from app.store.audit import AuditLog, AuditRecord
from app.store.database import Database, alembic_config, utc_now
from app.store.deliveries import Delivery, DeliveryState, DeliveryStore
from app.store.effects import Claim, ClaimStatus, Effect, EffectStore
from app.store.records import ConflictError, Document, RecordStore
from app.store.timers import Timer, TimerState, TimerStore

__all__ = [
    "AssignmentStore",
    "AuditLog",
    "AuditRecord",
    "Claim",
    "ClaimStatus",
    "ConflictError",
    "Database",
    "Delivery",
    "DeliveryState",
    "DeliveryStore",
    "Document",
    "Effect",
    "EffectStore",
    "RecordStore",
    "Strategy",
    "Timer",
    "TimerState",
    "TimerStore",
    "alembic_config",
    "utc_now",
]
