"""``lstm-tui serve``: the app in a web browser, through textual-serve (an optional extra).

Every browser connection starts its own ``lstm-tui`` process. The server (``lstm_tui/web_server.py``)
answers only requests to its own address that carry the random token of this run, which it prints; it
binds to loopback unless told otherwise (from another machine, reach it with ``ssh -L``).
"""

from __future__ import annotations

import ipaddress
import shlex
import sys

from ..errors import UserError, print_message
from ..limits import MAX_SERVE_SESSIONS, SERVE_SESSIONS

HELP = "serve the app in a web browser (needs the serve extra; loopback only by default)"

INSTALL_HINT = "pip install 'lstm-tui[serve]'"


def add_arguments(parser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1, this machine only)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.add_argument(
        "--max-sessions",
        type=int,
        default=SERVE_SESSIONS,
        metavar="N",
        help=f"app processes running at once, 1 to {MAX_SERVE_SESSIONS} (default: {SERVE_SESSIONS}); "
        "a browser tab is one",
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve anywhere
        return False


def app_command(args) -> str:
    """The shell command textual-serve runs for each connection: this Python, this package, the home app,
    with the top-level display options given to ``serve``."""
    options = [
        option
        for option, wanted in (("--ascii", args.ascii), ("--no-mouse", args.no_mouse), ("--light", args.light))
        if wanted
    ]
    return shlex.join([sys.executable, "-m", "lstm_tui", *options])


def run(args) -> int:
    if not 0 < args.port < 65536:
        raise UserError(f"--port must be between 1 and 65535, not {args.port}")
    if not 1 <= args.max_sessions <= MAX_SERVE_SESSIONS:
        raise UserError(f"--max-sessions must be between 1 and {MAX_SERVE_SESSIONS}, not {args.max_sessions}")
    try:
        from ..web_server import GuardedServer
    except ImportError:
        raise UserError(f"serving in a browser needs textual-serve: {INSTALL_HINT}") from None
    if not is_loopback(args.host):
        print_message(
            f"warning: serving on {args.host}, not loopback: anyone who can reach port {args.port} and "
            "read the address printed below gets the app (the token in it is the only password)"
        )
    server = GuardedServer(app_command(args), args.host, args.port, "lstm-tui", args.max_sessions)
    try:
        server.serve()
    except OSError as error:  # the port is taken, or the address is not this machine's
        raise UserError(f"cannot serve on {args.host}:{args.port}: {error.strerror or error}") from None
    return 0
