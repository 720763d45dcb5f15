"""What the reductions share: their axis arguments (numpy's ``axis``/``keepdims`` and
PyTorch's ``dim``/``keepdim``), the keepdims form of a result, and the check for slices with
no elements."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.creation import as_tensor
from autograd_np.ops._axes import Axis, count, kept_shape, normalize_axes, resolve_axis
from autograd_np.ops.conversion import astype
from autograd_np.ops.shape import _reshape
from autograd_np.tensor import Tensor, TensorLike


def reduction_args(
    op: str,
    x: TensorLike,
    axis: Axis,
    keepdims: bool,
    dim: Axis,
    keepdim: bool | None,
    dtype: Any = None,
) -> tuple[Tensor, tuple[int, ...], bool]:
    """The input as a Tensor (converted to ``dtype`` when given), the reduced axes (sorted,
    non-negative) and ``keepdims``."""
    t = as_tensor(x)
    axis, keepdims = resolve_axis(op, axis, dim, keepdims, keepdim)
    axes = normalize_axes(op, axis, t.ndim)
    if dtype is not None:
        t = astype(t, dtype)
    return t, axes, keepdims


def float_tensor(t: Tensor) -> Tensor:
    """Integer and bool tensors become float32 (float-valued reductions, as in PyTorch)."""
    return t if t.dtype.kind == "f" else astype(t, np.float32)


def kept(t: Tensor, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool) -> Tensor:
    """A reduction's result ``t`` with its reduced axes back as length 1, so it broadcasts
    against the input of ``shape``."""
    return t if keepdims else _reshape(t, shape=kept_shape(shape, axes))


def kept_data(
    a: np.ndarray, shape: tuple[int, ...], axes: tuple[int, ...], keepdims: bool
) -> np.ndarray:
    """:func:`kept` for an ndarray."""
    return a if keepdims else a.reshape(kept_shape(shape, axes))


def check_nonempty(op: str, t: Tensor, axes: tuple[int, ...]) -> None:
    """Refuse a reduction without identity (max, min...) over a slice with no elements."""
    if count(t.shape, axes) == 0:
        raise ValueError(
            f"{op}: cannot reduce over a zero-length axis (shape {t.shape}, axes {axes}); "
            "the result would have no identity"
        )
