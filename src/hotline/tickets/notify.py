"""The work-order app's door to text messages and their signed links.

``sms(...)`` queues a message through the SMS outbox (``integrations.sms``) in the caller's
transaction, so it exists exactly when the change does and waits out a gateway that is down.
A technician's SMS carries ``technician_link(line)``: a signed, expiring short link naming
the history line that sent them the order (order + technician at that moment), so a link
forwarded after a reassignment never opens the order for the wrong person.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hotline.customers.phones import is_mobile, normalize_phone
from hotline.stored_text import Stored, in_site_language

LINK_KIND = "wo"


def sms(
    *, to: str, text: str | Stored, ticket: Any = None, purpose: str = "", key: str = ""
) -> Any:
    """Queue ``text`` to the mobile ``to`` (nothing for an empty number or a landline).

    ``key`` makes the message idempotent (the same key is queued once per number); without
    one every call queues a message of its own. A ``stored`` message is worded in the site's
    language, whoever's action sends it.
    """
    if isinstance(text, dict):
        text = in_site_language(text)
    from hotline.integrations.sms.services import sms_queue

    number = normalize_phone(to or "")
    if not is_mobile(number):
        return None
    ticket_id = getattr(ticket, "pk", "")
    reference = f"ticket:{ticket_id}:{purpose}:{key or uuid.uuid4().hex[:12]}"
    return sms_queue(to=number, text=text, reference=reference[:100])


# What each ``purpose`` of ``sms`` is, as the audit log names it.
PURPOSES = {
    "confirmation_code": gettext_lazy("confirmation code"),
    "dispatched": gettext_lazy("dispatch"),
    "reassigned": gettext_lazy("reassignment"),
    "escalation": gettext_lazy("escalation"),
    "sla_warning": gettext_lazy("deadline warning"),
    "sla_breach": gettext_lazy("deadline missed"),
    "reminder": gettext_lazy("reminder"),
    "area_fault_resolved": gettext_lazy("area fault resolved"),
}


def reference_text(reference: str) -> str | None:
    """A reference ``sms`` made ("ticket:418:confirmation_code:…") as a reader knows it
    ("work order #418: confirmation code"); None for any other reference."""
    kind, _sep, rest = reference.partition(":")
    ticket_id, _sep, rest = rest.partition(":")
    purpose = rest.partition(":")[0]
    if kind != "ticket" or not ticket_id.isdigit():
        return None
    return _("work order #%(id)s: %(purpose)s") % {
        "id": ticket_id,
        "purpose": PURPOSES.get(purpose, purpose or "—"),
    }


def technician_link(history_id: int) -> str:
    """The short link of a dispatch or reassignment line (lifetime: SMS link setting)."""
    from hotline.integrations.sms.links import signed_link

    return signed_link(LINK_KIND, history_id)
