import sys

import pytest

import videotools as vt
from videotools.pipes import PIPE_BYTES, widen_pipe


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="F_SETPIPE_SZ is Linux's")
def test_frames_cross_wide_pipes(clip, tmp_path):
    import fcntl

    def size(gen, which):
        proc = next(v for v in gen.gi_frame.f_locals.values() if hasattr(v, "poll"))
        return fcntl.fcntl(getattr(proc, which).fileno(), fcntl.F_GETPIPE_SZ)

    with vt.open_source(clip) as src:
        assert size(src._gen, "stdout") == PIPE_BYTES
        frames = list(src)
    with vt.VideoSink(tmp_path / "out.mp4", fps=25) as sink:
        sink.write(frames[0])
        assert size(sink._gen, "stdin") == PIPE_BYTES
    assert len(frames) == 50


def test_anything_else_is_left_alone():
    def gen():
        yield 1

    g = gen()
    next(g)
    assert widen_pipe(g, "stdout") is False       # no process behind it
    assert widen_pipe(iter([1]), "stdout") is False  # not a generator
