"""A live MPEG-TS stream over UDP (H.264 + AAC, in real time) that stops and comes back: one recording."""

import logging
import socket
import subprocess
import threading
import time

import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT, ffmpeg_times

CARS = ROOT.parent / "shared" / "media" / "car-detection.mp4"
TONE = "aeval=0.3*sin(2*PI*440*t):c=same"  # the clip's own sound is digital silence


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what, deadline: float = 60.0) -> None:
    end = time.monotonic() + deadline
    while not what():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


@pytest.mark.slow
def test_a_udp_stream_that_stops_and_comes_back_is_one_recording(tmp_path, caplog):
    import imageio_ffmpeg

    ff = imageio_ffmpeg.get_ffmpeg_exe()
    url = f"udp://127.0.0.1:{_free_udp_port()}"

    def send(start: float) -> None:  # a camera: 2 s of footage, in real time, then it goes away
        subprocess.run([ff, "-v", "error", "-re", "-ss", str(start), "-t", "2", "-i", str(CARS),
                        "-vf", "scale=320:180", "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency",
                        "-g", "6", "-af", TONE, "-c:a", "aac", "-f", "mpegts", f"{url}?pkt_size=1316"],
                       check=True, timeout=60)

    out, times, done = tmp_path / "live.mp4", [], {}

    def record() -> None:
        with vt.open_source(url, lost_after=5) as src:  # reopened after 2.5 s of silence
            done["stats"] = vt.process(src, out=str(out), on_frame=lambda step: times.append(step.time))

    caplog.set_level(logging.WARNING, logger="videotools.sources.file")
    receiver = threading.Thread(target=record, daemon=True)
    receiver.start()
    send(0)
    _wait(lambda: any("the stream stopped" in r.getMessage() for r in caplog.records))  # it is reopening
    send(10)  # the sender restarted: its timestamps start again from the same 1.4 s
    receiver.join(60)
    assert not receiver.is_alive() and "no frame for 5 s" in done["stats"].warning
    steps = np.diff(times)
    assert steps.min() > 0, steps
    gaps = np.flatnonzero(steps > 1.0)
    assert len(gaps) == 1, steps  # the outage, as long as it lasted
    first, second = times[: gaps[0] + 1], times[gaps[0] + 1:]
    assert len(first) >= 12 and len(second) >= 12, (len(first), len(second))
    r = subprocess.run([ff, "-v", "error", "-i", str(out), "-f", "null", "-"], capture_output=True, text=True)
    assert r.stderr == ""
    written = np.diff(ffmpeg_times(out))
    assert len(written) == len(times) - 1 and written.min() > 0
    assert np.allclose(np.delete(written, gaps[0]), 0.08, atol=1e-3)
    _check_sound(out, gap=(times[gaps[0]], times[gaps[0] + 1]))


def _check_sound(out, *, gap: tuple[float, float]) -> None:
    """The stream's sound is in the recording: AAC, as long as the video (within 0.2 s), its times increasing,
    the tone there on both sides of the outage."""
    import av

    with av.open(str(out)) as c:
        (video,), (audio,) = c.streams.video, c.streams.audio
        assert audio.codec_context.name == "aac"
        first = float(video.start_time * video.time_base)
        frames = [(float(f.pts * f.time_base) - first, f.to_ndarray()) for f in c.decode(audio)]
        c.seek(0)
        video_end = max(float(f.pts * f.time_base) for f in c.decode(video)) - first + 0.08
    starts = np.array([t for t, _ in frames])
    assert np.diff(starts).min() > 0
    end = starts[-1] + frames[-1][1].shape[-1] / audio.rate
    assert abs(end - video_end) < 0.2 and starts[0] < 0.2, (starts[0], end, video_end)
    loud = [t for t, samples in frames if np.sqrt(np.mean(samples.astype(np.float64) ** 2)) > 0.1]
    assert any(t < gap[0] - 0.5 for t in loud) and any(t > gap[1] + 0.5 for t in loud), (gap, loud[:3], loud[-3:])


@pytest.fixture
def two_recordings(tmp_path):
    """Two MPEG-TS recordings of the footage (0-2 s and 10-12 s), both stamped from 1.4 s, as a camera
    that restarted sends them."""
    import imageio_ffmpeg

    parts = []
    for start in (0, 10):
        part = tmp_path / f"part{start}.ts"
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", str(start), "-t", "2", "-i", str(CARS),
                        "-vf", "scale=320:180", "-an", "-c:v", "libx264", "-preset", "ultrafast", "-g", "6",
                        str(part)], check=True)
        parts.append(part)
    return parts


@pytest.mark.slow
def test_an_http_stream_that_ends_is_reopened_and_goes_on(two_recordings):
    """A live HTTP stream (no length) whose server closes it, then serves the restarted camera, then is gone."""
    import http.server

    served = list(two_recordings)

    class Camera(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            if not served:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.end_headers()
            self.wfile.write(served.pop(0).read_bytes())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Camera)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with vt.open_source(f"http://127.0.0.1:{server.server_address[1]}/cam.ts", lost_after=1) as src:
            assert src.info.live
            frames, times = [], []
            for frame in src:
                frames.append(frame)
                times.append(src.time)
    finally:
        server.shutdown()
    assert "no frame for 1 s" in src.warning
    assert len(frames) == 50 and src.timeline.resets == 1
    assert np.allclose(np.diff(times), 0.08, atol=1e-6)  # it came faster than real time: no gap to keep
    with vt.open_source(two_recordings[1]) as again:
        assert np.array_equal(frames[25], next(iter(again)))  # the second recording from its first frame
