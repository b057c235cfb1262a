"""Jira tickets and Slack messages for pull requests, exactly once each."""
