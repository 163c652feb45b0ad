"""Administration of API clients, tokens, webhook endpoints and deliveries.

Tokens are issued through ``api_token_issue`` (the full token is shown once, in a message)
and revoked, never edited or deleted; webhook secrets are likewise shown once.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from hotline.audit.masking import mask_url_credentials
from hotline.integrations.api.tokens import api_token_issue, api_token_revoke
from hotline.integrations.models import (
    API_SCOPES,
    WEBHOOK_EVENTS,
    ApiClient,
    ApiRequestLog,
    ApiToken,
    WebhookDelivery,
    WebhookEndpoint,
)
from hotline.integrations.webhooks.services import (
    new_webhook_secret,
    webhook_delivery_redeliver,
    webhook_endpoint_rotate_secret,
)
from hotline.typed_text import PlainTextAdmin


@admin.register(ApiClient)
class ApiClientAdmin(PlainTextAdmin, admin.ModelAdmin):
    list_display = ["name", "user", "active", "created_at"]
    list_filter = ["active"]
    search_fields = ["name"]
    autocomplete_fields = ["user"]


class ApiTokenForm(forms.ModelForm):
    scopes = forms.MultipleChoiceField(
        label=_("scopes"),
        choices=[(code, label) for code, label in API_SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ApiToken
        fields = ["client", "scopes", "expires_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(PlainTextAdmin, admin.ModelAdmin):
    form = ApiTokenForm
    list_display = [
        "prefix",
        "client",
        "scope_list",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = ["client"]
    search_fields = ["prefix", "client__name"]
    readonly_fields = [
        "prefix",
        "client",
        "scopes",
        "created_at",
        "created_by",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
    ]
    actions = ["revoke"]

    @admin.display(description=_("scopes"))
    def scope_list(self, obj: ApiToken) -> str:
        return ", ".join(obj.scopes or [])

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return self.readonly_fields if obj is not None else ["client", "scopes", "expires_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # The change page is a read-only view; revoking is the only change.
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: ApiToken, form: Any, change: bool) -> None:
        token, full = api_token_issue(
            client=form.cleaned_data["client"],
            scopes=form.cleaned_data["scopes"],
            expires_at=form.cleaned_data.get("expires_at"),
            by=request.user,
        )
        form.instance = token
        obj.pk, obj.prefix = token.pk, token.prefix
        self.message_user(
            request,
            _("Copy the token now, it will not be shown again: %(token)s") % {"token": full},
            messages.WARNING,
        )

    def log_addition(self, request: HttpRequest, obj: Any, message: Any) -> None:
        return None  # the audit log already has the issue

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request: HttpRequest, queryset: QuerySet[ApiToken]) -> None:
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            api_token_revoke(token=token, by=request.user)
            count += 1
        self.message_user(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", count)
            % {"count": count},
            messages.SUCCESS,
        )


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(label=_("URL"), max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        label=_("events"),
        choices=[("*", _("All events")), *WEBHOOK_EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "url", "events", "active"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # A password in the URL is never sent back to the browser: the field shows it as
        # "***", and a URL sent back unchanged keeps the stored one.
        if self.instance.pk and self.instance.url:
            self.initial["url"] = self.instance.masked_url

    def clean_url(self) -> str:
        url = self.cleaned_data["url"]
        stored = self.instance.url if self.instance.pk else ""
        if stored and url == mask_url_credentials(stored):
            return stored
        if "@" in url and mask_url_credentials(url) == url:
            raise forms.ValidationError(
                _(
                    "Type the password in the URL again: “***” keeps the stored one only when "
                    "the rest of the URL is unchanged."
                ),
                code="masked_password",
            )
        return url


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(PlainTextAdmin, admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ["name", "masked_url", "event_list", "active", "created_at"]
    list_filter = ["active"]
    # Not the URL: a search would tell a password one letter at a time.
    search_fields = ["name"]
    actions = ["rotate_secret"]

    @admin.display(description=_("URL"))
    def masked_url(self, obj: WebhookEndpoint) -> str:
        return obj.masked_url

    def get_fields(self, request: HttpRequest, obj: WebhookEndpoint | None = None) -> Any:
        fields = super().get_fields(request, obj)
        if obj is not None and not self.has_change_permission(request, obj):
            # Read-only view: the URL as listed, not the stored one.
            return ["masked_url" if name == "url" else name for name in fields]
        return fields

    @admin.display(description=_("events"))
    def event_list(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.events or [])

    def save_model(
        self, request: HttpRequest, obj: WebhookEndpoint, form: Any, change: bool
    ) -> None:
        if not change:
            obj.secret = new_webhook_secret()
        super().save_model(request, obj, form, change)
        if not change:
            self.message_user(
                request,
                _("Give the receiver this signing secret; it will not be shown again: %(secret)s")
                % {"secret": obj.secret},
                messages.WARNING,
            )

    @admin.action(description=_("Give selected endpoints a new signing secret"))
    def rotate_secret(self, request: HttpRequest, queryset: QuerySet[WebhookEndpoint]) -> None:
        for endpoint in queryset:
            secret = webhook_endpoint_rotate_secret(endpoint=endpoint, by=request.user)
            self.message_user(
                request,
                _("New signing secret for %(name)s: %(secret)s")
                % {"name": endpoint.name, "secret": secret},
                messages.WARNING,
            )


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "id",
        "endpoint",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "delivered_at",
    ]
    list_filter = ["status", "event", "endpoint"]
    readonly_fields = [
        "endpoint",
        "event",
        "payload",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "last_error",
        "created_at",
        "delivered_at",
    ]
    actions = ["redeliver"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description=_("Deliver selected again"))
    def redeliver(self, request: HttpRequest, queryset: QuerySet[WebhookDelivery]) -> None:
        deliveries = list(queryset.select_related("endpoint"))
        for delivery in deliveries:
            webhook_delivery_redeliver(delivery=delivery, by=request.user)
        self.message_user(
            request,
            ngettext(
                "Queued %(count)d delivery again.",
                "Queued %(count)d deliveries again.",
                len(deliveries),
            )
            % {"count": len(deliveries)},
            messages.SUCCESS,
        )


@admin.register(ApiRequestLog)
class ApiRequestLogAdmin(admin.ModelAdmin):
    list_display = ["at", "client", "user", "method", "path", "status_code", "error_code", "ip"]
    list_filter = ["status_code", "method"]
    date_hierarchy = "at"
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[ApiRequestLog]:
        return super().get_queryset(request).select_related("client", "user")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


from hotline.integrations.sms import admin as _sms_admin  # noqa: E402,F401  (registers the outbox)
