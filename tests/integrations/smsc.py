"""A small SMSC for tests: a real SMPP 3.4 server on a loopback TCP port.

It answers bind_transceiver/bind_transmitter (checking system id and password),
submit_sm (recording each part, answering with a message id), query_sm, enquire_link and
unbind, and sends a delivery receipt (deliver_sm) for each message that asked for one,
either at once or when the client next binds (as SMSCs keep receipts for the next bind).
PDUs are built and parsed with smpplib, the same library the adapter uses.
"""

from __future__ import annotations

import itertools
import socket
import socketserver
import struct
import threading
from dataclasses import dataclass, field

from smpplib import consts, smpp


class _Sequencer:
    def __init__(self) -> None:
        self._numbers = itertools.count(1)
        self.sequence = 0

    def next_sequence(self) -> int:
        self.sequence = next(self._numbers)
        return self.sequence


@dataclass
class Submitted:
    message_id: str
    destination: str
    source: str
    data_coding: int
    esm_class: int
    registered_delivery: int
    short_message: bytes


@dataclass
class SmscState:
    system_id: str = "hotline"
    password: str = "secret"
    submitted: list[Submitted] = field(default_factory=list)
    # Status to answer the next submit_sm with (0 = accept); popped per submit.
    submit_statuses: list[int] = field(default_factory=list)
    receipt_stat: str = "DELIVRD"
    # "now": send receipts right after submit_sm_resp; "next_bind": keep them for the next bind.
    receipts: str = "next_bind"
    held_receipts: list[Submitted] = field(default_factory=list)
    binds: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def texts(self) -> list[str]:
        """Every whole message received, its parts joined by their UDH (ref, total, seq)."""
        done: list[str] = []
        pending: dict[int, dict[int, str]] = {}
        for part in self.submitted:
            payload = part.short_message
            codec = "utf-16-be" if part.data_coding == consts.SMPP_ENCODING_ISO10646 else "ascii"
            if not part.esm_class & consts.SMPP_GSMFEAT_UDHI:
                done.append(payload.decode(codec))
                continue
            header, body = payload[: payload[0] + 1], payload[payload[0] + 1 :]
            ref, total, seq = header[3], header[4], header[5]
            pending.setdefault(ref, {})[seq] = body.decode(codec)
            if len(pending[ref]) == total:
                parts = pending.pop(ref)
                done.append("".join(parts[n] for n in range(1, total + 1)))
        return done


def _read_pdu(sock: socket.socket) -> bytes | None:
    head = b""
    while len(head) < 4:
        chunk = sock.recv(4 - len(head))
        if not chunk:
            return None
        head += chunk
    (length,) = struct.unpack(">L", head)
    body = b""
    while len(body) < length - 4:
        chunk = sock.recv(length - 4 - len(body))
        if not chunk:
            return None
        body += chunk
    return head + body


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        state = self.server.state
        seq = _Sequencer()
        message_numbers = self.server.message_numbers
        sock = self.request
        bound = False

        def send(pdu) -> None:
            sock.sendall(pdu.generate())

        def receipt(item: Submitted) -> None:
            text = (
                f"id:{item.message_id} sub:001 dlvrd:001 submit date:2501011200 "
                f"done date:2501011201 stat:{state.receipt_stat} err:000 text:"
            ).encode()
            pdu = smpp.make_pdu(
                "deliver_sm",
                client=seq,
                source_addr=item.destination,
                destination_addr=item.source,
                esm_class=consts.SMPP_MSGTYPE_DELIVERYACK,
                short_message=text,
            )
            send(pdu)

        while True:
            raw = _read_pdu(sock)
            if raw is None:
                return
            pdu = smpp.parse_pdu(raw, client=seq, allow_unknown_opt_params=True)
            command = pdu.command
            if command in ("bind_transceiver", "bind_transmitter"):
                ok = (
                    pdu.system_id.decode() == state.system_id
                    and pdu.password.decode() == state.password
                )
                resp = smpp.make_pdu(
                    command + "_resp",
                    client=seq,
                    status=consts.SMPP_ESME_ROK if ok else consts.SMPP_ESME_RINVPASWD,
                    system_id="test-smsc",
                )
                resp.sequence = pdu.sequence
                send(resp)
                if not ok:
                    return
                bound = True
                with state.lock:
                    state.binds += 1
                    held, state.held_receipts = state.held_receipts, []
                if command == "bind_transceiver":
                    for item in held:
                        receipt(item)
                elif held:
                    with state.lock:
                        state.held_receipts.extend(held)
            elif command == "submit_sm" and bound:
                with state.lock:
                    status = state.submit_statuses.pop(0) if state.submit_statuses else 0
                    number = next(message_numbers)
                resp = smpp.make_pdu(
                    "submit_sm_resp",
                    client=seq,
                    status=status,
                    message_id=f"m{number}" if status == 0 else "",
                )
                resp.sequence = pdu.sequence
                send(resp)
                if status:
                    continue
                item = Submitted(
                    message_id=f"m{number}",
                    destination=pdu.destination_addr.decode(),
                    source=(pdu.source_addr or b"").decode(),
                    data_coding=pdu.data_coding or 0,
                    esm_class=pdu.esm_class or 0,
                    registered_delivery=pdu.registered_delivery or 0,
                    short_message=pdu.short_message,
                )
                with state.lock:
                    state.submitted.append(item)
                if item.registered_delivery:
                    if state.receipts == "now":
                        receipt(item)
                    else:
                        with state.lock:
                            state.held_receipts.append(item)
            elif command == "query_sm":
                resp = smpp.make_pdu(
                    "query_sm_resp",
                    client=seq,
                    message_id=pdu.message_id.decode(),
                    final_date="",
                    message_state=2,
                    error_code=0,
                )
                resp.sequence = pdu.sequence
                send(resp)
            elif command == "enquire_link":
                resp = smpp.make_pdu("enquire_link_resp", client=seq)
                resp.sequence = pdu.sequence
                send(resp)
            elif command == "unbind":
                resp = smpp.make_pdu("unbind_resp", client=seq)
                resp.sequence = pdu.sequence
                send(resp)
                return
            # deliver_sm_resp and anything else: nothing to answer.


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, state: SmscState, port: int = 0) -> None:
        self.state = state
        self.message_numbers = itertools.count(len(state.submitted) + 1)
        super().__init__(("127.0.0.1", port), _Handler)


class TestSmsc:
    """``with TestSmsc() as smsc:`` → ``smsc.port``, ``smsc.state``; ``smsc.stop()`` takes
    it down (the port then refuses connections) and ``smsc.start()`` brings it back."""

    __test__ = False

    def __init__(self, state: SmscState | None = None) -> None:
        self.state = state or SmscState()
        self.port = 0
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> TestSmsc:
        server = _Server(self.state, self.port)  # the same port again after a stop
        self._server = server
        self.port = server.server_address[1]
        self._thread = threading.Thread(target=server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> TestSmsc:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
