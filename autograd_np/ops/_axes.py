"""Axis arguments: numpy's ``axis``/``keepdims`` and PyTorch's ``dim``/``keepdim`` spellings."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

Axis = int | Sequence[int] | None


def resolve_axis(
    op: str, axis: Axis, dim: Axis, keepdims: bool, keepdim: bool | None
) -> tuple[Axis, bool]:
    """Merge the numpy and PyTorch spellings, refusing to get both."""
    if dim is not None:
        if axis is not None:
            raise TypeError(f"{op}: got both axis={axis!r} and dim={dim!r}; pass one")
        axis = dim
    if keepdim is not None:
        keepdims = keepdim
    return axis, bool(keepdims)


def normalize_axes(op: str, axis: Axis, ndim: int) -> tuple[int, ...]:
    """``axis`` as a sorted tuple of non-negative ints (None means every axis)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, int) else tuple(axis)
    out = []
    for a in axes:
        if not isinstance(a, int):
            raise TypeError(f"{op}: axis must be an int or a tuple of ints, got {axis!r}")
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"{op}: axis {a} is out of range for a tensor with {ndim} dimensions")
        out.append(a % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated axis in {axis!r}")
    return tuple(sorted(out))


def normalize_axis(op: str, axis: Any, ndim: int) -> int:
    """A single axis as a non-negative int."""
    if not isinstance(axis, int):
        raise TypeError(f"{op}: axis must be an int, got {axis!r}")
    return normalize_axes(op, axis, ndim)[0]


def kept_shape(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """``shape`` with each reduced axis set to 1 (the shape of a keepdims result)."""
    return tuple(1 if i in axes else n for i, n in enumerate(shape))
