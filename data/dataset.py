"""Map-style datasets: ``Dataset``, ``TensorDataset``, ``Subset``, ``ConcatDataset``.

The batch protocol
------------------
A dataset may define ``__getitems__(indices)``: given a 1-D ``int`` array of indices it
returns the **already collated** batch as numpy arrays, equal to
``collate_arrays([dataset[i] for i in indices])`` (for random transforms: equal in
distribution). Array-backed datasets implement it with one fancy-indexing gather, and
:class:`~autograd_np.data.DataLoader` calls it instead of fetching items one by one
whenever the loader uses the default collate function, then turns the arrays into
Tensors with :func:`~autograd_np.data.default_convert`, so the loader yields the same
batch as ``default_collate`` of the items. (This differs from PyTorch, where
``__getitems__`` returns a list of samples that is collated afterwards.)
"""

from __future__ import annotations

import bisect
import math
import warnings
from collections.abc import Iterable, Sequence
from typing import Any, Generic, TypeVar

import numpy as np

from autograd_np.data._rng import GeneratorLike, as_generator, resolve
from autograd_np.data.collate import collate_arrays

__all__ = ["ConcatDataset", "Dataset", "Subset", "TensorDataset", "random_split"]

T_co = TypeVar("T_co", covariant=True)


class Dataset(Generic[T_co]):
    """Abstract map-style dataset: ``len(ds)`` items, ``ds[i]`` for ``0 <= i < len(ds)``.

    Subclasses implement ``__getitem__`` and ``__len__``. Array-backed subclasses should
    also implement ``__getitems__(indices)`` returning the collated batch (see the
    module docstring); ``DataLoader`` then batches by fancy indexing.

    Examples
    --------
    >>> class Squares(Dataset[int]):
    ...     def __len__(self) -> int:
    ...         return 4
    ...     def __getitem__(self, index: int) -> int:
    ...         return index * index
    >>> [Squares()[i] for i in range(4)]
    [0, 1, 4, 9]
    >>> len(Squares() + Squares())
    8
    """

    def __getitem__(self, index: int) -> T_co:
        raise NotImplementedError(f"{type(self).__name__} must implement __getitem__")

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must implement __len__")

    def __add__(self, other: Dataset[Any]) -> ConcatDataset[Any]:
        return ConcatDataset([self, other])


def _check_index(index: Any, length: int, owner: str) -> int:
    if not isinstance(index, (int, np.integer)) or isinstance(index, bool):
        raise TypeError(f"{owner}: index must be an int, got {type(index).__name__}")
    i = int(index)
    if i < 0:
        i += length
    if not 0 <= i < length:
        raise IndexError(f"{owner}: index {int(index)} out of range for length {length}")
    return i


def _as_index_array(indices: Any, owner: str) -> np.ndarray:
    arr = np.asarray(indices)
    if arr.size == 0:
        return np.zeros(0, dtype=np.intp)
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        raise TypeError(
            f"{owner}: indices must be a 1-D sequence of ints, got dtype {arr.dtype} "
            f"and shape {arr.shape}"
        )
    return arr.astype(np.intp, copy=False)


class TensorDataset(Dataset[tuple[Any, ...]]):
    """Dataset of arrays sharing their first dimension; item ``i`` is ``(a[i] for a)``.

    Parameters
    ----------
    *tensors : array_like
        One or more arrays (anything :func:`numpy.asarray` accepts, including the
        library's tensors through ``__array__``) of equal length along axis 0.

    Shapes
    ------
    Each array ``a_k`` has shape ``(N, *S_k)``; item ``i`` is a tuple of arrays of
    shapes ``S_k`` (numpy scalars for 1-D arrays), a batch of ``B`` indices a tuple of
    shapes ``(B, *S_k)``.

    Examples
    --------
    >>> import numpy as np
    >>> ds = TensorDataset(np.arange(10.0).reshape(5, 2), np.arange(5))
    >>> x, y = ds[1]
    >>> x.tolist(), int(y)
    ([2.0, 3.0], 1)
    >>> xb, yb = ds.__getitems__(np.array([4, 0]))
    >>> xb.shape, yb.tolist()
    ((2, 2), [4, 0])
    """

    def __init__(self, *tensors: Any) -> None:
        if not tensors:
            raise ValueError("TensorDataset: expected at least one array")
        arrays = tuple(np.asarray(t) for t in tensors)
        for k, a in enumerate(arrays):
            if a.ndim == 0:
                raise ValueError(f"TensorDataset: array {k} is 0-d; expected a leading axis")
            if a.shape[0] != arrays[0].shape[0]:
                raise ValueError(
                    "TensorDataset: all arrays must have the same length along axis 0; "
                    f"array 0 has {arrays[0].shape[0]} but array {k} has {a.shape[0]}"
                )
        self.tensors: tuple[np.ndarray, ...] = arrays

    def __len__(self) -> int:
        return int(self.tensors[0].shape[0])

    def __getitem__(self, index: int) -> tuple[Any, ...]:
        i = _check_index(index, len(self), "TensorDataset")
        return tuple(t[i] for t in self.tensors)

    def __getitems__(self, indices: Sequence[int] | np.ndarray) -> tuple[np.ndarray, ...]:
        """Return the batch ``tuple(a[indices] for a in tensors)`` by fancy indexing."""
        idx = _as_index_array(indices, "TensorDataset")
        return tuple(t[idx] for t in self.tensors)


class Subset(Dataset[T_co]):
    """The items of ``dataset`` at ``indices``, in that order.

    Parameters
    ----------
    dataset : Dataset
        The underlying dataset.
    indices : sequence of int
        Positions in ``dataset``; item ``i`` of the subset is ``dataset[indices[i]]``.

    Examples
    --------
    >>> import numpy as np
    >>> sub = Subset(TensorDataset(np.arange(5) * 10), [4, 1])
    >>> len(sub), int(sub[0][0])
    (2, 40)
    """

    def __init__(self, dataset: Dataset[T_co], indices: Sequence[int]) -> None:
        self.dataset = dataset
        self.indices = indices
        self._index_array = _as_index_array(indices, "Subset")

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> T_co:
        i = _check_index(index, len(self), "Subset")
        return self.dataset[int(self._index_array[i])]

    def __getitems__(self, indices: Sequence[int] | np.ndarray) -> Any:
        """Return the collated batch; uses the underlying ``__getitems__`` when present."""
        idx = _as_index_array(indices, "Subset")
        inner = self._index_array[idx]
        getitems = getattr(self.dataset, "__getitems__", None)
        if getitems is not None:
            return getitems(inner)
        return collate_arrays([self.dataset[int(i)] for i in inner])


def _tree_concat(parts: list[Any]) -> Any:
    first = parts[0]
    if isinstance(first, np.ndarray):
        return np.concatenate(parts, axis=0)
    if isinstance(first, dict):
        return {k: _tree_concat([p[k] for p in parts]) for k in first}
    if isinstance(first, tuple):
        fields = [_tree_concat(list(f)) for f in zip(*parts)]
        return type(first)(*fields) if hasattr(first, "_fields") else tuple(fields)
    if isinstance(first, list) and first and isinstance(first[0], (str, bytes)):
        return [x for p in parts for x in p]
    if isinstance(first, list):
        return [_tree_concat(list(f)) for f in zip(*parts)]
    raise TypeError(f"ConcatDataset: cannot concatenate batches of type {type(first).__name__}")


def _tree_take(batch: Any, order: np.ndarray) -> Any:
    if isinstance(batch, np.ndarray):
        return batch[order]
    if isinstance(batch, dict):
        return {k: _tree_take(v, order) for k, v in batch.items()}
    if isinstance(batch, tuple):
        fields = [_tree_take(f, order) for f in batch]
        return type(batch)(*fields) if hasattr(batch, "_fields") else tuple(fields)
    if isinstance(batch, list) and batch and isinstance(batch[0], (str, bytes)):
        return [batch[int(i)] for i in order]
    if isinstance(batch, list):
        return [_tree_take(f, order) for f in batch]
    raise TypeError(f"ConcatDataset: cannot reorder a batch of type {type(batch).__name__}")


class ConcatDataset(Dataset[T_co]):
    """The concatenation of several datasets, indexed end to end.

    Parameters
    ----------
    datasets : iterable of Dataset
        At least one dataset.

    Attributes
    ----------
    cumulative_sizes : list of int
        ``cumulative_sizes[k]`` is the total length of ``datasets[: k + 1]``.

    Examples
    --------
    >>> import numpy as np
    >>> cat = ConcatDataset([TensorDataset(np.arange(3)), TensorDataset(np.arange(2) + 100)])
    >>> len(cat), int(cat[3][0]), cat.cumulative_sizes
    (5, 100, [3, 5])
    """

    def __init__(self, datasets: Iterable[Dataset[Any]]) -> None:
        self.datasets: list[Dataset[Any]] = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset: expected at least one dataset")
        sizes = [len(d) for d in self.datasets]
        self.cumulative_sizes: list[int] = np.cumsum(sizes).tolist()

    def __len__(self) -> int:
        return self.cumulative_sizes[-1]

    def __getitem__(self, index: int) -> T_co:
        i = _check_index(index, len(self), "ConcatDataset")
        k = bisect.bisect_right(self.cumulative_sizes, i)
        start = self.cumulative_sizes[k - 1] if k > 0 else 0
        return self.datasets[k][i - start]

    def __getitems__(self, indices: Sequence[int] | np.ndarray) -> Any:
        """Return the collated batch, gathering from each part with its ``__getitems__``."""
        idx = _as_index_array(indices, "ConcatDataset")
        n = len(self)
        if idx.size and (idx.min() < -n or idx.max() >= n):
            raise IndexError(f"ConcatDataset: an index is out of range for length {n}")
        idx = np.where(idx < 0, idx + n, idx)
        bounds = np.asarray(self.cumulative_sizes)
        part = np.searchsorted(bounds, idx, side="right")
        starts = np.concatenate([[0], bounds[:-1]])
        batches: list[Any] = []
        positions: list[np.ndarray] = []
        for k in np.unique(part):
            where = np.flatnonzero(part == k)
            local = idx[where] - starts[k]
            ds = self.datasets[int(k)]
            getitems = getattr(ds, "__getitems__", None)
            if getitems is not None:
                batches.append(getitems(local))
            else:
                batches.append(collate_arrays([ds[int(i)] for i in local]))
            positions.append(where)
        if len(batches) == 1:
            return batches[0]
        order = np.argsort(np.concatenate(positions), kind="stable")
        return _tree_take(_tree_concat(batches), order)


def _split_lengths(n: int, lengths: Sequence[int | float]) -> list[int]:
    values = list(lengths)
    if not values:
        raise ValueError("random_split: lengths must not be empty")
    all_fractions = all(isinstance(v, float) for v in values) or (
        math.isclose(sum(values), 1.0) and sum(values) != n and all(0 <= v <= 1 for v in values)
    )
    if all_fractions:
        if not math.isclose(sum(values), 1.0) or any(v < 0 or v > 1 for v in values):
            raise ValueError(
                f"random_split: fractions must be in [0, 1] and sum to 1, got {values}"
            )
        counts = [math.floor(n * v) for v in values]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        for i, c in enumerate(counts):
            if c == 0:
                warnings.warn(
                    f"random_split: length of split at index {i} is 0; "
                    "this split will be an empty dataset",
                    stacklevel=3,
                )
        return counts
    for v in values:
        if not isinstance(v, (int, np.integer)) or isinstance(v, bool) or v < 0:
            raise ValueError(
                f"random_split: lengths must be non-negative ints or fractions, got {values}"
            )
    counts = [int(v) for v in values]
    if sum(counts) != n:
        raise ValueError(
            f"random_split: sum of lengths {sum(counts)} does not equal the dataset length {n}"
        )
    return counts


def random_split(
    dataset: Dataset[T_co],
    lengths: Sequence[int | float],
    generator: GeneratorLike = None,
) -> list[Subset[T_co]]:
    """Split ``dataset`` into non-overlapping random subsets of the given lengths.

    Parameters
    ----------
    dataset : Dataset
        The dataset to split.
    lengths : sequence of int or float
        Either ints summing to ``len(dataset)``, or fractions summing to 1. Fractions
        are turned into ``floor(len * f)`` each, and the leftover items are handed out
        one by one to the splits in order (as PyTorch does).
    generator : np.random.Generator or int or None
        Source of the permutation; an int is a seed, ``None`` the default generator
        (as PyTorch's ``default_generator``).

    Returns
    -------
    list of Subset

    Examples
    --------
    >>> import numpy as np
    >>> train, val = random_split(TensorDataset(np.arange(10)), [0.8, 0.2], generator=0)
    >>> len(train), len(val)
    (8, 2)
    >>> sorted(train.indices + val.indices) == list(range(10))
    True
    """
    n = len(dataset)
    counts = _split_lengths(n, lengths)
    perm = resolve(as_generator(generator, name="random_split")).permutation(n).tolist()
    out: list[Subset[T_co]] = []
    offset = 0
    for c in counts:
        out.append(Subset(dataset, perm[offset : offset + c]))
        offset += c
    return out
