from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

VIEW_CUSTOMERS = "customers.view_customer"
ADD_CUSTOMERS = "customers.add_customer"
CHANGE_CUSTOMERS = "customers.change_customer"
UNMASK = "customers.unmask_personal_data"
MERGE = "customers.merge_customer"
IMPORT = "customers.import_customer"
EXPORT = "customers.export_customer"


class CustomersConfig(AppConfig):
    name = "hotline.customers"
    label = "customers"
    verbose_name = _("Customers")

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from hotline import events
        from hotline.customers.name_index import ensure_after_migrate

        post_migrate.connect(ensure_after_migrate, sender=self)
        from hotline.accounts.menu import MenuEntry, register_menu
        from hotline.accounts.roles import register_role_permissions
        from hotline.customers.jobs import register_jobs
        from hotline.customers.subscribers import customer_topic_allowed, push_customer_event
        from hotline.push.topics import register_topic

        events.subscribe("customer.*", push_customer_event)
        register_jobs()
        register_topic("customer", customer_topic_allowed)

        register_role_permissions(
            "customers",
            {
                "agent": [VIEW_CUSTOMERS, ADD_CUSTOMERS, CHANGE_CUSTOMERS],
                "team_lead": [
                    VIEW_CUSTOMERS,
                    ADD_CUSTOMERS,
                    CHANGE_CUSTOMERS,
                    UNMASK,
                    MERGE,
                    IMPORT,
                    EXPORT,
                ],
                "dispatcher": [VIEW_CUSTOMERS, UNMASK],
                "qa_inspector": [VIEW_CUSTOMERS],
                "manager": [VIEW_CUSTOMERS, MERGE, IMPORT, EXPORT],
            },
        )
        register_menu(
            MenuEntry(
                "customers",
                _("Customers"),
                "customers:list",
                VIEW_CUSTOMERS,
                description=_(
                    "Find a customer by phone or its last digits, ID-card, name, account or "
                    "address."
                ),
            ),
            order=100,
        )
        register_menu(
            MenuEntry(
                "import",
                _("Import customers"),
                "customers:import",
                IMPORT,
                description=_("Load customers from a CSV or Excel file, checked row by row."),
            ),
            order=800,
        )
