"""videotools: real-time video processing — sources, processor chains, sinks.

>>> import videotools as vt
>>> with vt.open_source("synthetic:traffic?size=160x90&seconds=1") as src:
...     stats = vt.Pipeline(src, [vt.Posterize(k=4)], []).run()
>>> stats.frames
25
"""

from .chain import parse_chain
from .errors import (
                     DisplayError,
                     FrameError,
                     NotFittedError,
                     OutputExistsError,
                     ParameterError,
                     SinkError,
                     SourceError,
                     StopRequested,
                     VideotoolsError,
)
from .frames import Frame, check_frame, to_rgb
from .kmeans import KMeansResult, Palette, kmeans
from .pipeline import Pipeline, RunStats, Step, run
from .posterizing import posterize
from .processors import Background, BackgroundModel, Blur, Flip, Grey, Posterize, Resize
from .runner import process
from .settings import Camera, Encoding, Playback, Seek
from .sinks import ImageSink, MjpegSink, VideoSink, WindowSink, open_sink, write_image
from .sources import (
                     CameraSource,
                     FileSource,
                     ImageSource,
                     StreamInfo,
                     SyntheticTraffic,
                     list_cameras,
                     open_source,
                     read_image,
                     sample_frames,
)

__version__ = "0.1.0"

__all__ = [
    "open_source", "open_sink", "Pipeline", "RunStats", "Step", "process", "run", "parse_chain",
    "Seek", "Encoding", "Camera", "Playback",
    "Palette", "kmeans", "KMeansResult", "Posterize", "posterize", "BackgroundModel", "Background",
    "Resize", "Grey", "Blur", "Flip",
    "FileSource", "CameraSource", "ImageSource", "SyntheticTraffic", "StreamInfo", "list_cameras",
    "read_image", "sample_frames", "VideoSink", "ImageSink", "WindowSink", "MjpegSink", "write_image",
    "Frame", "check_frame", "to_rgb",
    "VideotoolsError", "SourceError", "SinkError", "OutputExistsError", "DisplayError",
    "FrameError", "ParameterError", "NotFittedError", "StopRequested",
]
