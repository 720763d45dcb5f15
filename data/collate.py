"""Collation: turn a list of samples into a batch of Tensors, as ``torch.utils.data`` does.

Two layers:

- :func:`collate_arrays` stacks samples into **numpy** arrays (the batch protocol of
  datasets' ``__getitems__`` and of batched transforms speaks numpy);
- :func:`default_convert` turns numpy arrays and scalars in a (nested) batch into
  :class:`~autograd_np.Tensor` s, sharing memory, as ``torch.utils.data.default_convert``;
- :func:`default_collate` is ``torch.utils.data.default_collate``: the two together,
  with Tensors in the samples stacked as Tensors.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, MutableMapping, MutableSequence, Sequence
from typing import Any

import numpy as np

from autograd_np.ops.joining import stack
from autograd_np.tensor import Tensor

__all__ = ["collate_arrays", "default_collate", "default_convert"]


def _is_namedtuple(obj: object) -> bool:
    return isinstance(obj, tuple) and hasattr(obj, "_fields")


def _check_array_dtype(dtype: np.dtype) -> None:
    if dtype.kind in "OUSV":
        raise TypeError(
            f"default_collate: cannot batch arrays of dtype {dtype}; "
            "expected numeric or bool arrays"
        )


def _stack_arrays(batch: Sequence[Any]) -> np.ndarray:
    arrays = [np.asarray(b) for b in batch]
    first = arrays[0]
    _check_array_dtype(first.dtype)
    for i, a in enumerate(arrays):
        if a.shape != first.shape:
            raise RuntimeError(
                "default_collate: arrays in a batch must have one shape; sample 0 has "
                f"shape {first.shape} but sample {i} has shape {a.shape}"
            )
    return np.stack(arrays)


def _numbers(batch: Sequence[Any]) -> np.ndarray:
    """Python numbers as torch.tensor reads them: bools bool, ints int64, floats float64."""
    elem = batch[0]
    if isinstance(elem, bool) and all(isinstance(b, bool) for b in batch):
        return np.array(batch, dtype=np.bool_)
    if isinstance(elem, int):
        if all(isinstance(b, int) for b in batch):
            return np.array(batch, dtype=np.int64)
        # a mix of ints and floats: torch.tensor gives the default float dtype
        return np.array(batch, dtype=np.float32)
    return np.array(batch, dtype=np.float64)


def _collate(batch: Sequence[Any], tensors: bool) -> Any:
    if len(batch) == 0:
        raise TypeError("default_collate: got an empty batch; expected at least one sample")
    elem = batch[0]
    if isinstance(elem, Tensor):
        if tensors:
            for i, t in enumerate(batch):
                if not isinstance(t, Tensor) or t.shape != elem.shape:
                    raise RuntimeError(
                        "default_collate: tensors in a batch must have one shape; sample 0 "
                        f"has shape {elem.shape} but sample {i} is "
                        f"{getattr(t, 'shape', type(t).__name__)}"
                    )
            return stack(list(batch))
        return _stack_arrays(batch)
    if isinstance(elem, np.ndarray) or (
        hasattr(elem, "__array__") and not isinstance(elem, (str, bytes, np.generic))
    ):
        out = _stack_arrays(batch)
    elif isinstance(elem, (np.number, np.bool_)):
        out = np.array(batch)
    elif isinstance(elem, (int, float)):
        out = _numbers(batch)
    elif isinstance(elem, (str, bytes)):
        return list(batch)
    elif isinstance(elem, Mapping):
        for i, sample in enumerate(batch):
            if not isinstance(sample, Mapping) or set(sample) != set(elem):
                raise TypeError(
                    f"default_collate: sample {i} does not have the keys of sample 0 "
                    f"({sorted(map(str, elem))})"
                )
        fields = {key: _collate([sample[key] for sample in batch], tensors) for key in elem}
        if tensors and isinstance(elem, MutableMapping) and type(elem) is not dict:
            try:  # keep the mapping type (and its extra attributes), as torch does
                clone = copy.copy(elem)
                clone.update(fields)
                return clone
            except TypeError:
                pass
        return fields
    elif isinstance(elem, Sequence):
        size = len(elem)
        for i, sample in enumerate(batch):
            if not isinstance(sample, Sequence) or len(sample) != size:
                raise RuntimeError(
                    "default_collate: each element in list of batch should be of equal size; "
                    f"sample 0 is a sequence of {size} fields but sample {i} is "
                    f"{type(sample).__name__} of length "
                    f"{len(sample) if isinstance(sample, Sequence) else 'n/a'}"
                )
        items = [_collate(list(field), tensors) for field in zip(*batch)]
        if _is_namedtuple(elem):
            return type(elem)(*items)
        if isinstance(elem, tuple):
            # torch turns tuples into lists; the numpy layer keeps them
            return items if tensors else tuple(items)
        return items
    else:
        raise TypeError(
            "default_collate: batch must contain tensors, numpy arrays, numbers, dicts or "
            f"lists; found {type(elem).__name__}"
        )
    return Tensor.from_array(out) if tensors else out


def collate_arrays(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch of numpy arrays, recursing into containers.

    The numpy layer of :func:`default_collate` (same rules and dtypes, numpy arrays
    instead of Tensors, tuples kept as tuples). Datasets' ``__getitems__`` and batched
    transforms return batches in this form; ``default_convert`` of the result equals
    ``default_collate`` of the samples.

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

    Examples
    --------
    >>> import numpy as np
    >>> x, y = collate_arrays([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 2)])
    >>> type(x).__name__, x.shape, y.dtype
    ('ndarray', (2, 3), dtype('int64'))
    """
    return _collate(batch, tensors=False)


def default_collate(batch: Sequence[Any]) -> Any:
    """Stack a list of samples into a batch of Tensors (``torch.utils.data.default_collate``).

    The rules are PyTorch's:

    - Tensors (all of one shape) are stacked along a new leading axis;
    - numpy arrays (and objects with ``__array__``) are stacked, keeping their dtype;
      arrays of strings or objects are refused;
    - numpy scalars become a 1-D Tensor of their dtype;
    - Python ``bool`` becomes ``bool``, ``int`` becomes ``int64`` and ``float`` becomes
      ``float64`` (as ``torch.tensor(batch, dtype=torch.float64)``);
    - ``str`` and ``bytes`` are returned as a list, unchanged;
    - a mapping becomes a mapping of collated values (key by key);
    - a namedtuple stays that namedtuple; a tuple or list of fields is transposed and
      each field collated, giving a ``list`` (PyTorch turns tuples into lists too).

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
        For an empty batch, an unsupported element type, or mismatched keys.
    RuntimeError
        For arrays of different shapes or sequences of different lengths (as PyTorch).

    Examples
    --------
    >>> import numpy as np
    >>> x, y = default_collate([(np.zeros(3, np.float32), 1), (np.ones(3, np.float32), 2)])
    >>> type(x).__name__, x.shape, x.dtype, y.tolist(), y.dtype
    ('Tensor', (2, 3), dtype('float32'), [1, 2], dtype('int64'))
    >>> default_collate([{"a": 1.5}, {"a": 2.5}])["a"].dtype
    dtype('float64')
    """
    return _collate(batch, tensors=True)


def default_convert(data: Any) -> Any:
    """Turn numpy arrays and scalars inside ``data`` into Tensors (``default_convert``).

    As ``torch.utils.data.default_convert``: numpy arrays become Tensors sharing their
    memory (arrays of strings or objects are left alone), numpy scalars 0-d Tensors;
    mappings, namedtuples and sequences are converted element by element (plain tuples
    become lists, as PyTorch does); everything else (Tensors, Python numbers, strings)
    is returned unchanged. The ``DataLoader`` applies it to each item when batching is
    off, and to the numpy batches that datasets' ``__getitems__`` return.

    Parameters
    ----------
    data : Any
        An item or a batch.

    Returns
    -------
    Any
        ``data`` with its numpy parts as Tensors.

    Examples
    --------
    >>> import numpy as np
    >>> out = default_convert((np.arange(3), "a", 2))
    >>> type(out).__name__, type(out[0]).__name__, out[1:]
    ('list', 'Tensor', ['a', 2])
    """
    if isinstance(data, Tensor):
        return data
    if isinstance(data, np.ndarray):
        return data if data.dtype.kind in "OUSV" else Tensor.from_array(data)
    if isinstance(data, (np.number, np.bool_)):
        return Tensor.from_array(np.asarray(data))
    if isinstance(data, (str, bytes)):
        return data
    if isinstance(data, Mapping):
        fields = {key: default_convert(data[key]) for key in data}
        if isinstance(data, MutableMapping) and type(data) is not dict:
            try:
                clone = copy.copy(data)
                clone.update(fields)
                return clone
            except TypeError:
                pass
        return fields
    if _is_namedtuple(data):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, MutableSequence) and type(data) is not list:
        try:
            seq = copy.copy(data)
            for i, d in enumerate(data):
                seq[i] = default_convert(d)
            return seq
        except TypeError:
            pass
    if isinstance(data, Sequence):
        return [default_convert(d) for d in data]
    return data
