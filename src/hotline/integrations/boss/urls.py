"""The demo BOSS's API, mounted at ``/demo-boss/`` (see ``demo.py``)."""

from django.urls import path

from hotline.integrations.boss import demo

app_name = "demo_boss"

urlpatterns = [
    path("api/v1/customers", demo.customers, name="customers"),
    path("api/v1/accounts/<str:number>", demo.account, name="account"),
    path("api/v1/accounts/<str:number>/subscriptions", demo.subscriptions, name="subscriptions"),
    path("api/v1/accounts/<str:number>/devices", demo.devices, name="devices"),
    path("api/v1/accounts/<str:number>/payments", demo.payments, name="payments"),
    path("api/v1/fault-notices", demo.fault_notices, name="fault_notices"),
]
