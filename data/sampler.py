"""Samplers: the order in which a ``DataLoader`` visits dataset indices."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized
from itertools import islice
from typing import Any, Generic, TypeVar

import numpy as np

from autograd_np.data._rng import GeneratorLike, as_generator, resolve

__all__ = [
    "BatchSampler",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "SubsetRandomSampler",
    "WeightedRandomSampler",
]

T_co = TypeVar("T_co", covariant=True)


class Sampler(Generic[T_co]):
    """Base class of samplers: an iterable over dataset indices (or lists of them).

    Subclasses implement ``__iter__`` (a fresh pass on each call) and, when the number
    of items is known, ``__len__``. Random samplers draw from their ``generator`` (when
    given; else from the default generator, as PyTorch's), so saving
    ``generator.bit_generator.state`` before an epoch and restoring it replays that
    epoch exactly.

    Examples
    --------
    >>> class Evens(Sampler[int]):
    ...     def __init__(self, n: int) -> None:
    ...         self.n = n
    ...     def __iter__(self):
    ...         return iter(range(0, self.n, 2))
    >>> list(Evens(5))
    [0, 2, 4]
    """

    def __iter__(self) -> Iterator[T_co]:
        raise NotImplementedError(f"{type(self).__name__} must implement __iter__")


class SequentialSampler(Sampler[int]):
    """Indices ``0, 1, ..., len(data_source) - 1`` in order.

    Parameters
    ----------
    data_source : Sized
        The dataset (only its length is used).

    Examples
    --------
    >>> list(SequentialSampler(range(3)))
    [0, 1, 2]
    """

    def __init__(self, data_source: Sized) -> None:
        self.data_source = data_source

    def __iter__(self) -> Iterator[int]:
        return iter(range(len(self.data_source)))

    def __len__(self) -> int:
        return len(self.data_source)


def _check_positive_int(value: Any, name: str) -> int:
    if not isinstance(value, (int, np.integer)) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive int, got {value!r}")
    return int(value)


class RandomSampler(Sampler[int]):
    """Random indices of ``data_source``: a permutation, or draws with replacement.

    Parameters
    ----------
    data_source : Sized
        The dataset (only its length is used).
    replacement : bool, default False
        Draw ``num_samples`` indices independently with replacement.
    num_samples : int, optional
        Indices per pass (default ``len(data_source)``). Without replacement and more
        than ``len(data_source)``, consecutive permutations are concatenated.
    generator : np.random.Generator or int or None
        Source of randomness: a Generator (kept and advanced, so each pass differs and
        its state can be saved), an int seed, or ``None``: as in PyTorch, each pass then
        draws a seed from the default generator and uses a generator of its own.

    Notes
    -----
    As PyTorch's, the indices are drawn lazily while the pass goes on: with
    replacement in chunks of 32, without replacement one permutation of
    ``len(data_source)`` at a time. So ``num_samples=10**10`` costs no memory up front.

    Examples
    --------
    >>> sorted(RandomSampler(range(5), generator=0))
    [0, 1, 2, 3, 4]
    >>> list(RandomSampler(range(5), generator=0)) == list(RandomSampler(range(5), generator=0))
    True
    >>> it = iter(RandomSampler(range(3), replacement=True, num_samples=10**10, generator=0))
    >>> 0 <= next(it) < 3
    True
    """

    #: indices drawn per call to the generator when sampling with replacement
    CHUNK = 32

    def __init__(
        self,
        data_source: Sized,
        replacement: bool = False,
        num_samples: int | None = None,
        generator: GeneratorLike = None,
    ) -> None:
        if not isinstance(replacement, bool):
            raise TypeError(f"RandomSampler: replacement must be a bool, got {replacement!r}")
        self.data_source = data_source
        self.replacement = replacement
        self._num_samples = (
            None if num_samples is None else _check_positive_int(num_samples, "num_samples")
        )
        self.generator = as_generator(generator, name="RandomSampler generator")

    @property
    def num_samples(self) -> int:
        """Number of indices per pass."""
        return len(self.data_source) if self._num_samples is None else self._num_samples

    def __iter__(self) -> Iterator[int]:
        n = len(self.data_source)
        count = self.num_samples
        if n == 0:
            return
        if self.generator is None:
            seed = int(resolve(None).integers(0, 2**63 - 1, dtype=np.int64, endpoint=True))
            rng = np.random.default_rng(seed)
        else:
            rng = self.generator
        if self.replacement:
            for _ in range(count // self.CHUNK):
                yield from rng.integers(0, n, size=self.CHUNK).tolist()
            yield from rng.integers(0, n, size=count % self.CHUNK).tolist()
            return
        for _ in range(count // n):
            yield from rng.permutation(n).tolist()
        if count % n:
            yield from rng.permutation(n)[: count % n].tolist()

    def __len__(self) -> int:
        return self.num_samples


class SubsetRandomSampler(Sampler[int]):
    """The given indices in a random order (a new permutation each pass).

    Parameters
    ----------
    indices : sequence of int
        The indices to sample from.
    generator : np.random.Generator or int or None
        Source of randomness: a Generator, an int seed, or ``None`` for the default
        generator.

    Examples
    --------
    >>> sorted(SubsetRandomSampler([7, 3, 5], generator=1))
    [3, 5, 7]
    """

    def __init__(self, indices: Sequence[int], generator: GeneratorLike = None) -> None:
        self.indices = indices
        self.generator = as_generator(generator, name="SubsetRandomSampler generator")

    def __iter__(self) -> Iterator[int]:
        perm = resolve(self.generator).permutation(len(self.indices))
        return (self.indices[int(i)] for i in perm)

    def __len__(self) -> int:
        return len(self.indices)


class WeightedRandomSampler(Sampler[int]):
    """Indices ``0..len(weights)-1`` drawn with probability proportional to ``weights``.

    Parameters
    ----------
    weights : sequence of float
        Non-negative, finite weights (need not sum to 1), at least one positive.
    num_samples : int
        Number of indices per pass.
    replacement : bool, default True
        Without replacement, each index appears at most once, so ``num_samples`` must
        not exceed the number of positive weights.
    generator : np.random.Generator or int or None
        Source of randomness: a Generator, an int seed, or ``None`` for the default
        generator.

    Examples
    --------
    >>> s = WeightedRandomSampler([0.0, 1.0, 0.0], num_samples=4, generator=0)
    >>> list(s)
    [1, 1, 1, 1]
    """

    def __init__(
        self,
        weights: Sequence[float] | np.ndarray,
        num_samples: int,
        replacement: bool = True,
        generator: GeneratorLike = None,
    ) -> None:
        w = np.asarray(weights, dtype=np.float64)
        if w.ndim != 1 or w.size == 0:
            raise ValueError(
                f"WeightedRandomSampler: weights must be a non-empty 1-D sequence, "
                f"got shape {w.shape}"
            )
        if not np.all(np.isfinite(w)) or np.any(w < 0) or w.sum() <= 0:
            raise ValueError(
                "WeightedRandomSampler: weights must be finite, non-negative and not all zero"
            )
        if not isinstance(replacement, bool):
            raise TypeError(
                f"WeightedRandomSampler: replacement must be a bool, got {replacement!r}"
            )
        self.num_samples = _check_positive_int(num_samples, "num_samples")
        if not replacement and self.num_samples > int(np.count_nonzero(w)):
            raise ValueError(
                f"WeightedRandomSampler: cannot draw {self.num_samples} samples without "
                f"replacement from {int(np.count_nonzero(w))} positive weights"
            )
        self.weights = w
        self.replacement = replacement
        self.generator = as_generator(generator, name="WeightedRandomSampler generator")

    def __iter__(self) -> Iterator[int]:
        p = self.weights / self.weights.sum()
        draws = resolve(self.generator).choice(
            self.weights.size, size=self.num_samples, replace=self.replacement, p=p
        )
        return iter(draws.tolist())

    def __len__(self) -> int:
        return self.num_samples


class BatchSampler(Sampler[list[int]]):
    """Group the indices of ``sampler`` into lists of ``batch_size``.

    Parameters
    ----------
    sampler : Sampler or iterable of int
        Source of indices.
    batch_size : int
        Indices per batch.
    drop_last : bool
        Drop the last batch if it is smaller than ``batch_size``.

    Examples
    --------
    >>> list(BatchSampler(SequentialSampler(range(5)), batch_size=2, drop_last=False))
    [[0, 1], [2, 3], [4]]
    >>> len(BatchSampler(range(5), batch_size=2, drop_last=True))
    2
    """

    def __init__(self, sampler: Sampler[int] | Iterable[int], batch_size: int, drop_last: bool):
        self.batch_size = _check_positive_int(batch_size, "batch_size")
        if not isinstance(drop_last, bool):
            raise TypeError(f"BatchSampler: drop_last must be a bool, got {drop_last!r}")
        self.sampler = sampler
        self.drop_last = drop_last

    def __iter__(self) -> Iterator[list[int]]:
        it = iter(self.sampler)
        while True:
            batch = list(islice(it, self.batch_size))
            if not batch or (self.drop_last and len(batch) < self.batch_size):
                return
            yield batch

    def __len__(self) -> int:
        n = len(self.sampler)  # type: ignore[arg-type]
        if self.drop_last:
            return n // self.batch_size
        return (n + self.batch_size - 1) // self.batch_size
