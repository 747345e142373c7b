"""10-bit, full-range, rotated, anamorphic, interlaced and HDR footage: RGB as FFmpeg converts it, and copies
whose colour tags agree with their pixels."""

import subprocess

import numpy as np
import pytest

import videotools as vt
from tests.conftest import ROOT

CARS = ROOT.parent / "shared" / "media" / "car-detection.mp4"
X265 = ["-x265-params", "log-level=error"]

# name: (ffmpeg output options, display rotation or None, planar (I420 crosses untouched), size, pixel aspect)
CASES = {
    "10-bit H.264": (["-c:v", "libx264", "-pix_fmt", "yuv420p10le"], None, False, (320, 180), (1, 1)),
    "10-bit HEVC BT.709": (["-c:v", "libx265", *X265, "-pix_fmt", "yuv420p10le", "-colorspace", "bt709"],
                           None, False, (320, 180), (1, 1)),
    "full range": (["-c:v", "libx264", "-pix_fmt", "yuvj420p"], None, True, (320, 180), (1, 1)),
    "10-bit full range": (["-c:v", "libx264", "-pix_fmt", "yuv420p10le", "-color_range", "pc"],
                          None, False, (320, 180), (1, 1)),
    "rotated": (["-c:v", "libx264"], "90", False, (180, 320), (1, 1)),
    "10-bit rotated": (["-c:v", "libx264", "-pix_fmt", "yuv420p10le"], "-90", False, (180, 320), (1, 1)),
    "anamorphic": (["-c:v", "libx264", "-vf", "scale=240:180,setsar=4/3"], None, True, (240, 180), (4, 3)),
    "interlaced": (["-c:v", "libx264", "-vf", "scale=320:180,setfield=tff", "-flags", "+ildct+ilme",
                    "-field_order", "tt"], None, True, (320, 180), (1, 1)),
    "HDR PQ": (["-c:v", "libx265", "-x265-params", "log-level=error:colorprim=bt2020:transfer=smpte2084:"
                "colormatrix=bt2020nc", "-pix_fmt", "yuv420p10le"], None, False, (320, 180), (1, 1)),
}


def _ffmpeg(*args: str, capture: bool = False) -> bytes:
    import imageio_ffmpeg

    r = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-y", *args], check=True,
                       capture_output=True)
    assert capture or r.stderr == b"", r.stderr
    return r.stdout


def _clip(folder, options, rotation, seconds=0.5):
    """``seconds`` of the real footage, 320x180, encoded with ``options`` (then turned by ``rotation``)."""
    made = folder / "made.mkv"
    vf = [] if "-vf" in options else ["-vf", "scale=320:180"]
    _ffmpeg("-ss", "5", "-t", str(seconds), "-i", str(CARS), "-an", *vf, *options, str(made))
    if rotation is None:
        return made
    turned = folder / "turned.mp4"
    _ffmpeg("-display_rotation", rotation, "-i", str(made), "-c", "copy", str(turned))
    return turned


def _reference(path, size, n=3):
    """FFmpeg's own decode and rgb24 conversion of the first ``n`` frames (turned upright, as it does)."""
    raw = _ffmpeg("-i", str(path), "-frames:v", str(n), "-f", "rawvideo", "-pix_fmt", "rgb24", "-", capture=True)
    w, h = size
    return np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)


@pytest.mark.slow
@pytest.mark.parametrize("name", list(CASES))
def test_rgb_frames_match_ffmpegs_own_conversion(tmp_path, name):
    options, rotation, planar, size, aspect = CASES[name]
    clip = _clip(tmp_path, options, rotation)
    ref = _reference(clip, size)
    with vt.open_source(clip) as src:
        assert src.size == size and src.info.pixel_aspect == aspect
        assert src.info.interlaced == (name == "interlaced") and src.info.transfer == ("pq" if "HDR" in name else None)
        assert (src.i420 is not None) == planar  # planes cross untouched only where that is exact
        got = [f for _, f in zip(range(len(ref)), src)]
    for i, (a, b) in enumerate(zip(got, ref)):
        assert np.abs(a.astype(int) - b).mean() < 2, (name, i)
    if not planar:
        with vt.open_source(clip) as src, pytest.raises(vt.SourceError, match="cannot be read as I420"):
            src.iter_yuv()

    out = tmp_path / "copy.mp4"  # a plain copy: planar where it can be; its tags must say what its pixels are
    vt.process(clip, out=str(out), encoding=vt.Encoding(crf=10))
    _ffmpeg("-i", str(out), "-f", "null", "-")
    back = _reference(out, size)
    assert np.abs(back.astype(int) - ref).mean() < 2, name  # a range or matrix tagged wrong is off by 5-15


def _combing(frame: np.ndarray) -> float:
    """How much more a row differs from the next (the other field) than from the one after (its own field)."""
    f = frame.astype(int)
    return float(np.abs(f[1:-1:2] - f[:-2:2]).mean() - np.abs(f[2::2] - f[:-2:2]).mean())


@pytest.mark.slow
def test_interlaced_video_is_woven_or_deinterlaced_as_ffmpeg_does(tmp_path):
    """Fields 80 ms apart (two frames of the footage woven into one): combed unless deinterlaced with bwdif."""
    clip = _clip(tmp_path, ["-c:v", "libx264", "-vf", "scale=320:360,tinterlace=mode=merge,scale=320:180:interl=1,"
                            "setfield=tff", "-flags", "+ildct+ilme", "-field_order", "tt"], None, seconds=1)
    woven_ref = _reference(clip, (320, 180), n=6)
    bwdif = _ffmpeg("-i", str(clip), "-vf", "bwdif=mode=send_frame:parity=auto:deint=interlaced", "-frames:v", "6",
                    "-f", "rawvideo", "-pix_fmt", "rgb24", "-", capture=True)
    bwdif_ref = np.frombuffer(bwdif, np.uint8).reshape(-1, 180, 320, 3)
    runs = {}
    for deinterlace in (False, True):
        with vt.open_source(clip, deinterlace=deinterlace) as src:
            assert src.info.interlaced and src.i420 is not None  # deinterlaced frames still cross as I420
            runs[deinterlace] = [(f, src.time) for f in src]
    woven, smooth = runs[False], runs[True]
    assert [t for _, t in woven] == [t for _, t in smooth] and len(woven) == 6  # a frame per frame, same times
    for (a, _), b in zip(woven, woven_ref):
        assert np.abs(a.astype(int) - b).mean() < 2
    for (a, _), b in zip(smooth, bwdif_ref):
        assert np.abs(a.astype(int) - b).mean() < 2
    assert np.mean([_combing(f) for f, _ in woven]) > 2 > np.mean([_combing(f) for f, _ in smooth])
    from typer.testing import CliRunner

    from videotools.cli import app
    r = CliRunner().invoke(app, ["info", str(clip)])  # as the README says, info tells interlaced video apart
    assert r.exit_code == 0 and "scan:     interlaced (--deinterlace rebuilds each frame" in r.output, r.output
