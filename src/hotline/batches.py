"""Long work in short transactions: on SQLite no transaction may hold the write lock for more
than ~100 ms, because agents, the switchboard and jobs share one database file."""

from __future__ import annotations

from django.db import models, transaction

DELETE_BATCH = 1000


def delete_in_batches(queryset: models.QuerySet, *, batch: int = DELETE_BATCH) -> int:
    """Delete the rows of ``queryset`` a batch per transaction; return how many went."""
    model = queryset.model
    deleted = 0
    while True:
        ids = list(queryset.order_by().values_list("pk", flat=True)[:batch])
        if not ids:
            return deleted
        with transaction.atomic():
            count, _ = model._base_manager.filter(pk__in=ids).delete()
        deleted += len(ids) if count else 0
        if len(ids) < batch:
            return deleted
