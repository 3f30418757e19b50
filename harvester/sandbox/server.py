"""The sandbox on a socket: a Twisted web adapter around :class:`~harvester.sandbox.gateway.Gateway`.

``start_sandbox`` listens inside whatever reactor is running, the crawl's
own asyncio reactor included, and never blocks it: slow answers and stalls
are ``callLater`` calls, cancelled when the client goes away. Calls of a
held API (``hold``) are parked unhandled, so they count nowhere until the
admin call that lifts the hold answers them. Keep-alive HTTP/1.1 is
Twisted's; access logging is off.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from twisted.internet import defer
from twisted.internet.interfaces import IDelayedCall, IListeningPort
from twisted.protocols.policies import WrappingFactory
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request, Site

from . import admin
from .config import SandboxConfig
from .gateway import Gateway
from .wire import STALL, Answer

#: Paths whose raw body the gateway reads (admin calls carry JSON, not a form).
_RAW_BODY_PREFIXES = (admin.PREFIX,)


class _GatewayResource(Resource):
    isLeaf = True

    def __init__(self, gateway: Gateway, reactor: Any):
        super().__init__()
        self._gateway = gateway
        self._reactor = reactor
        self.pending: set[IDelayedCall] = set()
        #: Calls of held APIs (``hold``), in arrival order, with their paths: handled only once released.
        self.held: list[tuple[Request, str]] = []

    def render(self, request: Request) -> bytes | int:
        path = unquote(request.path.decode("utf-8", "replace"))
        if self._gateway.holds(path):
            self.held.append((request, path))
            self._gateway.held_now = len(self.held)
            request.notifyFinish().addBoth(self._unhold, request)
            return NOT_DONE_YET
        answer = self._handle(request, path)
        if path.startswith(admin.PREFIX):
            self._release()  # the configuration may have lifted a hold
        if answer.delay == 0:
            return self._prepare(request, answer)
        self._answer_after_delay(request, answer)
        return NOT_DONE_YET

    def _handle(self, request: Request, path: str) -> Answer:
        params = {
            key.decode("utf-8", "replace"): values[0].decode("utf-8", "replace")
            for key, values in (request.args or {}).items()
            if values
        }
        headers = {
            key.decode("latin-1"): values[0].decode("latin-1")
            for key, values in request.requestHeaders.getAllRawHeaders()
        }
        body = request.content.read() if path.startswith(_RAW_BODY_PREFIXES) and request.content else b""
        method = request.method.decode("ascii")
        if path.startswith(admin.PREFIX):
            return admin.handle(self._gateway, method, path, body, params)
        return self._gateway.handle(method, path, params, headers)

    def _answer_after_delay(self, request: Request, answer: Answer) -> None:
        seconds = self._gateway.config.faults.stall_seconds if answer.delay == STALL else float(answer.delay)
        call = self._reactor.callLater(seconds, self._answer_later, request, answer)
        self.pending.add(call)
        request.notifyFinish().addBoth(self._forget, call)

    def _release(self) -> None:
        """Handle and answer, in arrival order, the held calls whose API is no longer held."""
        released = [entry for entry in self.held if not self._gateway.holds(entry[1])]
        self.held = [entry for entry in self.held if self._gateway.holds(entry[1])]
        self._gateway.held_now = len(self.held)
        for request, path in released:
            answer = self._handle(request, path)
            if answer.delay == 0:
                self._answer_later(request, answer)
            else:
                self._answer_after_delay(request, answer)

    def _unhold(self, result: Any, request: Request) -> None:
        """A held call's client went away (or it was answered): it is no longer held."""
        self.held = [entry for entry in self.held if entry[0] is not request]
        self._gateway.held_now = len(self.held)

    @staticmethod
    def _prepare(request: Request, answer: Answer) -> bytes:
        """Set status and headers; the body to write."""
        request.setResponseCode(answer.status)
        request.setHeader(b"content-type", answer.content_type.encode("ascii"))
        request.setHeader(b"server", b"Tengine")
        for name, value in answer.headers:
            request.setHeader(name.encode("latin-1"), value.encode("latin-1"))
        return answer.body

    def _answer_later(self, request: Request, answer: Answer) -> None:
        body = self._prepare(request, answer)
        request.setHeader(b"content-length", str(len(body)).encode("ascii"))
        request.write(body)
        request.finish()

    def _forget(self, result: Any, call: IDelayedCall) -> None:
        """The request finished or its client left: a pending answer is dropped."""
        self.pending.discard(call)
        if call.active():
            call.cancel()

    def cancel_pending(self) -> None:
        for call in list(self.pending):
            if call.active():
                call.cancel()
        self.pending.clear()
        self.held.clear()
        self._gateway.held_now = 0


class _QuietSite(Site):
    """No access log: Twisted would otherwise format a log line per request, a cost a crawl never asked for."""

    def log(self, request: Request) -> None:
        pass


@dataclass(frozen=True)
class Credentials:
    app_key: str
    app_secret: str
    access_token: str
    refresh_token: str


@dataclass
class RunningSandbox:
    gateway: Gateway
    port: int
    base_url: str
    credentials: Credentials
    _listening: IListeningPort
    #: Wraps the site to know its open connections, so that stopping can close them.
    _connections: WrappingFactory
    _resource: _GatewayResource

    def stop(self) -> defer.Deferred:
        """Stop listening, drop pending answers and close open (keep-alive) connections."""
        self._resource.cancel_pending()
        stopped = defer.maybeDeferred(self._listening.stopListening)
        for connection in list(self._connections.protocols):
            connection.transport.loseConnection()
        return stopped


def start_sandbox(
    config: SandboxConfig, port: int = 0, interface: str = "127.0.0.1", reactor: Any = None
) -> RunningSandbox:
    """Listen on ``interface:port`` (0 = any free port) in ``reactor`` (default: the installed one)."""
    if reactor is None:
        from twisted.internet import reactor as installed

        reactor = installed
    gateway = Gateway(config, clock=reactor.seconds)
    resource = _GatewayResource(gateway, reactor)
    connections = WrappingFactory(_QuietSite(resource))
    listening = reactor.listenTCP(port, connections, interface=interface)
    actual = listening.getHost().port
    host = f"[{interface}]" if ":" in interface else interface
    base_url = f"http://{host}:{actual}"
    gateway.set_base_url(base_url)
    values = gateway.config.credentials()
    return RunningSandbox(
        gateway=gateway,
        port=actual,
        base_url=base_url,
        credentials=Credentials(**values),  # type: ignore[arg-type]
        _listening=listening,
        _connections=connections,
        _resource=resource,
    )
