"""Outgoing webhooks: signed events sent from an outbox table and retried with back-off."""
