"""The SMPP 3.4 adapter (``smpplib``): an operator's or aggregator's SMSC.

One adapter instance is one session: it connects and binds on the first send, keeps the
bind for the rest of the sender's run and unbinds in ``close()``. Per message:

1. ``smpplib.gsm.make_parts`` encodes the text: GSM 7-bit when every character allows it,
   otherwise UCS-2 (Chinese); ``HOTLINE_SMS_SMPP_CODING=ucs2`` forces UCS-2 always. A long
   text becomes concatenated parts with a user-data header (UDHI).
2. Each part is one ``submit_sm``; we wait for its ``submit_sm_resp`` (matched by sequence
   number) before the next. The first part's SMSC message id is the message's id.
3. With ``registered_delivery`` the SMSC sends delivery receipts as ``deliver_sm``; any that
   arrive while we are bound (this run or a later one: SMSCs hold receipts for the next
   receiver bind) are remembered and answer ``delivery_status``. Where the SMSC supports
   ``query_sm`` (``HOTLINE_SMS_SMPP_QUERY=1``) it is asked for messages without a receipt.

Errors: connection trouble, timeouts, throttling and a full queue are ``SmsUnavailable``
(retry later); a refused bind is ``SmsUnavailable`` with ``rejected_credentials``; a refused
address or message is ``SmsRejected``. A part that failed after earlier parts went out is
reported as unavailable: the whole message is sent again later (a phone may show the first
parts twice, which is better than a message lost).
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from smpplib import consts, exceptions
from smpplib import gsm as smpp_gsm
from smpplib.client import Client

from hotline.integrations.sms.port import (
    DeliveryReport,
    DeliveryState,
    SmsAccepted,
    SmsRejected,
    SmsUnavailable,
)

# SMSC answers worth another try later; every other error status refuses the message.
_RETRY_STATUSES = {
    consts.SMPP_ESME_RSYSERR,
    consts.SMPP_ESME_RMSGQFUL,
    consts.SMPP_ESME_RTHROTTLED,
    consts.SMPP_ESME_RSUBMITFAIL,
    consts.SMPP_ESME_RX_T_APPN,
    consts.SMPP_ESME_RUNKNOWNERR,
    consts.SMPP_ESME_RINVBNDSTS,
}
# query_sm message_state → ours.
_MESSAGE_STATES = {
    1: DeliveryState.PENDING,  # ENROUTE
    2: DeliveryState.DELIVERED,
    3: DeliveryState.FAILED,  # EXPIRED
    4: DeliveryState.FAILED,  # DELETED
    5: DeliveryState.FAILED,  # UNDELIVERABLE
    6: DeliveryState.PENDING,  # ACCEPTED
    7: DeliveryState.PENDING,  # UNKNOWN
    8: DeliveryState.FAILED,  # REJECTED
}
_RECEIPT_STATES = {
    "DELIVRD": DeliveryState.DELIVERED,
    "EXPIRED": DeliveryState.FAILED,
    "DELETED": DeliveryState.FAILED,
    "UNDELIV": DeliveryState.FAILED,
    "REJECTD": DeliveryState.FAILED,
    "ACCEPTD": DeliveryState.PENDING,
    "ENROUTE": DeliveryState.PENDING,
    "UNKNOWN": DeliveryState.PENDING,
}
_RECEIPT = re.compile(rb"id:(?P<id>\S+).*?stat:(?P<stat>[A-Z]+)", re.DOTALL)


@dataclass(frozen=True)
class SmppConfig:
    host: str
    port: int = 2775
    system_id: str = ""
    password: str = ""
    system_type: str = ""
    source_addr: str = ""
    source_ton: int = consts.SMPP_TON_ALNUM
    source_npi: int = consts.SMPP_NPI_UNK
    dest_ton: int = consts.SMPP_TON_UNK
    dest_npi: int = consts.SMPP_NPI_ISDN
    coding: str = "auto"  # auto (GSM 7-bit when possible, else UCS-2) | ucs2
    receipts: bool = True
    query: bool = False
    timeout_s: float = 10.0
    receipt_wait_ms: int = 300

    @classmethod
    def from_settings(cls, sms: Mapping[str, Any]) -> SmppConfig:
        return cls(
            host=sms.get("SMPP_HOST") or "",
            port=int(sms.get("SMPP_PORT") or 2775),
            system_id=sms.get("SMPP_SYSTEM_ID") or "",
            password=sms.get("SMPP_PASSWORD") or "",
            system_type=sms.get("SMPP_SYSTEM_TYPE") or "",
            source_addr=sms.get("SENDER") or "",
            source_ton=int(sms.get("SMPP_SOURCE_TON", consts.SMPP_TON_ALNUM)),
            source_npi=int(sms.get("SMPP_SOURCE_NPI", consts.SMPP_NPI_UNK)),
            dest_ton=int(sms.get("SMPP_DEST_TON", consts.SMPP_TON_UNK)),
            dest_npi=int(sms.get("SMPP_DEST_NPI", consts.SMPP_NPI_ISDN)),
            coding=(sms.get("SMPP_CODING") or "auto").lower(),
            receipts=bool(sms.get("SMPP_RECEIPTS", True)),
            query=bool(sms.get("SMPP_QUERY", False)),
            timeout_s=float(sms.get("SMPP_TIMEOUT_S") or 10),
            receipt_wait_ms=int(sms.get("SMPP_RECEIPT_WAIT_MS", 300)),
        )


def parse_receipt(short_message: bytes | str | None) -> tuple[str, DeliveryState, str] | None:
    """``id:… stat:DELIVRD …`` (SMPP 3.4 appendix B) → (message id, state, stat)."""
    if not short_message:
        return None
    raw = short_message.encode() if isinstance(short_message, str) else short_message
    match = _RECEIPT.search(raw)
    if not match:
        return None
    stat = match["stat"].decode()
    return match["id"].decode(), _RECEIPT_STATES.get(stat, DeliveryState.PENDING), stat


class SmppSmsGateway:
    name = "smpp"

    def __init__(
        self,
        config: SmppConfig,
        *,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.config = config
        self.supports_delivery_status = config.receipts or config.query
        self._clock = clock
        self._wall_clock = wall_clock
        self._client: Client | None = None
        self._responses: dict[int, Any] = {}
        self.receipts: dict[str, DeliveryReport] = {}
        self._collected = False

    # --- session ----------------------------------------------------------------------------

    def _session(self) -> Client:
        if self._client is not None:
            return self._client
        if not self.config.host:
            raise SmsUnavailable("no SMSC host configured", reason="not_configured")
        client = Client(
            self.config.host,
            self.config.port,
            timeout=self.config.timeout_s,
            allow_unknown_opt_params=True,
            logger_name="hotline.sms.smpp",
        )
        client.set_message_sent_handler(self._on_response)
        client.set_query_resp_handler(self._on_response)
        client.set_error_pdu_handler(self._on_response)
        client.set_message_received_handler(self._on_deliver)
        try:
            client.connect()
            two_way = self.config.receipts or self.config.query
            bind = client.bind_transceiver if two_way else client.bind_transmitter
            bind(
                system_id=self.config.system_id,
                password=self.config.password,
                system_type=self.config.system_type,
            )
        except exceptions.PDUError as exc:
            self._drop(client)
            raise SmsUnavailable(
                f"SMSC refused the bind: {exc}", reason="rejected_credentials"
            ) from exc
        except (exceptions.ConnectionError, OSError) as exc:
            self._drop(client)
            raise SmsUnavailable(f"SMSC unreachable: {exc!r}", reason="unreachable") from exc
        self._client = client
        return client

    @staticmethod
    def _drop(client: Client) -> None:
        with contextlib.suppress(Exception):  # closing a broken socket; nothing left to do
            client.disconnect()

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        with contextlib.suppress(Exception):  # the SMSC may already have gone
            client.unbind()
        self._drop(client)

    def _fail(self, exc: Exception) -> SmsUnavailable:
        """The session is broken: forget it (the next call binds again)."""
        client, self._client = self._client, None
        if client is not None:
            self._drop(client)
        if isinstance(exc, TimeoutError):
            return SmsUnavailable("SMSC did not answer in time", reason="timeout")
        return SmsUnavailable(f"SMSC connection failed: {exc!r}", reason="unreachable")

    # --- handlers (called by smpplib while we read) -----------------------------------------

    def _on_response(self, pdu: Any, **kwargs: Any) -> None:
        self._responses[pdu.sequence] = pdu

    def _on_deliver(self, pdu: Any, **kwargs: Any) -> int:
        if pdu.esm_class is not None and pdu.esm_class & consts.SMPP_MSGTYPE_DELIVERYACK:
            parsed = parse_receipt(pdu.short_message)
            message_id = getattr(pdu, "receipted_message_id", None)
            if isinstance(message_id, bytes):
                message_id = message_id.decode(errors="replace")
            if parsed:
                message_id = message_id or parsed[0]
                state, detail = parsed[1], parsed[2]
            else:
                state, detail = DeliveryState.PENDING, ""
            if message_id:
                self.receipts[message_id] = DeliveryReport(
                    message_id=message_id, state=state, at=self._wall_clock(), detail=detail
                )
        return consts.SMPP_ESME_ROK

    def _await(self, client: Client, sequence: int) -> Any:
        deadline = self._clock() + self.config.timeout_s
        while sequence not in self._responses:
            if self._clock() > deadline:
                raise TimeoutError("no response")
            client.read_once(auto_send_enquire_link=False)
        return self._responses.pop(sequence)

    # --- SmsGateway -------------------------------------------------------------------------

    def _parts(self, text: str) -> tuple[list[bytes], int, int]:
        encoding = (
            consts.SMPP_ENCODING_ISO10646
            if self.config.coding == "ucs2"
            else consts.SMPP_ENCODING_DEFAULT
        )
        return smpp_gsm.make_parts(text, encoding=encoding)

    def send(self, to: str, text: str, *, reference: str) -> SmsAccepted:
        parts, encoding, esm_class = self._parts(text)
        client = self._session()
        ids: list[str] = []
        for index, part in enumerate(parts):
            try:
                pdu = client.send_message(
                    source_addr_ton=self.config.source_ton,
                    source_addr_npi=self.config.source_npi,
                    source_addr=self.config.source_addr,
                    dest_addr_ton=self.config.dest_ton,
                    dest_addr_npi=self.config.dest_npi,
                    destination_addr=to,
                    short_message=part,
                    data_coding=encoding,
                    esm_class=esm_class,
                    registered_delivery=1 if self.config.receipts else 0,
                )
                response = self._await(client, pdu.sequence)
            except (exceptions.ConnectionError, OSError) as exc:
                raise self._fail(exc) from exc
            status = int(response.status or 0)
            if status != consts.SMPP_ESME_ROK:
                description = consts.DESCRIPTIONS.get(status, "unknown error")
                if status in _RETRY_STATUSES or index > 0:
                    raise SmsUnavailable(
                        f"SMSC answered {status:#x} ({description})",
                        reason="throttled"
                        if status == consts.SMPP_ESME_RTHROTTLED
                        else "server_error",
                    )
                raise SmsRejected(f"SMSC refused the message: {status:#x} ({description})")
            message_id = response.message_id
            if isinstance(message_id, bytes):
                message_id = message_id.decode(errors="replace")
            ids.append(str(message_id or ""))
        return SmsAccepted(message_id=ids[0] if ids else "", parts=len(parts))

    def collect_receipts(self) -> None:
        """Read whatever the SMSC has sent us (receipts). The first call of a session gives
        the SMSC up to ``receipt_wait_ms`` to hand over receipts it kept for us."""
        client = self._session()
        deadline = self._clock() + (0 if self._collected else self.config.receipt_wait_ms / 1000)
        self._collected = True
        try:
            while True:
                client.poll(auto_send_enquire_link=False)
                if self.receipts or self._clock() >= deadline:
                    return
                time.sleep(0.02)
        except (exceptions.ConnectionError, OSError) as exc:
            raise self._fail(exc) from exc

    def delivery_status(self, message_id: str) -> DeliveryReport | None:
        if not message_id:
            return None
        if self.config.receipts:
            self.collect_receipts()
            if message_id in self.receipts:
                return self.receipts[message_id]
        if not self.config.query:
            return None
        client = self._session()
        try:
            pdu = client.query_message(
                message_id=message_id,
                source_addr_ton=self.config.source_ton,
                source_addr_npi=self.config.source_npi,
                source_addr=self.config.source_addr,
            )
            response = self._await(client, pdu.sequence)
        except (exceptions.ConnectionError, OSError) as exc:
            raise self._fail(exc) from exc
        if int(response.status or 0) != consts.SMPP_ESME_ROK:
            return None
        state = _MESSAGE_STATES.get(int(response.message_state or 0), DeliveryState.PENDING)
        return DeliveryReport(message_id=message_id, state=state, at=self._wall_clock())
