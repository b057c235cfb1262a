"""gatehouse: enforce an organisation's change-approval workflow on pull requests."""

__version__ = "0.1.0"
