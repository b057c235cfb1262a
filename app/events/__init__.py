"""Webhook events: which ones gatehouse handles, and what each one asks it to do."""
