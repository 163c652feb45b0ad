"""Queues in the admin site: an admin makes the disposition optional for a queue, or
changes its limits; the switchboard reloads its configuration once the change is saved."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db import transaction
from django.http import HttpRequest

from hotline.routing.commands import switchboard_command
from hotline.routing.models import Queue
from hotline.typed_text import PlainTextAdmin


@admin.register(Queue)
class QueueAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "label_zh",
        "label_en",
        "skill",
        "strategy",
        "wrap_up_limit",
        "disposition_required",
        "active",
    ]
    list_filter = ["disposition_required", "active"]
    search_fields = ["code", "label_zh", "label_en"]

    def save_model(self, request: HttpRequest, obj: Queue, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        transaction.on_commit(lambda: switchboard_command({"op": "reload"}))

    def delete_model(self, request: HttpRequest, obj: Queue) -> None:
        super().delete_model(request, obj)
        transaction.on_commit(lambda: switchboard_command({"op": "reload"}))
