"""Reductions with numpy's ``axis``/``keepdims`` (PyTorch's ``dim``/``keepdim`` also work)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.function import composite, primitive
from autograd_np.ops._axes import Axis, kept_shape, normalize_axes, resolve_axis
from autograd_np.ops._specs import reduction
from autograd_np.tensor import Tensor, TensorLike

__all__ = ["mean", "sum"]


def _tensor(x: TensorLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


@primitive(
    "sum",
    spec=reduction(),
    ref=lambda x, axis, keepdims: np.sum(x, axis=axis, keepdims=keepdims),
    saves=(),
)
def _sum(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
    return np.sum(x, axis=axis, keepdims=keepdims)


@_sum.defvjp
def _sum_vjp(g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool) -> Tensor:
    # d sum(x) = broadcast of the gradient over the summed axes
    from autograd_np.ops.shape import _reshape, broadcast_to

    if not keepdims:
        g = _reshape(g, shape=kept_shape(x.shape, normalize_axes("sum", axis, x.ndim)))
    return broadcast_to(g, x.shape)


@_sum.expose
def sum(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    dtype: Any = None,
) -> Tensor:
    """Sum of the elements over the given axes.

    Parameters
    ----------
    x : Tensor
        Input.
    axis : int or tuple of int, optional
        Axes to reduce (``dim`` is PyTorch's spelling); None reduces all.
    keepdims : bool, default False
        Keep reduced axes with length 1 (``keepdim`` in PyTorch).
    dtype : numpy dtype, optional
        Convert to this dtype first.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.sum(ag.ones((2, 3)), axis=0)
    tensor([2., 2., 2.])
    """
    t = _tensor(x)
    if dtype is not None:
        t = t.astype(dtype)
    axis, keepdims = resolve_axis("sum", axis, dim, keepdims, keepdim)
    return _sum(t, axis=normalize_axes("sum", axis, t.ndim), keepdims=keepdims)


@composite(
    spec=reduction(),
    ref=lambda x, axis, keepdims: np.mean(x, axis=axis, keepdims=keepdims),
)
def mean(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
    dtype: Any = None,
) -> Tensor:
    """Arithmetic mean over the given axes (see :func:`sum` for the arguments)."""
    t = _tensor(x)
    if dtype is not None:
        t = t.astype(dtype)
    axis, keepdims = resolve_axis("mean", axis, dim, keepdims, keepdim)
    axes = normalize_axes("mean", axis, t.ndim)
    count = int(np.prod([t.shape[a] for a in axes])) if axes else 1
    return _sum(t, axis=axes, keepdims=keepdims) * (1.0 / max(count, 1))
