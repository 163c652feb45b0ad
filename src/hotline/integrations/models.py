"""Integration hub data: API tokens, webhook endpoints and their delivery outbox."""
