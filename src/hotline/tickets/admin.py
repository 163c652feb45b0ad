"""Admin: what admins configure (order types and forms, SLA policies, fees); orders, their
history and timers are read-only here (every change goes through the services)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from hotline.tickets.models import (
    AreaFault,
    FeeItem,
    FormField,
    OrderType,
    SlaPolicy,
    SlaRule,
    Ticket,
    TicketHistory,
    TicketTimer,
)
from hotline.typed_text import PlainTextAdmin


class FormFieldInline(PlainTextAdmin, admin.TabularInline):
    model = FormField
    extra = 0
    fields = ["sort_order", "key", "label_zh", "label_en", "kind", "required", "choices"]


class SlaRuleInline(PlainTextAdmin, admin.TabularInline):
    model = SlaRule
    extra = 0
    autocomplete_fields = ["policy"]


@admin.register(OrderType)
class OrderTypeAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "label_zh",
        "label_en",
        "default_priority",
        "sla_policy",
        "statistic_item",
        "required_skill",
        "auto_dispatch",
        "active",
    ]
    list_filter = ["active", "default_priority"]
    search_fields = ["code", "label_zh", "label_en"]
    autocomplete_fields = ["sla_policy"]
    inlines = [FormFieldInline, SlaRuleInline]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = [
        "code",
        "label_zh",
        "response_amount",
        "response_unit",
        "resolution_amount",
        "resolution_unit",
        "closure_amount",
        "closure_unit",
        "accept_minutes",
        "escalate_minutes",
        "remind_minutes",
    ]
    search_fields = ["code", "label_zh", "label_en"]


@admin.register(FeeItem)
class FeeItemAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = ["code", "label_zh", "label_en", "amount", "active"]
    list_editable = ["amount", "active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class HistoryInline(admin.TabularInline):
    model = TicketHistory
    extra = 0
    fields = ["at", "actor_name", "action", "from_state", "to_state", "note"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "order_type",
        "state",
        "priority",
        "region",
        "technician",
        "created_at",
    ]
    list_filter = ["state", "priority", "order_type"]
    search_fields = ["number", "external_ref"]
    list_select_related = ["order_type", "region", "technician__user"]
    show_full_result_count = False
    exclude = ["confirmation_code"]
    inlines = [HistoryInline]


@admin.register(TicketTimer)
class TicketTimerAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "kind", "due_at", "status", "fired_at", "fired_by", "outcome"]
    list_filter = ["status", "kind"]
    list_select_related = ["ticket"]
    show_full_result_count = False


@admin.register(AreaFault)
class AreaFaultAdmin(ReadOnlyAdmin):
    list_display = ["number", "title", "status", "declared_at", "expected_end_at", "resolved_at"]
    list_filter = ["status"]
