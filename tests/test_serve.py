"""``lstm-tui serve``: a real server on a free loopback port serves textual-serve's page; options and messages."""

import socket
import subprocess
import sys
import time
import types
import urllib.error
import urllib.request

import pytest

from lstm_tui.cli import main

LOOPBACK = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((LOOPBACK, 0))
        return probe.getsockname()[1]


def fetch_page(url: str, server: subprocess.Popen, seconds: float = 30) -> str:
    """The page at ``url`` once the server answers (bounded: gives up after ``seconds``)."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode("utf-8")
        except (urllib.error.URLError, ConnectionError):
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def test_serve_answers_with_the_textual_serve_page_on_loopback():
    pytest.importorskip("textual_serve")  # the test extra installs it; without it the next test covers the hint
    port = free_port()
    server = subprocess.Popen([sys.executable, "-m", "lstm_tui", "serve", "--port", str(port)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        page = fetch_page(f"http://{LOOPBACK}:{port}/", server)
    finally:
        server.terminate()
        try:
            out, err = server.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            out, err = server.communicate()
    assert "textual-terminal" in page and "textual.js" in page
    assert "lstm-tui" in page  # the title
    assert "warning" not in err  # loopback: no warning


def test_without_textual_serve_one_line_says_how_to_install(monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "textual_serve.server", None)  # makes the import fail
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'lstm-tui[serve]'" in err


class FakeServer:
    """Stands in for textual_serve's Server: records how it was made, serves nothing."""

    made = []

    def __init__(self, command, host, port, title):
        FakeServer.made.append((command, host, port))

    def serve(self):
        pass


@pytest.fixture
def fake_server(monkeypatch):
    FakeServer.made = []
    monkeypatch.setitem(sys.modules, "textual_serve.server", types.SimpleNamespace(Server=FakeServer))
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
    assert "warning" in err and host in err and "no authentication" in err


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
        done = subprocess.run([sys.executable, "-m", "lstm_tui", "serve", "--port", str(port)],
                              capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and f"cannot serve on {LOOPBACK}:{port}" in done.stderr


def test_display_options_reach_the_served_app():
    from lstm_tui.cli import build_parser
    from lstm_tui.commands.serve import app_command

    assert app_command(build_parser().parse_args(["serve"])).endswith("-m lstm_tui")
    command = app_command(build_parser().parse_args(["--ascii", "--no-mouse", "serve"]))
    assert command.endswith("-m lstm_tui --ascii --no-mouse")
