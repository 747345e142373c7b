import signal
import subprocess
import sys
import time

import numpy as np
import pytest

import videotools as vt
from tests.conftest import ffmpeg_clip, memory_growth


class Recorder:
    def __init__(self):
        self.frames = []
        self.times = []
        self.closed = False

    def write(self, frame, time=None):
        self.frames.append(frame)
        self.times.append(time)

    def close(self):
        self.closed = True


class Double:
    closed = False

    def __call__(self, frame):
        return (frame // 2) * 2

    def close(self):
        self.closed = True


def test_runs_processors_in_order_into_every_sink():
    src = vt.open_source("synthetic:traffic?size=96x64&seconds=1")
    a, b = Recorder(), Recorder()
    proc = Double()
    stats = vt.Pipeline(src, [proc, vt.Grey()], [a, b]).run()
    assert stats.frames == 25 and len(a.frames) == 25 and len(b.frames) == 25
    f = a.frames[3]
    assert (f[..., 0] == f[..., 1]).all()  # grey after double
    assert a.closed and b.closed and proc.closed


def test_max_frames_and_stop_reason():
    src = vt.open_source("synthetic:traffic?size=96x64&seconds=0")
    rec = Recorder()
    stats = vt.Pipeline(src, [], [rec], max_frames=7).run()
    assert stats.frames == 7 and stats.stopped_by == "max frames"


def test_sinks_closed_when_a_processor_fails():
    src = vt.open_source("synthetic:traffic?size=96x64&seconds=1")
    rec = Recorder()

    def bad(frame):
        raise vt.ParameterError("boom")

    with pytest.raises(vt.ParameterError, match="boom"):
        vt.Pipeline(src, [bad], [rec]).run()
    assert rec.closed


def test_processor_must_return_a_frame():
    src = vt.open_source("synthetic:traffic?size=96x64&seconds=1")
    with pytest.raises(vt.FrameError, match="expected \\(H, W, 3\\) uint8, got \\(64, 96\\) uint8"):
        vt.Pipeline(src, [lambda f: f[..., 0]], []).run()


def test_memory_stays_flat_over_a_long_run():
    src = vt.open_source("synthetic:traffic?size=160x90&seconds=0&noise=0")
    post = vt.Posterize(k=4)
    assert memory_growth(src, [post], 50, 1500) < 2_000_000  # 1450 more frames (63 MB of pixels) held nothing


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_signal_mid_recording_leaves_a_playable_file(tmp_path, sig):
    out = tmp_path / "rec.mp4"
    proc = subprocess.Popen([sys.executable, "-m", "videotools", "run", "synthetic:traffic?seconds=0&size=320x180",
                             "--out", str(out), "-q"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 30
    while (not out.exists() or out.stat().st_size < 2000) and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)
    proc.send_signal(sig)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == (130 if sig == signal.SIGINT else 0), err  # Ctrl-C says so in the exit code
    assert "Traceback" not in err
    with vt.open_source(out) as src:
        frames = list(src)
    assert src.warning is None
    assert len(frames) > 10 and frames[-1].shape == (180, 320, 3)


def _planes(path):
    with vt.open_source(path) as src:
        return src.i420, [f.planes.copy() for f in src.iter_yuv()]


def test_a_plain_copy_keeps_the_decoded_yuv_bit_exact(tmp_path):
    clip = ffmpeg_clip(tmp_path, "-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709")
    with vt.open_source(clip) as src:
        assert Pipeline_copies(src, [], [vt.VideoSink(tmp_path / "probe.mkv", fps=25)])
    stats = vt.process(str(clip), [], out=str(tmp_path / "copy.mkv"), encoding=vt.Encoding(crf=0))
    assert stats.frames == 6
    tags_in, frames_in = _planes(clip)
    tags_out, frames_out = _planes(tmp_path / "copy.mkv")
    assert tags_in == tags_out == ("bt709", False)  # tagged with the source's own matrix
    assert len(frames_out) == 6 and all(np.array_equal(a, b) for a, b in zip(frames_in, frames_out))
    # through RGB (any processor) the same frames come back BT.601-tagged, close but not exact
    vt.process(str(clip), [lambda f: f], out=str(tmp_path / "rgb.mkv"), encoding=vt.Encoding(crf=0))
    tags_rgb, frames_rgb = _planes(tmp_path / "rgb.mkv")
    assert tags_rgb == ("bt601", False)
    back = [vt.frames.YuvFrame(p, "bt601").to_rgb().astype(int) for p in frames_rgb]
    orig = [vt.frames.YuvFrame(p, "bt709").to_rgb().astype(int) for p in frames_in]
    assert max(np.abs(a - b).mean() for a, b in zip(back, orig)) < 1.5


def Pipeline_copies(src, processors, sinks, **kw):
    try:
        return vt.Pipeline(src, processors, sinks, **kw).runs_planar()
    finally:
        for s in sinks:
            s.close()


def test_frames_go_through_rgb_whenever_anything_looks_at_them(tmp_path, clip):
    with vt.open_source(clip) as src:
        assert Pipeline_copies(src, [], [vt.VideoSink(tmp_path / "a.mp4", fps=25)])
        assert not Pipeline_copies(src, [Double()], [vt.VideoSink(tmp_path / "b.mp4", fps=25)])
        assert not Pipeline_copies(src, [], [vt.VideoSink(tmp_path / "c.mp4", fps=25)],
                                   on_frame=lambda step: None)
        assert not Pipeline_copies(src, [], [vt.VideoSink(tmp_path / "d.mp4", fps=25), Recorder()])
    # full-range or .avi (Motion-JPEG) outputs take the RGB route inside the sink: still right
    full = ffmpeg_clip(tmp_path, "-pix_fmt", "yuvj420p")
    for name, tolerance in (("full.mp4", 1.0), ("full.avi", 4.0)):  # lossless x264; JPEG at -q:v 3
        stats = vt.process(str(full), [], out=str(tmp_path / name), encoding=vt.Encoding(crf=0))
        assert stats.frames == 6
        with vt.open_source(full) as a, vt.open_source(tmp_path / name) as b:
            d = [np.abs(x.astype(int) - y).mean() for x, y in zip(a, b)]
        assert len(d) == 6 and max(d) < tolerance, (name, d)


@pytest.mark.slow
def test_sigterm_ends_a_run_stuck_on_a_stalled_stream(tmp_path, stalled_stream):
    out = tmp_path / "rec.mp4"
    proc = subprocess.Popen([sys.executable, "-m", "videotools", "run", stalled_stream, "--out", str(out), "-q"],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(6)  # the half that arrives is written in well under that; then the stream is silent
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    with vt.open_source(out) as src:
        n = sum(1 for _ in src)
    assert 100 < n < 400, n  # everything that arrived, finalized and playable


def test_planar_processors_give_what_the_rgb_route_gives(tmp_path):
    """Flip and Posterize on I420 planes: the same file, bit for bit, as through RGB (lossless x264)."""
    clip = ffmpeg_clip(tmp_path, frames=8, noise=4)
    palette = vt.Palette.fit(vt.sample_frames(str(clip), 5), 6, seed=3)

    def chain():
        return [vt.Flip(axis="h"), vt.Posterize(k=6, palette=palette)]

    with vt.open_source(clip) as src:
        assert Pipeline_copies(src, chain(), [vt.VideoSink(tmp_path / "probe.mkv", fps=25)])
    planar = vt.process(str(clip), chain(), out=str(tmp_path / "planar.mkv"), encoding=vt.Encoding(crf=0))
    rgb_chain = [lambda frame, p=p: p(frame) for p in chain()]  # plain functions: no planar path
    rgb = vt.process(str(clip), rgb_chain, out=str(tmp_path / "rgb.mkv"), encoding=vt.Encoding(crf=0))
    assert planar.frames == rgb.frames == 8
    (tags_a, a), (tags_b, b) = _planes(tmp_path / "planar.mkv"), _planes(tmp_path / "rgb.mkv")
    assert tags_a == tags_b == ("bt601", False)
    assert len(a) == 8 and all(np.array_equal(x, y) for x, y in zip(a, b))
    colours = {tuple(c) for f in a for c in vt.frames.YuvFrame(f).to_rgb().reshape(-1, 3)}
    assert len(colours) <= 6 * 4  # 6 palette colours, and chroma shared by 2x2 blocks at their edges


def test_a_processor_that_needs_rgb_keeps_the_whole_run_on_rgb(tmp_path, clip):
    sink = [vt.VideoSink(tmp_path / "a.mp4", fps=25)]
    with vt.open_source(clip) as src:
        assert Pipeline_copies(src, [vt.Flip(), vt.Posterize(k=4)], sink)
        assert not Pipeline_copies(src, [vt.Flip(), vt.Posterize(k=4, refit="scene")], sink)  # cuts are seen in RGB
        assert not Pipeline_copies(src, [vt.Posterize(k=4, space="lab")], sink)
        assert not Pipeline_copies(src, [vt.Flip(), Double()], sink)
        assert not Pipeline_copies(src, [vt.Flip()], [vt.VideoSink(tmp_path / "b.mp4", fps=25), Recorder()])


def test_a_planar_posterize_without_a_palette_fits_on_the_first_frame(tmp_path, clip):
    """The fit needs RGB: that one frame is converted, the rest stay planar."""
    proc = vt.Posterize(k=5, fit_frames=1)
    stats = vt.process(str(clip), [proc], out=str(tmp_path / "p.mp4"))
    assert stats.frames == 50 and proc.palette is not None and proc.palette.k == 5
    with vt.open_source(clip) as src:
        first = next(iter(src))
    assert proc.palette == vt.Palette.fit(first, 5, seed=0)


def _keyframes(path):
    import av

    with av.open(str(path)) as c:
        return [p.is_keyframe for p in c.demux(c.streams.video[0]) if p.size]


def test_a_copy_hands_decoded_frames_over_but_not_their_picture_types(tmp_path):
    """A copy passes the decoder's frames to x264 untouched, yet x264 picks its own keyframes."""
    clip = ffmpeg_clip(tmp_path, "-g", "4", "-sc_threshold", "0", frames=12)
    assert sum(_keyframes(clip)) == 3  # frames 0, 4, 8
    stats = vt.process(str(clip), [], out=str(tmp_path / "copy.mkv"), encoding=vt.Encoding(crf=0))
    assert stats.frames == 12 and sum(_keyframes(tmp_path / "copy.mkv")) == 1
    assert all(np.array_equal(a, b) for a, b in zip(_planes(clip)[1], _planes(tmp_path / "copy.mkv")[1]))


class InPlace:
    """A planar processor that paints the top rows white in place and returns the same frame."""

    def __call__(self, frame):
        frame[:4] = 255
        return frame

    def accepts_yuv(self, matrix, full_range):
        return True

    def process_yuv(self, frame):
        frame.split()[0][:4] = 235
        return frame


def test_a_planar_processor_that_writes_in_place_is_written(tmp_path, clip):
    stats = vt.process(str(clip), [InPlace()], out=str(tmp_path / "p.mkv"), encoding=vt.Encoding(crf=0))
    assert stats.frames == 50
    _, frames = _planes(tmp_path / "p.mkv")
    assert len(frames) == 50 and all((f[:4] == 235).all() for f in frames)
