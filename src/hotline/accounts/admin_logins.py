"""django-axes' login records in the administration site, replacing axes' own pages.

Axes' pages let an admin delete an attempt record, which unlocks that login without a trace.
Here the records are read-only, and unlocking is an action that goes through
``login_attempts_clear`` and is audited like Hotline's own unlock (settings:
``AXES_ENABLE_ADMIN = False`` keeps axes from registering its pages).
"""

from __future__ import annotations

from typing import Any

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.accounts import services


class _ReadOnly(admin.ModelAdmin):
    date_hierarchy = "attempt_time"
    search_fields = ["username", "ip_address"]
    show_full_result_count = False

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return list(self.fields or [])

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class LockedOutFilter(admin.SimpleListFilter):
    title = _("locked out")
    parameter_name = "locked_out"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        return [("yes", _("yes")), ("no", _("no"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]):  # type: ignore[no-untyped-def]
        limit = settings.AXES_FAILURE_LIMIT
        if self.value() == "yes":
            return queryset.filter(failures_since_start__gte=limit)
        if self.value() == "no":
            return queryset.filter(failures_since_start__lt=limit)
        return queryset


@admin.register(AccessAttempt)
class AccessAttemptAdmin(_ReadOnly):
    list_display = ["attempt_time", "username", "ip_address", "failures_since_start", "locked"]
    list_filter = [LockedOutFilter, "attempt_time"]
    fields = [
        "username",
        "ip_address",
        "attempt_time",
        "failures_since_start",
        "user_agent",
        "path_info",
    ]
    actions = ["unlock"]

    @admin.display(description=_("locked out"), boolean=True)
    def locked(self, obj: AccessAttempt) -> bool:
        return obj.failures_since_start >= settings.AXES_FAILURE_LIMIT

    @admin.action(
        description=_("Unlock login after too many failed attempts"), permissions=["unlock"]
    )
    def unlock(self, request: HttpRequest, queryset: QuerySet[AccessAttempt]) -> None:
        attempts = list(queryset)
        services.login_attempts_clear(attempts=attempts, by=request.user)
        self.message_user(
            request,
            ngettext("Unlocked %(count)d login.", "Unlocked %(count)d logins.", len(attempts))
            % {"count": len(attempts)},
            messages.SUCCESS,
        )

    def has_unlock_permission(self, request: HttpRequest) -> bool:
        # Deleting a record is what unlocking is; no one gets "delete" itself (see above).
        return request.user.has_perm("axes.delete_accessattempt")


@admin.register(AccessLog)
class AccessLogAdmin(_ReadOnly):
    list_display = ["attempt_time", "logout_time", "username", "ip_address"]
    list_filter = ["attempt_time"]
    fields = ["username", "ip_address", "attempt_time", "logout_time", "user_agent"]


@admin.register(AccessFailureLog)
class AccessFailureLogAdmin(_ReadOnly):
    list_display = ["attempt_time", "username", "ip_address", "locked_out"]
    list_filter = ["attempt_time", "locked_out"]
    fields = ["username", "ip_address", "attempt_time", "locked_out", "user_agent", "path_info"]
