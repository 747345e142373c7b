"""Real footage in the codec/container pairs devices write, and what a decoded file holds.

The inputs are made from ``../shared/media/car-detection.mp4`` (H.264 + AAC) by
the bundled ffmpeg: 4 s, 320x180, each in the codecs and container a kind of
device writes (IP cameras, NVRs, broadcast, dash cameras, phones, editors).
"""

from __future__ import annotations

import fcntl
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import av
import imageio_ffmpeg
import numpy as np

from tests.conftest import ROOT

CLIP = ROOT.parent / "shared" / "media" / "car-detection.mp4"
SECONDS = 4
SIZE = "320:180"
SOUND_RATE = 8000  # Hz, of the sound facts() keeps to compare
# The clip's own sound is digital silence: bursts of noise (50 ms every 0.5 s) are mixed in, so that
# whether sound and pictures still line up can be measured on the sound itself (see lag()).
CLICKS = "aevalsrc='0.5*(random(0)*2-1)*lt(mod(t,0.5),0.05)':s=48000"
MIX = "[0:a][1:a]amix=inputs=2:duration=first:normalize=0[a]"

# name (also the file name) -> (video options, audio options); the file's extension picks the container
INPUTS: dict[str, tuple[list[str], list[str]]] = {
    "h264-aac.mp4": (["-c:v", "libx264", "-preset", "veryfast"], ["-c:a", "aac"]),  # the clip as phones write it
    "h264-mulaw.mov": (["-c:v", "libx264", "-preset", "veryfast"],
                       ["-c:a", "pcm_mulaw", "-ar", "8000", "-ac", "1"]),  # IP camera, G.711
    "mjpeg-pcm.avi": (["-c:v", "mjpeg", "-q:v", "4"], ["-c:a", "pcm_s16le", "-ar", "22050", "-ac", "1"]),  # dash cam
    "hevc-eac3.ts": (["-c:v", "libx265", "-preset", "ultrafast", "-x265-params", "log-level=error"],
                     ["-c:a", "eac3"]),  # NVR
    "h264-ac3.ts": (["-c:v", "libx264", "-preset", "veryfast"], ["-c:a", "ac3"]),  # broadcast
    "h264-aac.ts": (["-c:v", "libx264", "-preset", "veryfast"], ["-c:a", "aac"]),  # HLS, IPTV, dash cams
    "mpeg4-ac3.avi": (["-c:v", "mpeg4", "-q:v", "4"], ["-c:a", "ac3"]),
    "mpeg2-mp2.ts": (["-c:v", "mpeg2video", "-r", "25", "-q:v", "4"], ["-c:a", "mp2"]),  # DVB; MPEG-2 has no 12.5 fps
    "vp9-opus.webm": (["-c:v", "libvpx-vp9", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k"],
                      ["-c:a", "libopus"]),
    "h264-10bit-aac.mkv": (["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p10le"], ["-c:a", "aac"]),
    "h264-fullrange-aac.mp4": (["-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuvj420p"],
                               ["-c:a", "aac"]),  # phone / editor, full range
    "prores-pcm.mov": (["-c:v", "prores_ks", "-profile:v", "0"], ["-c:a", "pcm_s16le"]),  # editor
    "h264-mp3.flv": (["-c:v", "libx264", "-preset", "veryfast"], ["-c:a", "libmp3lame", "-ar", "44100"]),
}


def make_input(name: str, folder: Path) -> Path:
    """Transcode the first ``SECONDS`` of the real clip into ``folder / name``, once: later calls, from any
    process (pytest-xdist workers share the folder), reuse it."""
    out = folder / name
    with open(folder / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not out.exists():
            video, audio = INPUTS[name]
            part = out.with_name(f"part-{name}")
            subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", "-t", str(SECONDS), "-i",
                            str(CLIP), "-f", "lavfi", "-i", CLICKS, "-filter_complex", MIX, "-map", "0:v", "-map",
                            "[a]", "-vf", f"scale={SIZE}", *video, *audio, str(part)], check=True,
                           stdin=subprocess.DEVNULL)
            part.rename(out)
    return out


def shifted(src: Path, seconds: float, out: Path) -> Path:
    """``src`` remuxed into ``out`` with its sound ``seconds`` later (< 0: earlier) than its video."""
    late, early = ["-itsoffset", str(abs(seconds))] if seconds > 0 else [], \
        ["-itsoffset", str(abs(seconds))] if seconds < 0 else []
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *early, "-i", str(src), *late, "-i", str(src),
                    "-map", "0:v", "-map", "1:a", "-c", "copy", str(out)], check=True, stdin=subprocess.DEVNULL)
    return out


def decode_errors(path: Path) -> list[str]:
    """The lines ``ffmpeg -v error`` prints decoding every stream of ``path`` (none for a clean file)."""
    p = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-f", "null", "-"],
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    return [line for line in p.stderr.splitlines() if line.strip()]


def codec_name(stream: av.stream.Stream) -> str:
    """FFmpeg's name of a stream's codec (``mp3``, not the decoder's ``mp3float``)."""
    return stream.codec_context.codec.canonical_name


@dataclass(frozen=True)
class Facts:
    """What a player gets from a file: each video frame's time, and where the sound starts and ends."""

    video_codec: str
    times: tuple[float, ...]  # presentation time of every decoded video frame, in s
    frame_duration: float  # seconds one video frame lasts
    audio_codec: str | None
    audio_start: float | None  # s, of the first decoded sample
    audio_end: float | None  # s, past the last decoded sample
    audio_frame: float | None  # s, of the longest decoded audio frame
    sound: np.ndarray = field(default_factory=lambda: np.zeros(0, np.float32))  # mono, SOUND_RATE, from audio_start

    @property
    def video_end(self) -> float:
        return self.times[-1] + self.frame_duration

    @property
    def offset(self) -> float:
        """Seconds from the first video frame to the first sound (0: they start together)."""
        assert self.audio_start is not None
        return self.audio_start - self.times[0]


def facts(path: Path) -> Facts:
    """Decode ``path`` through (video, then audio) and note the times a player would show."""
    with av.open(str(path)) as c:
        v = c.streams.video[0]
        times = tuple(float(f.time) for f in c.decode(v) if f.time is not None)
        rate = v.average_rate or v.guessed_rate or 25
        codec = codec_name(v)
        has_audio = bool(c.streams.audio)
    if not has_audio:
        return Facts(codec, times, float(1 / rate), None, None, None, None)
    with av.open(str(path)) as c:
        a = c.streams.audio[0]
        start = end = None
        longest = 0.0
        resampler = av.AudioResampler(format="flt", layout="mono", rate=SOUND_RATE)
        chunks = []
        for f in c.decode(a):
            if f.time is None:
                continue
            start = f.time if start is None else start
            end = f.time + f.samples / f.sample_rate
            longest = max(longest, f.samples / f.sample_rate)
            f.pts = None
            chunks += [o.to_ndarray().reshape(-1) for o in resampler.resample(f)]
        chunks += [o.to_ndarray().reshape(-1) for o in resampler.resample(None)]
        return Facts(codec, times, float(1 / rate), codec_name(a), start, end, longest, np.concatenate(chunks))


def lag(out: Facts, source: Facts, *, window: tuple[float, float] = (1.0, 3.0), search: float = 0.1) -> float:
    """Seconds the sound of ``out`` plays late against its video, compared with ``source`` (0: in sync).

    Both soundtracks are lined up on their first video frame; the lag is where the
    window of ``out`` best matches ``source``, searched within ``search`` seconds.
    """
    rate = SOUND_RATE
    i0, n = round((window[0] - out.offset) * rate), round((window[1] - window[0]) * rate)
    seg = out.sound[i0:i0 + n]
    best, best_score = 0.0, -np.inf
    for d in range(-round(search * rate), round(search * rate) + 1):
        j0 = round((window[0] - source.offset) * rate) - d
        ref = source.sound[j0:j0 + n]
        if j0 < 0 or len(ref) < n:
            continue
        score = float(seg @ ref) / (float(np.linalg.norm(ref) * np.linalg.norm(seg)) + 1e-9)
        if score > best_score:
            best, best_score = d / rate, score
    if best_score == -np.inf:
        raise ValueError(f"the window {window} s holds no sound of the source to compare with")
    return best
