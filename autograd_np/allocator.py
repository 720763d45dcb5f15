"""How the C allocator treats numpy's large temporaries: kept in the process, not faulted in
anew by every op.

An engine on numpy allocates every intermediate array afresh (a fused library reuses a few
buffers instead). glibc's malloc gives memory back to the system when the free space at the
top of its heap passes a threshold, and serves large blocks with ``mmap``, unmapped again on
``free``; the next array of that size then has its pages faulted in and zeroed by the kernel
once more. On the char-level GPT step of ``examples.shakespeare`` that costs about a fifth of
the step (70 against 57 ms per iteration, measured on 2 cores). :func:`keep_freed_memory`,
which ``import autograd_np`` calls on Linux with glibc, asks malloc to serve blocks up to
32 MB from its heap and to keep 64 MB free at the heap's top when it trims (``mallopt``'s
``M_MMAP_THRESHOLD`` and ``M_TOP_PAD``, the knobs behind glibc's ``MALLOC_TOP_PAD_``
environment variable). The process's resident memory then falls back more slowly after a
peak; the peak itself is unchanged (``benchmarks/train_step.py --memory``).

Set the environment variable ``AUTOGRAD_NP_MALLOC_TOP_PAD=0`` before the import to leave
malloc as it is, or to another number of bytes for another pad.
"""

from __future__ import annotations

import ctypes
import os
import sys

__all__ = ["MMAP_THRESHOLD", "TOP_PAD", "keep_freed_memory"]

TOP_PAD = 64 << 20  # bytes kept free at the top of the heap when malloc trims it
MMAP_THRESHOLD = 32 << 20  # blocks below this come from the heap (glibc's largest setting)
_M_TOP_PAD = -2  # mallopt's parameter numbers (glibc's malloc.h)
_M_MMAP_THRESHOLD = -3


def keep_freed_memory(top_pad: int = TOP_PAD, mmap_threshold: int = MMAP_THRESHOLD) -> bool:
    """Tune glibc's malloc for many large short-lived arrays (see the module's text).

    Parameters
    ----------
    top_pad : int
        Bytes of free memory kept at the top of the heap (``M_TOP_PAD``); at least 0.
    mmap_threshold : int
        Blocks of at least this many bytes are mapped separately (``M_MMAP_THRESHOLD``);
        between 0 and 32 MB.

    Returns
    -------
    bool
        Whether malloc took both settings (False on another C library or system).
    """
    for name, value in (("top_pad", top_pad), ("mmap_threshold", mmap_threshold)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise ValueError(f"keep_freed_memory: {name} must be an int >= 0, got {value!r}")
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None)
        mallopt = libc.mallopt
        libc.gnu_get_libc_version  # noqa: B018 - glibc only (musl's mallopt does nothing)
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    ok = mallopt(_M_MMAP_THRESHOLD, min(mmap_threshold, MMAP_THRESHOLD)) == 1
    return mallopt(_M_TOP_PAD, min(top_pad, 2**31 - 1)) == 1 and ok


def _at_import() -> None:
    """:func:`keep_freed_memory` with the pad of ``AUTOGRAD_NP_MALLOC_TOP_PAD`` (0: off)."""
    value = os.environ.get("AUTOGRAD_NP_MALLOC_TOP_PAD", "").strip()
    pad = int(value) if value.isdigit() else TOP_PAD
    if pad > 0:
        keep_freed_memory(pad)
