"""``DataLoader``: batches from a dataset, loaded in the caller, a background thread, or
worker processes."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from autograd_np.data._rng import GeneratorLike, as_generator, resolve
from autograd_np.data._worker import ExceptionWrapper, WorkerFailure, WorkerPool, make_context
from autograd_np.data.collate import default_collate, default_convert
from autograd_np.data.dataset import Dataset
from autograd_np.data.sampler import BatchSampler, RandomSampler, Sampler, SequentialSampler

__all__ = ["DataLoader"]

T_co = TypeVar("T_co", covariant=True)

_ITEM, _END, _ERROR = 0, 1, 2


def _prefetched(source: Iterator[Any], depth: int) -> Iterator[Any]:
    """Run ``source`` in a daemon thread, keeping up to ``depth`` items ready.

    Exceptions raised by ``source`` are re-raised here, in the consuming thread. When
    the consumer stops early (``break``, an exception, or the generator being closed)
    the worker is told to stop, the queue is drained so it cannot block, and the
    thread is joined before this generator finishes.
    """
    ready: queue.Queue[tuple[int, Any]] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in source:
                ready.put((_ITEM, item))
                if stop.is_set():
                    return
            ready.put((_END, None))
        except BaseException as exc:  # re-raised in the consumer
            ready.put((_ERROR, exc))
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="autograd_np-DataLoader-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            kind, payload = ready.get()
            if kind == _ITEM:
                yield payload
            elif kind == _END:
                return
            else:
                raise payload
    finally:
        stop.set()
        while worker.is_alive():
            try:
                while True:
                    ready.get_nowait()
            except queue.Empty:
                pass
            worker.join(timeout=0.01)


class _Fetcher:
    """Turns one unit of work (a list of indices, or one index) into what the loader yields.

    The same object runs in the caller and, copied, in each worker process.
    """

    def __init__(
        self,
        dataset: Any,
        collate_fn: Callable[[Any], Any],
        *,
        auto_collation: bool,
        use_getitems: bool,
    ) -> None:
        self.dataset = dataset
        self.collate_fn = collate_fn
        self.auto_collation = auto_collation
        self.use_getitems = use_getitems

    def __call__(self, work: Any) -> Any:
        if not self.auto_collation:
            return self.collate_fn(self.dataset[work])
        if self.use_getitems:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems is not None:
                return default_convert(getitems(np.asarray(work, dtype=np.intp)))
        return self.collate_fn([self.dataset[i] for i in work])


def _draw_seed(generator: np.random.Generator | None) -> int:
    """One int64 from ``generator`` (or the default generator): torch's ``_base_seed``."""
    return int(resolve(generator).integers(0, 2**63 - 1, dtype=np.int64, endpoint=True))


def _check_int(value: Any, name: str, low: int) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value < low:
        raise ValueError(f"DataLoader: {name} must be an int >= {low}, got {value!r}")
    return int(value)


class DataLoader(Generic[T_co]):
    """Iterate over a dataset in batches of Tensors, as ``torch.utils.data.DataLoader``.

    Each ``for batch in loader`` is a fresh, independent pass (``__iter__`` is a
    generator), so epochs never share state and two loops over one loader do not
    interfere (except with ``persistent_workers``, see Notes). With the default collate
    function, batches are :class:`~autograd_np.Tensor` s (in lists, dicts or namedtuples
    as the samples nest; see :func:`default_collate`).

    Parameters
    ----------
    dataset : Dataset
        A map-style dataset. If it has ``__getitems__(indices)`` (see
        :mod:`autograd_np.data.dataset`) and ``collate_fn`` is the default, each batch
        is fetched with that one call (fancy indexing, transforms applied per batch);
        otherwise items are fetched one by one and passed to ``collate_fn``.
    batch_size : int or None, default 1
        Samples per batch. ``None`` disables batching: the loader yields single items.
    shuffle : bool, default False
        Visit the indices in a new random order every epoch (a :class:`RandomSampler`
        drawing from ``generator``).
    sampler : Sampler or iterable of int, optional
        Custom index order; excludes ``shuffle``.
    batch_sampler : Sampler or iterable of list of int, optional
        Yields whole batches of indices; excludes ``batch_size``, ``shuffle``,
        ``sampler`` and ``drop_last``.
    num_workers : int, default 0
        Worker processes loading batches in parallel (0: load in the calling process).
        See Notes.
    collate_fn : callable, optional
        Turns a list of samples into a batch; default :func:`default_collate`. With
        ``batch_size=None`` it is applied to each item (default
        :func:`default_convert`).
    pin_memory : bool, default False
        Accepted for PyTorch compatibility; there is only the CPU, so it does nothing.
    drop_last : bool, default False
        Drop the last incomplete batch.
    timeout : float, default 0
        With workers: raise ``RuntimeError`` when a batch takes longer than this many
        seconds to arrive (0: wait as long as the workers are alive).
    worker_init_fn : callable, optional
        Called as ``worker_init_fn(worker_id)`` in each worker after seeding, before
        any loading (an exception in it is raised at the first batch of that worker).
    multiprocessing_context : str or context, optional
        Start method of the workers (``"fork"``, ``"spawn"``, ``"forkserver"``) or a
        ``multiprocessing`` context; default the platform's. With ``"spawn"`` and
        ``"forkserver"`` the dataset and functions must be picklable.
    generator : np.random.Generator or int or None
        Source of the shuffle order and of the workers' base seed: a Generator is used
        (and advanced) as is, an int seeds a new one; ``None`` means the default
        generator, as in PyTorch. Kept as ``loader.generator``.
    prefetch_factor : int, optional
        With workers: batches each worker has queued ahead (default 2). Must be left
        ``None`` when ``num_workers=0``.
    persistent_workers : bool, default False
        Keep the worker processes (and their copy of the dataset) between epochs.
    pin_memory_device : str, default ""
        Accepted and ignored, as ``pin_memory``.
    in_order : bool, default True
        Yield batches in sampler order. ``False`` yields them as workers finish them.
    prefetch : int, default 0
        Single-process only: batches a background thread prepares ahead while the
        caller works (0 = no thread). The batches are identical to those without
        prefetching. The thread stops cleanly when the loop ends, breaks or raises;
        an exception in it is re-raised in the loop.

    Shapes
    ------
    With the default collate, a sample field of shape ``S`` becomes ``(B, *S)`` with
    ``B = batch_size`` (smaller for the last batch unless ``drop_last``).

    Notes
    -----
    Randomness follows PyTorch: every epoch (or, with persistent workers, when the
    workers start) first draws a base seed from ``generator`` (else the default
    generator), then the sampler draws its order. So the batches are the same whatever
    ``num_workers`` is, for a dataset without randomness of its own.

    Worker processes each get a copy of the dataset. Worker ``k`` is seeded with
    ``base_seed + k``: Python's ``random``, numpy's global ``np.random`` and the
    library's default generator (``autograd_np.manual_seed``, when the engine has it)
    are reseeded, so transforms drawing from the default generator (``generator=None``)
    differ between workers. A transform given its **own** generator is copied into
    every worker in the same state (as a torch generator would be): reseed it in
    ``worker_init_fn`` from ``get_worker_info().seed`` if the workers must differ. In a
    worker, :func:`get_worker_info` returns its id, ``num_workers``, seed and dataset.
    Batches come back in sampler order (batch ``i`` from worker ``i % num_workers``).
    An exception in a worker is raised in the loop with the same type and the worker's
    original traceback in its message; a worker that dies (killed, out of memory) is
    detected within a fraction of a second and raises ``RuntimeError``, so the loop
    never hangs. Workers stop when the loop ends, breaks or raises (or, when
    persistent, when the loader is garbage collected). With ``persistent_workers``,
    starting a new pass ends the previous unfinished one (it raises if resumed).

    Exact resume: the shuffle order of an epoch is drawn from ``loader.generator`` when
    the epoch starts. Save ``loader.generator.bit_generator.state`` (a JSON-serialisable
    dict) before starting an epoch; to resume, assign it back with
    ``loader.generator.bit_generator.state = saved`` and iterate again: the epoch
    replays in the same order (skip the batches already done). Random transforms have
    their own ``generator``; save and restore its state the same way.

    The prefetch thread calls the dataset (and its transforms) from a background
    thread. Two prefetching loops over datasets sharing one random transform at the
    same time stay correct (numpy generators are thread-safe) but not reproducible.

    Examples
    --------
    >>> import numpy as np
    >>> from autograd_np.data import TensorDataset
    >>> ds = TensorDataset(np.arange(10, dtype=np.float32).reshape(5, 2), np.arange(5))
    >>> loader = DataLoader(ds, batch_size=2, shuffle=True, generator=0)
    >>> len(loader)
    3
    >>> [y.tolist() for _, y in loader]  # doctest: +SKIP
    [[4, 0], [2, 1], [3]]
    >>> state = loader.generator.bit_generator.state  # save before an epoch
    >>> first = [y.tolist() for _, y in loader]
    >>> loader.generator.bit_generator.state = state  # restore: same epoch again
    >>> [y.tolist() for _, y in loader] == first
    True
    """

    def __init__(
        self,
        dataset: Dataset[T_co],
        batch_size: int | None = 1,
        shuffle: bool | None = None,
        sampler: Sampler[int] | Iterable[int] | None = None,
        batch_sampler: Sampler[list[int]] | Iterable[Sequence[int]] | None = None,
        *,
        num_workers: int = 0,
        collate_fn: Callable[[Any], Any] | None = None,
        pin_memory: bool = False,
        drop_last: bool = False,
        timeout: float = 0,
        worker_init_fn: Callable[[int], None] | None = None,
        multiprocessing_context: Any = None,
        generator: GeneratorLike = None,
        prefetch_factor: int | None = None,
        persistent_workers: bool = False,
        pin_memory_device: str = "",
        in_order: bool = True,
        prefetch: int = 0,
    ) -> None:
        shuffle = False if shuffle is None else shuffle
        for name, flag in (
            ("shuffle", shuffle),
            ("drop_last", drop_last),
            ("pin_memory", pin_memory),
            ("persistent_workers", persistent_workers),
            ("in_order", in_order),
        ):
            if not isinstance(flag, bool):
                raise TypeError(f"DataLoader: {name} must be a bool, got {flag!r}")
        if not isinstance(prefetch, int) or isinstance(prefetch, bool) or prefetch < 0:
            raise ValueError(f"DataLoader: prefetch must be an int >= 0, got {prefetch!r}")
        num_workers = _check_int(num_workers, "num_workers", 0)
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
            raise ValueError(f"DataLoader: timeout must be a number >= 0, got {timeout!r}")
        if num_workers == 0:
            if prefetch_factor is not None:
                raise ValueError(
                    "DataLoader: prefetch_factor needs num_workers > 0 (it counts the "
                    "batches each worker loads ahead); leave it None, or use prefetch= "
                    "for a single-process background thread"
                )
            if persistent_workers:
                raise ValueError("DataLoader: persistent_workers=True needs num_workers > 0")
            if multiprocessing_context is not None:
                raise ValueError(
                    "DataLoader: multiprocessing_context needs num_workers > 0, got num_workers=0"
                )
        else:
            if prefetch:
                raise ValueError(
                    "DataLoader: prefetch (a background thread) is for num_workers=0; with "
                    "workers use prefetch_factor"
                )
            prefetch_factor = 2 if prefetch_factor is None else prefetch_factor
            prefetch_factor = _check_int(prefetch_factor, "prefetch_factor", 1)
        if worker_init_fn is not None and not callable(worker_init_fn):
            raise TypeError("DataLoader: worker_init_fn must be callable")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader: sampler and shuffle=True are mutually exclusive")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError(
                    "DataLoader: batch_sampler is mutually exclusive with batch_size, "
                    "shuffle, sampler and drop_last"
                )
            batch_size = None
        elif batch_size is None and drop_last:
            raise ValueError("DataLoader: drop_last=True needs a batch_size (got None)")

        self.dataset = dataset
        self.drop_last = drop_last
        self.prefetch = prefetch
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.persistent_workers = persistent_workers
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = float(timeout)
        self.worker_init_fn = worker_init_fn
        self.in_order = in_order
        self.multiprocessing_context = (
            make_context(multiprocessing_context) if num_workers > 0 else None
        )
        self.generator: np.random.Generator | None = as_generator(
            generator, name="DataLoader generator"
        )
        if sampler is None:
            if shuffle:
                sampler = RandomSampler(dataset, generator=self.generator)
            else:
                sampler = SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.batch_sampler = batch_sampler
        auto_collation = batch_sampler is not None
        use_default = collate_fn is None or collate_fn is default_collate
        if collate_fn is None:
            collate_fn = default_collate if auto_collation else default_convert
        self.collate_fn: Callable[[Any], Any] = collate_fn
        self._fetch = _Fetcher(
            dataset, collate_fn, auto_collation=auto_collation, use_getitems=use_default
        )
        self._pool: WorkerPool | None = None

    def _work(self) -> Iterator[Any]:
        """The units of work of one pass: lists of indices, or single indices."""
        if self.batch_sampler is not None:
            return iter(self.batch_sampler)
        return iter(self.sampler)

    def _single_process(self) -> Iterator[Any]:
        _draw_seed(self.generator)  # as torch: the base seed is drawn even without workers
        for work in self._work():
            yield self._fetch(work)

    def _start_pool(self) -> WorkerPool:
        assert self.prefetch_factor is not None
        return WorkerPool(
            fetch=self._fetch,
            num_workers=self.num_workers,
            base_seed=_draw_seed(self.generator),
            init_fn=self.worker_init_fn,
            context=self.multiprocessing_context,
        )

    def _multi_process(self) -> Iterator[Any]:
        pool = self._pool
        if pool is None or not pool.alive:
            pool = self._start_pool()
            if self.persistent_workers:
                self._pool = pool
        epoch = pool.new_epoch()
        try:
            work = self._work()
            sent = 0

            def send_one() -> None:
                nonlocal sent
                item = next(work, _DONE)
                if item is not _DONE:
                    pool.put(sent, item)
                    sent += 1

            assert self.prefetch_factor is not None
            for _ in range(self.prefetch_factor * self.num_workers):
                send_one()
            done = 0
            ready: dict[int, Any] = {}
            while done < sent:
                if pool.epoch != epoch:
                    raise RuntimeError(
                        "DataLoader: this pass was ended by a newer pass over the same "
                        "loader (persistent_workers=True keeps one set of workers)"
                    )
                if self.in_order:
                    while done not in ready:
                        index, result = pool.get(self.timeout)
                        ready[index] = result
                    result = ready.pop(done)
                else:
                    _, result = pool.get(self.timeout)
                done += 1
                send_one()
                if isinstance(result, ExceptionWrapper):
                    result.reraise()
                yield result
        except WorkerFailure:
            pool.shutdown()  # a dead or stuck worker: even persistent workers start afresh
            raise
        finally:
            if not self.persistent_workers:
                pool.shutdown()

    def __iter__(self) -> Iterator[Any]:
        if self.num_workers > 0:
            yield from self._multi_process()
        elif self.prefetch:
            yield from _prefetched(self._single_process(), self.prefetch)
        else:
            yield from self._single_process()

    def __len__(self) -> int:
        source = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return len(source)  # type: ignore[arg-type]


_DONE = object()
