"""`image-review serve`: a local page where a seller drops photos into the shot list.

Needs the `serve` extra (Starlette and uvicorn): pip install 'image-review[serve]'.
"""

from __future__ import annotations

import asyncio
import secrets
import socket
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from image_review.policy import Policy
from image_review.views import Profile


@dataclass
class Server:
    """A server ready to run: `run()` blocks until Ctrl-C (or `stop()` from another thread)."""

    address: str  # with the token
    folder: Path
    _server: Any
    _listener: socket.socket

    def run(self, ready: Callable[[], None] | None = None) -> None:
        """Serve until stopped; `ready` is called once the server accepts connections and
        handles Ctrl-C itself (a Ctrl-C before that could land inside the event loop's
        construction, which Python reports with a traceback)."""
        asyncio.run(self._serve(ready))

    async def _serve(self, ready: Callable[[], None] | None) -> None:
        serving = asyncio.ensure_future(self._server.serve(sockets=[self._listener]))
        while not (self._server.started or serving.done()):
            await asyncio.sleep(0.01)
        if ready is not None and not serving.done():
            ready()
        await serving

    def stop(self) -> None:
        self._server.should_exit = True


def local_server(
    folder: Path,
    profile: Profile,
    policy: Policy,
    port: int = 0,
    screen: str = "auto",
    strict: bool = False,
) -> Server:
    """The server of FOLDER, listening on 127.0.0.1 (`port` 0: a free one) with a new token."""
    import uvicorn

    from image_review.serve.app import create_app
    from image_review.serve.live import LiveSubmission

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    bound = listener.getsockname()[1]
    token = secrets.token_urlsafe(24)
    live = LiveSubmission(folder, profile, policy)
    app = create_app(live, token, lambda: bound, screen, strict)
    config = uvicorn.Config(app, log_level="warning", lifespan="off")
    address = f"http://127.0.0.1:{bound}/?token={token}"
    return Server(address, folder, uvicorn.Server(config), listener)


def serve(
    folder: Path,
    profile: Profile,
    policy: Policy,
    port: int = 0,
    open_browser: bool = True,
    screen: str = "auto",
    strict: bool = False,
    announce: Callable[[str], None] = print,
) -> None:
    """Serve FOLDER until Ctrl-C; `announce` is given the address once it listens."""
    server = local_server(folder, profile, policy, port, screen, strict)

    def ready() -> None:
        announce(server.address)
        if open_browser:
            webbrowser.open(server.address)

    server.run(ready)
