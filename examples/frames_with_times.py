"""Read frames with their times: a source is an iterator of RGB frames; ``source.time`` is the last one's.

    python examples/frames_with_times.py [SOURCE]

SOURCE is anything ``videotools.open_source`` takes: a file, a camera (0), a
stream URL, images, or synthetic:traffic?seconds=2.
"""

from __future__ import annotations

import sys

import videotools as vt


def main(source: str = "samples/traffic.mp4") -> None:
    with vt.open_source(source) as src:
        w, h = src.info.size
        print(f"{w}x{h} at {src.info.fps:g} fps")
        for i, frame in enumerate(src):
            print(f"frame {i}: t={src.time:.3f} s  shape={frame.shape}  mean={frame.mean():.1f}")
            if i == 9:
                break


if __name__ == "__main__":
    main(*sys.argv[1:])
