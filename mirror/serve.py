"""Serve rendered mirror sites, each on its own loopback port, from background threads."""
from __future__ import annotations

import functools
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path


class QuietHandler(SimpleHTTPRequestHandler):
    """Static files with Last-Modified and If-Modified-Since (from the standard handler), no access log."""

    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        pass

    def list_directory(self, path):
        """A real site has no directory listings: a folder without index.html is a 404."""
        self.send_error(404, "Not Found")
        return None


class MirrorServer:
    """A running set of static sites; use as a context manager or call close()."""

    def __init__(self):
        self.servers: list[ThreadingHTTPServer] = []

    def add(self, directory: Path, host: str = "127.0.0.1", port: int = 0) -> str:
        handler = functools.partial(QuietHandler, directory=str(directory))
        ThreadingHTTPServer.allow_reuse_address = True
        server = ThreadingHTTPServer((host, port), handler)
        server.daemon_threads = True
        threading.Thread(target=server.serve_forever, daemon=True, name=f"mirror:{port}").start()
        self.servers.append(server)
        return f"http://{host}:{server.server_address[1]}/"

    def close(self) -> None:
        for server in self.servers:
            server.shutdown()
            server.server_close()
        self.servers.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
