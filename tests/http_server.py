"""A local HTTP file server for the download tests, whose responses can be cut or stalled."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager


class ScriptedServer:
    """HTTP server on 127.0.0.1 serving in-memory files and recording the requested paths.

    ``files[path]`` is the body served for ``path`` (404 when absent). ``plans[path]`` is a list
    consumed one entry per request: ``"cut"`` sends half the body and closes the connection,
    ``"stall"`` sends half and waits for :attr:`release`; requests beyond the list get the whole
    file after :attr:`delay_s`.
    """

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        self.plans: dict[str, list[str]] = {}
        self.requests: list[str] = []
        self.delay_s = 0.0
        self.stalled = threading.Event()
        self.release = threading.Event()
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server.requests.append(self.path)
                body = server.files.get(self.path)
                if body is None:
                    self.send_error(404)
                    return
                plan = server.plans.get(self.path, [])
                step = plan.pop(0) if plan else "full"
                time.sleep(server.delay_s)
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if step == "full":
                    self.wfile.write(body)
                    return
                self.wfile.write(body[: len(body) // 2])
                self.wfile.flush()
                if step == "stall":
                    server.stalled.set()
                    server.release.wait(60)
                self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def url(self, path: str) -> str:
        """The URL of ``path`` on this server."""
        return f"http://127.0.0.1:{self.httpd.server_port}{path}"


@contextmanager
def serving() -> Iterator[ScriptedServer]:
    """A running :class:`ScriptedServer`, shut down (and any stalled response released) on exit."""
    server = ScriptedServer()
    server.thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()
