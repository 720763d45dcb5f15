"""``DataLoader``: batches from a dataset, optionally prepared by a background thread."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from autograd_np.data._rng import GeneratorLike, as_generator
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


class DataLoader(Generic[T_co]):
    """Iterate over a dataset in batches of Tensors, as ``torch.utils.data.DataLoader``.

    Each ``for batch in loader`` is a fresh, independent pass (``__iter__`` is a
    generator), so epochs never share state and two loops over one loader do not
    interfere. With the default collate function, batches are
    :class:`~autograd_np.Tensor` s (in lists, dicts or namedtuples as the samples
    nest; see :func:`default_collate`), sharing memory with the collated arrays.

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
    drop_last : bool, default False
        Drop the last incomplete batch.
    collate_fn : callable, optional
        Turns a list of samples into a batch; default :func:`default_collate`. With
        ``batch_size=None`` it is applied to each item (default
        :func:`default_convert`).
    generator : np.random.Generator or int or None
        The shuffling generator: a Generator is used as is, an int seeds a new one, and
        ``None`` with ``shuffle=True`` creates a fresh ``np.random.default_rng()``. It
        is kept as ``loader.generator`` (``None`` when not shuffling).
    prefetch : int, default 0
        Number of batches a background thread prepares ahead while the caller works
        (0 = no thread). The batches are identical to those without prefetching. The
        thread stops cleanly when the loop ends, breaks or raises; an exception in it
        is re-raised in the loop.

    Shapes
    ------
    With the default collate, a sample field of shape ``S`` becomes ``(B, *S)`` with
    ``B = batch_size`` (smaller for the last batch unless ``drop_last``).

    Notes
    -----
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
        shuffle: bool = False,
        sampler: Sampler[int] | Iterable[int] | None = None,
        batch_sampler: Sampler[list[int]] | Iterable[Sequence[int]] | None = None,
        *,
        drop_last: bool = False,
        collate_fn: Callable[[list[Any]], Any] | None = None,
        generator: GeneratorLike = None,
        prefetch: int = 0,
    ) -> None:
        if not isinstance(shuffle, bool):
            raise TypeError(f"DataLoader: shuffle must be a bool, got {shuffle!r}")
        if not isinstance(drop_last, bool):
            raise TypeError(f"DataLoader: drop_last must be a bool, got {drop_last!r}")
        if not isinstance(prefetch, int) or isinstance(prefetch, bool) or prefetch < 0:
            raise ValueError(f"DataLoader: prefetch must be an int >= 0, got {prefetch!r}")
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
        self.generator: np.random.Generator | None = None
        if sampler is None:
            if shuffle:
                self.generator = as_generator(generator, name="DataLoader generator")
                sampler = RandomSampler(dataset, generator=self.generator)
            else:
                sampler = SequentialSampler(dataset)
        self.sampler = sampler
        if batch_sampler is None and batch_size is not None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)
        self.batch_size = batch_size
        self.batch_sampler = batch_sampler
        self._use_getitems = collate_fn is None or collate_fn is default_collate
        self.collate_fn: Callable[[list[Any]], Any] = (
            default_collate if collate_fn is None else collate_fn
        )

    def _fetch(self, indices: Sequence[int]) -> Any:
        if self._use_getitems:
            getitems = getattr(self.dataset, "__getitems__", None)
            if getitems is not None:
                return default_convert(getitems(np.asarray(indices, dtype=np.intp)))
        return self.collate_fn([self.dataset[i] for i in indices])

    def _batches(self) -> Iterator[Any]:
        if self.batch_sampler is not None:
            for indices in self.batch_sampler:
                yield self._fetch(indices)
        else:
            convert: Callable[[Any], Any] = (
                default_convert if self._use_getitems else self.collate_fn
            )
            for index in self.sampler:
                yield convert(self.dataset[index])

    def __iter__(self) -> Iterator[Any]:
        if self.prefetch:
            yield from _prefetched(self._batches(), self.prefetch)
        else:
            yield from self._batches()

    def __len__(self) -> int:
        source = self.batch_sampler if self.batch_sampler is not None else self.sampler
        return len(source)  # type: ignore[arg-type]
