"""A live stream's sound on its pictures' timeline, and the bounded queue that hands it to a recording."""

from __future__ import annotations

import logging
import subprocess
from fractions import Fraction
from types import SimpleNamespace

import av
import pytest

from videotools.sources.feed import AudioFeed, LiveSound
from videotools.sources.timing import Timeline

TB = Fraction(1, 90000)


@pytest.fixture
def sound_stream(tmp_path):
    import imageio_ffmpeg

    path = tmp_path / "tone.ts"
    subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-f", "lavfi", "-i", "sine=d=0.2",
                    "-c:a", "aac", str(path)], check=True)
    with av.open(str(path)) as c:
        yield c.streams.audio[0]


def _packet(seconds: float) -> SimpleNamespace:
    return SimpleNamespace(pts=round(seconds / TB), time_base=TB, size=100)


def test_a_recording_that_falls_behind_loses_sound_not_memory(sound_stream, caplog):
    feed = AudioFeed(sound_stream, size=3)
    assert feed.codec == "aac" and feed.template.codec_context.name == "aac"
    with caplog.at_level(logging.WARNING):
        for i in range(5):
            feed.put(i * 0.02, _packet(i * 0.02))
    assert [feed.get()[0] for _ in range(3)] == [0.0, 0.02, 0.04] and feed.get() is None
    assert feed.dropped == 2 and len(caplog.records) == 1


def test_sound_follows_the_pictures_across_a_restart(sound_stream):
    """Sound stamped like the pictures (from 10 s), then a sender that restarts from 1.4 s: the sound of the
    new stretch waits for its pictures and lands where they do."""
    feed = AudioFeed(sound_stream)
    sound, line = LiveSound([feed]), Timeline(0.08)
    sound.take(_packet(10.0), line)  # before any picture: held
    assert feed.get() is None
    for i in range(25):
        line.push(i, 10.0 + i * 0.08)
        sound.pictures_at(line)
        sound.take(_packet(10.02 + i * 0.08), line)
    sound.reopened(sound_stream)
    sound.take(_packet(1.4), line)  # the restarted sender's sound comes before its pictures
    line.push(25, 1.4)
    sound.pictures_at(line)
    times = []
    while (item := feed.get()) is not None:
        times.append(round(item[0], 3))
    assert times[:3] == [0.0, 0.02, 0.1] and len(times) == 27
    assert times[-1] == round(line.latest, 3) == 2.0  # the new stretch starts one frame after the last
