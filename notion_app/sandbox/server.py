"""Run the sandbox as a real HTTP server on a loopback port, in a daemon thread."""

import socket
import threading

from werkzeug.serving import WSGIRequestHandler, make_server

from . import create_sandbox_app


class _QuietHandler(WSGIRequestHandler):
    def log_request(self, *args, **kwargs):
        pass


class SandboxServer:
    """`with SandboxServer() as sandbox:` (then `sandbox.url`), or `.start()` / `.stop()`.

    Port 0 picks a free port.
    """

    def __init__(self, settings: dict | None = None, host: str = "127.0.0.1", port: int = 0,
                 quiet: bool = True):
        self.app = create_sandbox_app(settings)
        self.quiet = quiet
        self.host, self.port = host, port
        self.url: str | None = None
        self._server = None
        self._thread = None

    @property
    def state(self):
        return self.app.extensions["notion_sandbox"]

    def start(self) -> str:
        """Serve; a port already taken raises OSError (Werkzeug's own bind would exit the
        process instead, so the socket is bound here and handed over)."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        listener = socket.create_server((self.host, self.port), family=family)
        try:
            self._server = make_server(self.host, listener.getsockname()[1], self.app,
                                       threaded=True, fd=listener.fileno(),
                                       request_handler=_QuietHandler if self.quiet else None)
        finally:
            listener.close()  # the server holds its own duplicate of the socket
        self.port = self._server.port
        host = f"[{self.host}]" if ":" in self.host else self.host
        self.url = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name="notion-sandbox", daemon=True)
        self._thread.start()
        return self.url

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._thread.join(timeout=5)
            self._server = None

    def __enter__(self) -> "SandboxServer":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
