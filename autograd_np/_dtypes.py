"""Dtype conventions: float32 by default, float64 for gradient checks, int64 for indices."""

from __future__ import annotations

from typing import Any

import numpy as np

float16 = np.float16
float32 = np.float32
float64 = np.float64
int8 = np.int8
int16 = np.int16
int32 = np.int32
int64 = np.int64
uint8 = np.uint8
bool_ = np.bool_

DEFAULT_FLOAT = np.dtype(np.float32)
DEFAULT_INT = np.dtype(np.int64)

DTypeLike = Any  # anything np.dtype() accepts


def is_floating(dtype: np.dtype[Any]) -> bool:
    """Return True for real floating dtypes, the only ones that can require grad."""
    return dtype.kind == "f"


def _first_leaf(data: Any) -> Any:
    """The first scalar or array inside nested lists and tuples (None when empty)."""
    while isinstance(data, (list, tuple)):
        if not data:
            return None
        data = data[0]
    return data


def _unwrap(data: Any) -> Any:
    """Nested lists with every tensor replaced by its values (detached, not copied)."""
    if isinstance(data, (list, tuple)):
        return [_unwrap(d) for d in data]
    values = getattr(data, "array", None)
    if isinstance(values, np.ndarray) and not isinstance(data, np.ndarray):
        return values
    return data


def to_array(data: Any, dtype: DTypeLike | None = None, *, copy: bool = False) -> np.ndarray:
    """Convert ``data`` to an ndarray with the library's dtype rules.

    numpy arrays and numpy scalars keep their dtype; Python floats (and lists of numbers
    holding any) become float32, Python ints int64 and bools bool. Lists of tensors,
    arrays or numpy scalars are stacked and keep their dtype (a tensor's values are taken
    without its graph). ``dtype`` overrides all of that.
    """
    if isinstance(data, np.ndarray):
        arr = data
    elif isinstance(data, np.generic):
        arr = np.asarray(data)
    else:
        numbers_only = True
        if isinstance(data, (list, tuple)):
            leaf = _first_leaf(data)
            if leaf is not None and type(leaf) not in (bool, int, float):
                data = _unwrap(data)
                numbers_only = False
        try:
            arr = np.asarray(data)
        except ValueError as e:
            raise ValueError(f"cannot make a tensor from this data: {e}") from None
        if arr.dtype.kind == "f" and dtype is None and numbers_only:
            arr = arr.astype(DEFAULT_FLOAT)
        elif arr.dtype.kind in "iu" and dtype is None and numbers_only:
            arr = arr.astype(DEFAULT_INT, copy=False)
        if arr.dtype.kind not in "fiub":
            raise TypeError(
                f"cannot make a tensor from {type(data).__name__} data of numpy dtype "
                f"{arr.dtype}; expected numbers, booleans or arrays of them"
            )
    if dtype is not None:
        return np.array(arr, dtype=dtype, copy=True) if copy else arr.astype(dtype, copy=False)
    return arr.copy() if copy else arr
