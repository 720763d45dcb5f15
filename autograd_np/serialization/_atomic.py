"""Crash-safe file replacement: write a temporary file beside the target, fsync, rename.

The temporary file is named ``<name>.autograd_np-tmp.<pid>.<random>`` in the target's
folder, so that a file left behind by a process killed mid-save (``kill -9``, power loss)
is recognisable; the next save of the same path removes those whose process is gone.
An existing target keeps its permission bits, and a symlink is written through: its
final target is replaced, the link stays.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Callable
from typing import IO

__all__ = ["TMP_MARK", "atomic_write", "temporary_name"]

TMP_MARK = ".autograd_np-tmp."


def temporary_name(path: str) -> str:
    """A fresh temporary name for ``path`` in the same folder (pid and random token)."""
    dirname, base = os.path.split(path)
    return os.path.join(dirname, f"{base}{TMP_MARK}{os.getpid()}.{secrets.token_hex(6)}")


def _pid_alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be saving the same path
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OSError):
        return True  # exists but belongs to someone else, or we cannot tell
    return True


def remove_stale_temporaries(path: str) -> list[str]:
    """Remove temporaries of ``path`` left by processes that no longer run; return them."""
    dirname, base = os.path.split(path)
    prefix = base + TMP_MARK
    removed: list[str] = []
    try:
        names = os.listdir(dirname or ".")
    except OSError:
        return removed
    for name in names:
        if not name.startswith(prefix):
            continue
        pid_text, _, token = name[len(prefix) :].partition(".")
        if not pid_text.isdigit() or not token or _pid_alive(int(pid_text)):
            continue
        full = os.path.join(dirname, name)
        with contextlib.suppress(OSError):
            os.unlink(full)
            removed.append(full)
    return removed


def _fsync_dir(dirname: str) -> None:
    try:
        fd = os.open(dirname, os.O_RDONLY)
    except OSError:
        return  # e.g. Windows, where directories cannot be opened
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write(path: str | os.PathLike[str], write: Callable[[IO[bytes]], None]) -> None:
    """Call ``write(fh)`` on a temporary file, then move it over ``path`` atomically.

    A crash or an exception (KeyboardInterrupt included) at any point leaves the previous
    file intact; an exception also removes the temporary file.
    """
    target = os.path.realpath(os.fspath(path))  # write through symlinks
    dirname = os.path.dirname(target)
    remove_stale_temporaries(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: 0o666 and the process umask, like open(path, 'wb')
    tmp: str | None = None
    try:
        while True:
            tmp = temporary_name(target)  # set before os.open: an interrupt right after the
            try:  # call returns still finds the name to remove
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
                break
            except FileExistsError:
                tmp = None
        with os.fdopen(fd, "wb") as fh:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)  # before any byte is written
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
    _fsync_dir(dirname)
