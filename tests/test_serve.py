"""``lstm-tui serve``: options and messages; a real server on a free loopback port that serves its page
and sessions only to requests with this run's token, from its own host and origin, up to --max-sessions,
with clamped sizes, and ends each app when its connection ends."""

import asyncio
import os
import select
import socket
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from lstm_tui.cli import main

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def test_without_textual_serve_one_line_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # makes the import fail
    monkeypatch.delitem(sys.modules, "lstm_tui.web_server", raising=False)
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'lstm-tui[serve]'" in err


class FakeServer:
    """Stands in for the guarded server: records how it was made, serves nothing."""

    made = []

    def __init__(self, command, host, port, title, max_sessions):
        FakeServer.made.append((command, host, port))

    def serve(self):
        pass


@pytest.fixture
def fake_server(monkeypatch):
    FakeServer.made = []
    monkeypatch.setitem(sys.modules, "lstm_tui.web_server", types.SimpleNamespace(GuardedServer=FakeServer))
    return FakeServer.made


def test_loopback_by_default_and_no_warning(fake_server, capsys):
    assert main(["serve"]) == 0
    [(command, host, port)] = fake_server
    assert host == LOOPBACK and port == 8000 and command.endswith("-m lstm_tui")
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.5", "myhost.example"])
def test_binding_elsewhere_warns_about_no_authentication(fake_server, capsys, host):
    assert main(["serve", "--host", host, "--port", "8123"]) == 0
    err = capsys.readouterr().err
    assert "warning" in err and host in err and "the only password" in err


@pytest.mark.parametrize("host", ["localhost", "127.0.0.2", "::1"])
def test_other_loopback_addresses_do_not_warn(fake_server, capsys, host):
    assert main(["serve", "--host", host]) == 0
    assert capsys.readouterr().err == ""


def test_a_bad_port_is_a_user_error(fake_server, capsys):
    assert main(["serve", "--port", "70000"]) == 2
    assert "--port" in capsys.readouterr().err and not fake_server


def test_a_taken_port_is_a_one_line_error():
    pytest.importorskip("textual_serve")
    with socket.socket() as taken:
        taken.bind((LOOPBACK, 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [sys.executable, "-m", "lstm_tui", "serve", "--port", str(port)], capture_output=True, text=True, timeout=60
        )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"cannot serve on {LOOPBACK}:{port}" in done.stderr


def test_display_options_reach_the_served_app():
    from lstm_tui.cli import build_parser
    from lstm_tui.commands.serve import app_command

    assert app_command(build_parser().parse_args(["serve"])).endswith("-m lstm_tui")
    command = app_command(build_parser().parse_args(["--ascii", "--no-mouse", "serve"]))
    assert command.endswith("-m lstm_tui --ascii --no-mouse")


# --- a real server ------------------------------------------------------------------------------------
class RunningServer:
    def __init__(self, *options: str):
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "lstm_tui", "serve", "--port", str(self.port), *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=dict(os.environ, XDG_DATA_HOME=os.environ.get("XDG_DATA_HOME", "/nonexistent-lstm-tui-data")),
        )
        self.address = self.wait_for_address()
        self.token = parse_qs(urlsplit(self.address).query)["token"][0]
        self.base = f"http://{LOOPBACK}:{self.port}"

    def wait_for_address(self, seconds: float = 60) -> str:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                if "serving on " in line:
                    return line.split("serving on ", 1)[1].strip()
            if self.process.poll() is not None:
                break
        raise AssertionError(f"no address printed: {self.process.stderr.read() if self.process.poll() else ''}")

    def get(self, path: str, **headers) -> tuple[int, dict, str]:
        request = urllib.request.Request(self.base + path, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=20) as response:
                return response.status, dict(response.headers), response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, dict(error.headers), error.read().decode("utf-8")

    def apps(self) -> list[int]:
        """Process ids of the server's children: one app per session."""
        children = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                children.append(int(stat.parent.name))
        return children

    def stop(self) -> str:
        self.process.terminate()
        try:
            _, err = self.process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            _, err = self.process.communicate()
        return err


@pytest.fixture
def serve():
    pytest.importorskip("textual_serve")
    if not Path("/proc/self/stat").exists():
        pytest.skip("reads child processes from /proc")
    servers = []

    def start(*options):
        servers.append(RunningServer(*options))
        return servers[-1]

    yield start
    for server in servers:
        server.stop()


def test_the_page_needs_the_printed_token(serve):
    server = serve()
    assert server.address.startswith(f"http://{LOOPBACK}:{server.port}/?token=") and len(server.token) >= 32
    status, headers, page = server.get(f"/?token={server.token}")
    assert status == 200 and "textual-terminal" in page and "lstm-tui" in page
    assert f'data-session-websocket-url="ws://{LOOPBACK}:{server.port}/ws/{server.token}"' in page
    assert headers["X-Frame-Options"] == "DENY" and "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    for path in ("/", "/?token=", f"/?token={server.token[:-1]}", "/?token=" + "A" * len(server.token)):
        status, _, text = server.get(path)
        assert status == 403 and "textual-terminal" not in text
    status, _, _ = server.get("/static/js/textual.js")  # public assets need no token
    assert status == 200


def test_a_request_for_another_host_is_refused(serve):
    """DNS rebinding: a page on evil.example whose name now points at 127.0.0.1 sends its own Host."""
    server = serve()
    for host in (f"evil.example:{server.port}", "evil.example", "127.0.0.1.evil.example", ""):
        status, _, text = server.get(f"/?token={server.token}", Host=host)
        assert status == 403, host
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", "127.0.0.1:9000"):  # 9000: ssh -L
        status, _, page = server.get(f"/?token={server.token}", Host=host)
        assert status == 200 and f"ws://{host}/ws/" in page


async def connect(server, path: str, origin: str | None = None, **query):
    import aiohttp

    session = aiohttp.ClientSession()
    headers = {} if origin is None else {"Origin": origin}
    try:
        return session, await session.ws_connect(
            f"ws://{LOOPBACK}:{server.port}{path}",
            params=query or None,
            headers=headers,
            timeout=aiohttp.ClientWSTimeout(ws_close=5),
        )
    except BaseException:
        await session.close()
        raise


async def refused(server, path: str, origin: str | None = None) -> int:
    import aiohttp

    with pytest.raises(aiohttp.WSServerHandshakeError) as failure:
        await connect(server, path, origin)
    return failure.value.status


async def first_output(websocket) -> bytes:
    while True:
        message = await asyncio.wait_for(websocket.receive(), 60)
        if message.type.name == "BINARY":
            return message.data
        assert message.type.name == "TEXT", message


def ended(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"  # a zombie has ended
    except OSError:
        return True


async def wait_until(condition, seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            return False
        await asyncio.sleep(0.2)
    return True


async def test_sessions_need_the_token_and_the_servers_own_origin(serve):
    server = serve()
    own = f"http://{LOOPBACK}:{server.port}"
    assert await refused(server, "/ws") == 404  # textual-serve's open /ws is gone
    assert await refused(server, "/ws/not-the-token", own) == 403
    assert await refused(server, f"/ws/{server.token}", "https://evil.example") == 403
    assert await refused(server, f"/ws/{server.token}", f"http://localhost:{server.port + 1}") == 403
    assert await refused(server, f"/ws/{server.token}", "null") == 403
    assert server.apps() == []  # none of these started an app


async def test_a_session_runs_a_clamped_app_that_ends_with_its_connection(serve):
    server = serve("--max-sessions", "1")
    session, websocket = await connect(
        server, f"/ws/{server.token}", f"http://{LOOPBACK}:{server.port}", width="100000", height="-5"
    )
    try:
        assert await first_output(websocket)  # the app drew something
        [app] = server.apps()
        environment = Path(f"/proc/{app}/environ").read_bytes().split(b"\0")
        assert b"COLUMNS=500" in environment and b"ROWS=1" in environment
        assert await refused(server, f"/ws/{server.token}") == 503  # --max-sessions 1
        await websocket.send_json(["resize", {"width": 10**12, "height": "x"}])  # clamped, not fatal
        await websocket.send_str("not json")
        await websocket.send_json(["ping", "still there?"])
        while (message := await asyncio.wait_for(websocket.receive(), 30)).type.name != "TEXT":
            pass
        assert message.json() == ["pong", "still there?"]
    finally:
        await websocket.close()
        await session.close()
    assert await wait_until(lambda: not server.apps()), "the app outlived its connection"
    session, websocket = await connect(server, f"/ws/{server.token}")  # the slot is free again
    try:
        assert await first_output(websocket)
        [app] = server.apps()
        server.stop()  # stopping the server ends its apps too
        assert await wait_until(lambda: ended(app))
    finally:
        await session.close()


async def test_an_app_that_ignores_quit_is_terminated_then_killed(monkeypatch):
    pytest.importorskip("textual_serve")
    from lstm_tui import web_server

    monkeypatch.setattr(web_server, "QUIT_SECONDS", 0.3)
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(60)"
    )

    class StuckService:
        _process = process

        async def stop(self):
            await asyncio.sleep(60)  # textual-serve waits for an app that never answers "quit"

    started = time.monotonic()
    await web_server.end_app(StuckService())
    assert process.returncode is not None and time.monotonic() - started < 5


@pytest.mark.parametrize(
    ("asked", "given"),
    [
        (("80", "24"), (80, 24)),
        (("100000", "100000"), (500, 200)),
        (("-3", "0"), (1, 1)),
        ((None, "x"), (80, 24)),
        ((1e300, float("inf")), (500, 24)),
        ((["1"], {}), (80, 24)),
    ],
)
def test_terminal_sizes_are_clamped(asked, given):
    pytest.importorskip("textual_serve")
    from lstm_tui.web_server import clamp_size

    assert clamp_size(*asked) == given


def test_only_this_servers_own_host_names_are_accepted():
    pytest.importorskip("textual_serve")
    from lstm_tui.web_server import host_is_ours

    for host in ("127.0.0.1:8000", "localhost", "LOCALHOST:1", "[::1]:8000", "192.168.1.5:8000", "myhost:80"):
        assert host_is_ours(host, "myhost"), host
    for host in (
        None,
        "",
        "evil.example",
        "localhost.evil.example",
        "127.0.0.1:99999",
        "a b",
        "x@127.0.0.1",
        '127.0.0.1"><script>',
        "127.0.0.1/x",
    ):
        assert not host_is_ours(host, "myhost"), host
