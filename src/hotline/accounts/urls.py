from django.urls import path

from hotline.accounts import views

app_name = "accounts"

urlpatterns = [
    path("profile/", views.profile, name="profile"),
    path("teams/", views.teams, name="teams"),
    path("technicians/", views.technicians, name="technicians"),
    path("audit/", views.audit_log, name="audit"),
]
