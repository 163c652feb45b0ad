from django.urls import path

from hotline.customers import edit_views, views
from hotline.customers.exports import views as export_views
from hotline.customers.imports import views as import_views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.<str:file_format>", export_views.customer_export, name="export"),
    path("exports/", export_views.export_create, name="export_create"),
    path("exports/<int:pk>/", export_views.export_job, name="export_job"),
    path("exports/<int:pk>/download/", export_views.export_download, name="export_download"),
    path("import/", import_views.import_upload, name="import"),
    path("import/template.csv", import_views.import_template, name="import_template"),
    path("import/<int:pk>/", import_views.import_job, name="import_job"),
    path("import/<int:pk>/commit/", import_views.import_job_commit, name="import_commit"),
    path("import/<int:pk>/cancel/", import_views.import_job_cancel, name="import_cancel"),
    path("import/<int:pk>/errors.csv", import_views.import_job_errors, name="import_errors"),
    path("new/", edit_views.customer_new, name="new"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/section/<str:section>/", edit_views.customer_section, name="section"),
    path("<int:pk>/phones/add/", edit_views.phone_add, name="phone_add"),
    path("<int:pk>/phones/<int:phone_pk>/", edit_views.phone_edit, name="phone_edit"),
    path("<int:pk>/phones/<int:phone_pk>/remove/", edit_views.phone_remove, name="phone_remove"),
    path(
        "<int:pk>/phones/<int:phone_pk>/primary/",
        edit_views.phone_make_primary,
        name="phone_primary",
    ),
    path("<int:pk>/reveal/<str:field>/", views.customer_reveal, name="reveal"),
    path("<int:pk>/notes/", views.customer_note, name="note"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/merge/<int:merge_pk>/undo/", views.customer_merge_undo, name="merge_undo"),
]
