
import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT, SAMPLE, cli, ffmpeg_clip, ffmpeg_times


def test_sample_clip_metadata():
    with vt.open_source(SAMPLE) as src:
        assert src.size == (640, 360) and src.fps == 25.0 and src.frame_count == 500
        assert src.info.codec == "h264"
        first = next(iter(src))
    assert first.shape == (360, 640, 3) and first.dtype == np.uint8 and first.flags.writeable


def test_audio_codec_is_the_codecs_name_not_the_decoders(tmp_path):
    """MP3 sound reads as ``mp3`` (what ``info`` prints), not as PyAV's decoder ``mp3float``."""
    import subprocess

    import imageio_ffmpeg

    clip = tmp_path / "mp3.mkv"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "testsrc2=size=64x36:d=0.2",
                    "-f", "lavfi", "-i", "sine=d=0.2", "-c:v", "libx264", "-c:a", "libmp3lame", str(clip)], check=True)
    with vt.open_source(clip) as src:
        assert src.info.audio_codec == "mp3"


def test_cover_art_is_not_a_video(tmp_path):
    """A song with its cover (an attached picture) is audio-only, as FFmpeg has it: one line says so (before:
    a one-frame video and a warning that the file was cut off)."""
    import subprocess

    import imageio_ffmpeg

    cover, song = tmp_path / "cover.png", tmp_path / "song.m4a"
    vt.write_image(cover, np.zeros((36, 64, 3), np.uint8))
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=d=0.3", "-i", str(cover),
                    "-map", "0", "-map", "1", "-c:a", "aac", "-c:v", "copy", "-disposition:v", "attached_pic",
                    str(song)], check=True)
    with pytest.raises(vt.SourceError, match=r"song.m4a: an audio-only file \(its only picture is cover art\)$"):
        vt.open_source(song)


def test_a_file_of_unknown_length_is_sampled_at_its_first_frame(tmp_path):
    """A one-frame GIF says no duration: sampling it (palette, posterize's fit) takes its frame (before:
    none, and 'palette still.gif' failed saying a live source has no length)."""
    from PIL import Image

    gif = tmp_path / "still.gif"  # as Pillow (and many web tools) write one: no frame duration
    Image.fromarray(vt.SyntheticTraffic(size=(64, 48)).frame(3)).convert("P").save(gif)
    with vt.open_source(gif) as src:
        assert src.info.duration is None and not src.info.live
        first = next(iter(src))
    [sample] = vt.sample_frames(gif, 5)
    np.testing.assert_array_equal(sample, first)


def test_frames_are_rgb(tmp_path):
    frame = np.zeros((64, 96, 3), np.uint8)
    frame[..., 0] = 220  # pure red in RGB
    path = tmp_path / "red.mp4"
    with vt.VideoSink(path, fps=10, crf=0) as sink:
        for _ in range(3):
            sink.write(frame)
    with vt.open_source(path) as src:
        got = next(iter(src))
    r, g, b = got[32, 48].astype(int)
    assert r > 200 and g < 20 and b < 20


def test_start_end_seek(clip):
    with vt.open_source(clip) as full:
        frames = list(full)
    with vt.open_source(clip, start=1.0, end=1.4) as part:
        got = list(part)
    assert len(frames) == 50 and len(got) == 10
    err = np.abs(got[0].astype(int) - frames[25]).mean()
    assert err < 3, err  # frame 25 is at 1.0 s


def test_start_and_end_in_recordings_joined_give_the_frames_of_a_whole_decode(tmp_path):
    """Two MPEG-TS recordings joined (``cat a.ts b.ts``: timestamps start again at 2 s) are cut by the times the
    source hands out (the second part after the first): exactly the frames, pixels and times of a whole decode,
    and the length is both parts'; sampling takes their keyframes. Before, start=2.9 gave 1 frame (a seek by
    timestamp landed in the first part), a start past 2 s was refused as past the end, and sampling from 1 s
    found 1 keyframe of 3."""
    import subprocess

    import imageio_ffmpeg

    cars = ROOT.parent / "shared" / "media" / "car-detection.mp4"
    joined = tmp_path / "joined.ts"
    for at in (0, 10):  # keyframes every 0.8 s: a start in the second part skips into it, past its first keyframe
        subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-ss", str(at), "-t", "2", "-i", str(cars),
                        "-vf", "scale=320:180", "-an", "-c:v", "libx264", "-preset", "veryfast", "-g", "10",
                        "-f", "mpegts", str(tmp_path / "part.ts")], check=True, stdin=subprocess.DEVNULL)
        with open(joined, "ab") as out:
            out.write((tmp_path / "part.ts").read_bytes())

    def frames(**cut):
        with vt.open_source(joined, **cut) as src:
            return [(round(src.time, 6), int(f[::4, ::4].sum())) for f in src], src.info.duration

    whole, length = frames()
    assert len(whole) == 50 and whole[-1][0] == pytest.approx(3.92)
    for start, end in ((2.9, None), (1.0, 3.3)):
        got, duration = frames(start=start, end=end)
        assert got == [(t, f) for t, f in whole if t >= start and (end is None or t < end)]
        assert duration == pytest.approx((end or 4.0) - start)
    with pytest.raises(vt.ParameterError, match=r"start=4.1 s is past the end of .*joined.ts \(4.000 s long\)"):
        vt.open_source(joined, start=4.1)
    # sampling (a palette's fit) takes the keyframe before each time too: 1.375, 2.125, 2.875 and 3.625 s
    samples = [int(f[::4, ::4].sum()) for f in vt.sample_frames(str(joined), 4, start=1.0)]
    assert samples == [f for t, f in whole if t in (2.0, 2.8, 3.6)]  # 0.8 s is before the start


def test_missing_and_not_a_video(tmp_path):
    with pytest.raises(vt.SourceError, match="no such file: .*nope.mp4"):
        vt.open_source(tmp_path / "nope.mp4")
    bad = tmp_path / "notes.mp4"
    bad.write_text("this is not a video\n" * 100)
    with pytest.raises(vt.SourceError, match="cannot read a video from .*notes.mp4"):
        vt.open_source(bad)


def test_an_mp4_cut_off_before_its_index_says_so(clip, tmp_path):
    """A recording killed before it was finished (moov at the end, never written): FFmpeg's reason, in one line."""
    import subprocess

    import imageio_ffmpeg

    whole = tmp_path / "whole.mp4"  # the moov atom after the media data, as a camera writes it
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(clip), "-c", "copy",
                    "-movflags", "-faststart", str(whole)], check=True)
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    with pytest.raises(vt.SourceError) as err:
        vt.open_source(cut)
    assert str(err.value) == (f"cannot read a video from {cut}: Invalid data found when processing input "
                              "(moov atom not found: an MP4/MOV recording cut off before it was finished has no "
                              "index, so it cannot be read)")


def test_truncated_file_reads_what_is_decodable(clip, tmp_path):
    data = clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 2 // 3])  # faststart: moov first, so the head is readable
    with vt.open_source(cut) as src:
        n = sum(1 for _ in src)
    assert 5 <= n < 50
    assert src.frames_read == n
    declared = src.info.duration
    assert declared == pytest.approx(2.0)  # the moov still says 50 frames at 25 fps
    assert src.warning == (f"{cut}: the video stops at {n / 25:.2f} s, {declared - n / 25:.1f} s short of "
                           f"{declared:.2f} s (its container declares {declared:.2f} s): "
                           "the file is cut off or damaged")


def _single_thread_times(path):
    """Frame times as one decoder thread gives them (FFmpeg's count: no frame lost in a final flush)."""
    import av

    times = []
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.codec_context.thread_count = 1
        for packet in c.demux(s):
            try:
                times += [round(float((f.pts - s.start_time) * s.time_base), 4) for f in packet.decode()]
            except av.error.FFmpegError:
                continue
    return times


@pytest.mark.parametrize("fraction", [0.5, 0.7, 0.9])
def test_a_file_cut_mid_frame_gives_every_frame_ffmpeg_decodes(tmp_path, fraction):
    """Frame-threaded decoding loses the frames still in the decoder when the cut frame fails at the end."""
    from videotools.sources.file import count_frames

    whole = tmp_path / "whole.mp4"  # B-frames, moov first: a cut file still opens
    with vt.open_source("synthetic:traffic?size=320x180&seconds=4&seed=3") as src, \
            vt.VideoSink(whole, fps=25, crf=20) as sink:
        for f in src:
            sink.write(f)
    data = whole.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: int(len(data) * fraction)])
    expected = _single_thread_times(cut)
    with vt.open_source(cut) as src:
        times = [round(src.time, 4) for _ in src]
    assert 10 < len(expected) < 100
    assert times == expected and count_frames(cut) == len(expected)


def test_a_whole_file_or_a_cut_at_end_gives_no_cut_off_warning(clip):
    for kw in ({}, {"end": 1.0}, {"start": 0.5}):
        with vt.open_source(clip, **kw) as src:
            assert sum(1 for _ in src) > 10 and src.warning is None, kw


def test_damaged_middle_is_reported(clip, tmp_path):
    data = bytearray(clip.read_bytes())
    mid = len(data) // 2
    data[mid: mid + 4000] = bytes(4000)  # zero a stretch of the video data
    bad = tmp_path / "damaged.mp4"
    bad.write_bytes(bytes(data))
    with vt.open_source(bad) as src:
        n = sum(1 for _ in src)
    assert n > 10  # decoding went on past the damage or stopped with what it had


def _ffmpeg_rgb(path):
    """ffmpeg's own rgb24 conversion of the first frame (the reference)."""
    import imageio_ffmpeg

    gen = imageio_ffmpeg.read_frames(str(path))
    meta = next(gen)
    w, h = meta["size"]
    frame = np.frombuffer(next(gen), np.uint8).reshape(h, w, 3)
    gen.close()
    return meta["pix_fmt"], frame


@pytest.mark.parametrize("args,path_kind", [
    (["-colorspace", "bt709", "-color_primaries", "bt709", "-color_trc", "bt709"], "yuv bt709"),
    (["-pix_fmt", "yuv444p"], "rgb24 fallback"),
    (["-pix_fmt", "yuvj420p"], "yuv full range"),
    ([], "yuv bt601"),
])
def test_colour_matches_ffmpegs_own_conversion(tmp_path, args, path_kind):
    clip = ffmpeg_clip(tmp_path, *args, frames=3, noise=0)
    pix_fmt, ref = _ffmpeg_rgb(clip)
    with vt.open_source(clip) as s:
        got = next(iter(s))
        assert (s.i420 is None) == (path_kind == "rgb24 fallback"), pix_fmt
    d = np.abs(got.astype(int) - ref)
    assert d.mean() < 1.5 and np.percentile(d, 99) <= 4, (pix_fmt, d.mean())


def test_odd_sized_file_reads_back(tmp_path):
    import subprocess

    import imageio_ffmpeg

    src = tmp_path / "even.mkv"
    with vt.VideoSink(src, fps=25, crf=0) as sink:
        sink.write(vt.SyntheticTraffic(size=(322, 182), noise=0).frame(0))
    odd = tmp_path / "odd.mkv"  # 4:4:4 allows odd sizes
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(src),
                    "-vf", "format=yuv444p,crop=321:181:0:0",
                    "-c:v", "libx264", "-pix_fmt", "yuv444p", "-crf", "0", str(odd)], check=True)
    with vt.open_source(odd) as s:
        frame = next(iter(s))
    assert s.size == (321, 181) and frame.shape == (181, 321, 3)


def test_http_stream_through_ffmpeg(clip):
    import functools
    import http.server
    import threading

    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(clip.parent))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/{clip.name}"
        with vt.open_source(url) as src:
            assert src.info.kind == "stream" and src.frame_count == 50 and src.size == (160, 90)  # the container says
            frames = list(src)
        with vt.open_source(clip) as local:
            ref = list(local)
        assert len(frames) == len(ref) == 50
        assert np.array_equal(frames[20], ref[20])
    finally:
        server.shutdown()


def test_rotated_phone_video_comes_out_upright(clip, tmp_path):
    import subprocess

    import imageio_ffmpeg

    rotated = tmp_path / "portrait.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-display_rotation", "90", "-i", str(clip),
                    "-c", "copy", str(rotated)], check=True)
    _, ref = _ffmpeg_rgb(rotated)
    with vt.open_source(rotated) as s:
        frame = next(iter(s))
    assert s.size == (90, 160) and frame.shape == (160, 90, 3)
    assert np.abs(frame.astype(int) - ref).mean() < 1.5


def test_decoder_threads_change_speed_not_frames(clip):
    with vt.open_source(clip) as a, vt.open_source(clip, decode_threads=1) as b:
        fa, fb = list(a), list(b)
    assert len(fa) == len(fb) == 50 and all(np.array_equal(x, y) for x, y in zip(fa, fb))
    with pytest.raises(vt.ParameterError, match="decoder threads must be >= 1, got 0"):
        vt.FileSource(clip, threads=0)


@pytest.mark.slow
def test_a_stalled_stream_is_closed_promptly(stalled_stream):
    import threading
    import time

    src = vt.open_source(stalled_stream)
    frames: list = []
    consumer = threading.Thread(target=lambda: frames.extend(src), daemon=True)
    consumer.start()
    seen = -1
    while len(frames) != seen:  # until the frames stop coming: the reader now waits on the network
        seen = len(frames)
        time.sleep(1.0)
    src.close()  # the reader is blocked on the network: close() must not wait for it
    consumer.join(5)
    assert 100 < len(frames) < 400, len(frames)
    assert not consumer.is_alive()  # the consumer saw the end of the frames


def test_errors_say_ffmpegs_reason_in_one_line(tmp_path):
    notes = tmp_path / "notes.mp4"
    notes.write_text("not a video at all\n" * 50)
    with pytest.raises(vt.SourceError, match=r"cannot read a video from .*notes.mp4: Invalid data found") as err:
        vt.open_source(notes)
    assert "\n" not in str(err.value)
    import subprocess

    import imageio_ffmpeg

    sound = tmp_path / "sound.m4a"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=duration=1",
                    "-c:a", "aac", str(sound)], check=True)
    with pytest.raises(vt.SourceError, match=r"sound.m4a: an audio-only file"):
        vt.open_source(sound)
    with pytest.raises(vt.ParameterError, match=r"start=100 s is past the end of .*traffic.mp4 \(20.000 s long\)"):
        vt.open_source(SAMPLE, start=100)


def _times(path):
    with vt.open_source(path) as src:
        times = [src.time for _ in src]
    return src, np.array(times)


def test_variable_frame_rate_video_keeps_its_timing(tmp_path):
    import subprocess

    import imageio_ffmpeg

    from videotools.sources.file import count_frames

    # 100 frames at 25 fps with a half-second hole after frame 50 (a phone dropping frames), and sound
    vfr = tmp_path / "vfr.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=160x90:rate=25:duration=4", "-f", "lavfi", "-i", "sine=duration=4.5",
                    "-vf", "setpts='N/25/TB + gt(N,50)*0.5/TB'", "-fps_mode", "vfr", "-c:v", "libx264",
                    "-c:a", "aac", str(vfr)], check=True)
    src, times = _times(vfr)
    # frame for frame, no repeats, each at the time FFmpeg itself decodes it at
    assert len(times) == 100 and src.frame_count == 100 and count_frames(vfr) == 100
    assert np.allclose(times, ffmpeg_times(vfr), atol=1e-6)
    gaps = np.diff(times)
    assert gaps.max() > 0.5 and np.allclose(np.delete(gaps, gaps.argmax()), 0.04, atol=1e-3)
    out = tmp_path / "copy.mp4"
    stats = vt.process(str(vfr), [lambda f: f], out=str(out))
    assert stats.frames == 100
    back, back_times = _times(out)
    assert len(back_times) == 100 and np.allclose(back_times, times - times[0], atol=1e-3)
    assert back.info.audio_codec == "aac" and abs(back.info.duration - 4.5) < 0.1, back.info.duration


def test_anamorphic_video_keeps_its_pixel_shape(tmp_path):
    import subprocess

    import imageio_ffmpeg

    dv = tmp_path / "dv.mp4"  # 720x480 NTSC DV shape: pixels 8:9, shown 4:3
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i",
                    "testsrc2=size=720x480:rate=30000/1001:duration=0.5", "-vf", "setsar=8/9",
                    "-c:v", "libx264", "-pix_fmt", "yuv420p", str(dv)], check=True)
    with vt.open_source(dv) as src:
        assert src.info.pixel_aspect == (8, 9) and src.size == (720, 480)
    for name, chain in (("copy.mp4", []), ("processed.mkv", [lambda f: f])):
        vt.process(str(dv), chain, out=str(tmp_path / name))
        with vt.open_source(tmp_path / name) as back:
            assert back.info.pixel_aspect == (8, 9) and back.size == (720, 480), name
    r = cli("info", str(dv))
    assert r.returncode == 0 and "pixels:   8:9 (anamorphic)" in r.stdout, r.stdout


@pytest.mark.parametrize(("gop", "want"), [(10, [0, 10, 20, 30, 40]), (250, [0])])
def test_sampling_a_file_takes_the_keyframe_before_each_time(tmp_path, gop, want):
    """Spread times land on their keyframes (each decoded alone); one keyframe gives one frame."""
    clip = ffmpeg_clip(tmp_path, "-g", str(gop), "-sc_threshold", "0", frames=50)
    with vt.open_source(clip) as src:
        every = list(src)
    samples = vt.sample_frames(str(clip), 5)  # times 0.2, 0.6, 1.0, 1.4, 1.8 s; keyframes every gop/25 s
    assert len(samples) == len(want)
    for frame, n in zip(samples, want):
        np.testing.assert_array_equal(frame, every[n])


def test_sampling_keeps_to_start_and_end(tmp_path):
    clip = ffmpeg_clip(tmp_path, "-g", "10", "-sc_threshold", "0", frames=50)
    with vt.open_source(clip) as src:
        every = list(src)
    within = vt.sample_frames(str(clip), 5, start=0.5, end=1.5)  # keyframes 0.8 and 1.2 s are inside
    assert len(within) == 2
    for frame, n in zip(within, [20, 30]):
        np.testing.assert_array_equal(frame, every[n])
    # no keyframe inside: the first frame at start stands in
    (only,) = vt.sample_frames(str(clip), 3, start=0.9, end=1.1)
    np.testing.assert_array_equal(only, every[23])


def test_a_packet_hook_gets_every_packet_once_and_the_frames_stay_the_same(tmp_path):
    """What a recording copies (``on_packet``) is what the file holds, video and sound, in demuxing order."""
    import subprocess

    import av
    import imageio_ffmpeg

    from tests.conftest import ROOT

    clip = tmp_path / "cars.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-t", "1.5", "-i",
                    str(ROOT.parent / "shared" / "media" / "car-detection.mp4"), "-vf", "scale=160:90",
                    "-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac", str(clip)], check=True)
    with av.open(str(clip)) as c:
        want = [(p.stream.type, p.pts) for p in c.demux() if p.dts is not None]
    seen: list = []
    with vt.FileSource(clip, on_packet=lambda p: seen.append((p.stream.type, p.pts))) as src:
        decoded = [(f.width, src.time) for f in src.iter_decoded()]
    with vt.FileSource(clip) as plain:
        times = [plain.time for _ in plain]
    assert seen == want and {t for t, _ in seen} == {"video", "audio"}
    assert [t for _, t in decoded] == times and len(times) == 19 and {w for w, _ in decoded} == {160}
    assert src.damaged == 0
