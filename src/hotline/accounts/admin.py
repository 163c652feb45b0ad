from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.accounts import admin_logins, services  # noqa: F401  (registers login records)
from hotline.accounts.audit_display import (
    audit_change_lines,
    audit_model_choices,
    audit_model_label,
    audit_names,
)
from hotline.accounts.models import AuditEntry, Region, Role, Team, Technician, User
from hotline.accounts.permission_labels import TranslatedPermissionsMixin
from hotline.typed_text import PlainTextAdmin

admin.site.site_header = _("Hotline administration")
admin.site.site_title = _("Hotline")
admin.site.index_title = _("Configuration")


@admin.register(Region)
class RegionAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = ["name", "code", "level", "parent", "path"]
    list_filter = ["level"]
    search_fields = ["name", "code"]
    autocomplete_fields = ["parent"]


@admin.register(Role)
class RoleAdmin(TranslatedPermissionsMixin, PlainTextAdmin, admin.ModelAdmin):
    list_display = ["code", "label_zh", "label_en", "all_regions", "admin_site"]
    filter_horizontal = ["permissions"]
    search_fields = ["code", "label_zh", "label_en"]


@admin.register(User)
class UserAdmin(TranslatedPermissionsMixin, PlainTextAdmin, BaseUserAdmin):
    list_display = ["username", "display_name", "role", "team", "is_active", "last_login"]
    list_filter = ["role", "team", "is_active"]
    search_fields = ["username", "display_name", "employee_no"]
    list_select_related = ["role", "team"]
    autocomplete_fields = ["team", "regions"]
    filter_horizontal = ["groups", "user_permissions"]
    # Staff access follows the role; the dates are the system's (a form round trip would
    # also rewrite them in the admin's time zone and log a change nobody made).
    readonly_fields = ["is_staff", "last_login", "date_joined"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Role and regions"), {"fields": ("role", "regions", "team")}),
        (
            _("Name and contact"),
            {
                "fields": (
                    "display_name",
                    ("last_name", "first_name"),
                    "employee_no",
                    "email",
                    "phone",
                    "extension",
                    "time_zone",
                )
            },
        ),
        (_("Status"), {"fields": ("is_active", "is_staff", "last_login", "date_joined")}),
        (
            _("Individual permissions"),
            {
                "classes": ("collapse",),
                "description": _(
                    "Usually left empty: the role gives each person what they may do. "
                    "Permissions and groups here are added to the role's."
                ),
                "fields": ("is_superuser", "groups", "user_permissions"),
            },
        ),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("username", "usable_password", "password1", "password2"),
            },
        ),
        (_("Role and regions"), {"fields": ("role", "regions", "team", "display_name")}),
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


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(TranslatedPermissionsMixin, PlainTextAdmin, BaseGroupAdmin):
    pass


@admin.register(Team)
class TeamAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = ["name", "lead", "region"]
    search_fields = ["name"]
    autocomplete_fields = ["lead", "region"]


@admin.register(Technician)
class TechnicianAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = ["user", "skills", "active", "max_open_orders"]
    list_filter = ["active"]
    search_fields = ["user__username", "user__display_name", "skills"]
    autocomplete_fields = ["user"]


class AuditModelFilter(admin.SimpleListFilter):
    """Object types by their translated names (the stored value is "app.model")."""

    title = _("object type")
    parameter_name = "model"

    def lookups(self, request: HttpRequest, model_admin: admin.ModelAdmin) -> list:
        from hotline.accounts.selectors import audit_models

        return audit_model_choices(audit_models())

    def queryset(self, request: HttpRequest, queryset: QuerySet[AuditEntry]):  # type: ignore[no-untyped-def]
        return queryset.filter(model=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    list_display = ["at", "actor_name", "action", "object_type", "object_id", "object_repr", "ip"]
    list_filter = ["action", AuditModelFilter, "at"]
    search_fields = ["actor_name", "object_repr", "object_id"]
    date_hierarchy = "at"
    show_full_result_count = False
    fields = [
        "at",
        "actor",
        "actor_name",
        "action",
        "object_type",
        "object_id",
        "object_repr",
        "change_lines",
        "ip",
    ]
    readonly_fields = fields

    @admin.display(description=_("object type"), ordering="model")
    def object_type(self, obj: AuditEntry) -> str:
        return audit_model_label(obj.model)

    @admin.display(description=_("changes"))
    def change_lines(self, obj: AuditEntry) -> str:
        with audit_names([obj]):
            lines = [(str(line),) for line in audit_change_lines(obj)]
        return format_html_join(mark_safe("<br>"), "{}", lines)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: AuditEntry | None = None) -> bool:
        return False
