"""Selecting parts of a tensor: the triangles ``tril``/``triu`` and the ``topk`` largest
(or smallest) values along a dim, differentiable, with PyTorch's names and arguments."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import composite
from autograd_np.creation import as_tensor
from autograd_np.ops._axes import check_axis
from autograd_np.ops.extrema import ValuesIndices
from autograd_np.ops.indexing import gather
from autograd_np.ops.piecewise import where
from autograd_np.ops.specs import axis_of
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["argsort", "sort", "topk", "tril", "triu"]


def _triangle_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=2, max_dims=3)
    return Sample((s.array(shape),), {"diagonal": s.integers(-2, 2)})


def _triangle(op: str, x: Tensor, keep: np.ndarray) -> Tensor:
    return where(Tensor.from_array(keep), x, 0)  # zeros off the kept triangle


def _check_matrix(op: str, x: Tensor) -> None:
    if x.ndim < 2:
        raise ValueError(f"{op}: expected a tensor with at least 2 dims, got shape {x.shape}")


@composite(spec=_triangle_spec, ref=lambda x, diagonal: np.tril(x, diagonal))
def tril(input: TensorLike, diagonal: int = 0) -> Tensor:
    """The lower triangle of the last two dims (elements on and below the ``diagonal``-th
    diagonal); the rest is zero. The gradient flows from the kept elements.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.tril(torch.ones(2, 3))
    tensor([[1., 0., 0.],
            [1., 1., 0.]])
    """
    x = as_tensor(input)
    _check_matrix("tril", x)
    n, m = x.shape[-2:]
    return _triangle("tril", x, np.tri(n, m, k=diagonal, dtype=bool))


@composite(spec=_triangle_spec, ref=lambda x, diagonal: np.triu(x, diagonal))
def triu(input: TensorLike, diagonal: int = 0) -> Tensor:
    """The upper triangle of the last two dims (elements on and above the ``diagonal``-th
    diagonal); the rest is zero. ``triu(x, 1)`` is the causal attention mask's pattern.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.triu(torch.ones(2, 3), diagonal=1)
    tensor([[0., 1., 1.],
            [0., 0., 1.]])
    """
    x = as_tensor(input)
    _check_matrix("triu", x)
    n, m = x.shape[-2:]
    return _triangle("triu", x, ~np.tri(n, m, k=diagonal - 1, dtype=bool))


def _topk_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    dim = axis_of(s, len(shape))
    k = s.integers(1, shape[dim])
    return Sample(
        (s.array(shape, unique=True), k),
        {"dim": dim, "largest": s.boolean(), "sorted": True},
    )


def _topk_order(x: np.ndarray, k: int, dim: int, largest: bool) -> np.ndarray:
    keys = -x if largest else x
    if keys.dtype.kind == "b":
        keys = keys.astype(np.int8)
    return np.argsort(keys, axis=dim, kind="stable").take(np.arange(k), axis=dim)


def _topk_ref(
    x: np.ndarray, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> Any:
    order = _topk_order(x, k, dim, largest)
    return np.take_along_axis(x, order, axis=dim), order


@composite(spec=_topk_spec, ref=_topk_ref)
def topk(
    input: TensorLike, k: int, dim: int = -1, largest: bool = True, sorted: bool = True
) -> ValuesIndices:
    """The ``k`` largest (or, with ``largest=False``, smallest) values along ``dim`` and
    their indices, as a named tuple ``(values, indices)``.

    The values come in order (largest first, or smallest first); ``sorted=False`` is
    accepted and gives the same order. Ties keep the earlier index first. The gradient
    reaches the selected elements.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.topk(torch.tensor([1.0, 3.0, 2.0]), 2)
    ValuesIndices(values=tensor([3., 2.]), indices=tensor([1, 2]))
    """
    x = as_tensor(input)
    if x.ndim == 0:
        x = x.reshape(1)
    d = check_axis("topk", dim, x.ndim, "dim")
    if not 0 <= k <= x.shape[d]:
        raise ValueError(f"topk: k={k} is out of range for dim {d} of size {x.shape[d]}")
    order = _topk_order(x.array, k, d, largest).astype(np.int64)
    return ValuesIndices(gather(x, d, order), Tensor.from_array(order))


def _sort_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    return Sample(
        (s.array(shape, unique=True),),
        {"dim": axis_of(s, len(shape)), "descending": s.boolean()},
    )


def _sort_order(x: np.ndarray, dim: int, descending: bool) -> np.ndarray:
    keys = x.astype(np.int8) if x.dtype.kind == "b" else x
    return np.argsort(-keys if descending else keys, axis=dim, kind="stable")


def _sort_ref(x: np.ndarray, dim: int = -1, descending: bool = False) -> Any:
    order = _sort_order(x, dim, descending)
    return np.take_along_axis(x, order, axis=dim), order


@composite(spec=_sort_spec, ref=_sort_ref)
def sort(
    input: TensorLike, dim: int = -1, descending: bool = False, *, stable: bool = False
) -> ValuesIndices:
    """The values sorted along ``dim`` and the indices they came from, as a named tuple
    ``(values, indices)``. The sort is always stable (``stable`` is accepted); the gradient
    flows back to where each value came from.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.sort(torch.tensor([3.0, 1.0, 2.0]), descending=True)
    ValuesIndices(values=tensor([3., 2., 1.]), indices=tensor([0, 2, 1]))
    """
    x = as_tensor(input)
    if x.ndim == 0:
        return ValuesIndices(x, Tensor.from_array(np.zeros((), dtype=np.int64)))
    d = check_axis("sort", dim, x.ndim, "dim")
    order = _sort_order(x.array, d, descending).astype(np.int64)
    return ValuesIndices(gather(x, d, order), Tensor.from_array(order))


@composite(
    spec=_sort_spec,
    ref=lambda x, dim=-1, descending=False: _sort_order(x, dim, descending),
    differentiable=False,
)
def argsort(
    input: TensorLike, dim: int = -1, descending: bool = False, *, stable: bool = False
) -> Tensor:
    """The indices that sort ``input`` along ``dim`` (int64; always stable)."""
    x = as_tensor(input)
    if x.ndim == 0:
        return Tensor.from_array(np.zeros((), dtype=np.int64))
    d = check_axis("argsort", dim, x.ndim, "dim")
    return Tensor.from_array(_sort_order(x.array, d, descending).astype(np.int64))
