"""The SMS outbox in the admin: every message with its status, attempts and errors.

With the console gateway (the default) this is where the messages are read. Numbers are
masked unless the admin may see personal data. Rows are written by the outbox only; the
one change an admin makes is to queue a failed message again.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.audit.masking import mask_phone
from hotline.audit.personal_data import can_unmask
from hotline.integrations.models import SmsMessage
from hotline.integrations.sms.services import sms_resend

_unmask: ContextVar[bool] = ContextVar("sms_admin_unmask", default=False)


@admin.register(SmsMessage)
class SmsMessageAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "created_at",
        "number",
        "short_text",
        "reference",
        "status",
        "attempts",
        "next_attempt_at",
        "error_reason",
    ]
    list_filter = ["status", "gateway", "error_reason"]
    search_fields = ["reference", "gateway_message_id"]
    date_hierarchy = "created_at"
    actions = ["resend"]
    fields = [
        "number",
        "text",
        "reference",
        "status",
        "attempts",
        "next_attempt_at",
        "expires_at",
        "error_reason",
        "last_error",
        "gateway",
        "gateway_message_id",
        "parts",
        "delivery_detail",
        "created_at",
        "created_by",
        "sent_at",
        "delivered_at",
        "failed_at",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[SmsMessage]:
        # Per request (not on the shared admin object): may this admin see numbers unmasked?
        _unmask.set(can_unmask(request.user))
        return super().get_queryset(request).select_related("created_by")

    @admin.display(description=_("to"))
    def number(self, obj: SmsMessage) -> str:
        return obj.to if _unmask.get() else mask_phone(obj.to)

    @admin.display(description=_("text"))
    def short_text(self, obj: SmsMessage) -> str:
        return obj.text if len(obj.text) <= 40 else obj.text[:39] + "…"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.action(description=_("Queue the selected failed messages again"), permissions=["view"])
    def resend(self, request: HttpRequest, queryset: QuerySet[SmsMessage]) -> None:
        count = 0
        for message in queryset.filter(status=SmsMessage.Status.FAILED):
            sms_resend(message=message, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d message queued again.", "%(count)d messages queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
