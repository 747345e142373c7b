import shutil
import subprocess
import threading
import time
import urllib.request

import cv2
import numpy as np
import pytest

import videotools as vt


def _feed(sink, stop):
    scene = vt.SyntheticTraffic(size=(160, 90), noise=0)
    t = 0
    while not stop.is_set():
        frame = scene.frame(t)
        frame[:8, :8] = (t * 7) % 256  # a changing corner, so frames differ
        sink.write(frame)
        t += 1
        time.sleep(0.02)


@pytest.fixture
def served():
    sink = vt.MjpegSink("127.0.0.1:0", title="test preview")
    stop = threading.Event()
    th = threading.Thread(target=_feed, args=(sink, stop), daemon=True)
    th.start()
    yield sink
    stop.set()
    th.join()
    sink.close()


def _read_parts(url, n, timeout=10):
    parts = []
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        assert resp.headers["Content-Type"].startswith("multipart/x-mixed-replace")
        buf = b""
        while len(parts) < n:
            buf += resp.read1(65536)
            while True:
                start = buf.find(b"\xff\xd8")
                end = buf.find(b"\xff\xd9", start + 2)
                if start < 0 or end < 0:
                    break
                parts.append(buf[start:end + 2])
                buf = buf[end + 2:]
    return parts


def test_page_and_stream(served):
    assert served.url.startswith("http://127.0.0.1:")
    page = urllib.request.urlopen(served.url, timeout=5).read().decode()
    assert "<img" in page and "/stream" in page and "test preview" in page
    jpegs = _read_parts(served.url + "stream", 3)
    frames = [cv2.imdecode(np.frombuffer(j, np.uint8), cv2.IMREAD_COLOR) for j in jpegs]
    assert all(f.shape == (90, 160, 3) for f in frames)
    assert frames[0][:8, :8].mean() != frames[2][:8, :8].mean()  # live: different frames
    one = urllib.request.urlopen(served.url + "frame.jpg", timeout=5).read()
    assert cv2.imdecode(np.frombuffer(one, np.uint8), cv2.IMREAD_COLOR).shape == (90, 160, 3)


def test_bad_address_and_port_in_use(served):
    with pytest.raises(vt.ParameterError, match="--serve takes \\[HOST:\\]PORT"):
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
    import re
    import signal
    import socket
    import sys

    with socket.socket() as s:  # a free port
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "videotools", "posterize", "synthetic:traffic?seconds=0&size=160x90",
                             "-k", "4", "--serve", f"127.0.0.1:{port}"], stderr=subprocess.PIPE, text=True)
    try:
        line = proc.stderr.readline()
        assert re.fullmatch(rf"videotools: preview at http://127.0.0.1:{port}/\n", line), line
        page = urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).read().decode()
        assert "/stream" in page
        jpeg = urllib.request.urlopen(f"http://127.0.0.1:{port}/frame.jpg", timeout=10).read()
        img = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert img.shape == (90, 160, 3)
        # posterized: the picture is (up to JPEG error) its own best 4 colours; measured about 33 dB,
        # against about 24 dB for the unposterized scene
        q = vt.Palette.fit(img, 4).apply(img)
        psnr = 10 * np.log10(255 ** 2 / ((img.astype(float) - q) ** 2).mean())
        assert psnr > 29, psnr
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)
    assert proc.returncode == 130  # stopped by Ctrl-C, cleanly


def _count_parts(url, seconds):
    """JPEG frames a viewer receives from ``url`` within ``seconds``."""
    n, buf = 0, b""
    end = time.monotonic() + seconds
    with urllib.request.urlopen(url, timeout=10) as resp:
        while time.monotonic() < end:
            buf += resp.read1(65536)
            n += buf.count(b"\xff\xd9")
            buf = buf[buf.rfind(b"\xff\xd9") + 2:] if b"\xff\xd9" in buf else buf
    return n


@pytest.mark.slow
def test_a_file_is_served_at_its_own_rate_then_held(caplog):
    src = vt.open_source("synthetic:traffic?size=160x90&seconds=4&fps=20")
    preview = vt.MjpegSink("127.0.0.1:0")
    pipe = vt.Pipeline(src, [], [preview], pace=True, hold=True)
    done = {}
    th = threading.Thread(target=lambda: done.update(stats=pipe.run()), daemon=True)
    with caplog.at_level("WARNING"):
        th.start()
        time.sleep(0.3)
        got = _count_parts(preview.url + "stream", 2.0)
        assert 0.8 * 40 <= got <= 1.2 * 40, got  # 20 fps for 2 s, within 20 %
        time.sleep(2.5)  # past the end of the 4 s clip: the last frame is still there
        assert th.is_alive()
        last = urllib.request.urlopen(preview.url + "frame.jpg", timeout=5).read()
        assert last[:2] == b"\xff\xd8"
        pipe.stop()
        th.join(5)
    assert not th.is_alive() and done["stats"].frames == 80
    assert any("still serving the last frame" in r.getMessage() for r in caplog.records)


def test_viewers_are_capped(served):
    import http.client

    from videotools.sinks.serve import MAX_CLIENTS

    conns = []
    try:
        for _ in range(MAX_CLIENTS):
            c = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
            c.request("GET", "/stream")
            r = c.getresponse()  # kept: a dropped response closes its connection
            assert r.status == 200
            conns.append((c, r))
        extra = http.client.HTTPConnection("127.0.0.1", served.port, timeout=5)
        extra.request("GET", "/stream")
        r = extra.getresponse()
        assert r.status == 503 and b"too many viewers" in r.read()
    finally:
        for c, r in conns:
            r.close()
            c.close()
