"""Hotline's own REST API: token authentication, scopes, errors, idempotency, endpoints."""
