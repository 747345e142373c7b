import subprocess

import cv2
import numpy as np
import pytest

import videotools as vt


def _read(path):
    with vt.open_source(path) as src:
        return src.size, list(src)


def test_round_trip_synthetic_to_mp4(tmp_path):
    scene = vt.SyntheticTraffic(size=(320, 180), seconds=1, noise=0)
    path = tmp_path / "out.mp4"
    with vt.VideoSink(path, fps=scene.fps, crf=12) as sink:
        for f in scene:
            sink.write(f)
    size, frames = _read(path)
    assert size == (320, 180) and len(frames) == 25
    errs = [np.abs(f.astype(int) - scene.frame(i)).mean() for i, f in enumerate(frames)]
    assert max(errs) < 4, errs
    head = path.read_bytes()[:64]
    assert b"ftyp" in head and b"moov" in path.read_bytes()[:4096]  # +faststart: index up front


def test_recordings_are_tagged_bt601_and_not_reconverted(tmp_path):
    import imageio_ffmpeg

    frame = vt.SyntheticTraffic(size=(320, 180), noise=0).frame(0)
    path = tmp_path / "tagged.mp4"
    with vt.VideoSink(path, fps=25, crf=0) as sink:
        sink.write(frame)
    gen = imageio_ffmpeg.read_frames(str(path), pix_fmt="yuv420p", bits_per_pixel=12)
    meta = next(gen)
    stored = np.frombuffer(next(gen), np.uint8).reshape(270, 320)
    gen.close()
    # all three tags (ffmpeg names one when matrix, primaries and transfer agree)
    assert "smpte170m" in meta["pix_fmt"] and "unknown" not in meta["pix_fmt"], meta["pix_fmt"]
    # the stored YUV is exactly OpenCV's BT.601 conversion: ffmpeg converted nothing more
    assert np.array_equal(stored, cv2.cvtColor(frame, cv2.COLOR_RGB2YUV_I420))


def test_odd_size_is_padded_not_rescaled(tmp_path):
    scene = vt.SyntheticTraffic(size=(161, 91), seconds=0.4, noise=0)
    path = tmp_path / "odd.mp4"
    with vt.VideoSink(path, fps=25, crf=10) as sink:
        for f in scene:
            sink.write(f)
    size, frames = _read(path)
    assert size == (162, 92) and len(frames) == 10
    inner = frames[3][:91, :161].astype(int)
    assert np.abs(inner - scene.frame(3)).mean() < 4   # same pixels at the same place: no rescale
    assert frames[3][:, 161].max() < 40                  # the added column is black padding


@pytest.mark.parametrize("ext", [".mkv", ".avi", ".mov"])
def test_other_containers(tmp_path, ext):
    scene = vt.SyntheticTraffic(size=(96, 64), seconds=0.4, noise=0)
    path = tmp_path / f"out{ext}"
    with vt.open_sink(path, fps=25, crf=12) as sink:
        for f in scene:
            sink.write(f)
    size, frames = _read(path)
    assert size == (96, 64) and len(frames) == 10
    assert np.abs(frames[5].astype(int) - scene.frame(5)).mean() < 8


def test_overwrite_rules_and_bad_outputs(tmp_path):
    existing = tmp_path / "taken.mp4"
    existing.write_bytes(b"precious")
    with pytest.raises(vt.OutputExistsError, match="output exists: .*taken.mp4 \\(use --overwrite"):
        vt.VideoSink(existing)
    assert existing.read_bytes() == b"precious"
    with pytest.raises(vt.SinkError, match="output folder does not exist: .*nofolder"):
        vt.VideoSink(tmp_path / "nofolder" / "x.mp4")
    with pytest.raises(vt.SinkError, match="unknown output extension '.xyz'"):
        vt.open_sink(tmp_path / "x.xyz")
    with pytest.raises(vt.ParameterError, match="crf must be an integer in 0..51, got 99"):
        vt.VideoSink(tmp_path / "y.mp4", crf=99)
    sink = vt.VideoSink(existing, overwrite=True)
    sink.write(np.zeros((16, 16, 3), np.uint8))
    sink.close()
    assert existing.read_bytes()[:4] != b"prec"


def test_size_change_is_letterboxed(tmp_path):
    path = tmp_path / "mixed.mp4"
    with vt.VideoSink(path, fps=10, crf=0) as sink:
        sink.write(np.full((40, 80, 3), 200, np.uint8))
        sink.write(np.full((80, 80, 3), 200, np.uint8))  # taller: scaled into 40x80, black bars at sides
    size, frames = _read(path)
    assert size == (80, 40)
    assert frames[1][20, 40].min() > 180 and frames[1][20, 5].max() < 30


def test_image_sinks(tmp_path):
    frames = [np.full((10, 12, 3), v, np.uint8) for v in (10, 20, 30)]
    with vt.ImageSink(tmp_path / "seq" / "%03d.png") as sink:
        for f in frames:
            sink.write(f)
    got = sorted(p.name for p in (tmp_path / "seq").iterdir())
    assert got == ["000.png", "001.png", "002.png"]
    assert vt.read_image(tmp_path / "seq" / "002.png")[0, 0].tolist() == [30, 30, 30]
    with vt.ImageSink(tmp_path / "last.png") as sink:
        for f in frames:
            sink.write(f)
    assert vt.read_image(tmp_path / "last.png")[0, 0].tolist() == [30, 30, 30]
    with pytest.raises(vt.OutputExistsError):
        vt.ImageSink(tmp_path / "seq" / "%03d.png")


def _talk_clip(path, *, seconds: int, audio_codec: str):
    """A 160x90 test picture with a 440 Hz tone, made by the ffmpeg command."""
    import subprocess

    import imageio_ffmpeg

    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    f"testsrc=size=160x90:rate=25:duration={seconds}", "-f", "lavfi", "-i",
                    f"sine=frequency=440:duration={seconds}", "-c:v", "libx264", "-c:a", audio_codec, "-shortest",
                    str(path)], check=True)
    return path


def test_soundtrack_is_kept_and_cut_to_the_frames(tmp_path):

    import imageio_ffmpeg

    src = _talk_clip(tmp_path / "talk.mp4", seconds=4, audio_codec="aac")

    def meta(path):
        gen = imageio_ffmpeg.read_frames(str(path))
        m = next(gen)
        gen.close()
        return m

    vt.process(str(src), [vt.Posterize(k=4)], out=str(tmp_path / "a.mp4"))
    assert meta(tmp_path / "a.mp4").get("audio_codec") == "aac"
    vt.process(str(src), [], out=str(tmp_path / "b.mp4"), seek=vt.Seek(start=1.0), max_frames=25)
    m = meta(tmp_path / "b.mp4")
    assert m.get("audio_codec") == "aac" and abs(m["duration"] - 1.0) < 0.1  # cut to the 25 frames written
    vt.process(str(src), [], out=str(tmp_path / "c.mp4"), encoding=vt.Encoding(audio=False))
    assert "audio_codec" not in meta(tmp_path / "c.mp4")
    vt.process("synthetic:traffic?size=160x90&seconds=1", [], out=str(tmp_path / "d.mp4"))  # no sound: fine
    assert "audio_codec" not in meta(tmp_path / "d.mp4")


def test_avi_of_270_frames_reports_and_copies_270(tmp_path):
    from videotools.sources.file import count_frames

    avi = tmp_path / "clip.avi"
    scene = vt.SyntheticTraffic(size=(160, 90), fps=30)
    with vt.VideoSink(avi, fps=30) as sink:
        for t in range(270):
            sink.write(scene.frame(t))
    with vt.open_source(avi) as src:
        assert src.frame_count == 270 and sum(1 for _ in src) == 270
    assert count_frames(avi) == 270
    stats = vt.process(str(avi), [], out=str(tmp_path / "copy.mp4"))
    assert stats.frames == 270 and count_frames(tmp_path / "copy.mp4") == 270
    with vt.open_source(tmp_path / "copy.mp4") as back:
        assert abs(back.info.duration - 9.0) < 1e-6


def test_variable_frame_rate_into_avi_keeps_its_timing(tmp_path, caplog):
    """AVI holds a constant rate: frames written at their own times (30 fps for 0.4 s in a 10 fps clip) stay
    within half a frame of those times, the ones faster than the rate dropped with one warning (before, every
    frame was kept and the pictures fell behind: 0.44 s on a real phone-like clip, its sound no longer in sync)."""
    times = [k / 10 for k in range(10)] + [1 + k / 30 for k in range(12)] + [1.4 + k / 10 for k in range(10)]
    out = tmp_path / "vfr.avi"
    scene = vt.SyntheticTraffic(size=(64, 48))
    with vt.VideoSink(out, fps=len(times) / 2.4) as sink:  # the average rate, as a VFR file's info gives it
        for t in times:
            sink.write(scene.frame(int(t * 30)), t)
    with vt.open_source(out) as back:
        written = [back.time for _ in back]
    period = 2.4 / len(times)
    assert max(min(abs(w - t) for t in times) for w in written) <= period / 2 + 1e-6
    assert written[-1] == pytest.approx(times[-1], abs=period / 2)
    assert sink.frames_dropped == len(times) - len(written) > 0
    assert [r.message for r in caplog.records if "dropped" in r.message] == [
        f"vfr.avi: {sink.frames_dropped} of 32 frames dropped: AVI holds a constant 13.33 fps and the video came "
        "faster at times (variable frame rate); .mp4 or .mkv keep every frame"]


def test_live_capture_times_make_the_recording_last_as_long_as_the_capture(tmp_path):
    import time

    from tests.conftest import FakeCapture

    class Uneven(FakeCapture):  # a webcam that delivers in bursts: 10 ms, then 90 ms, ...
        def read(self):
            time.sleep(0.01 if self.n % 2 else 0.09)
            return super().read()

    cam = Uneven(fps=1000)
    src = vt.CameraSource(0, mode="every", capture_factory=lambda d: cam)
    out = tmp_path / "cam.mp4"
    stamped: list[float] = []  # the capture times the source gave, whatever the machine's load did to them
    stats = vt.process(src, [], out=str(out), max_frames=30, on_frame=lambda step: stamped.append(step.time))
    assert stats.frames == 30
    with vt.open_source(out) as back:
        written = np.array([back.time for _ in back])
    captured = np.array(stamped) - stamped[0]
    assert len(written) == 30 and np.abs(written - captured).max() < 1e-4  # each frame at its capture time
    assert captured[-1] > 29 * 0.04  # bursts of 10 and 90 ms: ~1.45 s, where 30 frames at 1000 fps are 0.03 s
    assert abs(back.info.duration - (captured[-1] + 1 / src.fps)) < 0.1  # the last frame lasts about one interval


def test_soundtrack_is_copied_when_the_container_takes_it(tmp_path):

    import av

    src = _talk_clip(tmp_path / "talk.mkv", seconds=3, audio_codec="libopus")

    def audio(path):
        with av.open(str(path)) as c:
            s = c.streams.audio[0]
            return s.codec_context.name, [bytes(p) for p in c.demux(s) if p.size]

    vt.process(str(src), [], out=str(tmp_path / "copy.mkv"))  # Matroska takes Opus: copied, packet for packet
    codec, packets = audio(tmp_path / "copy.mkv")
    codec_in, packets_in = audio(src)
    assert codec == codec_in == "opus" and packets == packets_in[:len(packets)] and len(packets) > 0.9 * len(packets_in)
    vt.process(str(src), [], out=str(tmp_path / "re.avi"))  # AVI does not: re-encoded to 16-bit PCM
    assert audio(tmp_path / "re.avi")[0] == "pcm_s16le"


def test_a_stream_that_changes_size_midway_stays_planar_and_is_letterboxed(tmp_path):
    """A spliced MPEG-TS (320x180, then 352x200): copy, flip and posterize keep every frame at the first
    size, close to what the RGB route makes of it, instead of failing mid-way."""
    import imageio_ffmpeg

    ffmpeg = imageio_ffmpeg.get_ffmpeg_exe()
    parts = []
    for i, size in enumerate(("320x180", "352x200")):
        parts.append(tmp_path / f"{i}.ts")
        subprocess.run([ffmpeg, "-v", "error", "-f", "lavfi", "-i", f"testsrc=size={size}:rate=25", "-t", "1",
                        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-output_ts_offset", str(i), str(parts[-1])],
                       check=True)
    spliced = tmp_path / "spliced.ts"
    spliced.write_bytes(b"".join(p.read_bytes() for p in parts))
    lossless = vt.Encoding(crf=0)
    vt.process(str(spliced), [lambda f: f], out=str(tmp_path / "rgb.mp4"), encoding=lossless)
    with vt.open_source(tmp_path / "rgb.mp4") as src:
        reference = list(src)
    for name, chain in (("copy", []), ("flip", [vt.Flip()]), ("posterize", [vt.Posterize(k=4)])):
        stats = vt.process(str(spliced), chain, out=str(tmp_path / f"{name}.mp4"), encoding=lossless)
        with vt.open_source(tmp_path / f"{name}.mp4") as src:
            frames = list(src)
        assert stats.frames == len(frames) == 50 and {f.shape for f in frames} == {(180, 320, 3)}, name
        if name == "copy":
            diffs = [np.abs(a.astype(int) - b).mean() for a, b in zip(frames, reference)]
            assert max(diffs[:25]) < 1 and max(diffs[25:]) < 6, diffs  # the second half letterboxed


def test_full_range_planes_are_brought_to_limited_range():
    from videotools.sinks.video import _limited

    planes = np.array([[0, 255], [128, 255], [0, 128]], np.uint8)  # Y (2x2), then U, V (1x1 each) in one row
    out = _limited(planes, 2)
    assert out.tolist() == [[16, 235], [126, 235], [16, 128]]  # luma 16..235; chroma 16..240 around 128
