"""What a recording leaves after a crash or a full disk: nothing, or a file that decodes with zero errors."""

import errno
import os
import shutil
import signal
import subprocess
import sys
import time

import av
import imageio_ffmpeg
import pytest

import videotools as vt
from tests.conftest import ROOT
from videotools import files
from videotools.sinks import video

FFMPEG = imageio_ffmpeg.get_ffmpeg_exe()
FOOTAGE = ROOT.parent / "shared" / "media" / "car-detection.mp4"
CLUSTER_ID = b"\x1f\x43\xb6\x75"


def _errors(path) -> str:
    """What ``ffmpeg -v error`` says decoding ``path`` (empty: it decodes cleanly)."""
    r = subprocess.run([FFMPEG, "-v", "error", "-i", str(path), "-f", "null", "-"], capture_output=True, text=True)
    return r.stderr.strip()


def _frames(path) -> int:
    with av.open(str(path)) as c:
        return sum(1 for _ in c.decode(video=0))


def _pieces(data: bytes, ext: str) -> int:
    """Fragments (MP4) or clusters (Matroska) in ``data`` (a count to wait on, not a parse)."""
    return data.count(b"moof") if ext == ".mp4" else data.count(CLUSTER_ID)


def _clip(tmp_path, name: str, *args: str, seconds: float = 3):
    """A 320x180 cut of the real footage, transcoded by the ffmpeg command."""
    out = tmp_path / name
    subprocess.run([FFMPEG, "-v", "error", "-t", str(seconds), "-i", str(FOOTAGE), "-vf", "scale=320:180", *args,
                    str(out)], check=True)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("ext", [".mp4", ".mkv", ".avi"])
def test_the_file_decodes_cleanly_whenever_it_has_a_name(tmp_path, ext, monkeypatch):
    """A crash can only come between two commits: each state the file is in once named must decode cleanly,
    and the name comes with the first fragment / cluster, not seconds later."""
    src = _clip(tmp_path, "in.mkv", "-c:v", "libx264", "-c:a", "ac3")
    out = tmp_path / f"rec{ext}"
    states: list[bytes] = []  # the file's bytes after each commit that grew it
    named_at: list[int] = []  # how many states there were when it got its name
    commit, publish = files.WholeWrites.commit, files.PendingFile.publish

    def spy_commit(self):
        before = self.size
        size = commit(self)
        if size > before:
            states.append(os.pread(self.fd, size, 0))
        return size

    def spy_publish(self, **kw):
        if self.path == out and not named_at:
            named_at.append(len(states))
        return publish(self, **kw)

    monkeypatch.setattr(files.WholeWrites, "commit", spy_commit)
    monkeypatch.setattr(files.PendingFile, "publish", spy_publish)
    vt.process(str(src), [], out=str(out))
    named = states[named_at[0] - 1:]  # the state that got the name, and every later one
    assert named_at[0] <= 2  # at most the header was written alone before
    checked = named if ext != ".avi" else named[::10] + named[-1:]  # an AVI commits each packet
    counts = []
    for i, data in enumerate(checked):
        snap = tmp_path / f"snap{i}{ext}"
        snap.write_bytes(data)
        assert _errors(snap) == "", (i, len(data), _errors(snap))
        counts.append(_frames(snap))
    assert counts == sorted(counts) and counts[0] >= 1
    # 12.5 fps: the first piece (FRAGMENT s) plus what x264 holds back (about 20 frames) names the file
    assert ext == ".avi" or counts[0] <= round(12.5 * video.FRAGMENT) + 1, counts
    assert _frames(out) == _frames(src) and _errors(out) == ""  # and the finished file is whole


@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_a_full_disk_cuts_the_file_back_to_its_last_whole_piece(tmp_path, ext, monkeypatch):
    """The disk takes half of the 4th piece, then refuses: the file is cut back to 3 whole pieces, decodes
    cleanly, and the error is one line about the user's file."""
    pwrite = os.pwrite
    state = {"grown": 0}

    def full(fd, data, offset):
        if offset >= os.fstat(fd).st_size:  # a write that grows the file
            state["grown"] += 1
            if state["grown"] == 4:
                return pwrite(fd, bytes(data)[: len(data) // 2], offset)
            if state["grown"] > 4:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return pwrite(fd, data, offset)

    monkeypatch.setattr(files.os, "pwrite", full)
    out = tmp_path / f"rec{ext}"
    sizes = []
    commit = files.WholeWrites.commit

    def spy(self):
        size = commit(self)
        sizes.append(size)
        return size

    monkeypatch.setattr(files.WholeWrites, "commit", spy)
    with pytest.raises(vt.SinkError) as caught:
        vt.process("synthetic:traffic?size=320x180&seconds=4", [], out=str(out))
    message = str(caught.value)
    assert message == f"writing {out} failed: no space left on device (disk full) (the part written so far plays)"
    assert "\n" not in message and "/proc/" not in message
    assert sorted(p.name for p in tmp_path.iterdir()) == [out.name]
    data = out.read_bytes()
    assert len(data) == sorted(set(sizes))[-1]  # the size after the 3rd whole piece
    assert _errors(out) == "" and _frames(out) > 0


def test_a_muxer_that_refuses_a_stream_is_named_with_what_to_do(tmp_path, monkeypatch):
    """MP4 without delay_moov refuses AC-3 before its first packet: the one line names the file, the stream,
    FFmpeg's reason and the ways out, never a file descriptor."""
    src = _clip(tmp_path, "in.avi", "-c:v", "mpeg4", "-c:a", "ac3", seconds=1)
    options = dict(video.MUXER_OPTIONS)
    options["mp4"] = dict(options["mp4"], movflags="frag_keyframe+empty_moov+default_base_moof")
    monkeypatch.setattr(video, "MUXER_OPTIONS", options)
    out = tmp_path / "rec.mp4"
    with pytest.raises(vt.SinkError) as caught:
        vt.process(str(src), [], out=str(out))
    message = str(caught.value)
    assert message.startswith(f"cannot record {out}: FFmpeg's mp4 muxer refuses libx264 video and ac3 (copied) "
                              f"sound from {src} (Cannot write moov atom before AC3 packets); "), message
    assert message.endswith("use another container (.mkv takes any codec), or --no-audio"), message
    assert "/proc/" not in message and "\n" not in message
    assert list(tmp_path.iterdir()) == [src]


@pytest.mark.slow
@pytest.mark.parametrize(("name", "args", "codec"), [
    ("mpeg4-ac3.avi", ("-c:v", "mpeg4", "-c:a", "ac3"), "ac3"),
    ("h264-ac3.ts", ("-c:v", "libx264", "-c:a", "ac3"), "ac3"),
    ("hevc-eac3.ts", ("-c:v", "libx265", "-x265-params", "log-level=error", "-c:a", "eac3"), "eac3"),
])
def test_ac3_and_eac3_sound_is_copied_into_mp4(tmp_path, name, args, codec):
    src = _clip(tmp_path, name, *args, seconds=2)
    out = tmp_path / "rec.mp4"
    vt.process(str(src), [], out=str(out))
    assert _errors(out) == ""
    with av.open(str(out)) as c:
        assert [s.codec_context.name for s in c.streams] == ["h264", codec]
        audio = [p for p in c.demux(c.streams.audio[0]) if p.size]
    with av.open(str(src)) as c:
        original = [bytes(p) for p in c.demux(c.streams.audio[0]) if p.size]
    assert [bytes(p) for p in audio] == original[:len(audio)] and len(audio) >= len(original) - 2  # copied
    head = out.read_bytes()[:64 * 1024]
    assert head.find(b"moov") < head.find(b"mdat")  # the clean close still rewrites it with +faststart


def _nameless_file_in(pid: int, folder) -> bool:
    """Whether process ``pid`` has a file open in ``folder`` that has no name yet (O_TMPFILE or a hidden one)."""
    try:
        links = [os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")]
    except OSError:
        return False
    return any(link.startswith(str(folder) + "/") for link in links)


@pytest.mark.slow
@pytest.mark.parametrize("ext", [".mp4", ".mkv"])
def test_kill_9_at_any_moment_leaves_a_clean_file_or_none(tmp_path, ext):
    """``kill -9`` at five moments, each reached by waiting for a state of the file, not a time: while it is
    nameless, as soon as it is named, and after 3, 6 and 10 fragments / clusters."""
    moments = ["nameless", "named", 3, 6, 10]
    for moment in moments:
        folder = tmp_path / str(moment)
        folder.mkdir()
        out = folder / f"rec{ext}"
        proc = subprocess.Popen([sys.executable, "-m", "videotools", "run", "synthetic:traffic?seconds=0&size=320x180",
                                 "--out", str(out), "-q"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                start_new_session=True)
        try:
            deadline = time.monotonic() + 60
            while time.monotonic() < deadline and proc.poll() is None:
                if moment == "nameless":  # (on a busy machine it may be named before a look finds it nameless)
                    reached = _nameless_file_in(proc.pid, folder) or out.exists()
                elif moment == "named":
                    reached = out.exists()
                else:
                    reached = out.exists() and _pieces(out.read_bytes(), ext) >= moment
                if reached:
                    break
                time.sleep(0.005)
            else:
                pytest.fail(f"{moment}: not reached (exit code {proc.poll()})")
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(10)
        names = sorted(p.name for p in folder.iterdir())
        assert names in ([], [out.name]), (moment, names)  # no temporary or partial file under any name
        if moment == "nameless":
            continue  # (it may have been named meanwhile)
        assert names, moment
        assert _errors(out) == "", (moment, _errors(out))
        frames = _frames(out)
        assert frames >= 1, moment
        if isinstance(moment, int):  # whole pieces of 12 or 13 frames (fewer where x264 puts a keyframe)
            assert frames >= moment * 6, (moment, frames)


@pytest.mark.slow
def test_a_full_disk_leaves_one_line_and_a_clean_file(tmp_path):
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("needs root to mount a small tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)]).returncode:
        pytest.skip("cannot mount a tmpfs here")
    try:
        for ext in (".mp4", ".mkv"):
            out = disk / f"big{ext}"
            r = subprocess.run([sys.executable, "-m", "videotools", "run",
                                "synthetic:traffic?seconds=20&size=320x180&noise=20", "--out", str(out), "-q",
                                "--crf", "10"], capture_output=True, text=True, timeout=120)
            lines = r.stderr.strip().splitlines()
            assert r.returncode == 1 and len(lines) == 1, r.stderr
            assert lines[0] == (f"videotools: error: writing {out} failed: no space left on device (disk full) "
                                "(the part written so far plays)"), lines
            assert sorted(p.name for p in disk.iterdir()) == [out.name]
            assert _errors(out) == "" and _frames(out) >= round(25 * video.FRAGMENT)  # at least one whole piece
            out.unlink()
    finally:
        subprocess.run(["umount", str(disk)])
