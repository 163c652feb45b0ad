from django.urls import path

from hotline.customers import transfer_views, views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("export.<str:file_format>", transfer_views.customer_export, name="export"),
    path("import/", transfer_views.import_upload, name="import"),
    path("import/<int:pk>/", transfer_views.import_job, name="import_job"),
    path("import/<int:pk>/commit/", transfer_views.import_job_commit, name="import_commit"),
    path("import/<int:pk>/errors.csv", transfer_views.import_job_errors, name="import_errors"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/reveal/<str:field>/", views.customer_reveal, name="reveal"),
    path("<int:pk>/notes/", views.customer_note, name="note"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/merge/<int:merge_pk>/undo/", views.customer_merge_undo, name="merge_undo"),
]
