"""Reading and writing the user's files without surprises.

Reading: only regular files, never more than a limit, whatever ``st_size``
says (it is 0 for ``/dev/zero`` and a FIFO), and never blocking on a FIFO.

Writing: an output path is checked before any work starts (``output_path``),
and written atomically (``write_atomic``: an ``O_CREAT|O_EXCL`` temporary file
in the same folder, fsync, rename). Only a regular file the user named, or a
new path, is ever replaced: a device, a FIFO, a socket, a folder, or a
symlink to one of them is refused, so running as root cannot turn
``/dev/full`` into a file. A symlink to a regular file is written through: the
target is updated and the link stays a link.
"""
from __future__ import annotations

import errno
import os
import stat
import tempfile
from pathlib import Path

from myotrace.expert.errors import InputError


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def read_limited(path: Path, limit: int, what: str = "file") -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes, or an InputError saying why not.

    Opened with O_NONBLOCK (a FIFO opens at once instead of waiting for a writer) and
    checked with fstat on the open descriptor (no race with a swap of the path);
    reads at most ``limit + 1`` bytes.
    """
    flags = os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory; give a {what}") from None
    except OSError as error:
        raise InputError(f"{path}: cannot be read ({error.strerror}); check the path and its permissions") from None
    try:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise InputError(f"{path}: is a directory; give a {what}")
        if not stat.S_ISREG(mode):
            raise InputError(f"{path}: not a regular file ({_kind(mode)}); give a {what}")
        chunks, total = [], 0
        while total <= limit:
            try:
                chunk = os.read(fd, min(1 << 16, limit + 1 - total))
            except OSError as error:
                raise InputError(f"{path}: cannot be read ({error.strerror})") from None
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
    finally:
        os.close(fd)
    if total > limit:
        raise InputError(f"{path}: over the {limit // (1024 * 1024)} MiB limit for a {what}; "
                         "is this the right file?")
    return b"".join(chunks)


def output_path(path: Path | str, what: str = "output file") -> Path:
    """Where ``path`` will be written: the path itself, or a symlink's regular-file target.

    Raises InputError (one line) unless the path is a regular file, a symlink to one,
    or a new name in a folder that exists and can be written.
    """
    path = Path(path)
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as error:
        raise InputError(f"{path}: cannot be used for the {what} ({error.strerror})") from None
    if mode is not None and stat.S_ISLNK(mode):
        target = Path(os.path.realpath(path))
        try:
            target_mode = os.stat(target).st_mode
        except FileNotFoundError:
            target_mode = None
        except OSError as error:
            raise InputError(f"{path}: cannot be used for the {what} ({error.strerror})") from None
        if target_mode is not None and not stat.S_ISREG(target_mode):
            raise InputError(f"{path}: links to {target}, {_kind(target_mode)}, not a regular file; "
                             f"give a file path for the {what}")
        path = target
    elif mode is not None and stat.S_ISDIR(mode):
        raise InputError(f"{path}: is a directory; give a file path for the {what}")
    elif mode is not None and not stat.S_ISREG(mode):
        raise InputError(f"{path}: {_kind(mode)}, not a regular file; give a file path for the {what}")
    folder = path.parent
    if not folder.is_dir():
        raise InputError(f"{folder}: no such folder for the {what}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise InputError(f"{folder}: no permission to write the {what} there")
    return path


def _refuse_non_regular(path: Path, what: str) -> None:
    """Just before the rename: the path must still be absent or a regular file."""
    try:
        mode = os.lstat(path).st_mode
    except FileNotFoundError:
        return
    if not stat.S_ISREG(mode):
        raise InputError(f"{path}: {_kind(mode)} appeared at the path; the {what} was not written")


def write_atomic(path: Path | str, text: str, mode: int | None = None, what: str = "output file") -> Path:
    """Write ``text`` (UTF-8) to ``path`` atomically; returns the path written (a symlink's target).

    A temporary file in the same folder (``.NAME.XXXX.tmp``, created with O_EXCL by
    mkstemp), fsync, then rename over the target, so a reader sees the old or the new
    file, never half of one. Raises InputError for a path that must not be replaced and
    OSError (ENOSPC, EROFS, EACCES ...) when the disk refuses; the target is then untouched.
    """
    target = output_path(path, what)
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if mode is not None:
            os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        _refuse_non_regular(target, what)
        os.replace(temporary, target)
    except BaseException:
        try:
            os.unlink(temporary)
        except FileNotFoundError:
            pass
        raise
    return target


def describe_os_error(error: OSError) -> str:
    """``No space left on device`` and friends, with a hint where one helps."""
    hint = {errno.ENOSPC: "free some disk space", errno.EROFS: "the file system is read-only",
            errno.EACCES: "check the permissions", errno.EPERM: "check the permissions",
            getattr(errno, "EDQUOT", -1): "the disk quota is full"}.get(error.errno)
    reason = error.strerror or str(error)
    return f"{reason}; {hint}" if hint else reason
