"""``videotools run --lost-after`` and ``--deinterlace``: passed to the source, checked before any work."""

from __future__ import annotations

import http.server
import subprocess
import threading
from pathlib import Path

import numpy as np
import pytest

import videotools as vt
from tests.cli.helpers import invoke
from tests.conftest import ROOT
from videotools.settings import Input

CARS = ROOT.parent / "shared" / "media" / "car-detection.mp4"


def _ffmpeg(*args: str) -> bytes:
    import imageio_ffmpeg

    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *args], check=True, capture_output=True)
    return r.stdout


@pytest.mark.parametrize("value", ["0", "-1", "inf", "nan"])
def test_lost_after_must_be_seconds_above_zero(value: str) -> None:
    r = invoke("run", "synthetic:traffic?size=64x36&seconds=1", f"--lost-after={value}")
    assert r.returncode == 2 and "--lost-after" in r.stderr and value in r.stderr


@pytest.mark.parametrize("value", [0, -1.0, float("nan"), True, "5"])
def test_input_settings_name_the_parameter(value) -> None:
    with pytest.raises(vt.ParameterError, match=r"lost_after must be a number of seconds > 0"):
        Input(lost_after=value)


@pytest.mark.slow
def test_lost_after_ends_a_stream_that_went_away(tmp_path: Path) -> None:
    """An HTTP camera serves 2 s of MPEG-TS once, then is gone: with --lost-after 1 the run ends (not after
    the default 20 s), the recording finalized with every frame."""
    if not CARS.exists():
        pytest.skip(f"no real footage at {CARS}")
    clip = tmp_path / "cam.ts"
    _ffmpeg("-t", "2", "-i", str(CARS), "-vf", "scale=320:180", "-an", "-c:v", "libx264", "-preset", "ultrafast",
            "-g", "6", str(clip))
    served = [clip.read_bytes()]

    class Camera(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - the stdlib's name
            if not served:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "video/mp2t")
            self.end_headers()
            self.wfile.write(served.pop())

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Camera)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    out = tmp_path / "rec.mp4"
    try:
        r = invoke("run", f"http://127.0.0.1:{server.server_address[1]}/cam.ts", "--lost-after", "1",
                   "--out", str(out))
    finally:
        server.shutdown()
    assert r.returncode == 0, r.stderr
    assert "no frame for 1 s" in r.stderr
    with vt.open_source(out) as rec:
        assert sum(1 for _ in rec) == 25


@pytest.mark.slow
def test_deinterlace_rebuilds_frames_as_ffmpeg_bwdif(tmp_path: Path) -> None:
    """Fields 80 ms apart woven into one frame: --deinterlace gives FFmpeg's bwdif, without it the woven frame."""
    if not CARS.exists():
        pytest.skip(f"no real footage at {CARS}")
    clip = tmp_path / "interlaced.mp4"
    _ffmpeg("-ss", "4", "-t", "0.96", "-i", str(CARS), "-an", "-vf", "scale=320:360,tinterlace=mode=merge,"
            "scale=320:180:interl=1,setfield=tff", "-c:v", "libx264", "-flags", "+ildct+ilme", "-field_order", "tt",
            str(clip))

    def reference(*vf: str) -> np.ndarray:
        raw = _ffmpeg("-i", str(clip), *vf, "-frames:v", "4", "-f", "rawvideo", "-pix_fmt", "rgb24", "-")
        return np.frombuffer(raw, np.uint8).reshape(-1, 180, 320, 3).astype(int)

    runs = {}
    for flags in ((), ("--deinterlace",)):
        folder = tmp_path / ("bwdif" if flags else "woven")
        r = invoke("run", str(clip), *flags, "--max-frames", "4", "--out", str(folder / "%02d.png"), "--quiet")
        assert r.returncode == 0, r.stderr
        runs[bool(flags)] = np.stack([vt.read_image(p) for p in sorted(folder.glob("*.png"))]).astype(int)
    woven, smooth = runs[False], runs[True]
    assert len(woven) == len(smooth) == 4
    woven_ref, bwdif_ref = reference(), reference("-vf", "bwdif=mode=send_frame:parity=auto:deint=interlaced")

    def off(a: np.ndarray, b: np.ndarray) -> float:
        return float(np.abs(a - b).mean())
    # each run is FFmpeg's own (within its RGB conversion), and nearer to it than to the other
    assert off(woven, woven_ref) < 1.5 and off(woven, woven_ref) + 0.2 < off(woven, bwdif_ref)
    assert off(smooth, bwdif_ref) < 1.5 and off(smooth, bwdif_ref) + 0.2 < off(smooth, woven_ref)
