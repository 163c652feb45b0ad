from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "hotline.accounts"
    label = "accounts"
    verbose_name = _("People, roles and regions")

    def ready(self) -> None:
        from hotline.accounts import acl_cache, roles, signals  # noqa: F401  (receivers)
        from hotline.accounts.menu import register_accounts_menu
        from hotline.audit import record as audit

        roles.register_accounts_permissions()
        register_accounts_menu()
        roles.connect()
        audit.connect()
        acl_cache.connect()
