"""Default collation: turn a list of samples into a batch of numpy arrays."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

__all__ = ["default_collate"]


def _is_namedtuple(obj: object) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch, recursing into containers.

    The rules follow ``torch.utils.data.default_collate`` with numpy arrays as the
    batch type:

    - numpy arrays (all of one shape) are stacked along a new leading axis, keeping
      their dtype; objects with ``__array__`` are converted with :func:`numpy.asarray`
      first;
    - numpy scalars become a 1-D array of their dtype;
    - Python ``bool`` becomes ``bool``, ``int`` becomes ``int64`` and ``float`` becomes
      ``float32`` (the library's default float type);
    - ``str`` and ``bytes`` are returned as a list, unchanged;
    - a mapping becomes a ``dict`` of collated values (key by key);
    - a tuple (including a namedtuple) or list of fields is transposed and each field
      collated, giving the same container type (``list`` for other sequences).

    Parameters
    ----------
    batch : sequence
        The samples, all of the same structure. Must not be empty.

    Returns
    -------
    Any
        The batch, with the same nesting as one sample.

    Shapes
    ------
    A sample field of shape ``S`` becomes a batch field of shape ``(N, *S)`` where
    ``N = len(batch)``; scalars become shape ``(N,)``.

    Raises
    ------
    TypeError
        For an empty batch, an unsupported element type, or mismatched structures.
    ValueError
        For arrays of different shapes or sequences of different lengths.

    Examples
    --------
    >>> import numpy as np
    >>> x, y = default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 2)])
    >>> x.shape, x.dtype, y.tolist(), y.dtype
    ((2, 3), dtype('float32'), [1, 2], dtype('int64'))
    >>> default_collate([{"a": 1.5}, {"a": 2.5}])["a"].dtype
    dtype('float32')
    """
    if len(batch) == 0:
        raise TypeError("default_collate: got an empty batch; expected at least one sample")
    elem = batch[0]
    if isinstance(elem, np.ndarray) or (
        hasattr(elem, "__array__") and not isinstance(elem, (str, bytes, np.generic))
    ):
        arrays = [np.asarray(b) for b in batch]
        first = arrays[0]
        if first.dtype.kind in "OUSV":
            raise TypeError(
                f"default_collate: cannot batch arrays of dtype {first.dtype}; "
                "expected numeric or bool arrays"
            )
        for i, a in enumerate(arrays):
            if a.shape != first.shape:
                raise ValueError(
                    "default_collate: arrays in a batch must have one shape; sample 0 has "
                    f"shape {first.shape} but sample {i} has shape {a.shape}"
                )
        return np.stack(arrays)
    if isinstance(elem, (np.number, np.bool_)):
        return np.array(batch)
    if isinstance(elem, bool):
        return np.array(batch, dtype=np.bool_)
    if isinstance(elem, int):
        return np.array(batch, dtype=np.int64)
    if isinstance(elem, float):
        return np.array(batch, dtype=np.float32)
    if isinstance(elem, (str, bytes)):
        return list(batch)
    if isinstance(elem, Mapping):
        for i, sample in enumerate(batch):
            if not isinstance(sample, Mapping) or set(sample) != set(elem):
                raise TypeError(
                    f"default_collate: sample {i} does not have the keys of sample 0 "
                    f"({sorted(map(str, elem))})"
                )
        return {key: default_collate([sample[key] for sample in batch]) for key in elem}
    if isinstance(elem, Sequence):
        size = len(elem)
        for i, sample in enumerate(batch):
            if not isinstance(sample, Sequence) or len(sample) != size:
                raise ValueError(
                    f"default_collate: each sample must be a sequence of {size} fields "
                    f"like sample 0; sample {i} is {type(sample).__name__} of length "
                    f"{len(sample) if isinstance(sample, Sequence) else 'n/a'}"
                )
        fields = [default_collate(list(field)) for field in zip(*batch)]
        if _is_namedtuple(elem):
            return type(elem)(*fields)
        if isinstance(elem, tuple):
            return tuple(fields)
        return fields
    raise TypeError(
        "default_collate: a batch must contain numpy arrays, numbers, str, dicts, tuples or "
        f"lists; found {type(elem).__name__}"
    )
