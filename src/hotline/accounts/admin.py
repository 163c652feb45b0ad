from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.accounts import services
from hotline.accounts.models import AuditEntry, Region, Role, Team, Technician, User

admin.site.site_header = _("Hotline administration")
admin.site.site_title = _("Hotline")
admin.site.index_title = _("Configuration")


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "path"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ["code", "label_zh", "label_en", "all_regions", "admin_site"]
    filter_horizontal = ["permissions"]
    search_fields = ["code", "label_zh", "label_en"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "team", "is_active"]
    search_fields = ["username", "display_name", "employee_no"]
    filter_horizontal = ["regions", "groups", "user_permissions"]
    fieldsets = (
        *BaseUserAdmin.fieldsets,
        (
            _("Hotline"),
            {
                "fields": (
                    "display_name",
                    "employee_no",
                    "role",
                    "team",
                    "regions",
                    "phone",
                    "extension",
                    "time_zone",
                )
            },
        ),
    )
    actions = ["unlock_login"]

    @admin.action(description=_("Unlock login after too many failed attempts"))
    def unlock_login(self, request: HttpRequest, queryset: QuerySet[User]) -> None:
        for user in queryset:
            services.user_unlock(user=user, by=request.user)
        count = queryset.count()
        self.message_user(
            request,
            ngettext("Unlocked %(count)d user.", "Unlocked %(count)d users.", count)
            % {"count": count},
            messages.SUCCESS,
        )


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "lead", "region"]
    search_fields = ["name"]
    autocomplete_fields = ["lead", "region"]


@admin.register(Technician)
class TechnicianAdmin(admin.ModelAdmin):
    list_display = ["user", "skills", "active", "max_open_orders"]
    list_filter = ["active"]
    search_fields = ["user__username", "user__display_name", "skills"]
    autocomplete_fields = ["user"]


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "model", "object_id", "object_repr", "ip"]
    list_filter = ["action", "model", "at"]
    search_fields = ["actor_name", "object_repr", "object_id"]
    date_hierarchy = "at"
    readonly_fields = [f.name for f in AuditEntry._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
