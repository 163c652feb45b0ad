"""Periodic jobs: each registered job is enqueued exactly once per period, however many
workers run, across restarts (see ``services.scheduler_tick``)."""
