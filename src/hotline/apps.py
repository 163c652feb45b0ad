"""The site itself as an app: database lock waits, error pages, site-wide templates and files."""

from __future__ import annotations

from axes.apps import AppConfig as AxesConfig
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _
from django_tasks_db.apps import TasksAppConfig


class SiteConfig(AppConfig):
    name = "hotline"
    label = "hotline"
    verbose_name = _("Hotline")

    def ready(self) -> None:
        from django.db.backends.signals import connection_created

        from hotline import config_cache
        from hotline.db import apply_busy_timeout

        connection_created.connect(apply_busy_timeout, dispatch_uid="hotline_busy_timeout")
        config_cache.connect()


class LoginThrottlingConfig(AxesConfig):
    """django-axes as installed by Hotline: only its name in the administration changes."""

    verbose_name = _("Login throttling")


class TaskQueueConfig(TasksAppConfig):
    """django-tasks-db as installed by Hotline: only its name in the administration changes."""

    verbose_name = _("Background tasks")
