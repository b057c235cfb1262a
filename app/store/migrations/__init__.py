"""gatehouse's Alembic migrations; run them with ``Database.migrate()``."""
