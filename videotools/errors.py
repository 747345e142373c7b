"""One exception hierarchy for videotools.

Every class also derives from the builtin that fits it, so callers can catch
either ``VideotoolsError`` or the builtin (``OSError``, ``ValueError``...).
Messages name the value that was wrong.
"""

from __future__ import annotations


class VideotoolsError(Exception):
    """Base of every error videotools raises on purpose.

    ``param`` names the parameter the error concerns (``"start"``,
    ``"fit_frames"``, ``"record_dir"``), when it concerns one: the command line
    turns it into the flag the user typed (``--start``) without reading the
    message. A message that names it does so first, as ``"start must be ..."``.
    """

    def __init__(self, message: str = "", *, param: str | None = None) -> None:
        super().__init__(message)
        self.param = param


class SourceError(VideotoolsError, OSError):
    """A source could not be opened or read (missing file, not a video, no camera)."""


class SinkError(VideotoolsError, OSError):
    """A sink could not be opened or written (bad folder, unknown extension, encoder failure)."""


class OutputExistsError(SinkError, FileExistsError):
    """An output exists and ``overwrite`` was not given."""


class DisplayError(SinkError):
    """No window can be opened (no display, or an OpenCV build without GUI)."""


class FrameError(VideotoolsError, ValueError):
    """A frame has the wrong shape or dtype."""


class ParameterError(VideotoolsError, ValueError):
    """An option or chain parameter has a bad value (``param`` names it)."""


class NotFittedError(VideotoolsError, RuntimeError):
    """A fitted processor (a palette) was used before ``fit()``."""


class StopRequested(Exception):
    """Raised by a sink (window closed, ``q`` pressed) to end a run cleanly.

    Not an error: :class:`videotools.Pipeline` catches it and closes everything.
    """
