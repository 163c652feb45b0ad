"""Masking of personal data (ID-card numbers, phones) and of secrets in the audit log."""

from __future__ import annotations

import re
from typing import Any

# A field whose name looks like a secret is never logged in clear, even if its model forgets
# to list it in ``audit_secret``.
_SECRET_NAME = re.compile(r"secret|token|password|passwd|key", re.IGNORECASE)
SECRET_PLACEHOLDER = "***"  # noqa: S105 (what is shown instead of a secret)


def is_secret_name(name: str) -> bool:
    return bool(_SECRET_NAME.search(name))


def mask_phone(value: str) -> str:
    """139****5678: keep the first three and last four digits."""
    if not value:
        return ""
    if len(value) <= 7:
        return (
            value[:1] + "*" * (len(value) - 2) + value[-1:] if len(value) > 2 else "*" * len(value)
        )
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def mask_id_number(value: str) -> str:
    """3204**********1234: keep the first four and last four characters."""
    if not value:
        return ""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_generic(value: str) -> str:
    if len(value) >= 15:
        return mask_id_number(value)
    return mask_phone(value)


MASKERS = {"id_number": mask_id_number, "phone": mask_phone, "mobile": mask_phone}


def mask_url_credentials(url: str) -> str:
    """``https://user:***@host/path``: the password of a URL's user part hidden, the user name
    kept (a user part without a password may itself be a token: ``https://***@host/``).
    A URL without credentials is returned as it is."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        return url
    end = min((i for i in (rest.find(c) for c in "/?#") if i >= 0), default=len(rest))
    userinfo, at, host = rest[:end].rpartition("@")
    if not at:
        return url
    user, colon, _password = userinfo.partition(":")
    masked = f"{user}:{SECRET_PLACEHOLDER}" if colon else SECRET_PLACEHOLDER
    return f"{scheme}://{masked}@{host}{rest[end:]}"


def mask_any(value: Any) -> Any:
    return mask_generic(value) if isinstance(value, str) else value


def _hidden(value: Any) -> Any:
    if isinstance(value, list):  # [before, after]: keep "was empty" / "is empty" visible
        return [None if v is None else SECRET_PLACEHOLDER for v in value]
    return SECRET_PLACEHOLDER


def scrub_secrets(changes: Any) -> Any:
    """Replace the value under every secret-looking key, at any depth of ``changes``."""
    if isinstance(changes, dict):
        return {
            key: (_hidden(value) if is_secret_name(str(key)) else scrub_secrets(value))
            for key, value in changes.items()
        }
    if isinstance(changes, list):
        return [scrub_secrets(value) for value in changes]
    return changes
