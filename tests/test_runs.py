"""One run object: options checked when a Run is made; execute() checks every output once, before the input opens.

The counting tests follow one real file through every entry point (vt.process, vt.posterize,
vt.background, and the run, posterize and background commands in-process) and record, in order,
each check of the outputs, each opening of the input by PyAV, and each frame a processor sees.
"""

from __future__ import annotations

import os
import subprocess

import av
import imageio_ffmpeg
import numpy as np
import pytest

import videotools as vt
from tests.cli.helpers import invoke
from tests.conftest import ROOT
from videotools import runs
from videotools.runs import Run, execute


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    """1.2 s of real footage at 320x180, no sound (so that no output opens the input again for its audio)."""
    out = tmp_path_factory.mktemp("runs") / "bottles.mp4"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i",
                    str(ROOT.parent / "shared" / "media" / "bottle-detection.mp4"), "-t", "1.2", "-vf",
                    "scale=320:180", "-an", "-c:v", "libx264", "-preset", "ultrafast", str(out)], check=True)
    return out


@pytest.fixture
def events(monkeypatch, clip):
    """What a run did, in order: ("check", sorted output names), ("open", None) of the input by PyAV,
    ("sample", None) for a fit's sampling (its own opens not counted), ("frame", None)."""
    import videotools.sources as sources

    seen: list[tuple[str, object]] = []
    sampling = []
    real_check, real_open, real_sample = runs.check_outputs, av.open, sources.sample_frames

    def check(outs, *, overwrite=False, source=None, also=()):
        seen.append(("check", sorted(os.path.basename(os.fspath(o)) for o in [*outs, *also])))
        return real_check(outs, overwrite=overwrite, source=source, also=also)

    def open_(file, *args, **kwargs):
        if isinstance(file, (str, os.PathLike)) and os.fspath(file) == str(clip) and not sampling:
            seen.append(("open", None))
        return real_open(file, *args, **kwargs)

    def sample(*args, **kwargs):
        seen.append(("sample", None))
        sampling.append(True)
        try:
            return real_sample(*args, **kwargs)
        finally:
            sampling.pop()

    monkeypatch.setattr(runs, "check_outputs", check)
    monkeypatch.setattr(av, "open", open_)
    monkeypatch.setattr(sources, "sample_frames", sample)
    return seen


def frames_seen(events):
    def count(frame):
        if not any(kind == "frame" for kind, _ in events):
            events.append(("frame", None))
        return frame
    return count


def test_process_checks_once_then_opens_once(tmp_path, clip, events):
    stats = vt.process(clip, [frames_seen(events)], out=[tmp_path / "a.mp4", str(tmp_path / "f%03d.png")])
    assert stats.frames > 0
    assert events == [("check", ["a.mp4", "f%03d.png"]), ("open", None), ("frame", None)]


def test_posterize_checks_its_palette_before_the_fit_samples(tmp_path, clip, events):
    stats = vt.posterize(clip, [frames_seen(events)], k=3, fit_frames=2, space="lab", out=tmp_path / "p.mp4",
                         palette_out=tmp_path / "p.json")
    assert stats.extra["palette"].k == 3 and (tmp_path / "p.json").exists()
    # the run's one open, then the fit's sampling, then the first frame
    assert events == [("check", ["p.json", "p.mp4"]), ("open", None), ("sample", None), ("frame", None)]


def test_background_checks_its_pngs_masks_and_stats_once(tmp_path, clip, events):
    vt.background(clip, [frames_seen(events)], save_dir=tmp_path, alphas=(0.5,), mask_out=tmp_path / "m.mp4",
                  stats_out=tmp_path / "s.csv")
    assert events == [("check", ["bottles-background-alpha0.5.png", "bottles-background-plate.png", "m.mp4",
                                 "s.csv"]), ("open", None), ("frame", None)]


@pytest.mark.parametrize("command", [["run"], ["posterize", "-k", "2", "--fit-frames", "2", "--space", "lab"]])
def test_each_command_checks_once_and_opens_once(tmp_path, clip, events, command):
    r = invoke(*command[:1], str(clip), *command[1:], "--out", str(tmp_path / "o.mp4"), "-q")
    assert r.returncode == 0, r.stderr
    sampled = [("sample", None)] if command[0] == "posterize" else []
    assert events == [("check", ["o.mp4"]), ("open", None), *sampled]


def test_a_bad_output_fails_before_the_input_opens(tmp_path, clip, events):
    (tmp_path / "taken.json").write_text("{}")
    with pytest.raises(vt.OutputExistsError, match="taken.json"):
        vt.posterize(clip, k=2, out=tmp_path / "p.mp4", palette_out=tmp_path / "taken.json")
    assert events == [("check", ["p.mp4", "taken.json"])]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken.json"]


class Plain:
    """A source that satisfies the protocol and subclasses nothing."""

    def __init__(self):
        self.info = vt.StreamInfo(fps=5.0, size=(16, 8))
        self.time = 0.0

    def __iter__(self):
        for i in range(3):
            self.time = i / 5
            yield np.zeros((8, 16, 3), np.uint8)

    def close(self):
        pass


@pytest.mark.parametrize("options,param", [
    ({"max_frames": 0}, "max_frames"), ({"max_frames": 1.5}, "max_frames"), ({"seek": (1, 2)}, "seek"),
    ({"encoding": {"crf": 20}}, "encoding"), ({"processors": [3]}, "processors"), ({"out": [3]}, "out"),
])
def test_a_bad_option_names_its_parameter(options, param):
    with pytest.raises(vt.ParameterError, match=f"^{param}") as info:
        Run("synthetic:traffic", **options)
    assert info.value.param == param


def test_an_open_source_is_read_as_it_is():
    run = Run(Plain(), out="x.png")
    assert run.out == ("x.png",) and not run.is_spec and run.reading == vt.Input()
    for options, param in (({"seek": vt.Seek(start=1)}, "seek"), ({"playback": vt.Playback(loop=True)}, "loop")):
        with pytest.raises(vt.ParameterError, match=f"^{param}") as info:
            Run(Plain(), **options)
        assert info.value.param == param
    with pytest.raises(vt.ParameterError, match="^source") as info:
        Run(42)  # type: ignore[arg-type]
    assert info.value.param == "source"


def test_execute_hands_prepare_the_open_source_before_its_first_frame(tmp_path):
    order = []
    src = Plain()
    stats = execute(Run(src, [lambda f: order.append("frame") or f], out=tmp_path / "last.png"),
                    prepare=lambda s: order.append(s))
    assert stats.frames == 3 and order[0] is src and order[1:] == ["frame"] * 3
    assert stats.extra["outputs"] == [str(tmp_path / "last.png")]


def test_a_window_is_checked_with_the_outputs(tmp_path, monkeypatch):
    monkeypatch.delenv("DISPLAY", raising=False)
    monkeypatch.delenv("WAYLAND_DISPLAY", raising=False)
    src = Plain()
    with pytest.raises(vt.SinkError, match="^record_dir .*missing: no such folder") as info:
        execute(Run(src, display=True, record_dir=tmp_path / "missing"))
    assert info.value.param == "record_dir"
    with pytest.raises(vt.DisplayError, match="no display"):
        execute(Run(src, display=True, record_dir=tmp_path))


@pytest.mark.slow
def test_a_file_over_http_keeps_its_sound(tmp_path):
    """A video file fetched over HTTP is a stream with an end, not a live one: its sound is read again from
    the URL, as a file's is (before, the recording had no sound at all, silently)."""
    import functools
    import http.server
    import threading

    from tests.media import facts, lag, make_input

    src = make_input("h264-aac.mp4", tmp_path)
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None  # type: ignore[attr-defined]
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        out = tmp_path / "out.mp4"
        vt.process(f"http://127.0.0.1:{server.server_address[1]}/{src.name}", out=str(out))
    finally:
        server.shutdown()
    fin, fout = facts(src), facts(out)
    assert (fout.audio_codec, len(fout.times)) == ("aac", len(fin.times))
    assert abs(lag(fout, fin, window=(1.0, 3.0))) <= 0.002
