"""Real servers on loopback for the channels: an SMTP server (aiosmtpd) and a webhook
receiver (http.server), each in a thread of the test process, with switches to refuse or
hold a delivery so the fault tests can make the outside world misbehave."""

from __future__ import annotations

import email
import email.policy
import json
import socket
import threading
from dataclasses import dataclass, field
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from aiosmtpd.controller import Controller

from backend.alerts.notify import webhook_verify


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class SmtpSink:
    """Accepts mail unless told to refuse (``refuse`` more times) or to hold it."""

    refuse: int = 0
    hold: threading.Event | None = None  # while set-able and unset, DATA waits
    refuse_held: bool = False  # answer 451 to the messages that were held
    accepted: list[EmailMessage] = field(default_factory=list)
    refused: int = 0
    arrived: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        import asyncio

        self.arrived.set()
        if self.hold is not None and not self.hold.is_set():
            # Held until the test lets go; a held message counts as never delivered when
            # ``refuse_held`` (its sender died meanwhile: the connection may be gone).
            while not self.hold.is_set():
                await asyncio.sleep(0.05)
            if self.refuse_held:
                with self.lock:
                    self.refused += 1
                return "451 4.3.0 held message dropped"
        with self.lock:
            if self.refuse > 0:
                self.refuse -= 1
                self.refused += 1
                return "451 4.3.2 try again later"
            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.accepted.append(message)  # type: ignore[arg-type]
        return "250 OK"

    def bodies(self) -> list[str]:
        return [m.get_body(("plain",)).get_content() for m in self.accepted]  # type: ignore[union-attr]


class SmtpServer:
    def __init__(self) -> None:
        self.sink = SmtpSink()
        self.port = free_port()
        self.controller = Controller(self.sink, hostname="127.0.0.1", port=self.port)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.sink.hold is not None:
            self.sink.hold.set()
        self.controller.stop()


@dataclass
class Received:
    body: bytes
    headers: dict[str, str]

    def json(self) -> Any:
        return json.loads(self.body)


class WebhookReceiver:
    """Records every POST; answers 503 while ``refuse`` > 0; checks nothing itself (the
    tests verify the signature the way a real receiver would)."""

    def __init__(self, secret: str) -> None:
        self.secret = secret
        self.received: list[Received] = []
        self.refuse = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                if receiver.refuse > 0:
                    receiver.refuse -= 1
                    self.send_response(503)
                    self.end_headers()
                    return
                receiver.received.append(Received(body, dict(self.headers.items())))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def verified(self) -> list[Any]:
        """The bodies whose signature and timestamp check out, as JSON."""
        return [
            r.json()
            for r in self.received
            if webhook_verify(
                secret=self.secret,
                timestamp=r.headers.get("X-Custos-Timestamp", ""),
                body=r.body,
                signature=r.headers.get("X-Custos-Signature", ""),
            )
        ]
