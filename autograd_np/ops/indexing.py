"""Indexing, slicing and joining: ``x[key]`` (basic, advanced and boolean keys),
``gather``, ``take_along_axis``, ``index_select``, the scatter-adds that are their VJPs, and
``concatenate``/``stack``/``split``/``chunk`` (PyTorch groups these together).

Gradients of repeated indices add up. The scatter-adds turn the indices into flat positions
in the output and add with ``np.add.at`` on the flattened output: numpy's fast path for
one-dimensional ``add.at`` is about ten times quicker than ``add.at`` with a tuple key (0.7
against 8 ms for a (512, 1000) gather or index_select in float32). Keys whose flat
positions are not cheap to compute (advanced indices split by slices, mixed with masks...)
fall back to ``add.at`` with the key.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np import grad_mode
from autograd_np.function import composite, primitive
from autograd_np.ops import _specs as specs
from autograd_np.tensor import Tensor, TensorLike

__all__ = [
    "cat",
    "chunk",
    "concatenate",
    "gather",
    "getitem",
    "index_select",
    "split",
    "stack",
    "take_along_axis",
]


def _tensor(x: TensorLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _axis(op: str, axis: Any, ndim: int, what: str = "axis") -> int:
    """One axis as a non-negative int; the error names the op."""
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


def _axes(op: str, axis: Any, ndim: int, what: str = "axis") -> tuple[int, ...]:
    """An int or a sequence of ints as distinct non-negative axes, in the order given."""
    items = axis if isinstance(axis, (tuple, list)) else (axis,)
    out = tuple(_axis(op, a, ndim, what) for a in items)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: repeated {what} in {axis!r}")
    return out


def _ints(op: str, values: Any, what: str) -> tuple[int, ...]:
    """An int or a sequence of ints as a tuple of Python ints."""
    items = values if isinstance(values, (tuple, list, np.ndarray)) else (values,)
    try:
        return tuple(operator.index(v) for v in items)
    except TypeError:
        raise TypeError(f"{op}: {what} must be ints, got {values!r}") from None


def _either(op: str, axis: Any, dim: Any, default: Any) -> Any:
    """Merge numpy's ``axis`` and PyTorch's ``dim`` spellings of one argument."""
    if dim is None:
        return axis
    if axis is not None and axis is not default and axis != dim:
        raise TypeError(f"{op}: got both axis={axis!r} and dim={dim!r}; pass one")
    return dim


def _index_array(op: str, index: Any) -> np.ndarray:
    """An integer index as a fresh ndarray (a copy, so later changes by the caller cannot
    alter a recorded backward)."""
    arr = np.array(index.data if isinstance(index, Tensor) else index, copy=True)
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
        return np.array(key.data, copy=True) if copy else key.data
    if isinstance(key, np.ndarray):
        return key.copy() if copy else key
    if isinstance(key, list):
        return np.asarray(key)
    if isinstance(key, tuple):
        return tuple(_normalize_key(k, copy) for k in key)
    return key


@primitive("getitem", spec=specs.getitem_spec, ref=lambda x, key: x[key], saves=())
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


@primitive("index_add_into_zeros", spec=specs.index_add_into_zeros_spec, ref=_scatter_ref, saves=())
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
    t = _tensor(x)
    record = t.requires_grad and grad_mode.is_grad_enabled()
    return _getitem(t, key=_normalize_key(key, copy=record))


# ---------------------------------------------------------------------- gather / scatter
def _gather_ref(x: np.ndarray, dim: int, index: np.ndarray) -> np.ndarray:
    """PyTorch's gather in numpy: ``index`` may be smaller than ``x`` outside ``dim``."""
    d = dim % x.ndim
    block = tuple(slice(0, n) if a != d else slice(None) for a, n in enumerate(index.shape))
    return np.take_along_axis(x[block], index, axis=d)


@primitive("gather", spec=specs.gather_spec, ref=_gather_ref, saves=())
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


@primitive("scatter_add_into_zeros", spec=specs.scatter_add_spec, ref=_scatter_add_ref, saves=())
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
    x : Tensor
        Input.
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
    t = _tensor(x)
    idx = _index_array("gather", index)
    if t.ndim == 0 or idx.ndim != t.ndim:
        raise ValueError(
            f"gather: index must have as many dimensions as the input (at least one); got "
            f"index of shape {idx.shape} for input of shape {t.shape}"
        )
    d = _axis("gather", dim, t.ndim, "dim")
    for a in range(t.ndim):
        if a != d and idx.shape[a] > t.shape[a]:
            raise ValueError(
                f"gather: index of shape {idx.shape} is larger than the input of shape "
                f"{t.shape} in dimension {a} (only dimension {d} may be larger)"
            )
    _check_range("gather", idx, t.shape[d], d, 0)
    return _gather(t, dim=d, index=idx)


@composite(spec=specs.take_along_axis_spec, ref=np.take_along_axis)
def take_along_axis(x: TensorLike, indices: TensorLike, axis: int | None = -1) -> Tensor:
    """Values of ``x`` at ``indices`` along ``axis`` (numpy's ``take_along_axis``).

    Unlike :func:`gather`, ``x`` and ``indices`` broadcast against each other outside
    ``axis``, negative indices count from the end, and ``axis=None`` works on the flattened
    ``x`` (with 1-D ``indices``).

    Parameters
    ----------
    x : Tensor
        Input.
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

    t = _tensor(x)
    idx = _index_array("take_along_axis", indices)
    if axis is None:
        t = reshape(t, (-1,))
        axis = 0
    if idx.ndim != t.ndim:
        raise ValueError(
            f"take_along_axis: indices of shape {idx.shape} must have as many dimensions as x "
            f"of shape {t.shape}"
        )
    a = _axis("take_along_axis", axis, t.ndim, "axis")
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


@composite(
    spec=specs.index_select_spec,
    ref=lambda x, dim, index: np.take(x, np.reshape(index, -1), axis=dim),
)
def index_select(x: TensorLike, dim: int, index: TensorLike) -> Tensor:
    """The slices of ``x`` at ``index`` along ``dim`` (PyTorch's ``index_select``; numpy's
    ``take`` with an axis).

    Parameters
    ----------
    x : Tensor
        Input.
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
    t = _tensor(x)
    idx = _index_array("index_select", index)
    if idx.ndim > 1:
        raise ValueError(f"index_select: index must be 0-d or 1-D, got shape {idx.shape}")
    if t.ndim == 0:
        raise ValueError("index_select: the input must have at least one dimension")
    d = _axis("index_select", dim, t.ndim, "dim")
    _check_range("index_select", idx, t.shape[d], d, 0)
    key = (slice(None),) * d + (idx.reshape(-1),)
    return _getitem(t, key=key)


# ---------------------------------------------------------------------- joining
@primitive(
    "concatenate",
    spec=specs.concatenate_spec,
    ref=lambda *xs, axis: np.concatenate(xs, axis=axis),
    saves=(),
)
def _concatenate(*xs: np.ndarray, axis: int) -> np.ndarray:
    return np.concatenate(xs, axis=axis)


@_concatenate.defvjp
def _concatenate_vjp(g: Tensor, out: Tensor, *xs: Tensor, axis: int) -> tuple[Tensor | None, ...]:
    # each input gets back its own slab of the gradient along the axis
    axis %= g.ndim
    ends = np.cumsum([x.shape[axis] for x in xs]).tolist()
    lead = (slice(None),) * axis
    return tuple(
        _getitem(g, key=(*lead, slice(end - x.shape[axis], end))) if x.requires_grad else None
        for x, end in zip(xs, ends)
    )


def _sequence(op: str, tensors: Any) -> list[Tensor]:
    if isinstance(tensors, (Tensor, np.ndarray)):
        return list(_tensor(tensors))  # numpy semantics: the rows of an array
    ts = [_tensor(t) for t in tensors]
    if not ts:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return ts


@composite(
    "concatenate_sequence",
    spec=specs.joined_sequence_spec,
    ref=lambda x, axis=None, dim=None: np.concatenate(x, axis=axis if dim is None else dim),
)
def concatenate(
    tensors: Sequence[TensorLike] | Tensor, axis: int | None = 0, *, dim: int | None = None
) -> Tensor:
    """Join tensors along an existing axis (numpy's ``concatenate``, PyTorch's ``cat``).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors of equal shape except along ``axis`` (a tensor counts as the sequence of its
        rows, as in numpy).
    axis : int or None, default 0
        The axis to join along (``dim`` in PyTorch); None flattens the tensors first.

    Returns
    -------
    Tensor
        One node in the graph whatever the number of inputs; each input's gradient is its
        slab of the output gradient.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.cat([ag.zeros((2, 3)), ag.ones((1, 3))], dim=0).shape
    (3, 3)
    """
    from autograd_np.ops.shape import reshape

    ts = _sequence("concatenate", tensors)
    axis = _either("concatenate", axis, dim, 0)
    if axis is None:
        ts = [reshape(t, (-1,)) for t in ts]
        axis = 0
    first = ts[0]
    if first.ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    a = _axis("concatenate", axis, first.ndim)
    for i, t in enumerate(ts):
        if t.ndim != first.ndim or any(
            m != n for k, (m, n) in enumerate(zip(t.shape, first.shape)) if k != a
        ):
            raise ValueError(
                f"concatenate: tensors must have the same shape except along axis {a}, but "
                f"tensor 0 has shape {first.shape} and tensor {i} has shape {t.shape}"
            )
    return _concatenate(*ts, axis=a)


cat = concatenate


@primitive("stack", spec=specs.stack_spec, ref=lambda *xs, axis: np.stack(xs, axis=axis), saves=())
def _stack(*xs: np.ndarray, axis: int) -> np.ndarray:
    return np.stack(xs, axis=axis)


@_stack.defvjp
def _stack_vjp(g: Tensor, out: Tensor, *xs: Tensor, axis: int) -> tuple[Tensor | None, ...]:
    lead = (slice(None),) * (axis % g.ndim)  # input i gets back the slice i of the gradient
    return tuple(_getitem(g, key=(*lead, i)) if x.requires_grad else None for i, x in enumerate(xs))


@composite(
    "stack_sequence",
    spec=specs.joined_sequence_spec,
    ref=lambda x, axis=None, dim=None: np.stack(x, axis=axis if dim is None else dim),
)
def stack(
    tensors: Sequence[TensorLike] | Tensor, axis: int = 0, *, dim: int | None = None
) -> Tensor:
    """Join tensors of one shape along a new axis (numpy's and PyTorch's ``stack``).

    Parameters
    ----------
    tensors : sequence of Tensor
        Tensors of equal shape (a tensor counts as the sequence of its rows).
    axis : int, default 0
        Position of the new axis in the result (``dim`` in PyTorch).
    """
    ts = _sequence("stack", tensors)
    axis = _either("stack", axis, dim, 0)
    a = _axis("stack", axis, ts[0].ndim + 1)
    for i, t in enumerate(ts):
        if t.shape != ts[0].shape:
            raise ValueError(
                f"stack: tensors must all have the same shape, but tensor 0 has shape "
                f"{ts[0].shape} and tensor {i} has shape {t.shape}"
            )
    return _stack(*ts, axis=a)


# ---------------------------------------------------------------------- splitting
def _split_sizes(op: str, n: int, sections: Any, dim: int) -> list[int]:
    if isinstance(sections, (int, np.integer)):
        size = int(sections)
        if size <= 0:
            raise ValueError(f"{op}: split size must be positive, got {size}")
        return [min(size, n - start) for start in range(0, n, size)] or [0]
    sizes = list(_ints(op, sections, "split sizes"))
    if any(k < 0 for k in sizes) or sum(sizes) != n:
        raise ValueError(
            f"{op}: split sizes {sizes} must be non-negative and sum to {n}, the length of "
            f"dimension {dim}"
        )
    return sizes


def _split_ref(x: np.ndarray, sections: Any, dim: int = 0) -> list[np.ndarray]:
    n = x.shape[dim]
    if isinstance(sections, int):
        sections = [min(sections, n - i) for i in range(0, n, sections)] or [0]
    return np.split(x, np.cumsum(sections)[:-1], axis=dim)


@composite(spec=specs.split_spec, ref=_split_ref)
def split(
    x: TensorLike,
    split_size_or_sections: int | Sequence[int],
    dim: int = 0,
    *,
    axis: int | None = None,
) -> list[Tensor]:
    """Split into pieces along ``dim`` (PyTorch's ``split``).

    Parameters
    ----------
    x : Tensor
        Input.
    split_size_or_sections : int or sequence of int
        An int is the length of each piece (the last may be shorter); a sequence gives the
        length of every piece and must sum to ``x.shape[dim]``.
    dim : int, default 0
        The axis to split (``axis`` also works). Unlike ``numpy.split``, an int is a piece
        length, not a number of pieces.

    Returns
    -------
    list of Tensor
        Views of the pieces; gradients flow back from whichever pieces are used.

    Examples
    --------
    >>> import autograd_np as ag
    >>> [p.shape for p in ag.split(ag.zeros(5), 2)]
    [(2,), (2,), (1,)]
    """
    t = _tensor(x)
    d = _axis("split", _either("split", dim, axis, 0), t.ndim, "dim")
    sizes = _split_sizes("split", t.shape[d], split_size_or_sections, d)
    ends = np.cumsum(sizes).tolist()
    lead = (slice(None),) * d
    return [_getitem(t, key=(*lead, slice(e - k, e))) for k, e in zip(sizes, ends)]


def _chunk_ref(x: np.ndarray, chunks: int, dim: int = 0) -> list[np.ndarray]:
    return _split_ref(x, -(-x.shape[dim] // chunks), dim)


@composite(spec=specs.chunk_spec, ref=_chunk_ref)
def chunk(x: TensorLike, chunks: int, dim: int = 0) -> list[Tensor]:
    """Split into ``chunks`` pieces of length ``ceil(n / chunks)`` along ``dim`` (the last
    may be shorter, and there may be fewer pieces), as PyTorch's ``chunk`` does."""
    t = _tensor(x)
    d = _axis("chunk", dim, t.ndim, "dim")
    if operator.index(chunks) <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = t.shape[d]
    if n == 0:
        return split(t, [0] * chunks, d)
    return split(t, -(-n // chunks), d)
