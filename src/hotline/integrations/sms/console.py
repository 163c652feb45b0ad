"""The console SMS gateway (the default): a message is "delivered" by writing it to the log.

The outbox rows are the visible result: admins read them under Integrations → Text messages.
"""

from __future__ import annotations

import logging
import re
import uuid

from hotline.audit.masking import mask_phone
from hotline.integrations.sms.port import DeliveryReport, DeliveryState, SmsAccepted

logger = logging.getLogger("hotline.sms.console")
# A phone number in a message's text (the contact a technician is to call): mobiles and
# landlines with or without their area code, not order numbers, codes or dates.
_PHONE_IN_TEXT = re.compile(r"(?<![\w-])(?:\d{3,4}-\d{7,8}|\d{7,12})(?![\w-])")


def masked_text(text: str) -> str:
    """``text`` as the log shows it: phone numbers masked (the log is read by people who
    may not see them; the message itself went out whole)."""
    return _PHONE_IN_TEXT.sub(lambda m: mask_phone(m.group(0)), text)


class ConsoleSmsGateway:
    name = "console"
    supports_delivery_status = True

    def send(self, to: str, text: str, *, reference: str) -> SmsAccepted:
        message_id = "console-" + uuid.uuid4().hex[:16]
        logger.info(
            "SMS %s to %s [%s]: %s", message_id, mask_phone(to), reference, masked_text(text)
        )
        return SmsAccepted(message_id=message_id, parts=segments(text), delivered=True)

    def delivery_status(self, message_id: str) -> DeliveryReport | None:
        return DeliveryReport(message_id=message_id, state=DeliveryState.DELIVERED)

    def close(self) -> None:
        return None


def segments(text: str) -> int:
    """How many SMS a text takes: GSM-7 160/153 characters, UCS-2 (Chinese) 70/67."""
    try:
        text.encode("ascii")
        single, part = 160, 153
    except UnicodeEncodeError:
        single, part = 70, 67
    if len(text) <= single:
        return 1
    return -(-len(text) // part)
