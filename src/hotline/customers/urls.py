from django.urls import path

from hotline.customers import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/reveal/<str:field>/", views.customer_reveal, name="reveal"),
    path("<int:pk>/notes/", views.customer_note, name="note"),
    path("<int:pk>/merge/", views.customer_merge, name="merge"),
    path("<int:pk>/merge/<int:merge_pk>/undo/", views.customer_merge_undo, name="merge_undo"),
]
