"""Axis arguments: numpy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` spellings.

The reductions take their axes through :func:`resolve_axis` and :func:`normalize_axes`;
the shape, indexing, joining and linalg ops through :func:`check_axis` and
:func:`check_axes`, with numpy's errors.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

Axis = int | Sequence[int] | None


def resolve_axis(
    op: str, axis: Axis, dim: Axis, keepdims: bool, keepdim: bool | None
) -> tuple[Axis, bool]:
    """Merge the numpy and PyTorch spellings, refusing to get both axis and dim."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: got both axis={axis!r} and dim={dim!r}; pass one")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, bool(keepdims)


def _check_int(op: str, a: Any, axis: Any) -> int:
    if isinstance(a, bool) or not isinstance(a, (int, np.integer)):
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
    return int(a)


def normalize_axes(op: str, axis: Axis, ndim: int) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative ints (None means every axis).

    A 0-d tensor accepts axis 0 and -1, as in PyTorch, and reduces over no axis.
    """
    if axis is None:
        return tuple(range(ndim))
    if isinstance(axis, (int, np.integer)):
        axes: tuple[Any, ...] = (axis,)
    elif isinstance(axis, (tuple, list)):
        axes = tuple(axis)
    else:
        axes = (_check_int(op, axis, axis),)
    bound = max(ndim, 1)
    out = []
    for a in axes:
        a = _check_int(op, a, axis)
        if not -bound <= a < bound:
            raise ValueError(
                f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions "
                f"(expected {-bound} <= axis < {bound})"
            )
        out.append(a % bound)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return () if ndim == 0 else tuple(sorted(out))


def normalize_axis(op: str, axis: Any, ndim: int) -> int:
    """A single axis as a non-negative int (0 for a 0-d tensor)."""
    a = _check_int(op, axis, axis)
    bound = max(ndim, 1)
    if not -bound <= a < bound:
        raise ValueError(
            f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions "
            f"(expected {-bound} <= axis < {bound})"
        )
    return a % bound


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with each reduced axis set to 1 (the shape of a keepdims result)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def count(shape: tuple[int, ...], axes: tuple[int, ...]) -> int:
    """How many elements each output of a reduction over ``axes`` combines."""
    return int(np.prod([shape[a] for a in axes], dtype=np.int64))


def check_axis(op: str, axis: Any, ndim: int, what: str = "axis") -> int:
    """One axis as a non-negative int, as numpy's array functions take it: any integer
    (numpy's ``AxisError`` when out of range, no allowance for 0-d tensors); ``what``
    names the argument in errors."""
    try:
        a = operator.index(axis)
    except TypeError:
        raise TypeError(f"{op}: {what} must be an int, got {axis!r}") from None
    if not -ndim <= a < ndim:
        raise np.exceptions.AxisError(
            f"{op}: {what} {a} is out of range for {ndim} dimensions "
            f"(expected {-ndim} to {ndim - 1})"
        )
    return a % ndim


def check_scalar_axes(op: str, axis: Any, what: str = "dim") -> None:
    """PyTorch's allowance for a 0-d tensor: dims 0 and -1 name its one (implicit)
    dimension, so ``transpose(-1, 0)``, ``flip(0)``, ``movedim(0, -1)`` are identities;
    other dims raise IndexError, as there."""
    for a in int_tuple(op, axis, what):
        if a not in (0, -1):
            raise IndexError(
                f"{op}: {what} {a} is out of range for a 0-d tensor (expected 0 or -1)"
            )


def check_axes(op: str, axis: Any, ndim: int, what: str = "axis") -> tuple[int, ...]:
    """An int or a sequence of ints as distinct non-negative axes, in the order given."""
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(check_axis(op, a, ndim, what) for a in items)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated {what} in {axis!r}")
    return out


def int_tuple(op: str, values: Any, what: str) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of Python ints."""
    items = values if isinstance(values, (tuple, list, np.ndarray)) else (values,)
    try:
        return tuple(operator.index(v) for v in items)
    except TypeError:
        raise TypeError(f"{op}: {what} must be ints, got {values!r}") from None


def axis_or_dim(op: str, axis: Any, dim: Any, default: Any) -> Any:
    """Merge numpy's ``axis`` and PyTorch's ``dim`` spellings of one argument."""
    if dim is None:
        return axis
    if axis is not None and axis is not default and axis != dim:
        raise TypeError(f"{op}: got both axis={axis!r} and dim={dim!r}; pass one")
    return dim
