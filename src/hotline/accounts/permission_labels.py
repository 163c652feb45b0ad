"""Permissions by translated names ("客户：可以修改") instead of the English text Django
stores when it creates them ("Can change customer")."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import Permission
from django.utils.translation import gettext as _

_DEFAULT_ACTIONS = {
    "add": lambda model: _("Can add %(model)s") % {"model": model},
    "change": lambda model: _("Can change %(model)s") % {"model": model},
    "delete": lambda model: _("Can delete %(model)s") % {"model": model},
    "view": lambda model: _("Can view %(model)s") % {"model": model},
}


def permission_label(permission: Permission) -> str:
    """The permission's name in the active language, prefixed by its app's name."""
    model = permission.content_type.model_class()
    if model is None:
        return permission.name
    opts = model._meta
    action, _sep, model_name = permission.codename.partition("_")
    if action in _DEFAULT_ACTIONS and model_name == opts.model_name:
        name = _DEFAULT_ACTIONS[action](opts.verbose_name)
    else:
        declared = dict(opts.permissions)
        name = str(declared[permission.codename]) if permission.codename in declared else ""
        name = _(name) if name else permission.name
    return f"{opts.app_config.verbose_name} | {name}"


class PermissionChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Permission) -> str:
        return permission_label(obj)


class TranslatedPermissionsMixin:
    """For a ``ModelAdmin`` whose form picks permissions: show them by translated names."""

    def formfield_for_manytomany(self, db_field, request, **kwargs):  # type: ignore[no-untyped-def]
        if db_field.related_model is Permission:
            kwargs["form_class"] = PermissionChoiceField
            kwargs["queryset"] = Permission.objects.select_related("content_type")
        return super().formfield_for_manytomany(db_field, request, **kwargs)  # type: ignore[misc]
