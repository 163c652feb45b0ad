"""The generic HTTP SMS adapter: most SMS providers take one HTTP request per message.

Everything provider-specific is configuration (``HOTLINE_SMS_HTTP_*``):

- ``URL`` and ``METHOD`` (POST by default); the URL may hold placeholders;
- credentials: HTTP Basic (``USERNAME``/``PASSWORD``) or a bearer ``TOKEN``;
- ``FORMAT`` ``json`` or ``form`` and ``BODY``, a JSON object whose string values are
  templates: ``{"mobile": "{to}", "content": "{text}", "sign": "{sender}"}``. Placeholders:
  ``{to}``, ``{text}``, ``{reference}``, ``{sender}``; values are substituted, never parsed
  (braces inside a message are safe);
- the answer: ``ID_PATH`` (dotted path of the provider's message id, ``data.msgid``) and
  optionally ``SUCCESS`` (``code=0``: the dotted path must hold that value, else rejected);
- delivery status (optional): ``STATUS_URL`` with ``{message_id}``, ``STATUS_PATH`` and the
  values that mean delivered / failed (``DELIVERED_VALUES``, ``FAILED_VALUES``).

Outcomes: 2xx → accepted (or rejected when the success check fails); 408/429/5xx, timeouts
and connection errors → unavailable (retried later); 401/403 → unavailable (credentials:
an admin must act, the message waits); other 4xx → rejected.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx

from hotline.env import ConfigError
from hotline.integrations.sms.console import segments
from hotline.integrations.sms.port import (
    DeliveryReport,
    DeliveryState,
    SmsAccepted,
    SmsRejected,
    SmsUnavailable,
)

_RETRYABLE = {408, 425, 429}


def _csv(raw: str) -> tuple[str, ...]:
    return tuple(v.strip() for v in raw.split(",") if v.strip())


def parse_body_template(raw: str | Mapping[str, Any] | None) -> dict[str, Any]:
    if raw is None or raw == "":
        return {"to": "{to}", "text": "{text}", "reference": "{reference}"}
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError as exc:
            raise ConfigError(f"HOTLINE_SMS_HTTP_BODY: not valid JSON: {exc}") from exc
    if not isinstance(raw, Mapping):
        raise ConfigError("HOTLINE_SMS_HTTP_BODY: expected a JSON object")
    return dict(raw)


@dataclass(frozen=True)
class HttpSmsConfig:
    url: str
    method: str = "POST"
    username: str = ""
    password: str = ""
    token: str = ""
    format: str = "json"
    body: str = ""  # JSON text of the body template (hashable)
    sender: str = ""
    id_path: str = "id"
    success: str = ""
    status_url: str = ""
    status_path: str = "status"
    delivered_values: tuple[str, ...] = ("DELIVRD", "delivered", "DELIVERED")
    failed_values: tuple[str, ...] = ("UNDELIV", "EXPIRED", "REJECTD", "failed", "FAILED")
    timeout_ms: int = 5000

    @classmethod
    def from_settings(cls, sms: Mapping[str, Any]) -> HttpSmsConfig:
        fmt = (sms.get("HTTP_FORMAT") or "json").lower()
        if fmt not in {"json", "form"}:
            raise ConfigError(f"HOTLINE_SMS_HTTP_FORMAT: expected json or form, got {fmt!r}")
        method = (sms.get("HTTP_METHOD") or "POST").upper()
        if method not in {"POST", "PUT", "GET"}:
            raise ConfigError(f"HOTLINE_SMS_HTTP_METHOD: expected POST, PUT or GET, got {method!r}")
        body = parse_body_template(sms.get("HTTP_BODY"))
        return cls(
            url=sms.get("HTTP_URL") or "",
            method=method,
            username=sms.get("HTTP_USERNAME") or "",
            password=sms.get("HTTP_PASSWORD") or "",
            token=sms.get("HTTP_TOKEN") or "",
            format=fmt,
            body=json.dumps(body, ensure_ascii=False, sort_keys=True),
            sender=sms.get("SENDER") or "",
            id_path=sms.get("HTTP_ID_PATH") or "id",
            success=sms.get("HTTP_SUCCESS") or "",
            status_url=sms.get("HTTP_STATUS_URL") or "",
            status_path=sms.get("HTTP_STATUS_PATH") or "status",
            delivered_values=_csv(sms.get("HTTP_DELIVERED_VALUES") or "") or cls.delivered_values,
            failed_values=_csv(sms.get("HTTP_FAILED_VALUES") or "") or cls.failed_values,
            timeout_ms=int(sms.get("HTTP_TIMEOUT_MS") or 5000),
        )


def _dig(data: Any, path: str) -> Any:
    for key in path.split(".") if path else []:
        if isinstance(data, Mapping) and key in data:
            data = data[key]
        elif isinstance(data, list) and key.isdigit() and int(key) < len(data):
            data = data[int(key)]
        else:
            return None
    return data


def _fill(template: Any, values: Mapping[str, str], *, url: bool = False) -> Any:
    if isinstance(template, str):
        for name, value in values.items():
            template = template.replace("{" + name + "}", quote(value, safe="") if url else value)
        return template
    if isinstance(template, Mapping):
        return {k: _fill(v, values) for k, v in template.items()}
    if isinstance(template, list):
        return [_fill(v, values) for v in template]
    return template


class HttpSmsGateway:
    name = "http"

    def __init__(
        self, config: HttpSmsConfig, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.config = config
        self.supports_delivery_status = bool(config.status_url)
        self._template = json.loads(config.body) if config.body else parse_body_template("")
        auth: httpx.Auth | None = None
        headers = {"Accept": "application/json", "User-Agent": "Hotline-SMS/1"}
        if config.token:
            headers["Authorization"] = f"Bearer {config.token}"
        elif config.username:
            auth = httpx.BasicAuth(config.username, config.password)
        self._client = httpx.Client(
            auth=auth,
            headers=headers,
            timeout=config.timeout_ms / 1000,
            transport=transport,
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        try:
            response = self._client.request(method, url, **kwargs)
        except httpx.TimeoutException as exc:
            raise SmsUnavailable(f"SMS gateway timed out: {exc!r}", reason="timeout") from exc
        except httpx.HTTPError as exc:
            raise SmsUnavailable(f"SMS gateway unreachable: {exc!r}", reason="unreachable") from exc
        status = response.status_code
        if status in (401, 403):
            raise SmsUnavailable(
                f"SMS gateway refused our credentials ({status})", reason="rejected_credentials"
            )
        if status in _RETRYABLE:
            raise SmsUnavailable(f"SMS gateway answered {status}", reason="throttled")
        if status >= 500:
            raise SmsUnavailable(f"SMS gateway answered {status}", reason="server_error")
        if status >= 400:
            raise SmsRejected(f"SMS gateway refused the message ({status}): {response.text[:200]}")
        return response

    @staticmethod
    def _json(response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError:
            return None

    def send(self, to: str, text: str, *, reference: str) -> SmsAccepted:
        if not self.config.url:
            raise SmsUnavailable("no SMS gateway URL configured", reason="not_configured")
        values = {"to": to, "text": text, "reference": reference, "sender": self.config.sender}
        url = _fill(self.config.url, values, url=True)
        body = _fill(self._template, values)
        kwargs: dict[str, Any] = {}
        if self.config.method == "GET":
            kwargs["params"] = {k: str(v) for k, v in body.items()}
        elif self.config.format == "form":
            kwargs["data"] = {k: str(v) for k, v in body.items()}
        else:
            kwargs["json"] = body
        response = self._call(self.config.method, url, **kwargs)
        data = self._json(response)
        if self.config.success:
            path, _, expected = self.config.success.partition("=")
            actual = _dig(data, path.strip())
            if str(actual) != expected.strip():
                raise SmsRejected(f"SMS gateway did not accept the message: {response.text[:200]}")
        message_id = _dig(data, self.config.id_path)
        if message_id in (None, ""):
            # Accepted, but without an id we can never ask for its delivery status.
            message_id = ""
        return SmsAccepted(message_id=str(message_id), parts=segments(text))

    def delivery_status(self, message_id: str) -> DeliveryReport | None:
        if not self.config.status_url or not message_id:
            return None
        url = _fill(self.config.status_url, {"message_id": message_id}, url=True)
        try:
            response = self._call("GET", url)
        except SmsRejected:
            return None
        value = _dig(self._json(response), self.config.status_path)
        if value is None:
            return None
        text = str(value)
        if text in self.config.delivered_values:
            state = DeliveryState.DELIVERED
        elif text in self.config.failed_values:
            state = DeliveryState.FAILED
        else:
            state = DeliveryState.PENDING
        return DeliveryReport(message_id=message_id, state=state, detail=text[:100])
