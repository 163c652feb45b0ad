from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from hotline.accounts import views as account_views

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path(
        "password/",
        auth_views.PasswordChangeView.as_view(template_name="accounts/password_change.html"),
        name="password_change",
    ),
    path(
        "password/done/",
        auth_views.PasswordChangeDoneView.as_view(
            template_name="accounts/password_change_done.html"
        ),
        name="password_change_done",
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("hotline.accounts.urls")),
    path("customers/", include("hotline.customers.urls")),
    path("api/", include("hotline.integrations.api.urls")),
    path("demo-boss/", include("hotline.integrations.boss.urls")),
    path("admin/", admin.site.urls),
]
