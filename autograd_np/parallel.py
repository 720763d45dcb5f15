"""Threads for numpy's single-threaded passes: ``set_num_threads`` / ``get_num_threads``.

numpy runs its elementwise passes, copies and reductions on one core (only BLAS uses
more), but it releases the GIL inside them. The kernels that dominate a CNN step once the
GEMMs are counted out -- im2col and col2im, padding, batch norm, ReLU, pooling, the
optimizers' updates -- therefore split their work along the batch (or a flat range) with
:func:`split`, across a small pool of threads; a convolution hands each thread whole
slices of its batch, whose columns it builds and multiplies while they are in its cache.
One switch controls it, as in PyTorch, and it defaults to the cores
(``OMP_NUM_THREADS`` when set):

>>> import autograd_np as ag
>>> ag.set_num_threads(1)   # every pass on the calling thread, BLAS on one thread
>>> ag.get_num_threads()
1

The GEMMs outside a split stay with numpy's BLAS, on its own threads (``set_num_threads``
sets their number too). Two sets of threads on the same cores would fight, so with the
OpenBLAS numpy ships (found through the process's memory map, on Linux):

* while a split runs, OpenBLAS runs on one thread (the GEMMs inside a split, such as a
  convolution slice's, run on the thread that split them);
* when the pool first splits, OpenBLAS's idle workers are told to sleep at once after a
  GEMM (``OPENBLAS_THREAD_TIMEOUT=4``, read again at run time) instead of spinning for
  about 0.1 s on the cores the split needs. A program that sets
  ``OPENBLAS_THREAD_TIMEOUT`` itself keeps its value.

With a BLAS this module cannot find (not OpenBLAS, or not on Linux), BLAS keeps its own
threads and settings, and work that multiplies matrices (``split(..., gemms=True)``: a
convolution's slices, batched products) stays on the calling thread. Ranks of an MPI
run take their share of their machine's cores (1 thread with a rank a core) unless the
program set a number itself (:func:`autograd_np.distributed.init_process_group`).

Measured on a 2-core machine (``benchmarks/train_step.py --threads 1 2``; README,
"Speed"): 2 threads run the vgg step (batch 128) 1.3-1.9x as fast as 1 thread, and 1.42x
as fast as numpy's own threading did (BLAS threads, passes on one core); the mlp, lenet,
seedcnn and the char-level GPT run as fast as with numpy's threading.

Work smaller than ``MIN_BYTES`` per thread stays on the calling thread: handing a task to
another thread costs tens of microseconds. A split called from inside a split runs
serially, so kernels may call each other freely. After ``fork`` (DataLoader workers) the
child starts without the parent's threads and makes its own when it first needs them.
"""

from __future__ import annotations

import contextlib
import os
import queue
import threading
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import numpy as np

__all__ = [
    "MIN_BYTES",
    "chunks",
    "copyto",
    "elementwise",
    "get_num_threads",
    "matmul",
    "outer_axis",
    "set_num_threads",
    "split",
    "split_sum",
    "total",
]

T = TypeVar("T")

# 4 MB of memory traffic per thread at least. On 2 threads, 1 MB: seedcnn 8.0-11.3 ms a
# step (7.9-8.8 on 1 thread), vgg 301-314; 4 MB: seedcnn 7.5-7.7, vgg 285
MIN_BYTES = 1 << 22


def _default_threads(processes: int = 1) -> int:
    """``OMP_NUM_THREADS`` when set (a count per process, as PyTorch reads it), else this
    process's share of the cores it may run on, when ``processes`` share them."""
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max(1, processes))


class _Pool:
    """Worker threads that each take ``(fn, lo, hi, slot)`` tasks and report the result or
    the exception into ``slot`` (a list shared with the caller, waited on by a latch)."""

    def __init__(self) -> None:
        self.threads = _default_threads()
        self.explicit = False  # set_num_threads was called
        self._tasks: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._workers: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def reset_after_fork(self) -> None:
        self._tasks = queue.SimpleQueue()
        self._workers = []
        self._lock = threading.Lock()
        self._local = threading.local()

    def ensure_workers(self, count: int) -> None:
        with self._lock:
            while len(self._workers) < count:
                worker = threading.Thread(
                    target=self._work, name=f"autograd_np-{len(self._workers)}", daemon=True
                )
                worker.start()
                self._workers.append(worker)

    def _work(self) -> None:
        self._local.inside = True
        tasks = self._tasks
        while True:
            fn, lo, hi, results, index, done = tasks.get()
            try:
                results[index] = (True, fn(lo, hi))
            except BaseException as e:  # reported to the caller, which re-raises it
                results[index] = (False, e)
            done.release()

    def inside(self) -> bool:
        return getattr(self._local, "inside", False)

    def run(self, fn: Callable[[int, int], T], bounds: list[tuple[int, int]]) -> list[T]:
        """``[fn(lo, hi) for lo, hi in bounds]``: the first on this thread, the others on
        the pool, at the same time."""
        self.ensure_workers(len(bounds) - 1)
        with _BLAS.one_thread():
            return self._run(fn, bounds)

    def _run(self, fn: Callable[[int, int], T], bounds: list[tuple[int, int]]) -> list[T]:
        results: list[Any] = [None] * len(bounds)
        done = threading.Semaphore(0)
        for i, (lo, hi) in enumerate(bounds[1:], 1):
            self._tasks.put((fn, lo, hi, results, i, done))
        self._local.inside = True
        try:
            first = fn(*bounds[0])
        finally:
            self._local.inside = False
            for _ in bounds[1:]:
                done.acquire()
        out: list[T] = [first]
        for ok, value in results[1:]:
            if not ok:
                raise value
            out.append(value)
        return out


class _OpenBLAS:
    """The thread controls of the OpenBLAS numpy loaded, found through the process's
    memory map (Linux); each does nothing when there is none."""

    _PREFIXES = ("scipy_openblas_", "openblas_")
    _SUFFIXES = ("64_", "")

    def __init__(self) -> None:
        self.lib: Any = None
        self._set: Any = None
        self._get: Any = None
        self._quieted = False
        self._lock = threading.Lock()
        self._active = 0  # splits running now
        self._before = 1  # OpenBLAS's thread count before the first of them
        import ctypes

        try:
            with open("/proc/self/maps") as f:
                paths = {
                    line.split()[-1]
                    for line in f
                    if "openblas" in line.lower() and line.split()[-1].startswith("/")
                }
        except OSError:
            return
        for path in sorted(paths):
            try:
                lib = ctypes.CDLL(path)
            except OSError:
                continue
            setter = self._symbol(lib, "set_num_threads")
            getter = self._symbol(lib, "get_num_threads")
            if setter is not None and getter is not None:
                setter.argtypes, setter.restype = [ctypes.c_int], None
                getter.argtypes, getter.restype = [], ctypes.c_int
                self.lib, self._set, self._get = lib, setter, getter
                return

    def _symbol(self, lib: Any, name: str) -> Any:
        for prefix in self._PREFIXES:
            for suffix in self._SUFFIXES:
                fn = getattr(lib, prefix + name + suffix, None)
                if fn is not None:
                    return fn
        return None

    @property
    def found(self) -> bool:
        return self._set is not None

    def set_num_threads(self, n: int) -> None:
        if self._set is not None:
            self._set(n)

    @contextlib.contextmanager
    def one_thread(self) -> Iterator[None]:
        """OpenBLAS on one thread inside the block (a split's GEMMs run on its threads)."""
        if self._set is None:
            yield
            return
        with self._lock:  # splits from several threads of the program: first in, last out
            if not self._quieted:
                self.quiet_idle_workers()
            if self._active == 0:
                self._before = self._get()
                self._set(1)
            self._active += 1
        try:
            yield
        finally:
            with self._lock:
                self._active -= 1
                if self._active == 0:
                    self._set(self._before)

    def reset_after_fork(self) -> None:
        """In a forked child: no split runs (the parent's threads are gone)."""
        self._lock = threading.Lock()
        if self._active:
            self._active = 0
            self._set(self._before)

    def quiet_idle_workers(self) -> None:
        """Make OpenBLAS's idle workers sleep right after a GEMM instead of spinning (about
        0.1 s by default) on the cores a split is about to use: OpenBLAS reads
        ``OPENBLAS_THREAD_TIMEOUT`` again and restarts its threads with it. Kept as the
        program set it, when it did."""
        self._quieted = True
        read_env = getattr(self.lib, "openblas_read_env", None)
        shutdown = getattr(self.lib, "blas_thread_shutdown_", None)
        if read_env is None or shutdown is None or "OPENBLAS_THREAD_TIMEOUT" in os.environ:
            return
        os.environ["OPENBLAS_THREAD_TIMEOUT"] = "4"  # 2**4 cycles: the least OpenBLAS takes
        try:
            read_env()
        finally:
            del os.environ["OPENBLAS_THREAD_TIMEOUT"]  # not passed on to child processes
        shutdown()  # the next threaded GEMM starts the workers again, with the timeout


_POOL = _Pool()
_BLAS = _OpenBLAS()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.reset_after_fork)
    os.register_at_fork(after_in_child=_BLAS.reset_after_fork)


def set_num_threads(n: int) -> None:
    """Use ``n`` threads: for the numpy passes that split (1: the calling thread only)
    and for numpy's BLAS (when it is the OpenBLAS numpy ships).

    Parameters
    ----------
    n : int
        At least 1.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _POOL.threads = n
    _POOL.explicit = True
    _BLAS.set_num_threads(n)


def get_num_threads() -> int:
    """The number of threads autograd_np computes on: as set by :func:`set_num_threads`,
    else the cores (``OMP_NUM_THREADS`` when set)."""
    return _POOL.threads


def default_to_share(processes: int) -> None:
    """Use this process's share of the cores when ``processes`` of them run on this
    machine (ranks of an MPI run: 1 thread, BLAS included, with a rank a core), unless
    the program chose a number (or ``OMP_NUM_THREADS`` did)."""
    if not _POOL.explicit:
        set_num_threads(_default_threads(processes))


def chunks(n: int, nbytes: int) -> list[tuple[int, int]]:
    """How :func:`split` cuts ``range(n)`` for work touching ``nbytes`` of memory: at most
    :func:`get_num_threads` near-equal ``(lo, hi)`` ranges, each of ``MIN_BYTES`` or more
    (one range when the work is small, the threads are 1, or this is already a split)."""
    k = min(_POOL.threads, n, max(1, nbytes // MIN_BYTES))
    if k <= 1 or _POOL.inside():
        return [(0, n)]
    return [(i * n // k, (i + 1) * n // k) for i in range(k)]


def split(fn: Callable[[int, int], T], n: int, *, nbytes: int, gemms: bool = False) -> list[T]:
    """Run ``fn(lo, hi)`` over ranges covering ``range(n)`` (see :func:`chunks`) at the same
    time, and return their results in order. ``fn`` must only do numpy work that
    releases the GIL on arrays it slices by ``[lo:hi]`` (writes to disjoint memory).

    Parameters
    ----------
    fn : callable
        ``fn(lo, hi) -> T``.
    n : int
        The length of the range (a batch, rows, a flat array).
    nbytes : int
        The memory the whole work reads and writes, which decides how many threads pay off.
    gemms : bool
        Whether ``fn`` multiplies matrices: then it splits only when BLAS can be held to
        one thread meanwhile (the OpenBLAS numpy ships); another BLAS threads each GEMM
        itself, and threads of both kinds on the same cores would fight.

    Returns
    -------
    list
        One result per range, in order (one element when the work did not split).
    """
    bounds = chunks(n, nbytes)
    if len(bounds) == 1 or (gemms and not _BLAS.found):
        return [fn(0, n)]
    return _POOL.run(fn, bounds)


# ---------------------------------------------------------------------- array helpers
def outer_axis(a: Any) -> int:
    """The axis of ``a`` with the largest stride (the outermost in memory): slices along it
    are contiguous slabs whatever the layout (channels-last, channel-major, NCHW)."""
    best, axis = -1, 0
    for i, (size, stride) in enumerate(zip(a.shape, a.strides)):
        if size > 1 and abs(stride) > best:
            best, axis = abs(stride), i
    return axis


def _take(a: Any, axis: int, lo: int, hi: int, n: int, ndim: int) -> Any:
    """``a[lo:hi]`` along ``axis`` of an ``ndim``-dimensional broadcast result (``a``'s
    axes aligned from the right, as broadcasting does) when ``a`` spans it, else ``a``
    (a scalar, or broadcast along that axis)."""
    own = axis - (ndim - getattr(a, "ndim", 0))
    if own < 0 or a.shape[own] != n:
        return a
    index: list[Any] = [slice(None)] * a.ndim
    index[own] = slice(lo, hi)
    return a[tuple(index)]


def elementwise(ufunc: Any, *args: Any, out: Any, axis: int | None = None) -> Any:
    """``ufunc(*args, out=out)``, split along ``axis`` of ``out`` (default: its outermost
    in memory) across the threads. Arguments that span the axis (by numpy's broadcasting)
    are sliced with it; the others (scalars, broadcast vectors) are passed whole. Returns
    ``out``."""
    if axis is None:
        axis = outer_axis(out)
    n = out.shape[axis] if out.ndim else 1
    nbytes = out.nbytes * (1 + len(args))
    if out.ndim == 0 or len(chunks(n, nbytes)) == 1:
        ufunc(*args, out=out)
        return out

    def part(lo: int, hi: int) -> None:
        nd = out.ndim
        ufunc(*[_take(a, axis, lo, hi, n, nd) for a in args], out=_take(out, axis, lo, hi, n, nd))

    split(part, n, nbytes=nbytes)
    return out


def copyto(dst: Any, src: Any, *, axis: int | None = None) -> Any:
    """``np.copyto(dst, src)`` for arrays of one shape, split along ``axis`` (default:
    ``dst``'s outermost in memory). Returns ``dst``."""
    if axis is None:
        axis = outer_axis(dst)
    n = dst.shape[axis] if dst.ndim else 1
    if dst.ndim == 0 or len(chunks(n, 2 * dst.nbytes)) == 1:
        np.copyto(dst, src)
        return dst
    split(
        lambda lo, hi: np.copyto(
            _take(dst, axis, lo, hi, n, dst.ndim), _take(src, axis, lo, hi, n, dst.ndim)
        ),
        n,
        nbytes=2 * dst.nbytes,
    )
    return dst


def total(a: Any) -> Any:
    """``np.sum(a)`` (in ``a``'s dtype), the partial sums of slabs along its outermost axis
    computed at the same time."""
    if a.ndim == 0:
        return np.sum(a)
    axis = outer_axis(a)
    n = a.shape[axis]
    return split_sum(lambda lo, hi: np.sum(_take(a, axis, lo, hi, n, a.ndim)), n, nbytes=a.nbytes)


def split_sum(fn: Callable[[int, int], Any], n: int, *, nbytes: int) -> Any:
    """The sum of :func:`split`'s results (partial sums of a reduction, in their dtype)."""
    parts = split(fn, n, nbytes=nbytes)
    return parts[0] if len(parts) == 1 else np.sum(parts, axis=0, dtype=parts[0].dtype)


def _gemm_bytes(m: int, n: int, k: int, batch: int, itemsize: int) -> int:
    """A GEMM's work in the units :func:`chunks` compares with ``MIN_BYTES``: a
    multiply-add counts as a quarter byte of memory traffic (about the time ratio)."""
    return m * n * k * batch * itemsize // 16


def matmul(a: np.ndarray, b: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """``np.matmul(a, b, out=out)``, a batched product split along its first batch axis
    across the threads (numpy hands BLAS one small matrix at a time, on one thread). A
    single product goes to BLAS whole, on BLAS's threads."""
    if a.ndim < 2 or b.ndim < 2 or max(a.ndim, b.ndim) < 3:
        return np.matmul(a, b, out=out)
    (m, k), n = a.shape[-2:], b.shape[-1]
    lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    size = lead[0]
    work = _gemm_bytes(m, n, k, int(np.prod(lead)), np.result_type(a, b).itemsize)
    if len(chunks(size, work)) == 1:
        return np.matmul(a, b, out=out)
    if out is None:
        out = np.empty((*lead, m, n), dtype=np.result_type(a, b))
    nd = out.ndim
    result = out

    def part(lo: int, hi: int) -> None:
        np.matmul(_lead(a, nd, lo, hi, size), _lead(b, nd, lo, hi, size), out=result[lo:hi])

    split(part, size, nbytes=work, gemms=True)
    return out


def _lead(a: np.ndarray, nd: int, lo: int, hi: int, size: int) -> np.ndarray:
    """``a`` sliced ``lo:hi`` along the first axis of an ``nd``-dimensional broadcast
    result, when ``a`` spans that axis."""
    if a.ndim == nd and a.shape[0] == size:
        return a[lo:hi]
    return a
