"""An MJPEG preview over HTTP, with a small HTML page, on the standard library's server."""

from __future__ import annotations

import html
import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import cv2

from ..errors import ParameterError, SinkError
from ..frames import Frame, check_frame, rgb_to_bgr
from .base import SinkBase

log = logging.getLogger(__name__)

BOUNDARY = "videotoolsframe"
MAX_CLIENTS = 8
"""Connections served at once; more are answered 503 at once, so viewers cannot pile up threads."""


class _CappedServer(ThreadingHTTPServer):
    """A threading HTTP server with at most ``cap`` connections (one thread each) at a time."""

    daemon_threads = True

    def __init__(self, address: tuple[str, int], handler: Any, cap: int) -> None:
        super().__init__(address, handler)
        self.cap = cap
        self._slots = threading.BoundedSemaphore(cap)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            body = f"too many viewers (at most {self.cap} at once)\n".encode()
            head = (f"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
                    f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n").encode()
            try:
                request.sendall(head + body)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        super().process_request(request, client_address)

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


def parse_address(spec: str | int) -> tuple[str, int]:
    """``"8080"`` or ``"0.0.0.0:8080"`` -> ``(host, port)``; the host defaults to 127.0.0.1."""
    s = str(spec)
    host, _, port = s.rpartition(":")
    host = host.strip("[]") or "127.0.0.1"
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise ParameterError(f"--serve takes [HOST:]PORT with PORT in 0..65535, got {spec!r}")
    return host, int(port)


class MjpegSink(SinkBase):
    """Serve the frames as an MJPEG stream: ``/`` is a page, ``/stream`` the stream, ``/frame.jpg`` one frame.

    Frames are JPEG-encoded only while someone is watching, and each viewer
    gets each frame once: the stream never runs faster than the frames are
    written (the pipeline paces files at their own rate). At most
    ``max_clients`` connections are served at once; more get a 503. Port 0
    picks a free port (see ``.url``).

    Raises
    ------
    SinkError
        If the address cannot be bound (port in use, no such host).
    """

    def __init__(self, address: str | int = "127.0.0.1:8080", *, quality: int = 80,
                 title: str = "videotools", max_clients: int = MAX_CLIENTS) -> None:
        host, port = parse_address(address)
        self.quality, self.title = quality, title
        self._cond = threading.Condition()
        self._jpeg: bytes | None = None
        self._seq = 0
        self._clients = 0
        self._closed = False
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, fmt, *args):  # keep the terminal clean
                log.debug(fmt, *args)

            def do_GET(self):  # noqa: N802 - the stdlib's name
                path = self.path.split("?", 1)[0]
                if path in ("/", "/index.html"):
                    body = sink.page().encode()
                    self.send_response(200)
                    self.send_header("Content-Type", "text/html; charset=utf-8")
                    self.send_header("Content-Length", str(len(body)))
                    self.end_headers()
                    self.wfile.write(body)
                elif path == "/stream":
                    sink.stream_to(self)
                elif path == "/frame.jpg":
                    jpeg = sink.wait_frame(0, timeout=5.0)[0]
                    if jpeg is None:
                        self.send_error(503, "no frame yet")
                        return
                    self.send_response(200)
                    self.send_header("Content-Type", "image/jpeg")
                    self.send_header("Content-Length", str(len(jpeg)))
                    self.end_headers()
                    self.wfile.write(jpeg)
                else:
                    self.send_error(404)

        try:
            self._server = _CappedServer((host, port), Handler, max_clients)
        except OSError as err:
            raise SinkError(f"cannot serve on {host}:{port}: {err.strerror or err}") from err
        self._server.daemon_threads = True
        self.host, self.port = host, self._server.server_address[1]
        self.url = f"http://{host if ':' not in host else f'[{host}]'}:{self.port}/"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="videotools-serve")
        self._thread.start()

    def page(self) -> str:
        t = html.escape(self.title)
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>{t}</title>"
                "<style>body{margin:0;background:#111;color:#ddd;font:14px sans-serif;text-align:center}"
                "img{max-width:100vw;max-height:92vh}</style></head>"
                f"<body><p>{t} &mdash; live preview</p><img id='stream' src='/stream' alt='stream'></body></html>")

    def wait_frame(self, after: int, timeout: float = 1.0) -> tuple[bytes | None, int]:
        """Block until a frame newer than sequence number ``after`` exists (or timeout).

        While a caller waits it counts as a viewer, so ``write`` encodes frames.
        """
        with self._cond:
            self._clients += 1
            try:
                self._cond.wait_for(lambda: self._seq > after or self._closed, timeout)
            finally:
                self._clients -= 1
            return self._jpeg, self._seq

    def stream_to(self, handler: BaseHTTPRequestHandler) -> None:
        """Write frames to one viewer as multipart/x-mixed-replace until it leaves or we close."""
        handler.send_response(200)
        handler.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        handler.send_header("Cache-Control", "no-cache")
        handler.end_headers()
        seq = 0
        try:
            while not self._closed:
                jpeg, new = self.wait_frame(seq, timeout=1.0)
                if jpeg is None or new == seq:
                    continue
                seq = new
                handler.wfile.write(f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                                    f"Content-Length: {len(jpeg)}\r\n\r\n".encode())
                handler.wfile.write(jpeg)
                handler.wfile.write(b"\r\n")
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass

    def write(self, frame: Frame, time: float | None = None) -> None:
        """Publish ``frame`` to the viewers (encoded only while someone watches); the pipeline paces it."""
        check_frame(frame)
        with self._cond:
            watching = self._clients > 0 or self._jpeg is None
        if not watching:
            return
        ok, buf = cv2.imencode(".jpg", rgb_to_bgr(frame), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:  # pragma: no cover - imencode of a valid frame does not fail
            return
        with self._cond:
            self._jpeg = buf.tobytes()
            self._seq += 1
            self._cond.notify_all()

    def hold(self, done: Callable[[], bool]) -> None:
        """Keep serving the last frame until ``done()`` (Ctrl-C), saying so once."""
        log.warning("end of source: still serving the last frame at %s (Ctrl-C to stop)", self.url)
        while not done():
            time.sleep(0.1)

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        self._server.shutdown()
        self._server.server_close()
