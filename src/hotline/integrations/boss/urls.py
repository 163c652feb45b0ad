"""Root URLconf of the demo BOSS process (``hotline boss-demo``), never of the web process.

The demo BOSS hands out names, phones and ID-card numbers to whoever holds its password, with
no Hotline login, scope or audit: like a real billing system it lives on its own port, and the
web port answers 404 under ``/demo-boss/``.
"""

from __future__ import annotations

from django.urls import path

from hotline.integrations.boss import demo

urlpatterns = [
    path("demo-boss/api/v1/customers", demo.customers, name="customers"),
    path("demo-boss/api/v1/accounts/<str:number>", demo.account, name="account"),
    path(
        "demo-boss/api/v1/accounts/<str:number>/subscriptions",
        demo.subscriptions,
        name="subscriptions",
    ),
    path("demo-boss/api/v1/accounts/<str:number>/devices", demo.devices, name="devices"),
    path("demo-boss/api/v1/accounts/<str:number>/payments", demo.payments, name="payments"),
    path("demo-boss/api/v1/fault-notices", demo.fault_notices, name="fault_notices"),
]

handler404 = demo.not_found
handler500 = demo.server_error
