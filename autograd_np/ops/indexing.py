"""Indexing and slicing: ``x[key]`` (basic, advanced and boolean keys), ``gather``,
``take_along_axis``, ``index_select``, and the scatter-adds that are their VJPs.

Gradients of repeated indices add up. The scatter-adds turn the indices into flat positions
in the output and add with ``np.add.at`` on the flattened output: numpy's fast path for
one-dimensional ``add.at`` is about ten times quicker than ``add.at`` with a tuple key (0.7
against 8 ms for a (512, 1000) gather or index_select in float32). Keys whose flat
positions are not cheap to compute (advanced indices split by slices, mixed with masks...)
fall back to ``add.at`` with the key.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from autograd_np.autograd import composite, grad_mode, primitive
from autograd_np.creation import as_tensor
from autograd_np.ops._axes import check_axis, check_scalar_axes
from autograd_np.ops.piecewise import _where
from autograd_np.ops.specs import axis_of
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = [
    "gather",
    "getitem",
    "index_select",
    "take_along_axis",
]


def _index_array(op: str, index: Any) -> np.ndarray:
    """An integer index as a fresh ndarray (a copy, so later changes by the caller cannot
    alter a recorded backward)."""
    arr = np.array(index.array if isinstance(index, Tensor) else index, copy=True)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"{op}: index must hold integers, got dtype {arr.dtype}")
    return arr.astype(np.intp, copy=False)


# ---------------------------------------------------------------------- flat positions
def _is_full_slice(k: Any) -> bool:
    return isinstance(k, slice) and k == slice(None)


def _is_int_index(k: Any) -> bool:
    if isinstance(k, np.ndarray):
        return k.dtype.kind in "iu"
    return isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))


def _adjacent_linear_index(shape: tuple[int, ...], key: Any) -> np.ndarray | None:
    """Flat positions of ``arr[key]`` for keys of the form ``[:, ..., :, i, j, ..., :, ...]``
    (integer arrays side by side, full slices around them); None for other keys."""
    parts = key if isinstance(key, tuple) else (key,)
    i = 0
    while i < len(parts) and _is_full_slice(parts[i]):
        i += 1
    j = i
    while j < len(parts) and _is_int_index(parts[j]):
        j += 1
    if (
        j == i
        or j > len(shape)
        or not any(isinstance(p, np.ndarray) for p in parts[i:j])
        or not all(_is_full_slice(p) for p in parts[j:])
    ):
        return None
    mid = np.zeros((), dtype=np.intp)
    for p, n in zip(parts[i:j], shape[i:j]):
        a = np.asarray(p, dtype=np.intp)
        mid = mid * n + np.where(a < 0, a + n, a)  # row-major position within shape[i:j]
    lead = int(np.prod(shape[:i]))
    tail = int(np.prod(shape[j:]))
    # (B, 1) * tail + (tail,) -> (B * tail,), B the broadcast shape of the index arrays;
    # then (lead, 1) * block + (B * tail,) -> (lead, B * tail): the long axis innermost
    lin = (mid.reshape(-1, 1) * tail + np.arange(tail, dtype=np.intp)).reshape(-1)
    if lead > 1:
        block = int(np.prod(shape[i:]))
        lin = np.arange(lead, dtype=np.intp).reshape(-1, 1) * block + lin
    return lin.reshape(shape[:i] + mid.shape + shape[j:])


def _scatter_flat(values: np.ndarray, lin: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape`` with ``values`` added at the flat positions ``lin`` (repeated
    positions accumulate)."""
    out = np.zeros(int(np.prod(shape)), dtype=values.dtype)
    np.add.at(out, lin.reshape(-1), values.reshape(-1))
    return out.reshape(shape)


def _gather_linear_index(shape: tuple[int, ...], dim: int, index: np.ndarray) -> np.ndarray:
    """Flat positions in an array of ``shape`` read by ``gather(_, dim, index)``."""
    strides = [int(np.prod(shape[a + 1 :])) for a in range(len(shape))]
    lin = np.multiply(index, strides[dim], dtype=np.intp)
    for a, n in enumerate(index.shape):
        if a != dim and n > 1:
            view = [1] * index.ndim
            view[a] = n
            lin += (np.arange(n, dtype=np.intp) * strides[a]).reshape(view)
    return lin


# ---------------------------------------------------------------------- getitem
def _is_basic(key: Any) -> bool:
    """True when ``key`` uses only ints, slices, None, Ellipsis and boolean masks: keys that
    can never select one element twice."""
    parts = key if isinstance(key, tuple) else (key,)
    return all(
        isinstance(k, (int, np.integer, slice, np.bool_))
        or k is None
        or k is Ellipsis
        or (isinstance(k, np.ndarray) and k.dtype == np.bool_)
        for k in parts
    )


def _normalize_key(key: Any, copy: bool) -> Any:
    """Tensors and lists in ``key`` as ndarrays (copied when ``copy``, so that a later change
    to the caller's index array cannot alter a recorded backward)."""
    if isinstance(key, Tensor):
        return np.array(key.array, copy=True) if copy else key.array
    if isinstance(key, np.ndarray):
        return key.copy() if copy else key
    if isinstance(key, list):
        return np.asarray(key)
    if isinstance(key, tuple):
        return tuple(_normalize_key(k, copy) for k in key)
    return key


def _is_mask(k: Any) -> bool:
    return isinstance(k, np.ndarray) and k.dtype == np.bool_ and k.ndim > 0


def check_masks(key: Any, shape: tuple[int, ...], op: str = "getitem") -> None:
    """Refuse a boolean mask whose shape differs from the dims it indexes, as PyTorch does
    (numpy lets an empty mask through: ``x[np.zeros(0, bool)]`` on any ``x``)."""
    parts = key if isinstance(key, tuple) else (key,)
    if not any(_is_mask(k) for k in parts):
        return

    def width(k: Any) -> int:  # how many dims of x the key part indexes
        if k is None or k is Ellipsis or isinstance(k, (bool, np.bool_)):
            return 0
        if isinstance(k, np.ndarray) and k.dtype == np.bool_:
            return k.ndim
        return 1

    widths = [width(k) for k in parts]
    pos = 0
    for i, k in enumerate(parts):
        if k is Ellipsis:  # the dims no other part indexes
            pos = max(pos, len(shape) - sum(widths[i + 1 :]))
        elif _is_mask(k):
            dims = tuple(shape[pos : pos + k.ndim])
            if k.shape != dims:
                raise IndexError(
                    f"{op}: the shape of the mask {k.shape} at index {pos} does not match the "
                    f"shape {dims} of the indexed tensor of shape {shape} there"
                )
        pos += widths[i]


def _getitem_spec(s: Sampler) -> Sample:
    """Basic keys (negative steps too), repeated integer indices, boolean masks, and mixes
    of basic and advanced indices, adjacent or split by a slice."""
    shape = s.shape(min_dims=1, max_dims=3, min_side=2)
    n0 = shape[0]
    kind = s.choice(["int", "slice", "array", "mask", "mixed", "two_arrays", "split"])
    key: Any
    if kind == "int":
        key = s.integers(-n0, n0 - 1)
    elif kind == "slice":
        key = slice(s.integers(0, n0 - 1), None, s.choice([1, 2, -1, -2]))
    elif kind == "array":  # repeated indices: their gradients must add up
        key = s.int_array((s.integers(1, 5),), -n0, n0 - 1)
    elif kind == "mask":
        key = s.int_array(shape, 0, 1).astype(bool)
    elif len(shape) == 1:
        key = (Ellipsis, s.int_array((2, 2), 0, n0 - 1))
    elif kind == "mixed":
        key = (slice(None, None, -1), s.int_array((3,), 0, shape[1] - 1))
    elif kind == "two_arrays":
        key = (s.int_array((3, 1), 0, n0 - 1), s.int_array((2,), -shape[1], shape[1] - 1))
    elif len(shape) == 3:  # advanced indices split by a slice: their axes go first
        key = (s.int_array((3,), 0, n0 - 1), slice(None), -1)
    else:
        key = (s.int_array((2,), 0, n0 - 1).astype(bool).nonzero()[0], None, Ellipsis)
    return Sample((s.array(shape),), {"key": key})


@primitive("getitem", spec=_getitem_spec, ref=lambda x, key: x[key], saves=())
def _getitem(x: np.ndarray, *, key: Any) -> np.ndarray:
    try:
        return x[key]
    except IndexError as e:
        raise IndexError(f"getitem: {e} (tensor of shape {x.shape})") from None


@_getitem.defvjp
def _getitem_vjp(g: Tensor, out: Tensor, x: Tensor, *, key: Any) -> Tensor:
    return _index_add_into_zeros(g, key=key, shape=x.shape)  # scatter g back to where it came


def _scatter_ref(g: np.ndarray, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    out = np.zeros(shape, dtype=g.dtype)
    np.add.at(out, key, g)
    return out


def _index_add_into_zeros_spec(s: Sampler) -> Sample:
    """The gradient of a getitem sample, scattered back into zeros of the input's shape."""
    sample = _getitem_spec(s)
    x = sample.args[0]
    key = sample.kwargs["key"]
    return Sample((s.array(x[key].shape),), {"key": key, "shape": x.shape})


@primitive("index_add_into_zeros", spec=_index_add_into_zeros_spec, ref=_scatter_ref, saves=())
def _index_add_into_zeros(g: np.ndarray, *, key: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Zeros of ``shape`` with ``g`` added at ``key`` (repeated indices accumulate)."""
    lin = None if _is_basic(key) else _adjacent_linear_index(shape, key)
    if lin is not None:
        return _scatter_flat(g, lin, shape)
    out = np.zeros(shape, dtype=g.dtype)
    if _is_basic(key):  # no element is selected twice: assignment is enough
        out[key] = g
    else:  # other advanced keys (split by slices, with masks, None or Ellipsis)
        np.add.at(out, key, g)
    return out


@_index_add_into_zeros.defvjp
def _index_add_into_zeros_vjp(
    gg: Tensor, out: Tensor, g: Tensor, *, key: Any, shape: tuple[int, ...]
) -> Tensor:
    return _getitem(gg, key=key)  # the adjoint of a scatter-add is a gather


@_getitem.expose
def getitem(x: TensorLike, key: Any) -> Tensor:
    """``x[key]`` with numpy semantics: basic (ints, slices, None, ``...``), advanced (integer
    arrays, lists or tensors) and boolean-mask keys, in any mix.

    Gradients of repeated indices add up. Index arrays are copied when the call is recorded,
    so changing them afterwards does not affect the backward pass.

    Examples
    --------
    >>> import autograd_np as ag
    >>> x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> x[[0, 0, 2]].sum().backward()
    >>> x.grad
    tensor([2., 0., 1.])
    """
    t = as_tensor(x)
    record = t.requires_grad and grad_mode.is_grad_enabled()
    key = _normalize_key(key, copy=record)
    check_masks(key, t.shape)
    return _getitem(t, key=key)


def setitem_result(x: Tensor, key: Any, value: TensorLike) -> Tensor:
    """``x`` with ``value`` (broadcast) at ``key``, out of place and differentiable: what a
    recorded ``x[key] = value`` stands for (``Tensor.__setitem__`` in grad mode).

    The gradient goes to ``value`` from the positions it was written to (summed over
    broadcasting) and to ``x`` from all the others. A key that selects an element twice is
    refused: which of its values would land there, and so get the gradient, is unspecified.
    """
    from autograd_np.ops.shape import broadcast_to  # shape builds on this module

    key = _normalize_key(key, copy=True)
    check_masks(key, x.shape, "__setitem__")
    mask = np.zeros(x.shape, dtype=bool)
    try:
        mask[key] = True
        selected = mask[key].shape
    except (IndexError, ValueError, TypeError) as e:
        raise type(e)(f"__setitem__: {e} (tensor of shape {x.shape})") from e
    if np.count_nonzero(mask) != math.prod(selected):
        raise RuntimeError(
            "__setitem__: the key selects some elements more than once, so a recorded "
            "assignment has no defined gradient there; use unique indices, or assign under "
            "`with no_grad():`"
        )
    v = value if isinstance(value, Tensor) else Tensor.from_array(np.asarray(value, dtype=x.dtype))
    try:
        v_sel = broadcast_to(v, selected)
    except ValueError as e:
        raise ValueError(
            f"__setitem__: values of shape {v.shape} cannot be broadcast to the {selected} "
            f"elements the key selects in a tensor of shape {x.shape}"
        ) from e
    # x where the key did not write, value's elements where it did
    placed = _index_add_into_zeros(v_sel, key=key, shape=x.shape)
    return _where(Tensor.from_array(mask), placed, x)


# ---------------------------------------------------------------------- gather / scatter
def _gather_ref(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    """PyTorch's gather in numpy: ``index`` may be smaller than ``x`` outside ``dim``."""
    d = dim % x.ndim
    block = tuple(slice(0, n) if a != d else slice(None) for a, n in enumerate(index.shape))
    return np.take_along_axis(x[block], index, axis=d)


def _gather_spec(s: Sampler) -> Sample:
    """PyTorch's gather: the index may be smaller than the input outside ``dim``."""
    shape = s.shape(min_dims=1, max_dims=3)
    nd = len(shape)
    dim = axis_of(s, nd)
    ishape = tuple(
        s.integers(1, 5) if a == dim % nd else s.integers(1, n) for a, n in enumerate(shape)
    )
    return Sample((s.array(shape), dim, s.int_array(ishape, 0, shape[dim] - 1)))


@primitive("gather", spec=_gather_spec, ref=_gather_ref, saves=())
def _gather(x: np.ndarray, *, dim: int, index: np.ndarray) -> np.ndarray:
    return _gather_ref(x, dim, index)


@_gather.defvjp
def _gather_vjp(g: Tensor, out: Tensor, x: Tensor, *, dim: int, index: np.ndarray) -> Tensor:
    # out[..i..] = x[..index[..i..]..]: add each g back to the element it was read from
    return _scatter_add(g, dim=dim, index=index, shape=x.shape)


def _scatter_add_ref(
    src: np.ndarray, dim: int, index: np.ndarray, shape: tuple[int, ...]
) -> np.ndarray:
    out = np.zeros(shape, dtype=src.dtype)
    key = tuple(
        index if a == dim else np.arange(n).reshape([-1 if b == a else 1 for b in range(src.ndim)])
        for a, n in enumerate(index.shape)
    )
    np.add.at(out, key, src)
    return out


def _scatter_add_spec(s: Sampler) -> Sample:
    x, dim, index = _gather_spec(s).args
    return Sample((s.array(index.shape),), {"dim": dim % x.ndim, "index": index, "shape": x.shape})


@primitive("scatter_add_into_zeros", spec=_scatter_add_spec, ref=_scatter_add_ref, saves=())
def _scatter_add(
    src: np.ndarray, *, dim: int, index: np.ndarray, shape: tuple[int, ...]
) -> np.ndarray:
    """Zeros of ``shape`` with ``src`` added as PyTorch's ``scatter_add`` does:
    ``out[..index[..i..]..] += src[..i..]`` along ``dim`` (repeated indices accumulate)."""
    return _scatter_flat(src, _gather_linear_index(shape, dim, index), shape)


@_scatter_add.defvjp
def _scatter_add_vjp(
    gg: Tensor, out: Tensor, src: Tensor, *, dim: int, index: np.ndarray, shape: tuple[int, ...]
) -> Tensor:
    return _gather(gg, dim=dim, index=index)  # the adjoint of a scatter-add is a gather


def _check_range(op: str, index: np.ndarray, n: int, dim: int, low: int) -> None:
    if index.size and (index.min() < low or index.max() >= n):
        bad = int(index.min()) if index.min() < low else int(index.max())
        raise IndexError(
            f"{op}: index {bad} is out of range for dimension {dim} with size {n} "
            f"(expected {low} to {n - 1})"
        )


@_gather.expose
def gather(x: TensorLike, dim: int, index: TensorLike) -> Tensor:
    """Values of ``x`` along ``dim`` at ``index`` (PyTorch's ``gather``).

    For a 3-D input, ``out[i][j][k] = x[index[i][j][k]][j][k]`` when ``dim == 0``,
    ``x[i][index[i][j][k]][k]`` when ``dim == 1``, and so on. Gradients of repeated indices
    add up.

    Parameters
    ----------
    dim : int
        The axis to index along.
    index : int array or Tensor
        Indices in ``[0, x.shape[dim])``, with as many dimensions as ``x`` and no larger
        than ``x`` outside ``dim``.

    Returns
    -------
    Tensor
        Of the shape of ``index``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.gather(ag.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, [[0, 0], [1, 0]])
    tensor([[1., 1.],
            [4., 3.]])
    """
    t = as_tensor(x)
    idx = _index_array("gather", index)
    if t.ndim == 0 and idx.ndim <= 1:  # a 0-d input is a 1-element vector, as in PyTorch
        check_scalar_axes("gather", dim)
        out = gather(t.reshape(1), 0, idx.reshape(-1))
        return out.reshape(idx.shape)
    if t.ndim == 0 or idx.ndim != t.ndim:
        raise ValueError(
            f"gather: index must have as many dimensions as the input (at least one); got "
            f"index of shape {idx.shape} for input of shape {t.shape}"
        )
    d = check_axis("gather", dim, t.ndim, "dim")
    for a in range(t.ndim):
        if a != d and idx.shape[a] > t.shape[a]:
            raise ValueError(
                f"gather: index of shape {idx.shape} is larger than the input of shape "
                f"{t.shape} in dimension {a} (only dimension {d} may be larger)"
            )
    _check_range("gather", idx, t.shape[d], d, 0)
    return _gather(t, dim=d, index=idx)


def _take_along_axis_spec(s: Sampler) -> Sample:
    """numpy's take_along_axis: negative indices, and broadcasting both ways outside the
    axis (x or the indices of length 1 there)."""
    shape = s.shape(min_dims=1, max_dims=3)
    nd = len(shape)
    axis = axis_of(s, nd)
    n = shape[axis]
    xshape = list(shape)
    ishape = list(shape)
    for a in range(nd):
        if a != axis % nd and s.boolean():
            (xshape if s.boolean() else ishape)[a] = 1
    ishape[axis] = s.integers(1, 5)
    return Sample((s.array(xshape), s.int_array(ishape, -n, n - 1), axis))


@composite(spec=_take_along_axis_spec, ref=np.take_along_axis)
def take_along_axis(x: TensorLike, indices: TensorLike, axis: int | None = -1) -> Tensor:
    """Values of ``x`` at ``indices`` along ``axis`` (numpy's ``take_along_axis``).

    Unlike :func:`gather`, ``x`` and ``indices`` broadcast against each other outside
    ``axis``, negative indices count from the end, and ``axis=None`` works on the flattened
    ``x`` (with 1-D ``indices``).

    Parameters
    ----------
    indices : int array or Tensor
        With as many dimensions as ``x``; values in ``[-n, n)``, ``n = x.shape[axis]``.
    axis : int or None, default -1
        The axis to take values along.

    Returns
    -------
    Tensor
        Of the broadcast shape of ``x`` and ``indices``, with ``indices``' length on ``axis``.
    """
    from autograd_np.ops.shape import broadcast_to, reshape

    t = as_tensor(x)
    idx = _index_array("take_along_axis", indices)
    if axis is None:
        t = reshape(t, (-1,))
        axis = 0
    if idx.ndim != t.ndim:
        raise ValueError(
            f"take_along_axis: indices of shape {idx.shape} must have as many dimensions as x "
            f"of shape {t.shape}"
        )
    a = check_axis("take_along_axis", axis, t.ndim, "axis")
    n = t.shape[a]
    _check_range("take_along_axis", idx, n, a, -n)
    idx = np.where(idx < 0, idx + n, idx)
    try:
        other = np.broadcast_shapes(
            (*t.shape[:a], 1, *t.shape[a + 1 :]), (*idx.shape[:a], 1, *idx.shape[a + 1 :])
        )
    except ValueError:
        raise ValueError(
            f"take_along_axis: x of shape {t.shape} and indices of shape {idx.shape} do not "
            f"broadcast outside axis {a}"
        ) from None
    xshape = (*other[:a], n, *other[a + 1 :])
    ishape = (*other[:a], idx.shape[a], *other[a + 1 :])
    if t.shape != xshape:
        t = broadcast_to(t, xshape)
    if idx.shape != ishape:
        idx = np.ascontiguousarray(np.broadcast_to(idx, ishape))
    return _gather(t, dim=a, index=idx)


def _index_select_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    dim = axis_of(s, len(shape))
    index = s.int_array((s.integers(1, 5),), 0, shape[dim] - 1)
    return Sample((s.array(shape), dim, index))


@composite(
    spec=_index_select_spec,
    ref=lambda x, dim, index: np.take(x, np.reshape(index, -1), axis=dim),
)
def index_select(x: TensorLike, dim: int, index: TensorLike) -> Tensor:
    """The slices of ``x`` at ``index`` along ``dim`` (PyTorch's ``index_select``; numpy's
    ``take`` with an axis).

    Parameters
    ----------
    dim : int
        The axis to select along.
    index : int array or Tensor
        A 0-d or 1-D index with values in ``[0, x.shape[dim])``; repeats allowed (their
        gradients add up).

    Returns
    -------
    Tensor
        ``x`` with its ``dim`` axis replaced by ``len(index)`` selected slices.
    """
    t = as_tensor(x)
    idx = _index_array("index_select", index)
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-D, got shape {idx.shape}")
    if t.ndim == 0:  # a 0-d input is a 1-element vector, as in PyTorch
        check_scalar_axes("index_select", dim)
        return index_select(t.reshape(1), 0, idx).reshape(())
    d = check_axis("index_select", dim, t.ndim, "dim")
    _check_range("index_select", idx, t.shape[d], d, 0)
    key = (slice(None),) * d + (idx.reshape(-1),)
    return _getitem(t, key=key)
