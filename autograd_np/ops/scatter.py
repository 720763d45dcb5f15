"""Writing values at positions, out of place and differentiable: ``scatter``,
``scatter_add``, ``index_fill`` and ``masked_fill`` (PyTorch's names and argument orders).

Each returns a new tensor of the input's shape. The gradient reaches the input from the
positions that were not overwritten (from all of them for ``scatter_add``) and the written
values from where they landed.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.creation import as_tensor
from autograd_np.ops._axes import check_axis
from autograd_np.ops.arithmetic import add, multiply
from autograd_np.ops.indexing import (
    _gather_linear_index,
    _index_array,
    _scatter_add,
    gather,
)
from autograd_np.ops.piecewise import where
from autograd_np.ops.specs import axis_of
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["index_fill", "masked_fill", "scatter", "scatter_add"]


def _check_index(op: str, x_shape: tuple[int, ...], dim: int, index: np.ndarray) -> int:
    """``dim`` normalised; checks PyTorch's rules for ``index`` against the input."""
    nd = len(x_shape)
    dim = check_axis(op, dim, nd, "dim")
    if index.ndim != nd:
        raise ValueError(
            f"{op}: index must have as many dims as the input ({nd}), got shape {index.shape}"
        )
    for a, (n, m) in enumerate(zip(index.shape, x_shape)):
        if a != dim and n > m:
            raise ValueError(
                f"{op}: index of shape {index.shape} is larger than the input {x_shape} in dim {a}"
            )
    if index.size and (index.min() < -x_shape[dim] or index.max() >= x_shape[dim]):
        raise IndexError(
            f"{op}: index out of range for dim {dim} of size {x_shape[dim]} "
            f"(values in [{index.min()}, {index.max()}])"
        )
    return dim


def _positions(x_shape: tuple[int, ...], dim: int, index: np.ndarray) -> np.ndarray:
    """Flat positions in the input written by ``scatter(_, dim, index, _)``."""
    return _gather_linear_index(x_shape, dim, np.where(index < 0, index + x_shape[dim], index))


# ---------------------------------------------------------------------- scatter
def _unique_index(s: Sampler, shape: tuple[int, ...], dim: int) -> np.ndarray:
    """An index for scatter into ``shape`` along ``dim``, no position written twice (so
    that every written value reaches the output, and finite differences see it)."""
    ishape = tuple(s.integers(1, n) for n in shape)
    # a random permutation of each line along dim, cut to the index's shape
    order = np.argsort(s.array(shape), axis=dim, kind="stable")
    return order[tuple(slice(0, n) for n in ishape)]


def _scatter_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    dim = axis_of(s, len(shape))
    index = _unique_index(s, shape, dim % len(shape))
    return Sample((s.array(shape), dim, index, s.array(index.shape)))


def _scatter_ref(x: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray) -> np.ndarray:
    out = x.copy()
    d = dim % x.ndim
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[d] = index[pos]
        out[tuple(target)] = src[pos]
    return out


@primitive("scatter", spec=_scatter_spec, ref=_scatter_ref, saves=())
def _scatter(x: np.ndarray, src: np.ndarray, *, dim: int, index: np.ndarray) -> np.ndarray:
    out = np.array(x, dtype=np.result_type(x, src), copy=True)
    np.put(out, _positions(x.shape, dim, index), src)
    return out


@_scatter.defvjp
def _scatter_vjp(
    g: Tensor, out: Tensor, x: Tensor, src: Tensor, *, dim: int, index: np.ndarray
) -> tuple[Tensor | None, Tensor | None]:
    # out = x off the written positions, src on them: g flows to each from its positions
    keep = np.ones(x.shape, dtype=g.dtype)
    np.put(keep, _positions(x.shape, dim, index), 0)
    gx = multiply(g, Tensor.from_array(keep)) if x.requires_grad else None
    gsrc = gather(g, dim, index) if src.requires_grad else None
    return gx, gsrc


@_scatter.expose
def scatter(input: TensorLike, dim: int, index: TensorLike, src: Any) -> Tensor:
    """``input`` with the values of ``src`` written along ``dim`` at ``index`` (PyTorch's
    ``scatter``): for a 3-D input and ``dim == 0``, ``out[index[i][j][k]][j][k] =
    src[i][j][k]``, and so on.

    Parameters
    ----------
    input : Tensor
    dim : int
    index : int Tensor or array
        As many dims as ``input``, no larger than it outside ``dim`` (nor than ``src``).
    src : Tensor or number
        The values (only its ``index``-shaped corner is read), or one number for all.

    Notes
    -----
    Where ``index`` names a position twice, which value lands there is unspecified (as in
    PyTorch), and the gradient reaches every value written to it.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.zeros(2, 3).scatter(1, torch.tensor([[2], [0]]), torch.tensor([[5.0], [7.0]]))
    tensor([[0., 0., 5.],
            [7., 0., 0.]])
    """
    x = as_tensor(input)
    idx = _index_array("scatter", index)
    d = _check_index("scatter", x.shape, dim, idx)
    if isinstance(src, (Tensor, np.ndarray)):
        s = as_tensor(src)
        if s.ndim != idx.ndim or any(n > m for n, m in zip(idx.shape, s.shape)):
            raise ValueError(
                f"scatter: src of shape {s.shape} must have the index's dims and be at least "
                f"as large as the index {idx.shape}"
            )
        if s.shape != idx.shape:
            s = s[tuple(slice(0, n) for n in idx.shape)]
    else:
        dt = x.dtype if x.dtype.kind == "f" else np.asarray(src).dtype
        s = Tensor.from_array(np.full(idx.shape, src, dtype=dt))
    return _scatter(x, s, dim=d, index=idx)


def _scatter_add_public_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    nd = len(shape)
    dim = axis_of(s, nd)
    ishape = tuple(
        s.integers(1, 5) if a == dim % nd else s.integers(1, n) for a, n in enumerate(shape)
    )
    index = s.int_array(ishape, 0, shape[dim] - 1)  # repeated positions add up
    return Sample((s.array(shape), dim, index, s.array(ishape)))


def _scatter_add_ref(x: np.ndarray, dim: int, index: np.ndarray, src: np.ndarray) -> np.ndarray:
    out = x.copy()
    d = dim % x.ndim
    for pos in np.ndindex(*index.shape):
        target = list(pos)
        target[d] = index[pos]
        out[tuple(target)] += src[pos]
    return out


@composite(spec=_scatter_add_public_spec, ref=_scatter_add_ref)
def scatter_add(input: TensorLike, dim: int, index: TensorLike, src: TensorLike) -> Tensor:
    """``input`` plus the values of ``src`` added along ``dim`` at ``index`` (PyTorch's
    ``scatter_add``); repeated positions add up.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.zeros(3).scatter_add(0, torch.tensor([0, 0, 2]), torch.tensor([1.0, 2.0, 3.0]))
    tensor([3., 0., 3.])
    """
    x = as_tensor(input)
    idx = _index_array("scatter_add", index)
    d = _check_index("scatter_add", x.shape, dim, idx)
    s = as_tensor(src)
    if s.ndim != idx.ndim or any(n > m for n, m in zip(idx.shape, s.shape)):
        raise ValueError(
            f"scatter_add: src of shape {s.shape} must have the index's dims and be at least "
            f"as large as the index {idx.shape}"
        )
    if s.shape != idx.shape:
        s = s[tuple(slice(0, n) for n in idx.shape)]
    idx = np.where(idx < 0, idx + x.shape[d], idx)
    return add(x, _scatter_add(s, dim=d, index=idx, shape=x.shape))


# ---------------------------------------------------------------------- filling
def _fill_value(op: str, value: Any) -> Any:
    """A number, or a 0-d tensor (which may require grad), as PyTorch accepts."""
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise ValueError(
                f"{op}: value must be a number or a 0-d tensor, got shape {value.shape}"
            )
        return value
    if isinstance(value, np.ndarray):
        if value.ndim != 0:
            raise ValueError(
                f"{op}: value must be a number or a 0-d tensor, got shape {value.shape}"
            )
        return value.item()
    return value


def _masked_fill_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    cut = s.integers(0, len(shape))
    mask_shape = tuple(1 if s.boolean() else n for n in shape[cut:])  # broadcasts to shape
    return Sample((s.array(shape), s.int_array(mask_shape, 0, 1).astype(bool), s.floats(-3.0, 3.0)))


@composite(
    spec=_masked_fill_spec,
    ref=lambda x, mask, value: np.where(mask, np.asarray(value, dtype=x.dtype), x),
)
def masked_fill(input: TensorLike, mask: TensorLike, value: Any) -> Tensor:
    """``input`` with ``value`` where ``mask`` (bool, broadcast to the input) is true.

    ``value`` is a number or a 0-d tensor (which then receives the gradient of every
    filled position).

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.zeros(3).masked_fill(torch.tensor([True, False, True]), -1.0)
    tensor([-1.,  0., -1.])
    """
    x = as_tensor(input)
    m = mask.array if isinstance(mask, Tensor) else np.asarray(mask)
    if m.dtype != np.bool_:
        raise TypeError(f"masked_fill: mask must be a bool tensor, got dtype {m.dtype}")
    try:
        shape = np.broadcast_shapes(m.shape, x.shape)
    except ValueError:
        shape = None
    if shape != x.shape:
        raise ValueError(
            f"masked_fill: mask of shape {m.shape} does not broadcast to the input's {x.shape}"
        )
    return where(Tensor.from_array(m), _fill_value("masked_fill", value), x)


def _index_fill_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    dim = axis_of(s, len(shape))
    index = s.int_array((s.integers(1, 4),), -shape[dim], shape[dim] - 1)
    return Sample((s.array(shape), dim, index, s.floats(-3.0, 3.0)))


def _index_fill_ref(x: np.ndarray, dim: int, index: np.ndarray, value: float) -> np.ndarray:
    out = x.copy()
    key: list[Any] = [slice(None)] * x.ndim
    key[dim] = index
    out[tuple(key)] = value
    return out


@composite(spec=_index_fill_spec, ref=_index_fill_ref)
def index_fill(input: TensorLike, dim: int, index: TensorLike, value: Any) -> Tensor:
    """``input`` with ``value`` in the slices along ``dim`` that the 1-D ``index`` lists.

    Examples
    --------
    >>> import autograd_np as torch
    >>> torch.ones(2, 3).index_fill(1, torch.tensor([0, 2]), 0.0)
    tensor([[0., 1., 0.],
            [0., 1., 0.]])
    """
    x = as_tensor(input)
    idx = _index_array("index_fill", index)
    if idx.ndim > 1:
        raise ValueError(f"index_fill: index must be 0-D or 1-D, got shape {idx.shape}")
    d = check_axis("index_fill", dim, x.ndim, "dim")
    n = x.shape[d]
    if idx.size and (idx.min() < -n or idx.max() >= n):
        raise IndexError(f"index_fill: index out of range for dim {d} of size {n}")
    hit = np.zeros(n, dtype=bool)
    hit[idx.reshape(-1)] = True
    mask = hit.reshape([n if a == d else 1 for a in range(x.ndim)])  # broadcasts along dim
    return where(Tensor.from_array(mask), _fill_value("index_fill", value), x)
