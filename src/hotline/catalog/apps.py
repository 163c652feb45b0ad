from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "hotline.catalog"
    label = "catalog"
    verbose_name = _("Statistic items")

    def ready(self) -> None:
        from hotline.accounts.roles import register_role_permissions

        view = "catalog.view_statisticitem"
        register_role_permissions(
            "catalog", {"agent": [view], "knowledge_editor": [view], "manager": [view]}
        )
