"""Making tensors: from data, filled and ranges (random ones are in ``autograd_np.sampling``).

Every function takes PyTorch's ``dtype=``, ``device=`` (the CPU is the only device: None,
``'cpu'`` or ``device('cpu')``) and ``requires_grad=`` keywords. Floating results have the
default dtype (float32 unless :func:`~autograd_np.set_default_dtype` changed it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.devices import DeviceLike, check_device
from autograd_np.dtypes import DEFAULT_INT, DTypeLike, get_default_dtype, to_array

# GeneratorLike and as_generator live in autograd_np.random; kept importable from here for
# code written before they moved (one definition, re-exported).
from autograd_np.random import GeneratorLike as GeneratorLike
from autograd_np.random import as_generator as as_generator
from autograd_np.tensor import Tensor

__all__ = [
    "arange",
    "as_tensor",
    "empty",
    "empty_like",
    "eye",
    "from_numpy",
    "full",
    "full_like",
    "linspace",
    "ones",
    "ones_like",
    "tensor",
    "zeros",
    "zeros_like",
]


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    """Accept ``f(2, 3)``, ``f((2, 3))`` and ``f([2, 3])``."""
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(n) for n in size)


def _float(dtype: DTypeLike | None) -> Any:
    """``dtype``, or the default floating dtype."""
    return get_default_dtype() if dtype is None else dtype


def _finish(data: np.ndarray, requires_grad: bool, device: DeviceLike = None) -> Tensor:
    """Wrap ``data``, check the device, and make it require grad when asked."""
    check_device(device, "tensor creation")
    t = Tensor.from_array(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def tensor(
    data: Any,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A new tensor holding a copy of ``data``.

    Python floats (and lists with any) become float32, Python ints int64, bools bool;
    numpy arrays and scalars keep their dtype unless ``dtype`` is given.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.tensor([1.0, 2.0]).dtype
    dtype('float32')
    >>> ag.tensor([1, 2]).dtype
    dtype('int64')
    """
    if isinstance(data, Tensor):
        data = data.array
    return _finish(to_array(data, dtype, copy=True), requires_grad, device)


def as_tensor(data: Any, dtype: DTypeLike | None = None, device: DeviceLike = None) -> Tensor:
    """A tensor sharing ``data``'s memory when it is already an array of the right dtype."""
    check_device(device, "as_tensor")
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing the memory and dtype of ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an np.ndarray, got {type(array).__name__}")
    return Tensor.from_array(array)


def zeros(
    *size: Any,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of zeros of the given size (float32 unless ``dtype`` says otherwise)."""
    return _finish(np.zeros(_size(size), dtype=_float(dtype)), requires_grad, device)


def ones(
    *size: Any,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of ones of the given size (float32 unless ``dtype`` says otherwise)."""
    return _finish(np.ones(_size(size), dtype=_float(dtype)), requires_grad, device)


def empty(
    *size: Any,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor of the given size."""
    return _finish(np.empty(_size(size), dtype=_float(dtype)), requires_grad, device)


def full(
    size: Sequence[int] | int,
    fill_value: float,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of the given size filled with ``fill_value`` (its dtype follows the value:
    float32 for floats, int64 for ints, unless ``dtype`` is given)."""
    shape = (size,) if isinstance(size, int) else tuple(size)
    if dtype is None:
        dtype = to_array(fill_value).dtype
    return _finish(np.full(shape, fill_value, dtype=dtype), requires_grad, device)


def _like(x: Tensor | np.ndarray, dtype: DTypeLike | None) -> tuple[tuple[int, ...], Any]:
    data = x.array if isinstance(x, Tensor) else np.asarray(x)
    return data.shape, dtype or data.dtype


def zeros_like(
    x: Tensor | np.ndarray,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Zeros with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.zeros(shape, dtype=dt), requires_grad, device)


def ones_like(
    x: Tensor | np.ndarray,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Ones with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.ones(shape, dtype=dt), requires_grad, device)


def empty_like(
    x: Tensor | np.ndarray,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """An uninitialised tensor with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.empty(shape, dtype=dt), requires_grad, device)


def full_like(
    x: Tensor | np.ndarray,
    fill_value: float,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.full(shape, fill_value, dtype=dt), requires_grad, device)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` (inclusive) to ``end`` (exclusive) by ``step``.

    int64 when all arguments are ints, else float32, unless ``dtype`` is given.
    """
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = DEFAULT_INT if ints else get_default_dtype()
    return _finish(np.arange(start, end, step, dtype=dtype), requires_grad, device)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    return _finish(np.linspace(start, end, steps, dtype=_float(dtype)), requires_grad, device)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: DTypeLike | None = None,
    device: DeviceLike = None,
    requires_grad: bool = False,
) -> Tensor:
    """An ``n`` by ``m`` matrix with ones on the diagonal."""
    return _finish(np.eye(n, m, dtype=_float(dtype)), requires_grad, device)
