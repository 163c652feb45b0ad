from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required, permission_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from hotline.accounts import selectors
from hotline.accounts.audit_display import audit_model_choices, audit_names
from hotline.accounts.forms import AuditFilterForm, PasswordChangeForm, ProfileForm
from hotline.accounts.menu import landing_url, menu_for
from hotline.audit.personal_data import can_unmask
from hotline.pagination import CountlessPaginator


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def get_default_redirect_url(self) -> str:
        """Without a ``next``, each role lands on its day's work (menu.LANDING)."""
        return landing_url(self.request.user) or super().get_default_redirect_url()


class PasswordChangeView(auth_views.PasswordChangeView):
    """The current password is checked as a sign-in (``PasswordChangeForm``)."""

    template_name = "accounts/password_change.html"
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        # The site's address is no page the visitor asked for: without a ``next`` they land
        # on their day's work after logging in (LoginView.get_default_redirect_url).
        return redirect("login")
    summary = selectors.user_summary(user=request.user)
    return render(
        request,
        "accounts/home.html",
        {"entries": menu_for(request.user), **summary},
    )


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Your profile has been saved."))
        return redirect("accounts:profile")
    summary = selectors.user_summary(user=request.user)
    return render(request, "accounts/profile.html", {"form": form, **summary})


@permission_required("accounts.view_team", raise_exception=True)
def teams(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.team_list(user=request.user), settings.HOTLINE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "accounts/teams.html", {"page": page})


@permission_required("accounts.view_technician", raise_exception=True)
def technicians(request: HttpRequest) -> HttpResponse:
    paginator = Paginator(selectors.technician_list(user=request.user), settings.HOTLINE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    return render(
        request,
        "accounts/technicians.html",
        {"page": page, "can_unmask": can_unmask(request.user)},
    )


@permission_required("accounts.view_auditentry", raise_exception=True)
def audit_log(request: HttpRequest) -> HttpResponse:
    form = AuditFilterForm(
        request.GET or None, models=audit_model_choices(selectors.audit_models())
    )
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    entries = selectors.audit_entry_list(**{k: v for k, v in filters.items() if v})
    paginator = CountlessPaginator(entries, settings.HOTLINE_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    template = (
        "accounts/_audit_rows.html" if request.headers.get("HX-Request") else "accounts/audit.html"
    )
    # Owners, technicians, regions … in the changes read by name (one query per kind).
    with audit_names(list(page)):
        return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


def admin_login(request: HttpRequest) -> HttpResponse:
    """The administration's sign-in, or 403 for someone signed in without the right to it."""
    from django.contrib import admin

    if request.user.is_authenticated and not admin.site.has_permission(request):
        return render(request, "403.html", status=403)
    return admin.site.login(request)
