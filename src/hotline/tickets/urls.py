from django.urls import path

from hotline.tickets.views import board, faults, field, orders, reports

app_name = "tickets"

urlpatterns = [
    path("", orders.ticket_list, name="list"),
    path("new/", orders.ticket_new, name="new"),
    path("new/form/", orders.ticket_new_form, name="new_form"),
    path("<int:pk>/", orders.ticket_detail, name="detail"),
    path("<int:pk>/action/<str:action>/", orders.ticket_action, name="action"),
    path("<int:pk>/attach/", orders.ticket_attach_view, name="attach"),
    path("<int:pk>/charge/", orders.ticket_charge_view, name="charge"),
    path("<int:pk>/article/", orders.ticket_article_view, name="article"),
    path("<int:pk>/note/", orders.ticket_note_view, name="note"),
    path("<int:pk>/files/<int:attachment_pk>/", orders.ticket_file, name="file"),
    path("customer/<int:customer_pk>/", orders.customer_panel, name="customer_panel"),
    path("board/", board.board, name="board"),
    path("board/dispatch/", board.board_dispatch, name="board_dispatch"),
    path("my/", field.my_orders, name="my_orders"),
    path("my/<int:pk>/", field.my_order, name="my_order"),
    path("my/<int:pk>/<str:action>/", field.my_order_action, name="my_order_action"),
    path("faults/", faults.fault_list, name="faults"),
    path("faults/new/", faults.fault_new, name="fault_new"),
    path("faults/<int:pk>/", faults.fault_detail, name="fault_detail"),
    path("faults/<int:pk>/link/", faults.fault_link, name="fault_link"),
    path("faults/<int:pk>/resolve/", faults.fault_resolve, name="fault_resolve"),
    path("reports/", reports.reports, name="reports"),
    path("reports/export.xlsx", reports.reports_export, name="reports_export"),
    path("reports/settlement.xlsx", reports.settlement_export, name="settlement"),
]
