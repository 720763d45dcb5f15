"""Reusable memory for large arrays (the nn kernels: convolution, pooling, batch norm; relu).

A freshly allocated large array costs a page fault and a zeroing pass per page on first
touch: glibc maps arrays past its threshold (at most 32 MB) anew each time and unmaps them
when freed, and trims freed memory at the top of its heap. In a CNN training step at batch
128 that was about a fifth of the time. :data:`WORKSPACE` keeps the memory of dead arrays
and hands it out again for an array of the same size.
"""

from __future__ import annotations

import math
import sys
import threading
from typing import Any

import numpy as np

from autograd_np import parallel

__all__ = ["WORKSPACE", "Workspace"]


class Workspace:
    """A pool of memory for large arrays, each entry handed out again once no array uses it.

    An entry is free when no array uses its memory any more: every view of an array
    (reshape, transpose, slicing, ``as_strided``) keeps a reference to the array owning
    the memory, so the owner's reference count tells (CPython). Entries are matched by
    size in bytes (an idle entry of up to twice the size serves too), so a training loop
    with fixed shapes settles on one set of entries.

    Idle entries beyond ``limit`` bytes in total are dropped, least recently used first;
    ``clear()`` drops all idle entries. Arrays below ``min_bytes`` (64 KB) come from numpy
    directly: glibc keeps blocks that small in its heap. (Above its mmap threshold, 128 KB
    at first, it maps and unmaps every block: a 600 KB array then costs 0.2 ms of page
    faults, more than the op that fills it.)

    Examples
    --------
    >>> import numpy as np
    >>> ws = Workspace(min_bytes=0)
    >>> a = ws.empty((2, 3), np.float32)
    >>> ws.held_bytes
    24
    >>> del a
    >>> b = ws.zeros((3, 2), np.float32)  # the same memory again
    >>> ws.held_bytes
    24
    """

    def __init__(self, limit: int = 4 << 30, min_bytes: int = 1 << 16) -> None:
        self.limit = limit
        self.min_bytes = min_bytes
        self._entries: dict[int, list[np.ndarray]] = {}
        self._used: dict[int, int] = {}  # id(entry) -> tick of its last hand-out
        self._held = 0
        self._tick = 0
        self._lock = threading.Lock()

    def empty(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """An uninitialised C-ordered array, on recycled memory when possible."""
        dtype = np.dtype(dtype)
        nbytes = math.prod(shape) * dtype.itemsize
        if nbytes < self.min_bytes:
            return np.empty(shape, dtype=dtype)
        with self._lock:
            self._tick += 1
            found = self._idle_entry(nbytes)
            if found is None:
                self._trim(self.limit - nbytes)
                found = np.empty(nbytes, dtype=np.uint8)
                self._entries.setdefault(nbytes, []).append(found)
                self._held += nbytes
            self._used[id(found)] = self._tick
            return found[:nbytes].view(dtype).reshape(shape)

    def _idle_entry(self, nbytes: int) -> np.ndarray | None:
        """An idle entry of ``nbytes``, else the smallest idle one of at most twice that."""
        for entry in self._entries.get(nbytes, ()):
            if sys.getrefcount(entry) <= _IDLE_REFS:
                return entry
        for size in sorted(s for s in self._entries if nbytes < s <= 2 * nbytes):
            for entry in self._entries[size]:
                if sys.getrefcount(entry) <= _IDLE_REFS:
                    return entry
        return None

    def empty_like(
        self, a: np.ndarray, *, dtype: Any = None, shape: tuple[int, ...] | None = None
    ) -> np.ndarray:
        """An uninitialised array in ``a``'s memory order (its axes sorted by stride, as
        numpy's ``order='K'``), of ``a``'s dtype and shape unless given."""
        shape = a.shape if shape is None else shape
        order = sorted(range(a.ndim), key=lambda i: -abs(a.strides[i]))  # outermost first
        buf = self.empty(tuple(shape[i] for i in order), a.dtype if dtype is None else dtype)
        return buf.transpose(np.argsort(order))

    def like(self, model: np.ndarray, a: np.ndarray) -> np.ndarray:
        """``a`` in the memory order of ``model`` (same shape): ``a`` itself, or a copy.
        Elementwise ops mixing memory orders run several times slower."""
        out = self.empty_like(model, dtype=a.dtype)
        if out.strides == a.strides:
            return a
        return parallel.copyto(out, a)

    def zeros(self, shape: tuple[int, ...], dtype: Any) -> np.ndarray:
        """Like :meth:`empty`, filled with zeros."""
        out = self.empty(shape, dtype)
        out.fill(0)
        return out

    def _trim(self, budget: int) -> None:
        """Drop idle entries, oldest first, until at most ``budget`` bytes are held."""
        if self._held <= budget:
            return
        idle = []
        for nbytes, entries in self._entries.items():
            for entry in entries:
                if sys.getrefcount(entry) <= _IDLE_REFS:
                    idle.append((self._used[id(entry)], nbytes, entry))
        idle.sort(key=lambda item: item[0])
        for _, nbytes, entry in idle:
            if self._held <= budget:
                break
            self._entries[nbytes] = [e for e in self._entries[nbytes] if e is not entry]
            del self._used[id(entry)]
            self._held -= nbytes

    def clear(self) -> None:
        """Drop every idle entry (the memory of arrays still in use stays theirs)."""
        with self._lock:
            self._trim(0)

    @property
    def held_bytes(self) -> int:
        """The bytes of memory the workspace holds (in use or idle)."""
        return self._held


# The references an idle entry has while a loop over its list looks at it: the list, the
# loop variable and getrefcount's own argument.
_IDLE_REFS = 3
WORKSPACE = Workspace()
