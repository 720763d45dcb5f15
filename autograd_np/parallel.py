"""Threads for numpy's single-threaded passes: ``set_num_threads`` / ``get_num_threads``.

numpy runs elementwise ufuncs, copies and reductions on one core, but releases the GIL
while it does on large arrays, so the kernels split such passes (im2col/col2im, batch
norm, ReLU, pooling, the optimizers' updates) over a small pool of threads with
:func:`parallel_for`. BLAS keeps its own threads for the matrix products.

The thread count defaults to the cores this process may use; ``set_num_threads(1)`` turns
the pool off. Ranks of an MPI job (``autograd_np.distributed``) use 1 unless told otherwise.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor

__all__ = ["get_num_threads", "parallel_for", "set_num_threads"]

# below this many elements per thread a pass is not worth splitting: a thread hand-off
# costs about as much as numpy's pass over ~32k floats
MIN_ELEMENTS_PER_THREAD = 1 << 15


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _initial() -> int:
    value = os.environ.get("AUTOGRAD_NP_NUM_THREADS", "")
    return int(value) if value.isdigit() and int(value) > 0 else _cores()


class _Pool:
    """The process's worker threads, made on first use and remade when the count changes."""

    def __init__(self) -> None:
        self.num_threads = _initial()
        self.executor: ThreadPoolExecutor | None = None
        self.lock = threading.Lock()
        self.owner = os.getpid()

    def get(self) -> ThreadPoolExecutor:
        with self.lock:
            if self.executor is None or self.owner != os.getpid():  # new, or forked
                self.executor = ThreadPoolExecutor(
                    max_workers=self.num_threads - 1, thread_name_prefix="autograd_np"
                )
                self.owner = os.getpid()
            return self.executor


_POOL = _Pool()
_worker = threading.local()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads (the calling one included) for numpy's elementwise passes.

    Parameters
    ----------
    n : int
        A positive count; 1 runs every pass on the calling thread.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    with _POOL.lock:
        if n != _POOL.num_threads and _POOL.executor is not None:
            _POOL.executor.shutdown(wait=True)
            _POOL.executor = None
        _POOL.num_threads = n


def get_num_threads() -> int:
    """The number of threads used for numpy's elementwise passes."""
    return _POOL.num_threads


def parallel_for(n: int, body: Callable[[int, int], None], *, cost: int = 1) -> None:
    """Call ``body(start, stop)`` over contiguous ranges that cover ``range(n)``, on up
    to :func:`get_num_threads` threads, and return when all are done.

    Parameters
    ----------
    n : int
        The number of items (batch samples or channels, say).
    body : callable
        ``body(start, stop)`` handles items ``start`` to ``stop - 1``; the ranges do not
        overlap, so bodies that write disjoint slices need no locking.
    cost : int, optional
        Elements touched per item; passes smaller than ``MIN_ELEMENTS_PER_THREAD`` per
        thread run on the calling thread alone.

    Notes
    -----
    An exception in any range is raised here after every range has finished. A body that
    itself calls ``parallel_for`` runs its inner loop on its own thread.
    """
    threads = min(_POOL.num_threads, n, max(1, (n * cost) // MIN_ELEMENTS_PER_THREAD))
    if threads <= 1 or getattr(_worker, "active", False):
        body(0, n)
        return
    bounds = [n * i // threads for i in range(threads + 1)]

    def run(start: int, stop: int) -> None:
        _worker.active = True
        try:
            body(start, stop)
        finally:
            _worker.active = False

    executor = _POOL.get()
    futures: list[Future[None]] = [
        executor.submit(run, bounds[i], bounds[i + 1]) for i in range(1, threads)
    ]
    error: BaseException | None = None
    try:
        run(bounds[0], bounds[1])
    except BaseException as exc:  # finish the other ranges before raising
        error = exc
    for f in futures:
        failure = f.exception()
        if failure is not None and error is None:
            error = failure
    if error is not None:
        raise error
