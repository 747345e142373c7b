"""The soundtrack of a recording: where it starts and ends against the pictures, copied or re-encoded."""

from __future__ import annotations

import dataclasses
import subprocess
from pathlib import Path

import imageio_ffmpeg
import pytest

import videotools as vt
from tests.media import CLIP, decode_errors, facts, lag, make_input, shifted

pytestmark = pytest.mark.skipif(not CLIP.exists(), reason=f"no real footage at {CLIP}")


@pytest.fixture(scope="module")
def inputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio-inputs")


@pytest.mark.parametrize("seconds", [1.3, -0.48], ids=["late", "early"])
@pytest.mark.parametrize(("ext", "codec"), [(".mkv", "ac3"), (".avi", "pcm_s16le")], ids=["copied", "re-encoded"])
def test_sound_keeps_its_place_against_the_video(inputs: Path, tmp_path: Path, seconds: float, ext: str,
                                                  codec: str) -> None:
    """Sound that starts after (or before) the video plays with the same pictures in the recording: Matroska
    keeps the offset of the copy; AVI, whose sound starts at 0, gets silence before it (or the early part cut)."""
    src = shifted(make_input("h264-ac3.ts", inputs), seconds, tmp_path / f"shifted{seconds}.mkv")
    fin = facts(src)
    assert abs(fin.offset - seconds) < 0.04
    out = tmp_path / f"out{ext}"
    vt.process(str(src), out=str(out))
    assert decode_errors(out) == []
    fout = facts(out)
    assert fout.audio_codec == codec
    assert abs(lag(fout, fin, window=(1.5, 3.5))) <= 0.002
    if ext == ".avi":
        assert fout.audio_start == pytest.approx(fout.times[0], abs=1e-6)
        sound_ends = fin.audio_end - fin.times[0]  # the early sound ends before the video does
        assert fout.audio_end == pytest.approx(min(fout.video_end, sound_ends), abs=1 / 48000)  # to the sample


@pytest.mark.parametrize(("name", "ext", "rate"), [("h264-mulaw.mov", ".mkv", 8000), ("vp9-opus.webm", ".avi", 48000)])
def test_reencoded_sound_is_cut_to_the_sample(inputs: Path, tmp_path: Path, name: str, ext: str, rate: int) -> None:
    """Sound re-encoded to PCM (G.711 into Matroska, Opus into AVI) lasts exactly as long as the frames
    written: a run stopped after 30 frames of 0.08 s."""
    src = make_input(name, inputs)
    out = tmp_path / f"out{ext}"
    vt.process(str(src), out=str(out), max_frames=30)
    fout = facts(out)
    assert (fout.audio_codec, len(fout.times)) == ("pcm_s16le", 30)
    assert round((fout.audio_end - fout.audio_start) * rate) == round(30 * 0.08 * rate)
    assert fout.audio_start == pytest.approx(fout.times[0], abs=1e-6)
    assert decode_errors(out) == []


@pytest.mark.parametrize("ext", [".mkv", ".avi"])
def test_a_cut_starts_the_sound_at_its_first_frame(inputs: Path, tmp_path: Path, ext: str) -> None:
    """``--start 1``: the first frame at or after 1 s is at 1.04 s (12.5 fps); the sound starts there too."""
    src = make_input("h264-mulaw.mov", inputs)
    out = tmp_path / f"out{ext}"
    vt.process(str(src), out=str(out), seek=vt.Seek(start=1.0))
    fin, fout = facts(src), facts(out)
    assert round(fout.times[0] - fin.times[0], 3) == 0.0
    cut = dataclasses.replace(fin, times=tuple(t for t in fin.times if t >= 1.0))  # the source from its cut on
    assert cut.times[0] == pytest.approx(1.04)
    assert abs(lag(fout, cut, window=(0.5, 2.5))) <= 0.002


@pytest.fixture(scope="module")
def joined(inputs: Path) -> tuple[Path, Path]:
    """A 4 s recording in MPEG-TS (H.264 + AAC), and it twice over (``cat a.ts a.ts``)."""
    part = inputs / "part.ts"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(make_input("h264-aac.mp4", inputs)),
                    "-c", "copy", "-f", "mpegts", str(part)], check=True, stdin=subprocess.DEVNULL)
    src = inputs / "joined.ts"
    src.write_bytes(part.read_bytes() * 2)
    return part, src


def test_two_recordings_joined_keep_their_sound(joined: tuple[Path, Path], tmp_path: Path) -> None:
    """Two MPEG-TS recordings joined (``cat a.ts b.ts``: the timestamps start again halfway) record whole into
    MP4, as the video's re-timing promises: the copied sound moves as the video does, so the second part keeps
    its sync (before, the muxer refused the sound going back: "invalid argument" after 4 s). Their AAC carries
    ADTS headers, which MP4's fragmented muxer refuses ("operation not permitted" before): they are stripped."""
    part, src = joined
    out = tmp_path / "out.mp4"
    vt.process(str(src), out=str(out))
    assert decode_errors(out) == []
    fin, fout = facts(part), facts(out)
    n = len(fin.times)
    assert (fout.audio_codec, len(fout.times)) == ("aac", 2 * n)
    second = dataclasses.replace(fin, times=tuple(t - n * fin.frame_duration for t in fin.times))  # from 4 s on
    assert abs(lag(fout, fin, window=(1.0, 3.0))) <= 0.002
    assert abs(lag(fout, second, window=(4.5, 6.5))) <= fin.audio_frame / 2 + 0.001  # joined at whole packets
    assert fout.audio_end == pytest.approx(fout.video_end, abs=fin.audio_frame)


def test_a_cut_in_the_second_of_two_joined_recordings_keeps_its_sound(joined: tuple[Path, Path],
                                                                       tmp_path: Path) -> None:
    """``--start 5.5`` in two recordings joined (the second plays from 4 s): the frames a whole decode gives from
    5.5 s on, and the second part's sound from there, in sync. Before, the start was refused as past the end
    (4 s, one recording's length), and the sound was sought by a timestamp both parts hold."""
    part, src = joined
    with vt.open_source(str(src)) as whole:
        times = [whole.time for _ in whole]
    out = tmp_path / "cut.mp4"
    vt.process(str(src), out=str(out), seek=vt.Seek(start=5.5))
    assert decode_errors(out) == []
    fin, fout = facts(part), facts(out)
    kept = [t for t in times if t >= 5.5]
    assert len(fout.times) == len(kept) and fout.times[-1] - fout.times[0] == pytest.approx(kept[-1] - kept[0])
    back = times[len(fin.times)] - fin.times[0]  # where the second part starts, less where the part does
    cut = dataclasses.replace(fin, times=tuple(t for t in fin.times if t + back >= kept[0] - 1e-6))
    assert abs(fout.offset) <= fin.audio_frame  # the sound starts with the first frame, within a packet
    assert abs(lag(fout, cut, window=(0.3, 2.0))) <= fin.audio_frame / 2 + 0.001
