"""DataLoader worker processes: the worker loop, its seeding, and the pool the loader drives.

Each worker has its own task queue (indices in; a feeder thread writes it, so the loader
never blocks on it) and result pipe (pickled batches out). The parent closes its copy of
a worker's result write end right after starting it, so a worker that dies (even in the
middle of a message) shows up as end-of-file on its pipe rather than as a read that
never returns; the pool also checks that its workers are alive whenever no result
arrives for a short while. Workers exit when told to, or when they notice their parent
is gone.
"""

from __future__ import annotations

import contextlib
import copyreg
import io
import multiprocessing
import multiprocessing.connection
import os
import pickle
import queue
import random
import signal
import sys
import time
import traceback
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

import autograd_np
from autograd_np.tensor import Tensor

__all__ = ["WorkerInfo", "get_worker_info"]

# how often a waiting loader checks that its workers are alive, and a worker its parent
_POLL_SECONDS = 0.2
_WATCHDOG_SECONDS = 1.0


@dataclass(frozen=True)
class WorkerInfo:
    """What a DataLoader worker process knows about itself (``torch``'s ``WorkerInfo``).

    Attributes
    ----------
    id : int
        This worker's index, ``0 <= id < num_workers``.
    num_workers : int
        Number of workers of the loader.
    seed : int
        This worker's seed: the loader's base seed (drawn from its ``generator``, or the
        default generator, when the workers start) plus ``id``.
    dataset : Any
        This process's copy of the dataset.
    """

    id: int
    num_workers: int
    seed: int
    dataset: Any


_worker_info: WorkerInfo | None = None


def get_worker_info() -> WorkerInfo | None:
    """Inside a DataLoader worker process, its :class:`WorkerInfo`; ``None`` elsewhere.

    Examples
    --------
    >>> get_worker_info() is None  # in the main process
    True
    """
    return _worker_info


class WorkerFailure(RuntimeError):
    """A worker died, or a batch took longer than the loader's ``timeout``."""


class _KeyErrorMessage(str):
    """A KeyError's message printed as is (KeyError would show its repr with quotes)."""

    def __repr__(self) -> str:
        return str(self)


class ExceptionWrapper:
    """An exception raised in a worker: its type and its formatted traceback."""

    def __init__(self, where: str) -> None:
        exc_type = sys.exc_info()[0] or RuntimeError
        try:  # a class the main process cannot unpickle (a local class) becomes RuntimeError
            pickle.loads(pickle.dumps(exc_type))
        except Exception:
            exc_type = RuntimeError
        self.exc_type: type[BaseException] = exc_type
        self.where = where
        self.text = "".join(traceback.format_exception(*sys.exc_info()))

    def reraise(self) -> None:
        """Raise the same exception type with the worker's original traceback as message."""
        msg = f"Caught {self.exc_type.__name__} {self.where}.\nOriginal {self.text}"
        if self.exc_type is KeyError:
            msg = _KeyErrorMessage(msg)
        try:
            exc = self.exc_type(msg)
        except Exception:  # the type needs other arguments: fall back as torch does
            raise RuntimeError(msg) from None
        raise exc


def _rebuild_tensor(array: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor.from_array(array)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _reduce_tensor(t: Tensor) -> tuple[Callable[..., Tensor], tuple[np.ndarray, bool]]:
    if t.requires_grad and not t.is_leaf:
        raise RuntimeError(
            "DataLoader worker: cannot send a non-leaf Tensor that requires grad to the main "
            "process (autograd does not cross process boundaries); return t.detach()"
        )
    return _rebuild_tensor, (t.array, t.requires_grad)


def dumps(obj: Any) -> bytes:
    """Pickle a batch for the result pipe; Tensors travel as their arrays."""
    buf = io.BytesIO()
    pickler = pickle.Pickler(buf, protocol=pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = copyreg.dispatch_table.copy()
    pickler.dispatch_table[Tensor] = _reduce_tensor
    pickler.dump(obj)
    return buf.getvalue()


def _seed_worker(seed: int) -> None:
    """Seed this process's global random sources from ``seed``, as torch seeds a worker."""
    random.seed(seed)
    # numpy's legacy global generator too, as torch does: datasets written for torch use it
    np.random.seed(np.random.SeedSequence(seed).generate_state(4))  # noqa: NPY002
    manual_seed = getattr(autograd_np, "manual_seed", None)
    if manual_seed is not None:
        manual_seed(seed)


def worker_loop(
    fetch: Any,
    worker_id: int,
    num_workers: int,
    base_seed: int,
    init_fn: Callable[[int], None] | None,
    tasks: Any,
    results: multiprocessing.connection.Connection,
    parent_pid: int,
) -> None:
    """The body of a worker process: fetch the batches it is sent until told to stop.

    ``fetch(work)`` returns the batch for ``work`` (a list of indices, or one index when
    batching is off); ``fetch.dataset`` is the dataset, shown in :class:`WorkerInfo`.
    """
    global _worker_info
    # Ctrl-C goes to the main process, which then shuts the workers down
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    where = f"in DataLoader worker process {worker_id}"
    seed = base_seed + worker_id
    _seed_worker(seed)
    _worker_info = WorkerInfo(
        id=worker_id, num_workers=num_workers, seed=seed, dataset=fetch.dataset
    )
    init_error: ExceptionWrapper | None = None
    if init_fn is not None:
        try:
            init_fn(worker_id)
        except Exception:
            init_error = ExceptionWrapper(where)
    try:
        while True:
            try:
                task = tasks.get(timeout=_WATCHDOG_SECONDS)
            except queue.Empty:
                if os.getppid() != parent_pid:
                    return
                continue
            except (EOFError, OSError):
                return
            if task is None:
                return
            epoch, index, work = task
            result: Any
            if init_error is not None:
                result = init_error
            else:
                try:
                    result = fetch(work)
                except Exception:
                    result = ExceptionWrapper(where)
            try:
                payload = dumps((epoch, index, result))
            except Exception:
                payload = dumps((epoch, index, ExceptionWrapper(where)))
            try:
                results.send_bytes(payload)
            except (BrokenPipeError, OSError):
                return
    except KeyboardInterrupt:  # the main process handles it
        return
    finally:
        results.close()


def _stop_workers(
    processes: list[Any],
    tasks: list[Any],
    results: list[multiprocessing.connection.Connection],
) -> None:
    for q in tasks:
        with contextlib.suppress(OSError, ValueError):
            q.put(None)
    deadline = time.monotonic() + 2.0
    for p in processes:
        p.join(max(0.0, deadline - time.monotonic()))
    for p in processes:
        if p.is_alive():
            p.terminate()
            p.join(1.0)
    for q in tasks:
        with contextlib.suppress(OSError, ValueError):
            q.close()
    for conn in results:
        with contextlib.suppress(OSError):
            conn.close()


class WorkerPool:
    """``num_workers`` worker processes, fed batches of indices round robin.

    Results carry the epoch they belong to, so a pool kept across epochs
    (``persistent_workers``) discards what an abandoned epoch left in flight.
    """

    def __init__(
        self,
        *,
        fetch: Any,
        num_workers: int,
        base_seed: int,
        init_fn: Callable[[int], None] | None,
        context: Any,
    ) -> None:
        self.num_workers = num_workers
        self.epoch = 0
        self.processes: list[Any] = []
        # task queues (a feeder thread writes them, so the loader never blocks on a put)
        self.tasks: list[Any] = []
        self.results: list[multiprocessing.connection.Connection] = []
        self._next_worker = 0
        self._finalizer = weakref.finalize(
            self, _stop_workers, self.processes, self.tasks, self.results
        )
        try:
            for worker_id in range(num_workers):
                tasks = context.Queue()
                tasks.cancel_join_thread()  # exiting never waits for a dead worker's queue
                result_r, result_w = context.Pipe(duplex=False)
                process = context.Process(
                    target=worker_loop,
                    args=(
                        fetch,
                        worker_id,
                        num_workers,
                        base_seed,
                        init_fn,
                        tasks,
                        result_w,
                        os.getpid(),
                    ),
                    name=f"autograd_np-DataLoader-worker-{worker_id}",
                    daemon=True,
                )
                process.start()
                # only the worker holds these ends now: its death closes the result pipe
                result_w.close()
                self.processes.append(process)
                self.tasks.append(tasks)
                self.results.append(result_r)
        except BaseException:
            self.shutdown()
            raise

    def new_epoch(self) -> int:
        """Start an epoch: results of earlier epochs still in flight will be dropped."""
        self.epoch += 1
        self._next_worker = 0
        return self.epoch

    def _dead_workers(self) -> str | None:
        dead = [p for p in self.processes if not p.is_alive()]
        if not dead:
            return None
        parts = []
        for p in dead:
            code = p.exitcode
            how = f"exit code {code}"
            if code is not None and code < 0:
                with contextlib.suppress(ValueError):
                    how += f" (killed by signal {signal.Signals(-code).name})"
            parts.append(f"pid {p.pid}, {how}")
        return (
            f"DataLoader worker ({'; '.join(parts)}) exited unexpectedly; it was killed or "
            "crashed (out of memory, a signal, or an exit in the dataset code)"
        )

    def put(self, index: int, work: Any) -> None:
        """Send the work of batch ``index`` of the current epoch to the next worker."""
        worker = self._next_worker
        self._next_worker = (worker + 1) % self.num_workers
        try:
            self.tasks[worker].put((self.epoch, index, work))
        except (OSError, ValueError) as exc:
            raise WorkerFailure(
                self._dead_workers() or f"DataLoader worker {worker} cannot take work"
            ) from exc

    def get(self, timeout: float) -> tuple[int, Any]:
        """The next ``(index, result)`` of the current epoch, in arrival order.

        Raises RuntimeError when ``timeout`` (> 0) seconds pass without one, or when a
        worker has died.
        """
        start = time.monotonic()
        while True:
            ready = multiprocessing.connection.wait(self.results, _POLL_SECONDS)
            for conn in ready:
                assert isinstance(conn, multiprocessing.connection.Connection)
                try:
                    payload = conn.recv_bytes()
                except (EOFError, OSError) as exc:
                    # give the dead process a moment to be reaped, for its exit code
                    for p in self.processes:
                        p.join(0.05)
                    raise WorkerFailure(
                        self._dead_workers()
                        or "DataLoader worker closed its result pipe unexpectedly"
                    ) from exc
                epoch, index, result = pickle.loads(payload)
                if epoch == self.epoch:
                    return index, result
            if not ready:
                message = self._dead_workers()
                if message is not None:
                    raise WorkerFailure(message)
            if timeout > 0 and time.monotonic() - start > timeout:
                raise WorkerFailure(f"DataLoader timed out after {timeout} seconds")

    def shutdown(self) -> None:
        """Stop the workers (asking first, then terminating) and close the pipes."""
        self._finalizer()

    @property
    def alive(self) -> bool:
        """Whether the pool has not been shut down."""
        return self._finalizer.alive


def make_context(context: Any) -> Any:
    """The multiprocessing context for ``multiprocessing_context`` (None: the default)."""
    if context is None:
        return multiprocessing.get_context()
    if isinstance(context, str):
        methods: Sequence[str] = multiprocessing.get_all_start_methods()
        if context not in methods:
            raise ValueError(
                f"DataLoader: multiprocessing_context must be one of {list(methods)} or a "
                f"context, got {context!r}"
            )
        return multiprocessing.get_context(context)
    if not hasattr(context, "Process") or not hasattr(context, "Pipe"):
        raise TypeError(
            "DataLoader: multiprocessing_context must be a start method name or a "
            f"multiprocessing context, got {type(context).__name__}"
        )
    return context
