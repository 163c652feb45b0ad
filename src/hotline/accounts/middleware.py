from __future__ import annotations

import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.middleware.locale import LocaleMiddleware
from django.utils import timezone, translation

from hotline.accounts.net import client_ip
from hotline.audit.context import actor_for, audit_actor


class UserTimezoneMiddleware:
    """Show times in the signed-in user's time zone (demo: Asia/Shanghai)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        tz_name = getattr(user, "time_zone", "") if user and user.is_authenticated else ""
        if tz_name:
            try:
                timezone.activate(zoneinfo.ZoneInfo(tz_name))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                timezone.deactivate()
        else:
            timezone.deactivate()
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()


class AuditContextMiddleware:
    """Attribute every audit entry written during a request to its user and address."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        actor = actor_for(getattr(request, "user", None), client_ip(request))
        with (
            audit_actor(name=actor.name, ip=actor.ip)
            if actor.user_id is None
            else audit_actor(request.user, ip=actor.ip)
        ):
            return self.get_response(request)


class LanguageMiddleware(LocaleMiddleware):
    """Chinese unless the user chose otherwise (language cookie), whatever the browser says.

    Many call-center PCs run an English operating system; the agents still work in Chinese.
    """

    def process_request(self, request: HttpRequest) -> None:
        supported = {code for code, _name in settings.LANGUAGES}
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
