"""Fakes of GitHub, Jira and Slack that run as real HTTP servers, and the demo."""
