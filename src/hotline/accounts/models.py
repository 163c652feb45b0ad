"""People, roles, teams, regions and the audit log."""

from __future__ import annotations

import zoneinfo
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Permission
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from hotline.audit.record import AuditedModel


def bilingual_label(label_zh: str, label_en: str) -> str:
    """The label in the active language, or the other one when that one is empty."""
    language = (get_language() or settings.LANGUAGE_CODE).lower()
    if language.startswith("zh"):
        return label_zh or label_en
    return label_en or label_zh


class BilingualLabel(models.Model):
    """A configurable record with a Chinese and an English label."""

    label_zh = models.CharField(_("Chinese label"), max_length=100)
    label_en = models.CharField(_("English label"), max_length=100)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.label

    @property
    def label(self) -> str:
        return bilingual_label(self.label_zh, self.label_en)


class Region(AuditedModel):
    """A node of the region tree: city → district → station (乡站)."""

    class Level(models.TextChoices):
        CITY = "city", _("City")
        DISTRICT = "district", _("District")
        STATION = "station", _("Station")

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=16, choices=Level.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Materialised path of codes ("/cz/cz-tn/cz-tn-hm/"): "this region and below" is one
    # prefix test, which keeps data-scope checks to a single indexed query.
    path = models.CharField(_("path"), max_length=400, db_index=True, editable=False)

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["path"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.parent_id is None:
            return
        if self.pk and self.parent_id == self.pk:
            raise ValidationError({"parent": _("A region cannot be its own parent.")})
        if self.pk and self.path and self.parent.path.startswith(self.path):
            raise ValidationError({"parent": _("A region cannot be moved below its own child.")})

    def compute_path(self) -> str:
        prefix = self.parent.path if self.parent_id else "/"
        return f"{prefix}{self.code}/"

    def save(self, *args, **kwargs) -> None:
        old_path = self.path
        self.path = self.compute_path()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "path"}
        super().save(*args, **kwargs)
        if old_path and old_path != self.path:
            for child in Region.objects.filter(path__startswith=old_path).exclude(pk=self.pk):
                child.path = self.path + child.path[len(old_path) :]
                child.save(update_fields=["path"])

    def full_name(self) -> str:
        """ "City / district / station", from the names kept per process until a region
        changes (walking the parents cost a query per level on every page that shows it)."""
        from hotline.config_cache import config_cached

        kept = config_cached("region_full_names", "all", _region_full_names).get(self.pk)
        if kept is not None and kept[0] == self.name:
            return kept[1]
        names = []
        node: Region | None = self
        while node is not None:
            names.append(node.name)
            node = node.parent
        return " / ".join(reversed(names))


def _region_full_names() -> dict[int, tuple[str, str]]:
    """Every region's (name, full name)."""
    rows = {
        pk: (name, parent)
        for pk, name, parent in Region.objects.values_list("pk", "name", "parent_id")
    }
    full: dict[int, tuple[str, str]] = {}
    for pk, (name, _parent) in rows.items():
        names, node, seen = [], pk, set()
        while node is not None and node in rows and node not in seen:
            seen.add(node)
            names.append(rows[node][0])
            node = rows[node][1]
        full[pk] = (name, " / ".join(reversed(names)))
    return full


class Role(AuditedModel, BilingualLabel):
    """What a person may do: Django permissions plus the data-scope and admin-site flags."""

    AGENT = "agent"
    TEAM_LEAD = "team_lead"
    DISPATCHER = "dispatcher"
    TECHNICIAN = "technician"
    KNOWLEDGE_EDITOR = "knowledge_editor"
    QA_INSPECTOR = "qa_inspector"
    MANAGER = "manager"
    ADMIN = "admin"

    code = models.SlugField(_("code"), max_length=40, unique=True)
    permissions = models.ManyToManyField(
        Permission, verbose_name=_("permissions"), blank=True, related_name="roles"
    )
    all_regions = models.BooleanField(
        _("sees all regions"),
        default=False,
        help_text=_("Without it, people with this role see only their own regions and below."),
    )
    admin_site = models.BooleanField(_("may open the administration site"), default=False)
    # Default permissions already handed to this built-in role ("app.codename"): a default
    # added by a later version is granted once; one an admin removed is not granted again.
    granted_defaults = models.JSONField(default=list, blank=True, editable=False)

    class Meta:
        verbose_name = _("role")
        verbose_name_plural = _("roles")
        ordering = ["id"]


def _validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class User(AbstractUser, AuditedModel):
    audit_exclude: ClassVar[set[str]] = {"last_login"}
    audit_secret: ClassVar[set[str]] = {"password"}

    role = models.ForeignKey(
        Role,
        verbose_name=_("role"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    regions = models.ManyToManyField(
        Region, verbose_name=_("regions"), blank=True, related_name="users"
    )
    team = models.ForeignKey(
        "Team",
        verbose_name=_("team"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    employee_no = models.CharField(_("employee number"), max_length=32, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    extension = models.CharField(_("extension"), max_length=16, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="Asia/Shanghai", validators=[_validate_time_zone]
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.get_full_name() or self.username

    def save(self, *args, **kwargs) -> None:
        # Admin-site access follows the role, so one switch in the role changes everyone's.
        # (Saves of other fields, such as last_login at every login, skip the lookup.)
        update_fields = kwargs.get("update_fields")
        if self.role_id is not None and (update_fields is None or "role" in update_fields):
            self.is_staff = Role.objects.filter(pk=self.role_id, admin_site=True).exists()
            if kwargs.get("update_fields") is not None:
                kwargs["update_fields"] = {*kwargs["update_fields"], "is_staff"}
        super().save(*args, **kwargs)

    @property
    def role_code(self) -> str:
        return self.role.code if self.role_id else ""


class Team(AuditedModel):
    """座席组: a group of agents with a team lead."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    lead = models.ForeignKey(
        User,
        verbose_name=_("team lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_teams",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Technician(AuditedModel):
    """维修员: a field technician, bound to the regions of its user account."""

    user = models.OneToOneField(
        User, verbose_name=_("user"), on_delete=models.PROTECT, related_name="technician"
    )
    mobile = models.CharField(_("mobile phone"), max_length=20)
    skills = models.CharField(_("skills"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)
    max_open_orders = models.PositiveSmallIntegerField(_("maximum open orders"), default=8)

    audit_masked: ClassVar[set[str]] = {"mobile"}

    class Meta:
        verbose_name = _("technician")
        verbose_name_plural = _("technicians")
        ordering = ["user__username"]

    def __str__(self) -> str:
        return str(self.user)


class AuditQuerySet(models.QuerySet):
    def update(self, **kwargs):  # type: ignore[override]
        raise PermissionError("The audit log is append-only.")

    def delete(self):  # type: ignore[override]
        raise PermissionError("The audit log is append-only.")


class AuditEntry(models.Model):
    """One line of the append-only audit log."""

    class Action(models.TextChoices):
        CREATE = "create", _("Created")
        UPDATE = "update", _("Changed")
        DELETE = "delete", _("Deleted")
        REVEAL = "reveal", _("Viewed unmasked personal data")
        LOGIN = "login", _("Logged in")
        LOGIN_FAILED = "login_failed", _("Failed login")
        LOGOUT = "logout", _("Logged out")
        UNLOCK = "unlock", _("Unlocked login")
        MERGE = "merge", _("Merged duplicates")
        MERGE_UNDO = "merge_undo", _("Undid a merge")
        SYSTEM = "system", _("System operation")
        # Knowledge base and call scripts (knowledge/services).
        SAVE_VERSION = "save_version", _("Saved a version")
        PUBLISH = "publish", _("Published")
        RESTORE = "restore", _("Restored a version")
        CONFIRM_READ = "confirm_read", _("Confirmed reading")
        VOTE = "vote", _("Rated")
        UPLOAD = "upload", _("Uploaded a file")

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    # No database constraint: the log outlives anything it mentions and is never rewritten.
    actor = models.ForeignKey(
        User,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    actor_name = models.CharField(_("actor name"), max_length=150, blank=True)
    action = models.CharField(_("action"), max_length=20, choices=Action.choices, db_index=True)
    model = models.CharField(_("object type"), max_length=100, blank=True, db_index=True)
    object_id = models.CharField(_("object id"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["model", "object_id"], name="audit_object_idx")]

    def __str__(self) -> str:
        at = timezone.localtime(self.at) if timezone.is_aware(self.at) else self.at
        action = self.get_action_display()
        return f"{at:%Y-%m-%d %H:%M:%S} {self.actor_name} {action} {self.object_repr}"

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise PermissionError("The audit log is append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("The audit log is append-only.")
