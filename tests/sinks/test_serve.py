import contextlib
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.request

import cv2
import numpy as np
import pytest

import videotools as vt
from videotools.sinks.serve import MAX_CLIENTS

BITS = 20  # a frame's number, as black or white 16x16 blocks in its two top rows (exact through JPEG)


def stamp(frame: np.ndarray, n: int) -> np.ndarray:
    """``frame`` with ``n`` written in its top left corner (160x32 pixels)."""
    for b in range(BITS):
        y, x = 16 * (b // 10), 16 * (b % 10)
        frame[y:y + 16, x:x + 16] = 255 if n >> b & 1 else 0
    return frame


def number(jpeg: bytes) -> int:
    """The number :func:`stamp` wrote into a frame, read back from its JPEG."""
    img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert img is not None, jpeg[:20]
    return sum(1 << b for b in range(BITS) if img[16 * (b // 10) + 4:16 * (b // 10) + 12,
                                                   16 * (b % 10) + 4:16 * (b % 10) + 12].mean() > 128)


def wait_until(condition, what: str, timeout: float = 30.0):
    """Poll ``condition()`` until it is true (returned) or ``timeout`` seconds pass (fails naming ``what``)."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.01)


class Client:
    """A raw HTTP client: sends one GET, reads the status, then whole parts of a multipart stream."""

    def __init__(self, port: int, path: str = "/stream", *, rcvbuf: int | None = None) -> None:
        self.sock = socket.socket()
        if rcvbuf:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        self.sock.settimeout(30)
        self.sock.connect(("127.0.0.1", port))
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode())
        self.buf = b""
        head = self._until(b"\r\n\r\n").decode()
        self.status = int(head.split()[1])
        self.headers = dict(line.split(": ", 1) for line in head.split("\r\n")[1:])

    def _until(self, marker: bytes) -> bytes:
        while marker not in self.buf:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(f"closed before {marker!r}")
            self.buf += data
        part, self.buf = self.buf.split(marker, 1)
        return part

    def _exactly(self, n: int) -> bytes:
        while len(self.buf) < n:
            data = self.sock.recv(65536)
            if not data:
                raise EOFError(f"closed with {len(self.buf)} of {n} bytes")
            self.buf += data
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def body(self) -> bytes:
        return self._exactly(int(self.headers["Content-Length"]))

    def frame(self) -> bytes:
        """The next JPEG of a ``/stream``."""
        head = self._until(b"\r\n\r\n").decode()
        assert "--videotoolsframe" in head and "Content-Type: image/jpeg" in head, head
        jpeg = self._exactly(int(re.search(r"Content-Length: (\d+)", head).group(1)))
        assert self._exactly(2) == b"\r\n"
        return jpeg

    def close(self) -> None:
        self.sock.close()


def _feed(sink, stop, size=(160, 90)):
    scene = vt.SyntheticTraffic(size=size, noise=0)
    t = 0
    while not stop.is_set():
        sink.write(stamp(scene.frame(t), t))
        t += 1
        time.sleep(0.02)


@contextlib.contextmanager
def serving(size=(160, 90), **options):
    """An MjpegSink fed numbered frames about 50 times a second."""
    sink = vt.MjpegSink("127.0.0.1:0", **options)
    stop = threading.Event()
    th = threading.Thread(target=_feed, args=(sink, stop, size), daemon=True)
    th.start()
    try:
        yield sink
    finally:
        stop.set()
        th.join()
        sink.close()


@pytest.fixture
def served():
    with serving(title="test preview") as sink:
        yield sink


def test_page_and_stream(served):
    assert served.url.startswith("http://127.0.0.1:")
    page = urllib.request.urlopen(served.url, timeout=30).read().decode()
    assert "<img" in page and "/stream" in page and "test preview" in page
    with urllib.request.urlopen(served.url + "stream", timeout=30) as resp:
        assert resp.headers["Content-Type"] == "multipart/x-mixed-replace; boundary=videotoolsframe"
    viewer = Client(served.port)
    try:
        jpegs = [viewer.frame() for _ in range(10)]
    finally:
        viewer.close()
    frames = [cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR) for j in jpegs]
    assert all(f.shape == (90, 160, 3) for f in frames)
    numbers = [number(j) for j in jpegs]
    assert all(a < b for a, b in zip(numbers, numbers[1:])), numbers  # each frame once, in order
    one = urllib.request.urlopen(served.url + "frame.jpg", timeout=30).read()
    assert number(one) >= numbers[-1]  # a fresh frame, not the first one ever encoded
    missing = Client(served.port, "/nothing")
    assert missing.status == 404 and b"no such page: /nothing" in missing.body()


def test_bad_address_and_port_in_use(served):
    with pytest.raises(vt.ParameterError, match="^serve takes \\[HOST:\\]PORT"):
        vt.MjpegSink("localhost:http")
    with pytest.raises(vt.SinkError, match=f"cannot serve on 127.0.0.1:{served.port}"):
        vt.MjpegSink(f"127.0.0.1:{served.port}")


def test_page_renders_in_headless_chromium(served, tmp_path):
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        pytest.skip("chromium is not installed (.ci/run installs it)")
    shot = tmp_path / "shot.png"
    cmd = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           f"--user-data-dir={tmp_path / 'profile'}", "--window-size=400,300", "--virtual-time-budget=3000",
           f"--screenshot={shot}", served.url]
    subprocess.run(cmd, capture_output=True, timeout=90)
    img = cv2.imread(str(shot))
    assert img is not None, "no screenshot"
    # the page background is #111; the stream's picture (grass, road) must be on it
    greenish = (img[:, :, 1].astype(int) - img[:, :, 2] > 25) & (img[:, :, 1] > 80)
    assert greenish.sum() > 500


def test_cli_serve_while_posterizing():
    with socket.socket() as s:  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "videotools", "posterize", "synthetic:traffic?seconds=0&size=160x90",
                             "-k", "4", "--serve", f"127.0.0.1:{port}"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert re.fullmatch(rf"videotools: preview at http://127.0.0.1:{port}/\n", line), line
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30).read().decode()
        assert "/stream" in page
        jpeg = urllib.request.urlopen(f"http://127.0.0.1:{port}/frame.jpg", timeout=30).read()
        img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img.shape == (90, 160, 3)
        # posterized: the picture is (up to JPEG error) its own best 4 colours; measured about 33 dB,
        # against about 24 dB for the unposterized scene
        q = vt.Palette.fit(img, 4).apply(img)
        psnr = 10 * np.log10(255 ** 2 / ((img.astype(float) - q) ** 2).mean())
        assert psnr > 29, psnr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert proc.returncode == 130  # stopped by Ctrl-C, cleanly


class Stamp:
    """A processor that writes each frame's index into it."""

    def __init__(self) -> None:
        self.n = 0

    def __call__(self, frame):
        out = stamp(frame.copy(), self.n)
        self.n += 1
        return out


@pytest.mark.slow
def test_a_file_is_served_paced_each_frame_once_then_held(caplog):
    src = vt.open_source("synthetic:traffic?size=160x90&seconds=2&fps=20")
    preview = vt.MjpegSink("127.0.0.1:0")
    pipe = vt.Pipeline(src, [Stamp()], [preview], pace=True, hold=True)
    done = {}
    th = threading.Thread(target=lambda: done.update(stats=pipe.run()), daemon=True)
    held = lambda: any("still serving the last frame" in r.getMessage() for r in caplog.records)  # noqa: E731
    with caplog.at_level("WARNING"):
        start = time.monotonic()
        th.start()
        viewer = Client(preview.port)
        try:
            numbers = [number(viewer.frame())]
            while numbers[-1] < 39:  # to the clip's last frame, however slowly it comes
                numbers.append(number(viewer.frame()))
        finally:
            viewer.close()
        assert all(a < b for a, b in zip(numbers, numbers[1:])), numbers  # never a frame twice, in order
        wait_until(held, "the end of the clip")
        # paced: 40 frames at 20 fps cannot end sooner than 39 frame intervals after the start
        assert time.monotonic() - start >= 39 / 20
        assert th.is_alive()  # held: the last frame is still served
        assert number(urllib.request.urlopen(preview.url + "frame.jpg", timeout=30).read()) == 39
        again = Client(preview.port)
        try:
            assert again.status == 200 and number(again.frame()) == 39
        finally:
            again.close()
        pipe.stop()
        th.join(30)
    assert not th.is_alive() and done["stats"].frames == 40


def test_the_held_frame_is_the_last_even_if_nobody_watched_it(caplog):
    preview = vt.MjpegSink("127.0.0.1:0")
    try:
        scene = vt.SyntheticTraffic(size=(160, 90), noise=0)
        for t in range(5):
            preview.write(stamp(scene.frame(t), t))
        stop = threading.Event()
        th = threading.Thread(target=preview.hold, args=(stop.is_set,), daemon=True)
        with caplog.at_level("WARNING"):
            th.start()
            wait_until(lambda: any("still serving" in r.getMessage() for r in caplog.records), "the hold")
        assert number(urllib.request.urlopen(preview.url + "frame.jpg", timeout=30).read()) == 4
        stop.set()
        th.join(30)
    finally:
        preview.close()


@pytest.fixture
def patient():
    """A preview that keeps viewers that do not read for two minutes (they read only after all have connected)."""
    with serving(send_timeout=120) as sink:
        yield sink


def test_viewers_are_capped_and_a_place_frees_at_once(patient):
    """50 viewers at once: exactly MAX_CLIENTS get the stream; one leaves, the next one gets in."""
    served = patient
    results: list[Client] = []
    lock = threading.Lock()

    def connect():
        c = Client(served.port)
        with lock:
            results.append(c)

    threads = [threading.Thread(target=connect) for _ in range(50)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    try:
        assert len(results) == 50
        inside = [c for c in results if c.status == 200]
        refused = [c for c in results if c.status != 200]
        assert len(inside) == MAX_CLIENTS and {c.status for c in refused} == {503}
        assert b"too many viewers (at most 8 at once)" in refused[0].body()
        for c in inside:  # every viewer inside gets frames
            first = number(c.frame())
            assert number(c.frame()) > first
        one = Client(served.port, "/frame.jpg")  # a still is no viewer: served while the stream is full
        assert one.status == 200 and number(one.body()) >= 0
        for _ in range(3):  # a viewer leaves: its place is free for the very next request
            inside.pop().close()
            nxt = Client(served.port)
            assert nxt.status == 200
            inside.append(nxt)
            nxt.frame()
            late = Client(served.port)
            assert late.status == 503
            late.close()
        assert served.viewers == MAX_CLIENTS
    finally:
        for c in results + inside:
            c.close()
    wait_until(lambda: served.viewers == 0, "the viewers to be let go")


def test_idle_connections_do_not_keep_a_viewer_out(served):
    """100 connections that send nothing (or half a request) hold no viewer's place."""
    idle = []
    try:
        for i in range(100):
            s = socket.create_connection(("127.0.0.1", served.port), timeout=30)
            if i % 10 == 0:
                s.sendall(b"GET /stream HTTP/1.1\r\nHost: 127")  # never finished
            idle.append(s)
        viewer = Client(served.port)
        try:
            assert viewer.status == 200
            numbers = [number(viewer.frame()) for _ in range(3)]
            assert numbers[0] < numbers[1] < numbers[2]
        finally:
            viewer.close()
        still = Client(served.port, "/frame.jpg")
        assert still.status == 200 and number(still.body()) > numbers[0]
        page = Client(served.port, "/")
        assert page.status == 200 and b"/stream" in page.body()
    finally:
        for s in idle:
            s.close()


def _closed_by_server(sock: socket.socket) -> bool:
    """Read what ``sock`` holds until the server closes it (True), or 30 s pass (socket.timeout)."""
    try:
        while sock.recv(65536):
            pass
    except ConnectionResetError:
        pass
    return True


@pytest.mark.slow
def test_idle_and_stalled_connections_are_dropped():
    """A connection without a request is closed after request_timeout; a viewer that does not read,
    after send_timeout, and its place goes to the next viewer."""
    with serving((640, 360), max_clients=1, request_timeout=0.5, send_timeout=1.0) as sink:
        idle = socket.create_connection(("127.0.0.1", sink.port), timeout=30)
        half = socket.create_connection(("127.0.0.1", sink.port), timeout=30)
        half.sendall(b"GET /stream HT")
        assert _closed_by_server(idle) and _closed_by_server(half)  # recv waits up to 30 s; the server closes
        idle.close()
        half.close()
        stalled = Client(sink.port, rcvbuf=4096)  # reads the status, then nothing more
        assert stalled.status == 200
        wait_until(lambda: sink.viewers == 0, "the stalled viewer to be dropped")
        assert _closed_by_server(stalled.sock)
        viewer = Client(sink.port)
        try:
            assert viewer.status == 200
            numbers = [number(viewer.frame()) for _ in range(3)]
            assert numbers[0] < numbers[1] < numbers[2]
        finally:
            viewer.close()
        stalled.close()
