from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PushConfig(AppConfig):
    name = "hotline.push"
    label = "push"
    verbose_name = _("Browser pushes")
    default_auto_field = "django.db.models.BigAutoField"
