"""URLs under /api/: the versioned endpoints, the OpenAPI schema and the interactive docs."""

from __future__ import annotations

from django.urls import include, path, re_path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from hotline.integrations.api import views
from hotline.integrations.api.errors import api_not_found

app_name = "api"

v1 = [
    path("customers/", views.CustomerListApi.as_view(), name="customers"),
    path("customers/<int:pk>/", views.CustomerDetailApi.as_view(), name="customer"),
    path("customers/<int:pk>/notes/", views.CustomerNoteApi.as_view(), name="customer-notes"),
    path("webhooks/endpoints/", views.WebhookEndpointListApi.as_view(), name="webhook-endpoints"),
    path("", include("hotline.tickets.api_urls")),
]

urlpatterns = [
    path("v1/", include(v1)),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    # Everything else under /api/, whatever the method: JSON 404 in the API's error shape.
    re_path(r"^.*$", api_not_found),
]
