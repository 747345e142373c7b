"""videotools: real-time video processing — sources, processor chains, sinks.

>>> import videotools as vt
>>> with vt.open_source("synthetic:traffic?size=160x90&seconds=1") as src:
...     stats = vt.Pipeline(src, [vt.Posterize(k=4)], []).run()
>>> stats.frames
25

Names are imported on first use (PEP 562): ``import videotools`` costs only
:mod:`videotools.errors`, so the command line starts at once, and numpy,
OpenCV and PyAV load when the first name that needs them is asked for.
"""

from __future__ import annotations

from . import startup as _startup

# Before anything else: in the videotools command (only there), a Ctrl-C during the slow imports that follow
# exits 130 in one line, and third-party logs are quiet (see videotools.startup).
_startup.prepare_command()

# `videotools.kmeans` names the function, as it always has, not the subpackage: the subpackage (light) is imported
# now, so that the import system sets it as an attribute here once, and the name is then deleted and left to
# __getattr__ below.
from . import kmeans as _kmeans_package  # noqa: E402, F401
from .errors import (  # noqa: E402
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
from .lazy import lazy_names  # noqa: E402

del kmeans  # noqa: F821  # see the import of _kmeans_package

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (the command's start-up)

if TYPE_CHECKING:  # the same names, for type checkers and editors
    from .backgrounds import background
    from .chain import parse_chain
    from .frames import Frame, check_frame, to_rgb
    from .kmeans import KMeansResult, Palette, kmeans
    from .pipeline import Pipeline, RunStats, Step, run
    from .posterizing import posterize
    from .processors import Background, BackgroundModel, Blur, Flip, Grey, Posterize, Resize
    from .runs import Run, execute, process
    from .settings import Camera, Encoding, Input, Playback, Seek
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

_WHERE = {  # public name -> the module that defines it
    **dict.fromkeys(["background"], ".backgrounds"),
    **dict.fromkeys(["parse_chain"], ".chain"),
    **dict.fromkeys(["Frame", "check_frame", "to_rgb"], ".frames"),
    **dict.fromkeys(["KMeansResult", "Palette", "kmeans"], ".kmeans"),
    **dict.fromkeys(["Pipeline", "RunStats", "Step", "run"], ".pipeline"),
    **dict.fromkeys(["posterize"], ".posterizing"),
    **dict.fromkeys(["Background", "BackgroundModel", "Blur", "Flip", "Grey", "Posterize", "Resize"], ".processors"),
    **dict.fromkeys(["Run", "execute", "process"], ".runs"),
    **dict.fromkeys(["Camera", "Encoding", "Input", "Playback", "Seek"], ".settings"),
    **dict.fromkeys(["ImageSink", "MjpegSink", "VideoSink", "WindowSink", "open_sink", "write_image"], ".sinks"),
    **dict.fromkeys(["CameraSource", "FileSource", "ImageSource", "StreamInfo", "SyntheticTraffic", "list_cameras",
                     "open_source", "read_image", "sample_frames"], ".sources"),
}


__getattr__, __dir__ = lazy_names(__name__, _WHERE, submodules=True)


__all__ = [
    "open_source", "open_sink", "Pipeline", "RunStats", "Step", "process", "Run", "execute", "run",
    "parse_chain",
    "Seek", "Encoding", "Camera", "Playback", "Input",
    "Palette", "kmeans", "KMeansResult", "Posterize", "posterize", "background", "BackgroundModel", "Background",
    "Resize", "Grey", "Blur", "Flip",
    "FileSource", "CameraSource", "ImageSource", "SyntheticTraffic", "StreamInfo", "list_cameras",
    "read_image", "sample_frames", "VideoSink", "ImageSink", "WindowSink", "MjpegSink", "write_image",
    "Frame", "check_frame", "to_rgb",
    "VideotoolsError", "SourceError", "SinkError", "OutputExistsError", "DisplayError",
    "FrameError", "ParameterError", "NotFittedError", "StopRequested",
]
