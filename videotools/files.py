"""Files that appear under their name complete, or not at all.

Two tools, one idea: a file is written where nobody can see it, then given
its name in one step.

* :func:`write_bytes` / :func:`write_text` for outputs made in memory (images,
  palettes, reports): the bytes go to a nameless file in the target folder,
  which is then linked under its name (replacing an old file atomically when
  ``overwrite``). A failure or a ``kill -9`` leaves the previous state.
* :class:`PendingFile` for files written over time (recordings): it is
  written nameless and given its name once it holds something playable
  (:meth:`PendingFile.publish`). :class:`WholeWrites` is the file object a
  muxer writes it through: bytes reach the disk only in whole pieces
  (a fragment, a cluster), one ``write`` each, so what a crash or a full
  disk leaves ends at the end of a piece.

"Nameless" is Linux's ``O_TMPFILE``: the kernel frees such a file when its
last descriptor closes, so even ``kill -9`` leaves nothing behind. Where it
is missing (other systems, some file systems) a hidden temporary name in the
same folder (``.NAME.part-XXXXXX``) stands in, removed on any error we see.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import io
import os
import secrets
import sys
from pathlib import Path
from typing import Any

from .errors import OutputExistsError, SinkError

_AT_FDCWD = -100
_AT_EMPTY_PATH = 0x1000


def _libc_linkat():
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return libc.linkat
    except (OSError, AttributeError):
        return None


_LINKAT = _libc_linkat()


def describe(err: BaseException) -> str:
    """A short reason for an OS or FFmpeg error: "no space left on device", "permission denied"...

    Never the file name the error carries: for a file being written that is a
    descriptor (``/proc/self/fd/N``) or a temporary name, not the user's.
    """
    code = getattr(err, "errno", None)
    if isinstance(code, int) and code > 0:
        if code == errno.ENOSPC:
            return "no space left on device (disk full)"
        if code == errno.EDQUOT:
            return "disk quota exceeded"
        return os.strerror(code).lower()
    reason = getattr(err, "strerror", None)  # PyAV's errors: FFmpeg's reason without the file name
    if isinstance(reason, str) and reason:
        return reason[0].lower() + reason[1:]
    return str(err) or type(err).__name__


class PendingFile:
    """A file written before it has a name, published under it when complete enough.

    Parameters
    ----------
    path : path
        The name it will get. Its folder must exist.

    Attributes
    ----------
    write_path : str
        What to hand a writer (FFmpeg through PyAV, OpenCV...): ``/proc/self/fd/N``
        for a nameless file, else the hidden temporary name.
    fd : int or None
        A read-write descriptor of the file (None once closed).
    """

    def __init__(self, path: str | os.PathLike) -> None:
        self.path = Path(path)
        folder = self.path.parent if str(self.path.parent) else Path(".")
        self.fd: int | None = None
        self.temp: Path | None = None
        self.published = False
        if _LINKAT is not None and hasattr(os, "O_TMPFILE"):
            try:
                self.fd = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o666)
            except OSError:
                self.fd = None
            if self.fd is not None and not self._can_link(folder):
                os.close(self.fd)
                self.fd = None
        self.nameless = self.fd is not None
        if self.fd is not None:
            self.write_path = f"/proc/self/fd/{self.fd}"
        else:
            self.temp = folder / f".{self.path.name}.part-{secrets.token_hex(3)}{self.path.suffix}"
            self.fd = os.open(self.temp, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o666)
            self.write_path = str(self.temp)

    def _can_link(self, folder: Path) -> bool:
        """Whether this system lets a nameless file be linked (probed on a second one, then dropped)."""
        probe = os.open(folder, os.O_TMPFILE | os.O_RDWR, 0o666)
        name = folder / f".videotools-probe-{secrets.token_hex(4)}"
        try:
            ok = _LINKAT(probe, b"", _AT_FDCWD, os.fsencode(name), _AT_EMPTY_PATH) == 0
            if ok:
                os.unlink(name)
            return ok
        finally:
            os.close(probe)

    def publish(self, *, overwrite: bool = False) -> Path:
        """Give the file its name. Without ``overwrite``, an existing file there is an error.

        Raises
        ------
        OutputExistsError
            If a file of that name appeared meanwhile and ``overwrite`` is False.
        SinkError
            If the file system refuses.
        """
        target = self.path
        if self.nameless:
            assert self.fd is not None
            temp = target.with_name(f".{target.name}.part-{secrets.token_hex(3)}{target.suffix}")
            if _LINKAT(self.fd, b"", _AT_FDCWD, os.fsencode(temp), _AT_EMPTY_PATH) != 0:
                err = ctypes.get_errno()
                raise SinkError(f"cannot name {target}: {os.strerror(err).lower()}")
        else:
            assert self.temp is not None
            temp = self.temp
        try:
            if overwrite:
                os.replace(temp, target)
            else:
                try:
                    os.link(temp, target)  # fails if the name is taken: never clobber
                except FileExistsError:
                    raise OutputExistsError(f"output exists: {target} (use --overwrite to replace it)") from None
                except OSError:  # file systems without hard links
                    if target.exists():
                        raise OutputExistsError(f"output exists: {target} (use --overwrite to replace it)") from None
                    os.replace(temp, target)
        except OSError as err:
            if not isinstance(err, OutputExistsError):
                err = SinkError(f"cannot name {target}: {describe(err)}")
            with contextlib.suppress(OSError):
                temp.unlink()
            raise err from None
        with contextlib.suppress(OSError):
            temp.unlink()
        if not self.nameless:
            self.temp = None
            self.write_path = str(target)
        self.published = True
        return target

    def discard(self) -> None:
        """Drop the file if it was never published (a failed or empty write)."""
        if not self.published and self.temp is not None:
            with contextlib.suppress(OSError):
                self.temp.unlink()
            self.temp = None
        self.close()

    def close(self) -> None:
        """Release the descriptor (a nameless, unpublished file vanishes)."""
        if self.fd is not None:
            with contextlib.suppress(OSError):
                os.close(self.fd)
            self.fd = None


class WholeWrites(io.RawIOBase):
    """A seekable file object over ``fd`` whose bytes reach the disk only in :meth:`commit`, in one write.

    Hand it to a muxer (``av.open(WholeWrites(fd), "w", ...)``) and commit
    when the muxer has finished a piece (a fragment, a cluster): the file
    then always ends at the end of a piece, never inside one. Bytes written
    past the end of the file wait in memory (a piece at a time); bytes that
    change what is already on disk (a header the muxer fills in on closing)
    are written after them. A commit the disk refuses (full, quota) cuts the
    file back to its size before the commit and raises; later writes are
    dropped.
    """

    def __init__(self, fd: int) -> None:
        super().__init__()
        self.fd = fd
        self.size = os.fstat(fd).st_size  # bytes on disk
        self._pos = self.size
        self._tail = bytearray()  # what follows byte ``size``
        self._patches: list[tuple[int, bytes]] = []  # changes to bytes already on disk
        self.failed: OSError | None = None

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: self.size + len(self._tail)}[whence]
        self._pos = base + offset
        return self._pos

    def write(self, data: Any) -> int:
        data = bytes(data)
        n = len(data)
        if self.failed is None:
            below = max(0, min(n, self.size - self._pos))
            if below:
                self._patches.append((self._pos, data[:below]))
            if below < n:
                start = self._pos + below - self.size
                if start > len(self._tail):
                    self._tail.extend(bytes(start - len(self._tail)))
                self._tail[start:start + n - below] = data[below:]
        self._pos += n
        return n

    def commit(self) -> int:
        """Write what is pending: the new bytes in one write, then the changes to old ones. Returns the size.

        Raises
        ------
        OSError
            If the disk refuses (the file is cut back to its size before this commit).
        """
        if self.failed is not None:
            raise self.failed
        try:
            if self._tail:
                done = os.pwrite(self.fd, self._tail, self.size)
                while done < len(self._tail):  # a short write: the disk is full, or a signal came
                    done += os.pwrite(self.fd, memoryview(self._tail)[done:], self.size + done)
                self.size += done
                self._tail = bytearray()
            for offset, data in self._patches:
                os.pwrite(self.fd, data, offset)
            self._patches = []
        except OSError as err:
            with contextlib.suppress(OSError):
                os.ftruncate(self.fd, self.size)  # back to the last whole piece
            self.failed = err
            self._tail, self._patches = bytearray(), []
            raise
        return self.size


def write_bytes(path: str | os.PathLike, data: bytes, *, overwrite: bool = False) -> Path:
    """Write ``data`` to ``path`` atomically: the whole file appears, or the old state stays.

    Raises
    ------
    OutputExistsError
        If ``path`` exists and ``overwrite`` is False.
    SinkError
        If the folder is missing, read-only or full: the message names ``path`` and the cause.
    """
    p = Path(path)
    if p.exists() and not overwrite:
        raise OutputExistsError(f"output exists: {p} (use --overwrite to replace it)")
    try:
        pending = PendingFile(p)
    except OSError as err:
        raise SinkError(f"cannot write {p}: {describe(err)}") from None
    try:
        try:
            with open(pending.write_path, "wb") as fh:
                fh.write(data)
        except OSError as err:
            raise SinkError(f"cannot write {p}: {describe(err)}") from None
        return pending.publish(overwrite=overwrite)
    finally:
        pending.discard()


def write_text(path: str | os.PathLike, text: str, *, overwrite: bool = False) -> Path:
    """:func:`write_bytes` for UTF-8 text."""
    return write_bytes(path, text.encode("utf-8"), overwrite=overwrite)
