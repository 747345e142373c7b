"""An MJPEG preview over HTTP, with a small HTML page, served by one thread around a selector.

One thread serves every connection, so a connection costs a socket, never a
thread: a client that connects and sends nothing holds no viewer's place and
is dropped after ``request_timeout``. Only ``/stream`` viewers are capped.
Each viewer gets the newest frame once it has taken the one before, so it
never gets a frame twice or faster than frames are written, and a viewer
that stops reading is dropped once a frame has waited ``send_timeout`` for it.
A viewer that closes its connection is noticed at once (its socket reads as
closed), so its place is free for the next one.
"""

from __future__ import annotations

import html
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2

from ..errors import SinkError
from ..frames import Frame, check_frame, rgb_to_bgr
from ..settings import parse_address
from .base import SinkBase

log = logging.getLogger(__name__)

BOUNDARY = "videotoolsframe"
MAX_CLIENTS = 8
"""``/stream`` viewers at once; more are answered 503 at once."""
REQUEST_TIMEOUT = 5.0
"""Seconds a new connection has to send its request; then it is closed."""
SEND_TIMEOUT = 10.0
"""Seconds one response or one frame may take to reach a viewer; a viewer that does not read is then dropped."""
FRAME_WAIT = 2.0
"""Seconds ``/frame.jpg`` waits for a fresh frame before it answers with the last one (or 503 without one)."""
MAX_CONNECTIONS = 256
"""Open connections of every kind; beyond it the oldest one that has not sent its request is closed."""
MAX_HEAD = 8192
"""Bytes of request line and headers a client may send."""


def _response(status: str, content_type: str, body: bytes = b"", *, length: bool = True,
              extra: str = "") -> bytes:
    head = f"HTTP/1.0 {status}\r\nServer: videotools\r\nContent-Type: {content_type}\r\n"
    if length:
        head += f"Content-Length: {len(body)}\r\n"
    return (head + extra + "Connection: close\r\n\r\n").encode() + body


def _text(status: str, message: str) -> bytes:
    return _response(status, "text/plain; charset=utf-8", f"{message}\n".encode())


@dataclass(eq=False)
class _Conn:
    """One client connection and what the serving thread does with it next.

    ``state``: ``request`` (reading its request), ``stream`` (a ``/stream``
    viewer), ``frame`` (``/frame.jpg`` waiting for a fresh frame) or
    ``reply`` (closed once ``out`` is sent). ``deadline``: when the request
    must be in, the output sent, or the wait for a frame ends (None: no limit).
    """

    sock: socket.socket
    opened: float
    deadline: float | None
    state: str = "request"
    head: bytearray = field(default_factory=bytearray)
    out: bytearray = field(default_factory=bytearray)
    seq: int = 0  # the newest frame sent (stream) or present at the request (frame)
    writing: bool = False  # registered for writability


class MjpegSink(SinkBase):
    """Serve the frames as an MJPEG stream: ``/`` is a page, ``/stream`` the stream, ``/frame.jpg`` one frame.

    Frames are JPEG-encoded only while someone is watching, and each viewer
    gets each frame at most once: the stream never runs faster than the
    frames are written (the pipeline paces files at their own rate). At most
    ``max_clients`` ``/stream`` viewers are served at once; more get a 503.
    Connections that send no request within ``request_timeout`` seconds, and
    viewers that do not take a frame within ``send_timeout`` seconds, are
    closed. ``/frame.jpg`` answers with the next frame written (or the last
    one, if none comes within a short wait). Port 0 picks a free port (see ``.url``).

    Raises
    ------
    SinkError
        If the address cannot be bound (port in use, no such host).
    """

    def __init__(self, address: str | int = "127.0.0.1:8080", *, quality: int = 80,
                 title: str = "videotools", max_clients: int = MAX_CLIENTS,
                 request_timeout: float = REQUEST_TIMEOUT, send_timeout: float = SEND_TIMEOUT) -> None:
        host, port = parse_address(address)
        self.quality, self.title, self.max_clients = quality, title, max_clients
        self.request_timeout, self.send_timeout = request_timeout, send_timeout
        self._lock = threading.Lock()  # guards what write() and the serving thread share: below
        self._jpeg: bytes | None = None
        self._seq = 0
        self._watchers = 0  # stream viewers and /frame.jpg requests waiting: write() encodes while > 0
        self._viewers = 0  # stream viewers
        self._last: Frame | None = None  # the last frame written, encoded when the sink holds it
        self._holding = False
        self._closed = False
        try:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self._listener = socket.create_server((host, port), family=family, backlog=128)
        except OSError as err:
            raise SinkError(f"cannot serve on {host}:{port}: {err.strerror or err}") from err
        self._listener.setblocking(False)
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._sel = selectors.DefaultSelector()
        self._sel.register(self._listener, selectors.EVENT_READ, "accept")
        self._sel.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._conns: dict[socket.socket, _Conn] = {}
        self.host, self.port = host, self._listener.getsockname()[1]
        self.url = f"http://{host if ':' not in host else f'[{host}]'}:{self.port}/"
        self._thread = threading.Thread(target=self._serve, daemon=True, name="videotools-serve")
        self._thread.start()

    def page(self) -> str:
        t = html.escape(self.title)
        return (f"<!doctype html><html><head><meta charset='utf-8'><title>{t}</title>"
                "<style>body{margin:0;background:#111;color:#ddd;font:14px sans-serif;text-align:center}"
                "img{max-width:100vw;max-height:92vh}</style></head>"
                f"<body><p>{t} &mdash; live preview</p><img id='stream' src='/stream' alt='stream'></body></html>")

    @property
    def viewers(self) -> int:
        """``/stream`` viewers connected now."""
        with self._lock:
            return self._viewers

    # -- the pipeline's side -----------------------------------------------------------------
    def write(self, frame: Frame, time: float | None = None) -> None:
        """Publish ``frame`` to the viewers (encoded only while someone watches); the pipeline paces it."""
        check_frame(frame)
        with self._lock:
            watching = self._watchers > 0 or self._jpeg is None
            self._last = None if watching else frame
        if watching:
            self._publish(frame)

    def _publish(self, frame: Frame) -> None:
        ok, buf = cv2.imencode(".jpg", rgb_to_bgr(frame), [cv2.IMWRITE_JPEG_QUALITY, self.quality])
        if not ok:  # pragma: no cover - imencode of a valid frame does not fail
            return
        with self._lock:
            self._jpeg = buf.tobytes()
            self._seq += 1
        self._wake()

    def hold(self, done: Callable[[], bool]) -> None:
        """Keep serving the last frame until ``done()`` (Ctrl-C), saying so once."""
        with self._lock:
            last, self._last, self._holding = self._last, None, True
        if last is not None:  # written while nobody watched: encoded now, so the held frame is the last one
            self._publish(last)
        self._wake()
        log.warning("end of source: still serving the last frame at %s (Ctrl-C to stop)", self.url)
        while not done():
            time.sleep(0.1)

    def close(self) -> None:
        """Stop serving and close every connection."""
        with self._lock:
            if self._closed:
                return
            self._closed = True
        self._wake()
        self._thread.join(10)

    def _wake(self) -> None:
        try:
            self._wake_w.send(b"\0")
        except OSError:  # a wake-up is already pending (buffer full), or the sink is closed
            pass

    # -- the serving thread ------------------------------------------------------------------
    def _serve(self) -> None:
        try:
            while not self._closed:
                for key, events in self._sel.select(self._timeout()):
                    if key.data == "accept":
                        self._accept()
                    elif key.data == "wake":
                        self._drain_wake()
                    elif key.fileobj in self._conns:
                        conn = self._conns[key.fileobj]
                        if events & selectors.EVENT_READ:
                            self._read(conn)
                        if events & selectors.EVENT_WRITE and conn.sock in self._conns:
                            self._send(conn)
                self._feed()
                self._expire()
        except Exception:  # pragma: no cover - a bug here must not pass silently, nor kill the run
            log.exception("the preview server stopped")
        finally:
            for conn in list(self._conns.values()):
                self._drop(conn)
            self._sel.close()
            for s in (self._listener, self._wake_r, self._wake_w):
                s.close()

    def _timeout(self) -> float:
        deadlines = [c.deadline for c in self._conns.values() if c.deadline is not None]
        return min(0.5, max(0.0, min(deadlines) - time.monotonic())) if deadlines else 0.5

    def _drain_wake(self) -> None:
        try:
            while self._wake_r.recv(4096):
                pass
        except OSError:
            pass

    def _accept(self) -> None:
        while True:
            try:
                sock, _ = self._listener.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as err:  # out of file descriptors, a connection reset before it was taken
                log.debug("accept failed: %s", err)
                return
            sock.setblocking(False)
            now = time.monotonic()
            if len(self._conns) >= MAX_CONNECTIONS:
                waiting = [c for c in self._conns.values() if c.state == "request"]
                if not waiting:
                    sock.close()
                    continue
                self._drop(min(waiting, key=lambda c: c.opened))
            conn = _Conn(sock, now, now + self.request_timeout)
            self._conns[sock] = conn
            self._sel.register(sock, selectors.EVENT_READ, None)

    def _read(self, conn: _Conn) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._drop(conn)
            return
        if not data:  # the client left (or closed its side): its place is free at once
            self._drop(conn)
            return
        if conn.state != "request":
            return  # anything sent after the request is ignored
        conn.head += data
        end = conn.head.find(b"\r\n\r\n")
        end = end if end >= 0 else conn.head.find(b"\n\n")
        if end >= 0:
            self._route(conn, bytes(conn.head[:end]))
        elif len(conn.head) > MAX_HEAD:
            self._reply(conn, _text("431 Request Header Fields Too Large", "request too large"))

    def _route(self, conn: _Conn, head: bytes) -> None:
        words = head.split(b"\n", 1)[0].decode("latin-1").split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self._reply(conn, _text("400 Bad Request", "bad request"))
            return
        method, target = words[0], words[1]
        path = target.split("?", 1)[0]
        if method != "GET":
            self._reply(conn, _text("501 Not Implemented", f"{method} is not served here, only GET"))
        elif path in ("/", "/index.html"):
            self._reply(conn, _response("200 OK", "text/html; charset=utf-8", self.page().encode()))
        elif path == "/stream":
            self._start_stream(conn)
        elif path == "/frame.jpg":
            with self._lock:
                conn.seq = self._seq
            conn.state, conn.deadline = "frame", time.monotonic() + FRAME_WAIT
            self._count_watchers()
        else:
            self._reply(conn, _text("404 Not Found", f"no such page: {path}"))

    def _start_stream(self, conn: _Conn) -> None:
        if self._stream_count() >= self.max_clients:
            self._reap_streams()  # viewers that left but whose close is not yet read
        if self._stream_count() >= self.max_clients:
            self._reply(conn, _text("503 Service Unavailable", f"too many viewers (at most {self.max_clients} "
                                                               f"at once)"))
            return
        conn.state = "stream"
        conn.out += _response("200 OK", f"multipart/x-mixed-replace; boundary={BOUNDARY}", length=False,
                              extra="Cache-Control: no-cache\r\n")
        conn.deadline = time.monotonic() + self.send_timeout
        self._count_watchers()
        self._send(conn)

    def _stream_count(self) -> int:
        return sum(1 for c in self._conns.values() if c.state == "stream")

    def _reap_streams(self) -> None:
        for conn in [c for c in self._conns.values() if c.state == "stream"]:
            try:
                if conn.sock.recv(1, socket.MSG_PEEK) == b"":
                    self._drop(conn)
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:
                self._drop(conn)

    def _count_watchers(self) -> None:
        streams = self._stream_count()
        waiting = sum(1 for c in self._conns.values() if c.state == "frame")
        with self._lock:
            self._watchers, self._viewers = streams + waiting, streams

    def _reply(self, conn: _Conn, data: bytes) -> None:
        """Send ``data`` and close."""
        conn.state, conn.out = "reply", bytearray(data)
        conn.deadline = time.monotonic() + self.send_timeout
        self._count_watchers()
        self._send(conn)

    def _send(self, conn: _Conn) -> None:
        try:
            while conn.out:
                n = conn.sock.send(conn.out)
                del conn.out[:n]
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            self._drop(conn)
            return
        if conn.out:
            self._want_write(conn, True)
            return
        self._want_write(conn, False)
        if conn.state == "reply":
            self._drop(conn)
        elif conn.state == "stream":
            conn.deadline = None  # sent: wait for the next frame, for as long as it takes
            self._feed_one(conn)

    def _want_write(self, conn: _Conn, on: bool) -> None:
        if conn.writing != on:
            events = selectors.EVENT_READ | (selectors.EVENT_WRITE if on else 0)
            self._sel.modify(conn.sock, events, None)
            conn.writing = on

    def _feed(self) -> None:
        """Hand the newest frame to each viewer that took the one before; answer waiting ``/frame.jpg``."""
        with self._lock:
            seq, jpeg, holding = self._seq, self._jpeg, self._holding
        for conn in list(self._conns.values()):
            if conn.state == "stream" and not conn.out:
                self._feed_one(conn)
            elif conn.state == "frame" and jpeg is not None and (seq > conn.seq or holding):
                self._reply(conn, _response("200 OK", "image/jpeg", jpeg))

    def _feed_one(self, conn: _Conn) -> None:
        with self._lock:
            seq, jpeg = self._seq, self._jpeg
        if jpeg is None or seq <= conn.seq:
            return
        conn.seq = seq
        conn.out += (f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: {len(jpeg)}\r\n\r\n"
                     ).encode() + jpeg + b"\r\n"
        conn.deadline = time.monotonic() + self.send_timeout
        self._send(conn)

    def _expire(self) -> None:
        now = time.monotonic()
        for conn in [c for c in self._conns.values() if c.deadline is not None and c.deadline <= now]:
            if conn.state == "frame":  # no fresh frame came: the last one, if any
                with self._lock:
                    jpeg = self._jpeg
                self._reply(conn, _response("200 OK", "image/jpeg", jpeg) if jpeg is not None
                            else _text("503 Service Unavailable", "no frame yet"))
            else:
                log.debug("dropped a %s connection: %s", conn.state,
                          "no request" if conn.state == "request" else "it does not read")
                self._drop(conn)

    def _drop(self, conn: _Conn) -> None:
        if self._conns.pop(conn.sock, None) is None:
            return
        try:
            self._sel.unregister(conn.sock)
        except (KeyError, ValueError):
            pass
        conn.sock.close()
        if conn.state in ("stream", "frame"):
            self._count_watchers()
