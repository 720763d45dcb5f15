"""Making tensors: from data, filled, ranges, and random (from a seedable Generator)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np._dtypes import DEFAULT_FLOAT, DEFAULT_INT, DTypeLike, to_array
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
    "rand",
    "rand_like",
    "randint",
    "randn",
    "randn_like",
    "tensor",
    "zeros",
    "zeros_like",
]

GeneratorLike = np.random.Generator | int | None


def _size(size: tuple[Any, ...]) -> tuple[int, ...]:
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = tuple(size[0])
    return tuple(int(n) for n in size)


def _finish(data: np.ndarray, requires_grad: bool) -> Tensor:
    t = Tensor.from_array(data)
    if requires_grad:
        t.requires_grad_(True)
    return t


def as_generator(generator: GeneratorLike) -> np.random.Generator:
    """``generator`` itself, a new Generator seeded with an int, or a fresh unseeded one."""
    if isinstance(generator, np.random.Generator):
        return generator
    if generator is None or isinstance(generator, (int, np.integer)):
        return np.random.default_rng(generator)
    raise TypeError(
        f"generator must be an np.random.Generator, an int seed or None, got "
        f"{type(generator).__name__}"
    )


def tensor(data: Any, *, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
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
    return _finish(to_array(data, dtype, copy=True), requires_grad)


def as_tensor(data: Any, *, dtype: DTypeLike | None = None) -> Tensor:
    """A tensor sharing ``data``'s memory when it is already an array of the right dtype."""
    if isinstance(data, Tensor) and (dtype is None or data.dtype == np.dtype(dtype)):
        return data
    return Tensor(data, dtype=dtype)


def from_numpy(array: np.ndarray) -> Tensor:
    """A tensor sharing the memory and dtype of ``array``."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects an np.ndarray, got {type(array).__name__}")
    return Tensor.from_array(array)


def zeros(*size: Any, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros of the given size (float32 unless ``dtype`` says otherwise)."""
    return _finish(np.zeros(_size(size), dtype=dtype or DEFAULT_FLOAT), requires_grad)


def ones(*size: Any, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones of the given size (float32 unless ``dtype`` says otherwise)."""
    return _finish(np.ones(_size(size), dtype=dtype or DEFAULT_FLOAT), requires_grad)


def empty(*size: Any, dtype: DTypeLike | None = None, requires_grad: bool = False) -> Tensor:
    """An uninitialised tensor of the given size."""
    return _finish(np.empty(_size(size), dtype=dtype or DEFAULT_FLOAT), requires_grad)


def full(
    size: Sequence[int] | int,
    fill_value: float,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """A tensor of the given size filled with ``fill_value`` (its dtype follows the value:
    float32 for floats, int64 for ints, unless ``dtype`` is given)."""
    shape = (size,) if isinstance(size, int) else tuple(size)
    if dtype is None:
        dtype = to_array(fill_value).dtype
    return _finish(np.full(shape, fill_value, dtype=dtype), requires_grad)


def _like(x: Tensor | np.ndarray, dtype: DTypeLike | None) -> tuple[tuple[int, ...], Any]:
    data = x.array if isinstance(x, Tensor) else np.asarray(x)
    return data.shape, dtype or data.dtype


def zeros_like(
    x: Tensor | np.ndarray, *, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Zeros with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.zeros(shape, dtype=dt), requires_grad)


def ones_like(
    x: Tensor | np.ndarray, *, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """Ones with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.ones(shape, dtype=dt), requires_grad)


def empty_like(
    x: Tensor | np.ndarray, *, dtype: DTypeLike | None = None, requires_grad: bool = False
) -> Tensor:
    """An uninitialised tensor with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.empty(shape, dtype=dt), requires_grad)


def full_like(
    x: Tensor | np.ndarray,
    fill_value: float,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``fill_value`` with the shape and dtype of ``x``."""
    shape, dt = _like(x, dtype)
    return _finish(np.full(shape, fill_value, dtype=dt), requires_grad)


def arange(
    start: float,
    end: float | None = None,
    step: float = 1,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Values from ``start`` (inclusive) to ``end`` (exclusive) by ``step``.

    int64 when all arguments are ints, else float32, unless ``dtype`` is given.
    """
    if end is None:
        start, end = 0, start
    if dtype is None:
        ints = all(isinstance(v, (int, np.integer)) for v in (start, end, step))
        dtype = DEFAULT_INT if ints else DEFAULT_FLOAT
    return _finish(np.arange(start, end, step, dtype=dtype), requires_grad)


def linspace(
    start: float,
    end: float,
    steps: int,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """``steps`` evenly spaced values from ``start`` to ``end``, both included."""
    return _finish(np.linspace(start, end, steps, dtype=dtype or DEFAULT_FLOAT), requires_grad)


def eye(
    n: int,
    m: int | None = None,
    *,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """An ``n`` by ``m`` matrix with ones on the diagonal."""
    return _finish(np.eye(n, m, dtype=dtype or DEFAULT_FLOAT), requires_grad)


def randn(
    *size: Any,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Standard normal samples of the given size.

    Parameters
    ----------
    *size : int
        The shape.
    generator : np.random.Generator or int, optional
        Where the randomness comes from (an int is a seed). Without one, a fresh
        unseeded generator is used: pass one for reproducible results.
    """
    rng = as_generator(generator)
    dt = np.dtype(dtype or DEFAULT_FLOAT)
    return _finish(rng.standard_normal(_size(size), dtype=dt), requires_grad)


def rand(
    *size: Any,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
    requires_grad: bool = False,
) -> Tensor:
    """Uniform samples in ``[0, 1)`` of the given size (see :func:`randn` for
    ``generator``)."""
    rng = as_generator(generator)
    dt = np.dtype(dtype or DEFAULT_FLOAT)
    return _finish(rng.random(_size(size), dtype=dt), requires_grad)


def randint(
    low: int,
    high: int | None = None,
    size: Sequence[int] = (),
    *,
    generator: GeneratorLike = None,
    dtype: DTypeLike | None = None,
) -> Tensor:
    """Random integers in ``[low, high)`` (or ``[0, low)`` when ``high`` is None), int64."""
    if high is None:
        low, high = 0, low
    rng = as_generator(generator)
    return Tensor.from_array(rng.integers(low, high, size=tuple(size), dtype=dtype or DEFAULT_INT))


def randn_like(
    x: Tensor | np.ndarray, *, generator: GeneratorLike = None, dtype: DTypeLike | None = None
) -> Tensor:
    """Standard normal samples with the shape (and floating dtype) of ``x``."""
    shape, dt = _like(x, dtype)
    dt = dt if np.dtype(dt).kind == "f" else DEFAULT_FLOAT
    return randn(*shape, generator=generator, dtype=dt)


def rand_like(
    x: Tensor | np.ndarray, *, generator: GeneratorLike = None, dtype: DTypeLike | None = None
) -> Tensor:
    """Uniform samples in ``[0, 1)`` with the shape (and floating dtype) of ``x``."""
    shape, dt = _like(x, dtype)
    dt = dt if np.dtype(dt).kind == "f" else DEFAULT_FLOAT
    return rand(*shape, generator=generator, dtype=dt)
