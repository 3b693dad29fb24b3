"""textual-serve's server, guarded: only its own page may start an app, and only a bounded number of them.

textual-serve (1.1.3) answers any request: a web page in the user's own browser could open a WebSocket to
the local server and drive the app (type, open lessons, change saved progress), and a DNS-rebinding page
could read it. Here every request must name this server as its host (an IP address, ``localhost`` or the
bound name: a rebinding page's own domain is refused); the page and the WebSocket also need the random
token of this run, which only the printed address holds, and a WebSocket whose ``Origin`` is another site
is refused. At most ``max_sessions`` apps run at once, the terminal size a client asks for is clamped, and
each app process ends when its connection does (asked to quit, then terminated, then killed).

Only the CLI's ``serve`` command imports this module (it needs the serve extra).
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import json
import secrets
import signal
from urllib.parse import urlsplit

import aiohttp_jinja2
import jinja2
from aiohttp import WSMsgType, web
from textual_serve.app_service import AppService
from textual_serve.server import Server

from .display import shown
from .limits import MAX_SERVE_COLUMNS, MAX_SERVE_ROWS

QUIT_SECONDS = 3.0  # an app asked to quit gets this long before it is terminated, then as long again before a kill
MAX_MESSAGE_BYTES = 1 << 20  # one WebSocket message from the browser: a paste of up to a megabyte
LOOPBACK_NAMES = ("localhost",)


def clamp_size(width: object, height: object) -> tuple[int, int]:
    """A terminal size a client asked for, as whole cells within [1, MAX_SERVE_COLUMNS] × [1, MAX_SERVE_ROWS]
    (anything that is not a number counts as 80 × 24)."""

    def whole(value: object, default: int, largest: int) -> int:
        try:
            number = int(value)  # type: ignore[arg-type]
        except (TypeError, ValueError, OverflowError):
            number = default
        return min(max(number, 1), largest)

    return whole(width, 80, MAX_SERVE_COLUMNS), whole(height, 24, MAX_SERVE_ROWS)


def host_is_ours(host_header: str | None, bound_host: str) -> bool:
    """Whether a ``Host`` header names this server: an IP address (any: the server may be reached through
    ``ssh -L`` on another port, or on a LAN address when bound there), ``localhost`` or the bound name. A
    DNS-rebinding page sends its own domain name, which is none of these."""
    hostname = parsed_host(host_header)
    if hostname is None:
        return False
    if hostname in LOOPBACK_NAMES or hostname == bound_host.lower():
        return True
    try:
        ipaddress.ip_address(hostname)
    except ValueError:
        return False
    return True


def parsed_host(host_header: str | None) -> str | None:
    """The host name of a ``Host`` header in lower case (brackets of an IPv6 address removed), or None when
    it is missing or not a plain ``host[:port]``."""
    if not host_header or any(char in host_header for char in "/?#@\\\"'<> "):
        return None
    try:
        parts = urlsplit(f"//{host_header}")
        hostname, _ = parts.hostname, parts.port  # .port raises ValueError for a bad port
    except ValueError:
        return None
    return hostname or None


class GuardedServer(Server):
    """textual-serve's ``Server`` with a token, host and origin checks, a session cap and size clamps."""

    def __init__(self, command: str, host: str, port: int, title: str, max_sessions: int):
        # exec: the shell textual-serve starts becomes the app, so ending the process ends the app
        super().__init__(command=f"exec {command}", host=host, port=port, title=title)
        self.token = secrets.token_urlsafe(24)
        self.max_sessions = max_sessions
        self.sessions: set[AppService] = set()

    @property
    def address(self) -> str:
        """The address to open: the only way to the app (the token is not stored anywhere else)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/?token={self.token}"

    async def _make_app(self) -> web.Application:
        app = web.Application(middlewares=[self.guard], client_max_size=MAX_MESSAGE_BYTES)
        aiohttp_jinja2.setup(app, loader=jinja2.FileSystemLoader(self.templates_path))
        app.add_routes(
            [
                web.get("/", self.handle_index),
                web.get("/ws/{token}", self.handle_websocket),
                web.static("/static", self.statics_path),
            ]
        )
        app.on_shutdown.append(self.on_shutdown)
        return app

    @web.middleware
    async def guard(self, request: web.Request, handler):
        if not host_is_ours(request.headers.get("Host"), self.host):
            return web.Response(status=403, text="lstm-tui: this server answers only to its own address\n")
        response = await handler(request)
        if not isinstance(response, web.WebSocketResponse):
            # no other site may frame the page (a click on it would reach the app)
            response.headers["X-Frame-Options"] = "DENY"
            response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
            response.headers["Referrer-Policy"] = "no-referrer"  # the page's address holds the token
            response.headers["Cache-Control"] = "no-store"
        return response

    def has_token(self, given: str | None) -> bool:
        return given is not None and secrets.compare_digest(given.encode(), self.token.encode())

    def serve(self, debug: bool = False) -> None:
        """Run until Ctrl-C or SIGTERM, saying where once the server listens (textual-serve says it before)."""
        self.initialize_logging()
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        for signum in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):  # Windows: Ctrl-C still raises KeyboardInterrupt
                loop.add_signal_handler(signum, self.request_exit)
        web.run_app(
            self._make_app(),
            host=self.host,
            port=self.port,
            handle_signals=False,
            loop=loop,
            print=lambda _: self.announce(),
        )

    def announce(self) -> None:
        print(f"lstm-tui: serving on {shown(self.address)}", flush=True)  # --host is the user's text
        print(f"lstm-tui: at most {self.max_sessions} sessions at once; Ctrl-C stops the server", flush=True)

    async def on_shutdown(self, app: web.Application) -> None:
        await asyncio.gather(*(end_app(service) for service in list(self.sessions)))

    async def handle_index(self, request: web.Request) -> web.Response:
        if not self.has_token(request.query.get("token")):
            return web.Response(
                status=403,
                text="lstm-tui: open the address that `lstm-tui serve` printed (it holds this run's token)\n",
            )
        # Addresses on the page follow the one the browser used (e.g. another port through ssh -L); the
        # guard has checked that host, so it holds no characters that could break out of the page.
        base = f"{request.scheme}://{request.host}"
        websocket = "ws" + base.removeprefix("http") + f"/ws/{self.token}"
        context = {
            "font_size": 16,
            "app_websocket_url": websocket,
            "config": {"static": {"url": f"{base}/static/"}},
            "application": {"name": self.title},
        }
        return aiohttp_jinja2.render_template("app_index.html", request, context)

    async def handle_websocket(self, request: web.Request) -> web.StreamResponse:
        if not self.has_token(request.match_info.get("token")):
            return web.Response(status=403, text="lstm-tui: no such session address\n")
        origin = request.headers.get("Origin")
        if origin is not None and not same_origin(origin, request):
            return web.Response(status=403, text="lstm-tui: a page from another site may not open a session\n")
        if len(self.sessions) >= self.max_sessions:
            return web.Response(
                status=503,
                text=f"lstm-tui: {self.max_sessions} sessions are open, the most this server runs (--max-sessions)\n",
            )
        width, height = clamp_size(request.query.get("width"), request.query.get("height"))
        websocket = web.WebSocketResponse(heartbeat=15, max_msg_size=MAX_MESSAGE_BYTES)
        await websocket.prepare(request)
        service = AppService(
            self.command,
            write_bytes=websocket.send_bytes,
            write_str=websocket.send_str,
            close=websocket.close,
            download_manager=self.download_manager,
        )
        self.sessions.add(service)
        try:
            await service.start(width, height)
            await relay_messages(websocket, service)
        except (asyncio.CancelledError, ConnectionError):
            pass
        finally:
            self.sessions.discard(service)
            await end_app(service)
            await websocket.close()
        return websocket


def same_origin(origin: str, request: web.Request) -> bool:
    """Whether a browser's ``Origin`` is the page this server sent: same host and port as the request."""
    parts = urlsplit(origin)
    return parts.scheme in ("http", "https") and parts.netloc.lower() == request.host.lower()


async def relay_messages(websocket: web.WebSocketResponse, service: AppService) -> None:
    """The browser's messages to the app: keys, sizes (clamped), focus; anything malformed is dropped."""
    async for message in websocket:
        if message.type != WSMsgType.TEXT:
            continue
        try:
            kind, data = json.loads(message.data)
        except (ValueError, TypeError):
            continue
        if kind == "stdin" and isinstance(data, str):
            await service.send_bytes(data.encode("utf-8", "replace"))
        elif kind == "resize" and isinstance(data, dict):
            await service.set_terminal_size(*clamp_size(data.get("width"), data.get("height")))
        elif kind == "ping":
            await websocket.send_json(["pong", data])
        elif kind in ("blur", "focus"):
            await getattr(service, kind)()


async def end_app(service: AppService) -> None:
    """End a session's app process for certain: ask it to quit, then terminate it, then kill it."""
    process = service._process  # textual-serve keeps it there; it has no public way to end a stuck app
    with contextlib.suppress(asyncio.TimeoutError, ConnectionError, RuntimeError):
        await asyncio.wait_for(service.stop(), QUIT_SECONDS)
    if process is None or process.returncode is not None:
        return
    for end in (process.terminate, process.kill):
        try:
            end()
            await asyncio.wait_for(process.wait(), QUIT_SECONDS)
            return
        except ProcessLookupError:
            return
        except asyncio.TimeoutError:
            continue
