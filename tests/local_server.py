"""What every local test server shares: a threaded HTTP server on 127.0.0.1 with an
ephemeral port, run in a background thread, used as a context manager."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class QuietServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # slow handlers must not hold up stop()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that time out and hang up are expected in these tests; stay quiet."""


class LocalServer:
    """Subclasses set ``handler`` and ``server_attribute``: the name under which their
    handler finds the LocalServer on ``self.server``."""

    handler: type[BaseHTTPRequestHandler]
    server_attribute: str

    _httpd: QuietServer | None = None
    _thread: threading.Thread | None = None

    def start(self):
        self._httpd = QuietServer(("127.0.0.1", 0), self.handler)
        setattr(self._httpd, self.server_attribute, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError(f"{type(self).__name__} is not running")
        return self._httpd.server_address[1]
