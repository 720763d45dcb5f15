"""Threads for numpy's single-threaded passes: ``set_num_threads`` / ``get_num_threads``.

numpy runs its elementwise passes, copies and reductions on one core (only BLAS uses
more), but it releases the GIL inside them. The kernels that dominate a CNN step once the
GEMMs are counted out -- im2col and col2im, padding, batch norm, ReLU, pooling, the
optimizers' updates -- therefore split their work along the batch (or a flat range) with
:func:`split`, across a small pool of threads. One switch controls it, as in PyTorch:

>>> import autograd_np as ag
>>> ag.set_num_threads(1)   # every pass on the calling thread (the pool is not used)
>>> ag.get_num_threads()
1

Until ``set_num_threads`` is called, autograd_np leaves threading to numpy: BLAS runs
the GEMMs on its own threads (the cores, or ``OPENBLAS_NUM_THREADS``/``OMP_NUM_THREADS``)
and the passes run on the calling thread; ``get_num_threads`` then reports that default.
``set_num_threads(n)`` moves everything onto n threads of autograd_np's: the passes split
and so do the GEMMs (:func:`matmul` splits the output's rows, columns or batch), with
numpy's OpenBLAS set to one thread, because two sets of threads on the same cores fight
(OpenBLAS's idle workers spin for a while after each GEMM and take the core a pass was
split onto). With a BLAS this module cannot find (not OpenBLAS, or not on Linux) BLAS
keeps its own threads and :func:`matmul` leaves the GEMMs to it. Ranks of an MPI run use
1 thread unless the program set a number itself
(:func:`autograd_np.distributed.init_process_group`).

Measured on a 2-core machine (``benchmarks/train_step.py --threads default 1 2``), 2
threads make the vgg step (batch 128) 1.66-1.86x faster than 1, but only 0.96-1.18x as
fast as numpy's default; lenet and seedcnn run about as fast as with the default, the mlp
and the char-level GPT slower (2.7 against 3.9 ms, 57 against 63-80 ms): a GEMM of a few
hundred rows split across this pool takes 1.2-1.6x the time OpenBLAS's own two threads
take (waking a sleeping thread costs tens of microseconds on a virtual machine, and
OpenBLAS's workers spin instead). So the pool waits for ``set_num_threads``.

Work smaller than ``MIN_BYTES`` per thread stays on the calling thread: handing a task to
another thread costs tens of microseconds. A split called from inside a split runs
serially, so kernels may call each other freely. After ``fork`` (DataLoader workers) the
child starts without the parent's threads and makes its own when it first needs them.
"""

from __future__ import annotations

import os
import queue
import threading
from collections.abc import Callable
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

MIN_BYTES = 1 << 20  # 1 MB of memory traffic per thread at least (256 KB: seedcnn 8.7 ms
# a step against numpy's default 7.0; 1 MB: 7.1-7.3; 4 MB: vgg 336-343 ms against 309-319)


def _default_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS", "").strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class _Pool:
    """Worker threads that each take ``(fn, lo, hi, slot)`` tasks and report the result or
    the exception into ``slot`` (a list shared with the caller, waited on by a latch)."""

    def __init__(self) -> None:
        self.threads = 1  # until set_num_threads: the passes on the calling thread
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


_POOL = _Pool()
if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_POOL.reset_after_fork)


def _openblas_setter() -> Callable[[int], Any] | None:
    """``openblas_set_num_threads`` of the OpenBLAS numpy loaded, found through the
    process's memory map (Linux), else None."""
    import ctypes

    try:
        with open("/proc/self/maps") as f:
            paths = {
                line.split()[-1]
                for line in f
                if "openblas" in line.lower() and line.split()[-1].startswith("/")
            }
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in (
            "scipy_openblas_set_num_threads64_",
            "scipy_openblas_set_num_threads",
            "openblas_set_num_threads64_",
            "openblas_set_num_threads",
        ):
            setter = getattr(lib, name, None)
            if setter is not None:
                setter.argtypes = [ctypes.c_int]
                setter.restype = None
                return setter
    return None


_BLAS_SETTER = _openblas_setter()


def set_num_threads(n: int) -> None:
    """Use ``n`` threads for the numpy passes that split (1: the calling thread only).

    Parameters
    ----------
    n : int
        At least 1.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"set_num_threads: expected a positive int, got {n!r}")
    _POOL.threads = n
    _POOL.explicit = True
    if _BLAS_SETTER is not None:
        _BLAS_SETTER(1)  # the GEMMs split over this module's threads instead (see above)


def get_num_threads() -> int:
    """The number of threads autograd_np computes on: as set by :func:`set_num_threads`,
    else the default (the cores, which numpy's BLAS uses for the GEMMs)."""
    return _POOL.threads if _POOL.explicit else _default_threads()


def default_to_one_thread() -> None:
    """Use 1 thread, BLAS included, unless the program chose a number (ranks of an MPI
    run: each rank has its share of the cores already)."""
    if not _POOL.explicit:
        set_num_threads(1)


def chunks(n: int, nbytes: int) -> list[tuple[int, int]]:
    """How :func:`split` cuts ``range(n)`` for work touching ``nbytes`` of memory: at most
    :func:`get_num_threads` near-equal ``(lo, hi)`` ranges, each of ``MIN_BYTES`` or more
    (one range when the work is small, the threads are 1, or this is already a split)."""
    k = min(_POOL.threads, n, max(1, nbytes // MIN_BYTES))
    if k <= 1 or _POOL.inside():
        return [(0, n)]
    return [(i * n // k, (i + 1) * n // k) for i in range(k)]


def split(fn: Callable[[int, int], T], n: int, *, nbytes: int) -> list[T]:
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

    Returns
    -------
    list
        One result per range, in order (one element when the work did not split).
    """
    bounds = chunks(n, nbytes)
    if len(bounds) == 1:
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
    """``np.matmul(a, b, out=out)`` split across the threads: along the batch axis of a
    batched product, else along the rows (or, for a wide result, the columns) of the
    output. Operands of at least 2 dimensions; others go to numpy whole."""
    if _BLAS_SETTER is None or _POOL.threads == 1 or a.ndim < 2 or b.ndim < 2:
        return np.matmul(a, b, out=out)
    m, k = a.shape[-2:]
    n = b.shape[-1]
    lead = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    batch = int(np.prod(lead)) if lead else 1
    dtype = np.result_type(a, b)
    work = _gemm_bytes(m, n, k, batch, dtype.itemsize)
    if out is None:
        out = np.empty((*lead, m, n), dtype=dtype)
    if lead and lead[0] > 1:  # batches: split the first batch axis
        size, nd = lead[0], out.ndim

        def part(lo: int, hi: int) -> None:
            np.matmul(_lead(a, nd, lo, hi, size), _lead(b, nd, lo, hi, size), out=out[lo:hi])

        if len(chunks(size, work)) > 1:
            split(part, size, nbytes=work)
            return out
    elif m >= n and len(chunks(m, work)) > 1:
        split(lambda lo, hi: np.matmul(a[..., lo:hi, :], b, out=out[..., lo:hi, :]), m, nbytes=work)
        return out
    elif len(chunks(n, work)) > 1:
        split(lambda lo, hi: np.matmul(a, b[..., lo:hi], out=out[..., lo:hi]), n, nbytes=work)
        return out
    return np.matmul(a, b, out=out)


def _lead(a: np.ndarray, nd: int, lo: int, hi: int, size: int) -> np.ndarray:
    """``a`` sliced ``lo:hi`` along the first axis of an ``nd``-dimensional broadcast
    result, when ``a`` spans that axis."""
    if a.ndim == nd and a.shape[0] == size:
        return a[lo:hi]
    return a
