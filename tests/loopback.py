"""A scriptable web server on 127.0.0.1 for crawler tests: routes map a path to a response."""
from __future__ import annotations

import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable


@dataclass
class Response:
    body: bytes | str = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "text/html; charset=utf-8"})


Route = Response | Callable[["BaseHTTPRequestHandler"], Response]


class Handled(Exception):
    """Raised by a route that wrote its answer itself (a slow drip): the server sends nothing more."""


def dripping(stop: threading.Event, every: float = 0.2) -> Route:
    """A route that sends its headers at once, then one byte every `every` seconds until `stop` is set or the
    client goes away: a response that never ends unless the client gives up."""
    import time

    def route(handler):
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.end_headers()
        handler.wfile.write(b"<html><body><main><p>")
        try:
            while not stop.is_set():
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(every)
        except (BrokenPipeError, ConnectionResetError):
            pass
        raise Handled
    return route


class LoopbackSite:
    """Serve `routes` ({path: Response or callable}) on a free port; every request is logged in .requests."""

    def __init__(self, routes: dict[str, Route] | None = None):
        self.routes: dict[str, Route] = dict(routes or {})
        self.requests: list[tuple[str, str, dict]] = []   # (method, path, headers)
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                site.requests.append(("GET", self.path, dict(self.headers)))
                route = site.routes.get(self.path)
                if route is None:
                    resp = Response("<html><body><h1>Niet gevonden</h1></body></html>", 404)
                else:
                    try:
                        resp = route(self) if callable(route) else route
                    except Handled:
                        self.close_connection = True
                        return
                body = resp.body.encode("utf-8") if isinstance(resp.body, str) else resp.body
                self.send_response(resp.status)
                for k, v in resp.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *a):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def paths(self) -> list[str]:
        return [p for _, p, _ in self.requests]

    def close(self):
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='nl'><head><meta charset='utf-8'><title>{title}</title>{head}</head>"
            f"<body><nav><a href='/'>Home</a></nav><main><h1>{title}</h1>{body}</main>"
            f"<footer>Voettekst</footer></body></html>")
