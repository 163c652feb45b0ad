"""Work-order endpoints under /api/v1/ (included by the integration hub's API URLs)."""

from django.urls import path

from hotline.tickets import api

urlpatterns = [
    path("order-types/", api.OrderTypeListApi.as_view(), name="order-types"),
    path("tickets/", api.TicketListApi.as_view(), name="tickets"),
    path("tickets/<int:pk>/", api.TicketDetailApi.as_view(), name="ticket"),
    path("tickets/<int:pk>/actions/", api.TicketActionApi.as_view(), name="ticket-actions"),
    path(
        "tickets/<int:pk>/attachments/",
        api.TicketAttachmentListApi.as_view(),
        name="ticket-attachments",
    ),
    path(
        "tickets/<int:pk>/attachments/<int:attachment_pk>/file/",
        api.TicketAttachmentFileApi.as_view(),
        name="ticket-attachment-file",
    ),
]
