"""The extremes: ``amax``/``amin``, ``max``/``min`` (of all elements, along a dim with the
indices, or of two tensors) and ``argmax``/``argmin``.

``axis`` and ``keepdims`` (PyTorch's ``dim`` and ``keepdim``) and the result's shape are
as in :mod:`~autograd_np.ops.reduction`: None reduces all axes; ``keepdims`` keeps the
reduced axes with length 1.

Gradients at ties: ``amax``/``amin`` and ``max``/``min`` without a dim split the gradient
evenly among the tied elements; ``max``/``min`` along a dim send it only to the returned
index (both as in PyTorch).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.creation import as_tensor
from autograd_np.dtypes import check_kind
from autograd_np.ops._axes import Axis, normalize_axis, resolve_axis
from autograd_np.ops._reduce_utils import check_nonempty, kept, kept_data, reduction_args
from autograd_np.ops.arithmetic import multiply
from autograd_np.ops.conversion import clone
from autograd_np.ops.indexing import gather
from autograd_np.ops.piecewise import masked_grad, maximum, minimum
from autograd_np.ops.shape import _reshape
from autograd_np.ops.specs import reduction
from autograd_np.tensor import Tensor, TensorLike

__all__ = ["ValuesIndices", "amax", "amin", "argmax", "argmin", "max", "min"]


class ValuesIndices(NamedTuple):
    """What :func:`max` and :func:`min` along a dim return (``torch.return_types.max``)."""

    values: Tensor
    indices: Tensor


def _extreme_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool
) -> Tensor:
    # d amax(x) = g / (number of maxima) at each element equal to the max, 0 elsewhere; a
    # product, as PyTorch's amax: an inf gradient gives nan off the maxima, and a slice
    # whose max is NaN (no element equals it) gets NaN everywhere
    top = kept_data(out.array, x.shape, axis, keepdims)
    hit = x.array == top
    with np.errstate(invalid="ignore", divide="ignore"):
        share = hit / np.sum(hit, axis=axis, keepdims=True)
    return multiply(kept(g, x.shape, axis, keepdims), Tensor.from_array(share.astype(g.dtype)))


def _extreme_all_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, axis: tuple[int, ...], keepdims: bool
) -> Tensor:
    # d max(x) = g / (number of maxima) selected at the maxima (the NaNs when the max is
    # NaN), exactly 0 elsewhere: PyTorch's max() without a dim distributes evenly
    top = kept_data(out.array, x.shape, axis, keepdims)
    hit = np.where(np.isnan(top), np.isnan(x.array), x.array == top)
    share = 1.0 / np.maximum(np.sum(hit, axis=axis, keepdims=True), 1)
    return masked_grad(kept(g, x.shape, axis, keepdims), hit, share)


def _extreme_primitive(name: str, fn: Any, vjp: Any, *, exposed: bool = True) -> Any:
    @primitive(
        name,
        spec=reduction(unique=True, tuple_axes=not exposed),
        ref=lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims),
        saves=(0,),
        saves_output=True,
    )
    def op(x: np.ndarray, *, axis: tuple[int, ...], keepdims: bool) -> np.ndarray:
        return fn(x, axis=axis, keepdims=keepdims)

    op.defvjp(vjp)
    return op


_amax = _extreme_primitive("amax", np.amax, _extreme_vjp)
_amin = _extreme_primitive("amin", np.amin, _extreme_vjp)
# behind max() and min() without a dim (no public function of their own)
_max_all = _extreme_primitive("max_all", np.amax, _extreme_all_vjp, exposed=False)
_min_all = _extreme_primitive("min_all", np.amin, _extreme_all_vjp, exposed=False)


def _extreme(
    op: str, prim: Any, x: TensorLike, axis: Axis, keepdims: bool, dim: Axis, keepdim: Any
) -> Tensor:
    t, axes, keepdims = reduction_args(op, x, axis, keepdims, dim, keepdim)
    check_nonempty(op, t, axes)
    return prim(t, axis=axes, keepdims=keepdims)


@_amax.expose
def amax(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Maximum over the given axes; NaN propagates.

    Ties: the gradient is split evenly among the elements equal to the maximum, as in
    ``torch.amax``: ``amax([1, 3, 3])`` sends ``[0, 0.5, 0.5]``. As there, the gradient is
    a product with that share: an ``inf`` gradient gives ``nan`` off the maxima, and a slice
    whose maximum is NaN gets NaN (:func:`max` without a dim selects instead).
    """
    return _extreme("amax", _amax, x, axis, keepdims, dim, keepdim)


@_amin.expose
def amin(
    x: TensorLike,
    axis: Axis = None,
    keepdims: bool = False,
    *,
    dim: Axis = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Minimum over the given axes; ties split the gradient evenly (see :func:`amax`)."""
    return _extreme("amin", _amin, x, axis, keepdims, dim, keepdim)


def _of_all_or_along_dim(
    op: str,
    whole: Any,
    arg: Any,
    x: TensorLike,
    axis: Any,
    keepdims: bool,
    dim: Any,
    keepdim: bool | None,
) -> Any:
    """``max``/``min`` without a tensor ``axis``: ``whole`` (amax or amin) of all elements
    when no dim is given, else the values and indices along the dim."""
    t = as_tensor(x)
    axis, keepdims = resolve_axis(op, axis, dim, keepdims, keepdim)
    if axis is None:
        axes = tuple(range(t.ndim))
        check_nonempty(op, t, axes)
        return whole(t, axis=axes, keepdims=keepdims)
    return _along_dim(op, t, axis, keepdims, arg)


def _along_dim(op: str, t: Tensor, axis: Any, keepdims: bool, arg: Any) -> ValuesIndices:
    if isinstance(axis, bool) or not isinstance(axis, (int, np.integer)):
        raise TypeError(
            f"{op}: dim must be an int or None, got {axis!r} (use a{op} to reduce over "
            "several axes)"
        )
    ax = normalize_axis(op, axis, t.ndim)
    if t.ndim == 0:
        return ValuesIndices(clone(t), Tensor.from_array(np.zeros((), dtype=np.int64)))
    check_nonempty(op, t, (ax,))
    index = arg(t.array, axis=ax, keepdims=True).astype(np.int64)
    values = gather(t, ax, index)  # its VJP sends the gradient to the index only
    if not keepdims:
        values = _kept_inverse(values, ax)
        index = np.squeeze(index, ax)
    return ValuesIndices(values, Tensor.from_array(index))


def _kept_inverse(t: Tensor, axis: int) -> Tensor:
    """``t`` without its length-1 ``axis``."""
    return _reshape(t, shape=t.shape[:axis] + t.shape[axis + 1 :])


def _max_ref(fn: Any, arg: Any) -> Any:
    def ref(x: np.ndarray, axis: Any, keepdims: bool) -> Any:
        if axis is None:
            return fn(x, keepdims=keepdims)
        return fn(x, axis=axis, keepdims=keepdims), arg(x, axis=axis, keepdims=keepdims)

    return ref


@composite(spec=reduction(unique=True, multi_axis=False), ref=_max_ref(np.amax, np.argmax))
def max(
    x: TensorLike,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Any:
    """The maximum: of all elements, or along one dim with the indices, as ``torch.max``.

    Parameters
    ----------
    axis : int or Tensor, optional
        None: the maximum of all elements, a Tensor; ties split the gradient evenly (among
        the NaNs when there are some), selected: exactly 0 elsewhere, as ``torch.max()``.
        An int (``dim`` is PyTorch's spelling): a named tuple ``(values, indices)``, the
        maximum of each slice along ``axis`` and the index of
        its first occurrence (int64); the gradient goes only to that element. A Tensor:
        the elementwise :func:`maximum` of ``x`` and it (``torch.max(x, other)``).
    keepdims : bool, default False
        Keep the reduced axis with length 1 (``keepdim`` in PyTorch), in both outputs.

    Returns
    -------
    Tensor or ValuesIndices

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.tensor([[1.0, 5.0], [4.0, 2.0]]).max(dim=1)
    ValuesIndices(values=tensor([5., 4.]), indices=tensor([1, 0]))
    """
    if isinstance(axis, (Tensor, np.ndarray)):
        return maximum(x, axis)
    return _of_all_or_along_dim("max", _max_all, np.argmax, x, axis, keepdims, dim, keepdim)


@composite(spec=reduction(unique=True, multi_axis=False), ref=_max_ref(np.amin, np.argmin))
def min(
    x: TensorLike,
    axis: Any = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Any:
    """The minimum: of all elements, or along one dim with the indices (see :func:`max`).

    Parameters
    ----------
    axis : int or Tensor, optional
        None: the minimum of all elements; an int (``dim``): ``(values, indices)`` along it;
        a Tensor: the elementwise :func:`minimum`. Gradients as in :func:`max`.
    keepdims : bool, default False
        Keep the reduced axis with length 1 (``keepdim`` in PyTorch).

    Returns
    -------
    Tensor or ValuesIndices
    """
    if isinstance(axis, (Tensor, np.ndarray)):
        return minimum(x, axis)
    return _of_all_or_along_dim("min", _min_all, np.argmin, x, axis, keepdims, dim, keepdim)


def _arg_primitive(name: str, fn: Any) -> Any:
    @primitive(
        name,
        spec=reduction(unique=True, multi_axis=False),
        ref=lambda x, axis, keepdims: fn(x, axis=axis, keepdims=keepdims),
        differentiable=False,
    )
    def op(x: np.ndarray, *, axis: int | None, keepdims: bool) -> np.ndarray:
        return np.asarray(fn(x, axis=axis, keepdims=keepdims)).astype(np.int64, copy=False)

    return op


_argmax = _arg_primitive("argmax", np.argmax)
_argmin = _arg_primitive("argmin", np.argmin)


def _arg(
    op: str, prim: Any, x: TensorLike, axis: Any, keepdims: bool, dim: Any, keepdim: Any
) -> Tensor:
    t = as_tensor(x)
    check_kind(op, t)
    axis, keepdims = resolve_axis(op, axis, dim, keepdims, keepdim)
    ax = None if axis is None else normalize_axis(op, axis, t.ndim)
    if t.ndim == 0:
        return Tensor.from_array(np.zeros((), dtype=np.int64))
    check_nonempty(op, t, tuple(range(t.ndim)) if ax is None else (ax,))
    return prim(t, axis=ax, keepdims=keepdims)


@_argmax.expose
def argmax(
    x: TensorLike,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Index of the maximum along ``axis`` (of the flattened tensor when None), int64.

    The first occurrence wins ties. Not differentiable: the result never requires grad.
    ``keepdims`` keeps the reduced axis (all axes, as length 1, when ``axis`` is None); without
    it the result is ``x``'s shape without ``axis`` (a 0-d tensor when ``axis`` is None).
    """
    return _arg("argmax", _argmax, x, axis, keepdims, dim, keepdim)


@_argmin.expose
def argmin(
    x: TensorLike,
    axis: int | None = None,
    keepdims: bool = False,
    *,
    dim: int | None = None,
    keepdim: bool | None = None,
) -> Tensor:
    """Index of the minimum along ``axis``, int64; see :func:`argmax`."""
    return _arg("argmin", _argmin, x, axis, keepdims, dim, keepdim)
