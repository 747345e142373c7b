"""The entry points accept any object with the protocol's members: plain classes that subclass nothing."""

import cv2
import numpy as np

import videotools as vt
from videotools.protocols import HasSound, HasWarning, Processor, Sink, Source


class Ramp:
    """A source: ``n`` grey frames 0, 10, 20 ... at 5 fps; nothing else."""

    def __init__(self, n=6, size=(32, 24)):
        self.info = vt.StreamInfo(fps=5.0, size=size)
        self.time = 0.0
        self.n = n
        self.closed = False

    def __iter__(self):
        w, h = self.info.size
        for i in range(self.n):
            self.time = i / 5.0
            frame = np.full((h, w, 3), 10 * i, np.uint8)
            frame[:, w // 2:] = 200  # two colours in every frame
            yield frame

    def close(self):
        self.closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class Invert:
    def __call__(self, frame):
        return 255 - frame


class Collect:
    def __init__(self):
        self.frames, self.times, self.closed = [], [], False

    def write(self, frame, time=None):
        self.frames.append(frame)
        self.times.append(time)

    def close(self):
        self.closed = True


def test_plain_classes_satisfy_the_protocols():
    src = Ramp()
    assert isinstance(src, Source) and not isinstance(src, HasWarning) and not isinstance(src, HasSound)
    assert isinstance(Invert(), Processor) and isinstance(Collect(), Sink)


def test_process_reads_a_plain_source_through_plain_processors_into_plain_sinks():
    src, sink = Ramp(), Collect()
    stats = vt.process(src, [Invert()], extra_sinks=[sink])
    assert stats.frames == 6 and stats.warning is None
    assert [int(f[0, 0, 0]) for f in sink.frames] == [255 - 10 * i for i in range(6)]
    assert sink.times == [i / 5.0 for i in range(6)]
    assert src.closed and sink.closed


def test_process_writes_a_plain_source_to_files(tmp_path):
    out = tmp_path / "last.png"
    stats = vt.process(Ramp(), out=str(out))
    assert stats.frames == 6 and stats.extra["outputs"] == [str(out)]
    assert int(cv2.imread(str(out))[0, 0, 0]) == 50


def test_posterize_takes_a_plain_source():
    sink = Collect()
    stats = vt.posterize(Ramp(n=8), k=2, fit_frames=8, extra_sinks=[sink])
    assert stats.frames == 8 and stats.extra["palette"].k == 2
    assert len({int(f[0, 0, 0]) for f in sink.frames}) <= 2
