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


class _DefaultFloat:
    """The floating dtype that Python floats and the creation functions give
    (:func:`set_default_dtype`)."""

    dtype: np.dtype[Any] = DEFAULT_FLOAT


_default_float = _DefaultFloat()


def get_default_dtype() -> np.dtype[Any]:
    """The default floating-point dtype (float32 unless :func:`set_default_dtype` changed it).

    Python floats, the creation functions (``zeros``, ``rand``...) and new layers' parameters
    use it.
    """
    return _default_float.dtype


def set_default_dtype(d: DTypeLike) -> None:
    """Set the default floating-point dtype (float32 or float64; float16 also works).

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.set_default_dtype(torch.float64)
    >>> torch.tensor([1.0]).dtype
    dtype('float64')
    >>> torch.set_default_dtype(torch.float32)
    """
    dt = np.dtype(d)
    if dt.kind != "f":
        raise TypeError(f"set_default_dtype: only floating-point dtypes are supported, got {dt}")
    _default_float.dtype = dt


class _BFloat16:
    """PyTorch's ``bfloat16`` as a name only: numpy has no such type, so making a tensor
    with it raises an error that says so (scripts list it in dtype tables)."""

    __slots__ = ()

    @property
    def dtype(self) -> Any:
        # numpy reads ``.dtype`` of objects given as a dtype: this is where the error comes
        raise TypeError(
            "bfloat16 is not supported: numpy has no bfloat16 type, so autograd_np cannot "
            "make bfloat16 tensors; use float32 (or float16)"
        )

    is_floating_point = True
    itemsize = 2

    def __repr__(self) -> str:
        return "autograd_np.bfloat16"

    def __reduce__(self) -> str:
        return "bfloat16"


bfloat16 = _BFloat16()


def finfo(dtype: DTypeLike | None = None) -> np.finfo[Any]:
    """Machine limits of a floating dtype (numpy's ``finfo``; the default dtype's without
    an argument)."""
    return np.finfo(get_default_dtype() if dtype is None else dtype)


def iinfo(dtype: DTypeLike) -> np.iinfo[Any]:
    """Machine limits of an integer dtype (numpy's ``iinfo``)."""
    return np.iinfo(dtype)


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
            arr = arr.astype(_default_float.dtype)
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
