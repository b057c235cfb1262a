"""HTTP surface: the webhook, health, metrics and the details page."""
