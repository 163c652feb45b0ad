from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.templatetags.static import static
from django.urls import include, path
from django.utils.functional import lazy
from django.views.generic import RedirectView

from hotline.accounts import views as account_views
from hotline.integrations.sms.views import open_link

urlpatterns = [
    path("", account_views.home, name="home"),
    path("login/", account_views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", account_views.PasswordChangeView.as_view(), name="password_change"),
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
    path("orders/", include("hotline.tickets.urls")),
    path("desk/", include("hotline.routing.urls")),
    path("knowledge/", include("hotline.knowledge.urls")),
    path("api/", include("hotline.integrations.api.urls")),
    path("s/<str:token>", open_link, name="sms_link"),
    # A signed-in user without administration rights gets the product's "not allowed" page,
    # not the administration's sign-in form asking them to sign in as someone else.
    path("admin/login/", account_views.admin_login),
    # The administration's own form checks the current password without the login lock-out.
    path("admin/password_change/", RedirectView.as_view(pattern_name="password_change")),
    path("admin/", admin.site.urls),
    # Pages name their icon; this is for the browsers and tools that ask for the old name.
    # (Lazy: in production the hashed file name is known only once collectstatic has run.)
    path(
        "favicon.ico",
        RedirectView.as_view(url=lazy(static, str)("hotline/favicon.svg"), permanent=True),
    ),
]
