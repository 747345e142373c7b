"""Real-world media in and out: the codec/container pairs devices write, run as a new user would, into every
container the video sink writes (``CONTAINERS`` in videotools/sinks/video.py: MP4, MKV, MOV, AVI; no WebM).

The matrix (13 inputs, made once per session from the real clip; see tests/media.py):

* a copy (no processor): every input into MP4, MKV, MOV and AVI (52 cells): every audio path;
* a planar processor (``flip:axis=h``): every input into MP4 (13 cells): every decoder into I420 and x264;
* an RGB processor (``blur``): every input into MKV (13 cells): every decoder into RGB and back;
* the real clip itself (768x432, its own AAC, first 4 s) into MP4, as the issue ran it (1 cell).

Every output decodes with zero error lines from ``ffmpeg -v error``, holds exactly the frames and times
the input decodes to, and keeps its sound in the codec ``AUDIO_OUT`` names (copied, or re-encoded where
the container cannot hold it or cannot place it), starting with the video as the input's does and lasting
as long as the video (within one audio frame), its content lined up with the input's within 11 ms.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from pathlib import Path

import pytest

import videotools as vt
from tests.media import CLIP, INPUTS, Facts, decode_errors, facts, lag, make_input
from videotools.chain import parse_chain

# The audio each input's output carries, in MP4, MKV, MOV, AVI: "copy" keeps the input's codec.
AUDIO_OUT = {
    "h264-aac.mp4": ("copy", "copy", "copy", "pcm_s16le"),
    "h264-mulaw.mov": ("aac", "pcm_s16le", "copy", "copy"),
    "mjpeg-pcm.avi": ("aac", "copy", "copy", "copy"),
    "hevc-eac3.ts": ("copy", "copy", "copy", "pcm_s16le"),
    "h264-ac3.ts": ("copy", "copy", "copy", "copy"),
    "h264-aac.ts": ("copy", "copy", "copy", "pcm_s16le"),  # ADTS headers stripped on the way into MP4/MKV/MOV
    "mpeg4-ac3.avi": ("copy", "copy", "copy", "copy"),
    "mpeg2-mp2.ts": ("aac", "copy", "aac", "pcm_s16le"),
    "vp9-opus.webm": ("copy", "copy", "aac", "pcm_s16le"),
    "h264-10bit-aac.mkv": ("copy", "copy", "copy", "pcm_s16le"),
    "h264-fullrange-aac.mp4": ("copy", "copy", "copy", "pcm_s16le"),
    "prores-pcm.mov": ("aac", "copy", "copy", "copy"),
    "h264-mp3.flv": ("copy", "copy", "copy", "pcm_s16le"),  # its sound starts 25 ms early: AVI cannot place it
}
OUTPUTS = (".mp4", ".mkv", ".mov", ".avi")
CHAINS = {"copy": "", "flip": "flip:axis=h", "blur": "blur"}
MAX_LAG = 0.011  # s: the copied sound AVI may move (audio.SHIFT_TOLERANCE), plus the 8 kHz measuring step


class OutOfSync(AssertionError):
    """The sound does not start, end or play where the pictures do."""


def cells() -> list:
    copy = [(name, "copy", ext) for name in INPUTS for ext in OUTPUTS]
    flip = [(name, "flip", ".mp4") for name in INPUTS]
    blur = [(name, "blur", ".mkv") for name in INPUTS]
    return [pytest.param(*cell, id=f"{cell[0]}-{cell[1]}{cell[2]}") for cell in copy + flip + blur]


@pytest.fixture(scope="session")
def media(tmp_path_factory: pytest.TempPathFactory):
    """Make (once a session) and describe an input by name."""
    if not CLIP.exists():
        pytest.skip(f"no real footage at {CLIP}")
    base = tmp_path_factory.getbasetemp()
    # pytest-xdist workers share one folder (make_input makes each input once, under a lock)
    folder = (base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base) / "conformance-inputs"
    folder.mkdir(exist_ok=True)
    known: dict[str, tuple[Path, Facts]] = {}

    def get(name: str) -> tuple[Path, Facts]:
        if name not in known:
            path = make_input(name, folder)
            known[name] = (path, facts(path))
        return known[name]
    return get


def check(out: Path, fin: Facts, audio: str, video: str, *, content: bool = True) -> None:
    """Everything a player needs of ``out``, made from an input described by ``fin``; sync last (it raises
    OutOfSync).

    ``content``: also line the sound up with the input's (not for the real clip: its sound is silence).
    """
    assert decode_errors(out) == []
    fout = facts(out)
    assert fout.video_codec == video
    rel = [round(t - fin.times[0], 3) for t in fin.times]
    assert [round(t - fout.times[0], 3) for t in fout.times] == rel
    assert fout.audio_codec == (fin.audio_codec if audio == "copy" else audio)
    assert fout.audio_start is not None and fout.audio_end is not None
    # one audio frame, the tolerance (up to it included: AAC's priming frame, which MP4 skips by its edit list and
    # MPEG-TS shows as sound starting a frame early, moves the start by exactly one frame)
    frame = max(fout.audio_frame or 0.0, fin.audio_frame or 0.0) + 1e-6
    if abs(fout.offset - fin.offset) > frame:
        raise OutOfSync(f"sound starts {fout.offset:+.3f} s from the video (input {fin.offset:+.3f} s)")
    if abs(fout.audio_end - fout.video_end) > frame:
        raise OutOfSync(f"sound ends at {fout.audio_end:.3f} s, the video at {fout.video_end:.3f} s")
    if content and abs(d := lag(fout, fin)) > MAX_LAG:
        raise OutOfSync(f"sound plays {d * 1000:+.1f} ms late against the input's")


@pytest.mark.parametrize(("name", "chain", "ext"), cells())
def test_matrix(media, tmp_path: Path, name: str, chain: str, ext: str) -> None:
    src, fin = media(name)
    out = tmp_path / f"out{ext}"
    stats = vt.process(str(src), parse_chain(CHAINS[chain]), out=str(out))
    assert stats.extra["outputs"] == [str(out)]
    check(out, fin, AUDIO_OUT[name][OUTPUTS.index(ext)], "mjpeg" if ext == ".avi" else "h264")


def test_real_clip_to_mp4(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """``videotools run ../shared/media/car-detection.mp4 --out x.mp4``, the issue's plainest case, on the
    clip itself (768x432, its own AAC) up to ``--end 4``."""
    if not CLIP.exists():
        pytest.skip(f"no real footage at {CLIP}")
    out = tmp_path / "x.mp4"
    with caplog.at_level(logging.WARNING):
        vt.process(str(CLIP), out=str(out), seek=vt.Seek(end=4.0))
    assert not caplog.records
    fin = facts(CLIP)
    fin = dataclasses.replace(fin, times=tuple(t for t in fin.times if t < 4.0))
    check(out, fin, "copy", "h264", content=False)  # its sound is silence: nothing to line up


@pytest.mark.parametrize("name", ["h264-ac3.ts", "hevc-eac3.ts", "mpeg2-mp2.ts"])
def test_start_in_mpeg_ts(media, tmp_path: Path, name: str) -> None:
    """``videotools run X.ts --start 1 --out s.mkv`` on MPEG-TS, whose seeks land anywhere (the H.264 and HEVC
    inputs have a single keyframe, at 0): the frames a whole decode gives from 1 s on, with their sound."""
    src, fin = media(name)
    out = tmp_path / "s.mkv"
    vt.process(str(src), out=str(out), seek=vt.Seek(start=1.0))
    assert decode_errors(out) == []
    fout = facts(out)
    kept = tuple(t for t in fin.times if t - fin.times[0] >= 1.0 - 1e-6)
    assert len(fout.times) == len(kept)
    assert [round(t - fout.times[0], 3) for t in fout.times] == [round(t - kept[0], 3) for t in kept]
    with vt.open_source(src, start=1.0) as cut:
        next(iter(cut))
        assert cut.time == pytest.approx(kept[0] - fin.times[0], abs=1e-6)
    assert fout.audio_start is not None and fout.audio_end is not None
    frame = max(fout.audio_frame or 0.0, fin.audio_frame or 0.0)
    assert abs(fout.offset) <= frame and abs(fout.audio_end - fout.video_end) <= frame
    cut_in = dataclasses.replace(fin, times=kept)  # the input's sound, lined up on its frame at 1 s
    assert abs(lag(fout, cut_in, window=(0.5, 2.5))) <= MAX_LAG
