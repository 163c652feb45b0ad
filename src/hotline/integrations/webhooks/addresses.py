"""Where a webhook may be sent: public addresses only, unless the operator allows private ones.

A receiver URL is typed by an administrator or an API client. Without this check it could
point Hotline at itself (``127.0.0.1``), at the cloud's metadata service (``169.254.169.254``)
or at anything on the company's internal network, and Hotline would POST there on every event
(server-side request forgery). The host is resolved and every address it resolves to must be
public; this is checked when the endpoint is saved and again at each delivery, where the
request then goes to the address that was checked (a DNS answer that changes in between, "DNS
rebinding", cannot slip a private address in). ``HOTLINE_WEBHOOK_ALLOW_PRIVATE=1`` switches
the check off for installations whose receivers live on the internal network.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.utils.translation import gettext_lazy as _

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")


class UnsafeWebhookAddress(ValueError):
    """The URL may not receive webhooks; ``message`` says why (translated)."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class WebhookTarget:
    """A checked URL: ``address`` is where to connect (``None``: connect by name)."""

    url: str
    host: str
    address: str | None


def private_addresses_allowed() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES", False))


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_is_public(address: str | IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (not loopback, private, link-local,
    shared, reserved, multicast or unspecified, nor an IPv6 form of one of those)."""
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.scope_id:
            return False
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            return address_is_public(embedded)
    return ip.is_global and not (
        ip.is_multicast
        or ip.is_private
        or ip.is_reserved
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_unspecified
    )


def resolve_host(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def webhook_target(url: str) -> WebhookTarget:
    """Check ``url`` as a webhook receiver now; raise ``UnsafeWebhookAddress`` if it may not be.

    1. Only ``http`` and ``https`` URLs with a host.
    2. With private addresses allowed, nothing more: connect by name.
    3. Otherwise resolve the host; every address must be public (an attacker's DNS may
       answer with a mix), and the request goes to the first.
    """
    parts = urlsplit(url)
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise UnsafeWebhookAddress(_("Use an http:// or https:// URL with a host name."))
    host = parts.hostname
    try:
        given_port = parts.port
    except ValueError:  # ":99999" or ":x": said to be a host that does not resolve
        given_port = 0
    if given_port == 0 and parts.netloc.rpartition("]")[2].count(":"):
        raise UnsafeWebhookAddress(_("The port is a whole number from 1 to 65535."))
    if private_addresses_allowed():
        return WebhookTarget(url=url, host=host, address=None)
    try:
        port = given_port or (443 if parts.scheme == "https" else 80)
        addresses = resolve_host(host, port)
    except (OSError, UnicodeError, ValueError):
        raise UnsafeWebhookAddress(
            _("The host %(host)s could not be resolved.") % {"host": host}
        ) from None
    refused = [a for a in addresses if not address_is_public(a)]
    if refused or not addresses:
        raise UnsafeWebhookAddress(
            _(
                "%(host)s resolves to %(address)s, a loopback, private or reserved address; "
                "webhooks go to public addresses only."
            )
            % {"host": host, "address": ", ".join(refused) or "-"}
        )
    return WebhookTarget(url=url, host=host, address=addresses[0])
