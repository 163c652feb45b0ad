"""Pushes to browsers over WebSockets (Django Channels).

``push_send(group, event, data)`` reaches every socket subscribed to ``group`` in every
topology: directly through the shared Redis channel layer in production; in the embedded
set-up (in-memory channel layer inside the web process) directly when called in the web
process, and through the ``PushMessage`` relay table when called from another process (the
task worker, the switchboard). See docs/decisions/0006-push-topology.md.
"""
