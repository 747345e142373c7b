"""Check every output of a run together, before the first frame is read.

A run may write several files: ``--out`` videos, images and image sequences,
plus files a command adds (background PNGs, a palette JSON). They are checked
as one set, so that nothing is written when any of them is bad:

* each has a known extension, and a sequence pattern has exactly one ``%d``
  field (``frames/%05d.png``);
* no file is named twice, and no plain output is a file that an image
  sequence of the same run would write (``f/%05d.png`` and ``f/00003.png``),
  nor do two sequences write the same names;
* no output is the input;
* an output that exists is refused unless ``overwrite``; a folder is never
  an output;
* the folder of a file must exist and be writable; a *sequence* creates its
  missing folders (``nd/x/%05d.png`` makes ``nd/x``, as ``mkdir -p``) when
  the nearest existing ancestor is a writable folder. Nothing is created here:
  the sequence makes its folders when its first frame is written.

Library errors name the output; the command line adds its flags.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import OutputExistsError, ParameterError, SinkError

VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".avi")
IMAGE_EXTENSIONS = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")
DATA_EXTENSIONS = (".json", ".gpl", ".csv", ".txt")
_FIELD = re.compile(r"%(0?)(\d*)d")


@dataclass(frozen=True)
class Output:
    """One checked output: its path (or pattern), kind, and the folders a sequence will create."""

    path: str
    kind: str  # "video", "image", "sequence" or "file"
    folders: tuple[Path, ...] = ()


def is_sequence(path: str) -> bool:
    """Whether an output name is an image-sequence pattern (an image extension and a ``%d`` field)."""
    return Path(path).suffix.lower() in IMAGE_EXTENSIONS and _FIELD.search(path) is not None


def sequence_field(pattern: str) -> re.Match | None:
    """The one ``%d``/``%05d`` field of an image-sequence pattern, or None when it is a plain name.

    Raises
    ------
    ParameterError
        A ``%`` that is not exactly one such field (``%s``, ``%d_%d``).
    """
    if "%" not in pattern:
        return None
    fields = list(_FIELD.finditer(pattern))
    if len(fields) != 1 or pattern.count("%") != 1:
        raise ParameterError(f"bad image sequence pattern {pattern!r}: use one field like %05d")
    return fields[0]


def _key(path: str | os.PathLike) -> str:
    """A comparable absolute name (symlinked folders resolved as far as they exist)."""
    p = Path(os.path.abspath(os.fspath(path)))
    existing = p
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    rest = p.relative_to(existing)
    return os.path.normcase(str(existing.resolve() / rest))


def _sequence_regex(pattern: str) -> re.Pattern:
    """A regex matching the absolute names (as :func:`_key` makes them) a sequence pattern writes."""
    m = sequence_field(pattern)
    assert m is not None
    absolute = _key(pattern)
    i = absolute.rfind(m.group(0))
    digits = rf"-?\d{{{int(m.group(2) or 1)},}}" if m.group(1) else r" *-?\d+"
    return re.compile(re.escape(absolute[:i]) + digits + re.escape(absolute[i + len(m.group(0)):]) + r"\Z")


def _missing_folders(folder: Path) -> tuple[Path, ...]:
    """Folders to create for ``folder`` to exist, outermost first; checks the first existing ancestor."""
    missing = []
    f = folder
    while not f.exists():
        if f == f.parent:
            break
        missing.append(f)
        f = f.parent
    if f.exists() and not f.is_dir():
        raise SinkError(f"cannot create folder {missing[-1] if missing else folder}: {f} is a file")
    if not os.access(f, os.W_OK | os.X_OK):
        raise SinkError(f"cannot write in {f}: permission denied or read-only")
    return tuple(reversed(missing))


def _writable_folder(path: Path) -> None:
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise SinkError(f"output folder does not exist: {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise SinkError(f"cannot write {path}: folder {folder} is read-only or not ours (permission denied)")


def check_folder(folder: str | os.PathLike, *, param: str) -> Path:
    """Check a folder a run writes into under names of its own (a window's recordings and snapshots).

    Raises
    ------
    SinkError
        Naming ``param`` first: a folder that does not exist, is a file, or is read-only.
    """
    f = Path(folder)
    if not f.is_dir():
        raise SinkError(f"{param} {f}: {'a file, not a folder' if f.exists() else 'no such folder'}", param=param)
    if not os.access(f, os.W_OK | os.X_OK):
        raise SinkError(f"{param} {f}: folder is read-only (permission denied)", param=param)
    return f


def check_outputs(outs: Iterable[str | os.PathLike], *, overwrite: bool = False,
                  source: str | os.PathLike | None = None, also: Iterable[str | os.PathLike] = (),
                  video_extensions: Sequence[str] = VIDEO_EXTENSIONS) -> list[Output]:
    """Check all outputs of one run together; nothing is created or written.

    Parameters
    ----------
    outs : iterable of str or PathLike
        Frame outputs (``out`` of :func:`videotools.process`): videos, images, sequences.
    overwrite : bool
        Whether existing files may be replaced.
    source : str or PathLike, optional
        The input, which no output may be.
    also : iterable of str or PathLike
        Other files the run writes (background PNGs, palettes, reports): any extension.

    Returns
    -------
    list of Output
        One per output, ``outs`` first, then ``also``.

    Raises
    ------
    ParameterError
        An unknown extension, a bad sequence pattern, a name given twice, two outputs that would write the same file.
    SinkError
        A missing or read-only folder, an output that is a folder or the input.
    OutputExistsError
        An existing output without ``overwrite``.

    Examples
    --------
    >>> check_outputs(["o.mp4", "o.mp4"])
    Traceback (most recent call last):
    ...
    videotools.errors.ParameterError: output o.mp4 is given twice
    """
    items = [(os.fspath(o), True) for o in outs] + [(os.fspath(o), False) for o in also]
    # 1. names alone: extensions, patterns, duplicates, overlaps (no file system yet)
    seen: dict[str, str] = {}
    sequences: list[tuple[str, re.Pattern]] = []
    for path, is_frames in items:
        pattern = _check_name(path, is_frames=is_frames, video_extensions=video_extensions)
        _add_unique(path, seen)
        if pattern:
            _add_sequence(path, sequences)
    _check_overlaps(seen, sequences)
    # 2. the file system: folders, existing files, the input
    src_key = _key(source) if source is not None and os.path.isfile(os.fspath(source)) else None
    patterns = {pattern for pattern, _ in sequences}
    return [_check_sequence(path, overwrite=overwrite, src_key=src_key) if path in patterns
            else _check_plain(path, is_frames=is_frames, overwrite=overwrite, src_key=src_key,
                              video_extensions=video_extensions)
            for path, is_frames in items]


def _check_name(path: str, *, is_frames: bool, video_extensions: Sequence[str]) -> bool:
    """Check an output's name (not empty, a known extension); whether it is an image-sequence pattern."""
    if not path.strip():
        raise ParameterError("an output name is empty")
    ext = Path(path).suffix.lower()
    if ext in video_extensions and not _FIELD.search(path):
        return False  # a video is one file: a % in its name ("speed 50%.mp4") is a character
    field = sequence_field(path) if is_frames or "%" in path else None
    if is_frames and ext not in (*video_extensions, *IMAGE_EXTENSIONS):
        raise ParameterError(f"unknown output extension {ext or '(none)'!r} in {path}; use a video "
                             f"({', '.join(video_extensions)}) or an image (.png, .jpg, frames/%05d.png)")
    if field is not None and ext not in IMAGE_EXTENSIONS:
        raise ParameterError(f"a numbered pattern like {path} needs an image extension (.png, .jpg...)")
    return field is not None


def _add_unique(path: str, seen: dict[str, str]) -> None:
    key = _key(path)
    if key in seen:
        raise ParameterError(f"output {path} is given twice" if seen[key] == path
                             else f"outputs {seen[key]} and {path} are the same file")
    seen[key] = path


def _add_sequence(path: str, sequences: list[tuple[str, re.Pattern]]) -> None:
    regex = _sequence_regex(path)
    for other, other_re in sequences:
        if other_re.match(_key(path % 12345678)) or regex.match(_key(other % 12345678)):
            raise ParameterError(f"image sequences {other} and {path} would write the same files")
    sequences.append((path, regex))


def _check_overlaps(seen: dict[str, str], sequences: list[tuple[str, re.Pattern]]) -> None:
    for key, path in seen.items():
        for pattern, regex in sequences:
            if path != pattern and regex.match(key):
                raise ParameterError(f"output {path} is a file the image sequence {pattern} would write")


def _check_sequence(path: str, *, overwrite: bool, src_key: str | None) -> Output:
    first = Path(path % 0)
    folders = _missing_folders(first.parent if str(first.parent) else Path("."))
    if not folders:
        _check_file(first, overwrite=overwrite, src_key=src_key)
    return Output(path, "sequence", folders)


def _check_plain(path: str, *, is_frames: bool, overwrite: bool, src_key: str | None,
                 video_extensions: Sequence[str]) -> Output:
    _writable_folder(Path(path))
    _check_file(Path(path), overwrite=overwrite, src_key=src_key)
    ext = Path(path).suffix.lower()
    if not is_frames:
        return Output(path, "file")
    return Output(path, "video" if ext in video_extensions else "image" if ext in IMAGE_EXTENSIONS else "file")


def _check_file(p: Path, *, overwrite: bool, src_key: str | None) -> None:
    if p.is_dir():
        raise SinkError(f"output is a folder, expected a file name: {p}")
    if src_key is not None and (_key(p) == src_key or (p.exists() and os.path.samefile(p, src_key))):
        raise SinkError(f"output is the input: {p} (write to another file)")
    if (p.exists() or p.is_symlink()) and not overwrite:
        raise OutputExistsError(f"output exists: {p} (use --overwrite to replace it)")


def make_folders(folders: Sequence[Path]) -> None:
    """Create the folders :func:`check_outputs` found missing for a sequence (outermost first).

    Raises
    ------
    SinkError
        Naming the folder and the cause, if the file system refuses.
    """
    from .files import describe

    for f in folders:
        try:
            f.mkdir(exist_ok=True)
        except OSError as err:
            raise SinkError(f"cannot create folder {f}: {describe(err)}") from None
