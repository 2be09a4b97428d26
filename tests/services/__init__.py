"""Service tests: use cases against real SQLite and PostgreSQL, without Slack requests."""
