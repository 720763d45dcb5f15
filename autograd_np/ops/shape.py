"""Shape ops: reshaping, broadcasting, repeating, permuting, flipping, rolling, padding.

They move or copy values; their VJPs move the gradient back, adding up the contributions of
values that were copied more than once (broadcast, tile, repeat, reflect padding...).
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.creation import as_tensor
from autograd_np.ops import _shape_specs as specs
from autograd_np.ops._axes import (
    axis_or_dim,
    check_axes,
    check_axis,
    check_scalar_axes,
    int_tuple,
)
from autograd_np.ops.indexing import _getitem, index_select
from autograd_np.tensor import Tensor, TensorLike

__all__ = [
    "broadcast_to",
    "expand",
    "expand_dims",
    "flatten",
    "flip",
    "moveaxis",
    "movedim",
    "pad",
    "permute",
    "repeat_interleave",
    "reshape",
    "roll",
    "squeeze",
    "swapaxes",
    "tile",
    "transpose",
    "unsqueeze",
    "view",
]

Axes = int | Sequence[int] | None


# ---------------------------------------------------------------------- reshape
@primitive("reshape", spec=specs.reshape_spec, ref=lambda x, shape: np.reshape(x, shape), saves=())
def _reshape(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
    return np.reshape(x, shape)


@_reshape.defvjp
def _reshape_vjp(g: Tensor, out: Tensor, x: Tensor, *, shape: tuple[int, ...]) -> Tensor:
    return _reshape(g, shape=x.shape)  # reshape back


@_reshape.expose
def reshape(x: TensorLike, shape: int | Sequence[int]) -> Tensor:
    """The same values in a new shape (one entry may be -1, inferred).

    Parameters
    ----------
    shape : int or tuple of int
        The new shape; its product must equal ``x.numel()``.
    """
    t = as_tensor(x)
    new = int_tuple("reshape", shape, "shape entries")
    known = int(np.prod([n for n in new if n != -1]))
    if (
        new.count(-1) > 1
        or any(n < -1 for n in new)
        or (-1 not in new and known != t.array.size)
        or (-1 in new and (known == 0 or t.array.size % known))
    ):
        raise ValueError(
            f"reshape: cannot reshape a tensor of shape {t.shape} ({t.array.size} elements) "
            f"into shape {new}"
        )
    if new == t.shape:
        return t
    return _reshape(t, shape=new)


view = reshape


def _flatten_ref(x: np.ndarray, start_dim: int = 0, end_dim: int = -1) -> np.ndarray:
    if x.ndim == 0:
        return x.reshape(1)
    a, b = start_dim % x.ndim, end_dim % x.ndim
    return x.reshape((*x.shape[:a], -1, *x.shape[b + 1 :]))


@composite(spec=specs.flatten_spec, ref=_flatten_ref)
def flatten(x: TensorLike, start_dim: int = 0, end_dim: int = -1) -> Tensor:
    """Merge the dimensions ``start_dim`` to ``end_dim`` (inclusive) into one (PyTorch).

    A 0-d tensor becomes a 1-D tensor of one element.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.flatten(ag.zeros((2, 3, 4)), 1).shape
    (2, 12)
    """
    t = as_tensor(x)
    nd = max(t.ndim, 1)
    a = check_axis("flatten", start_dim, nd, "start_dim")
    b = check_axis("flatten", end_dim, nd, "end_dim")
    if a > b:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    if t.ndim == 0:
        return reshape(t, (1,))
    return reshape(t, (*t.shape[:a], int(np.prod(t.shape[a : b + 1])), *t.shape[b + 1 :]))


def _squeeze_ref(x: np.ndarray, axis: Axes = None, *, dim: Axes = None) -> np.ndarray:
    axis = axis if dim is None else dim
    axes = range(x.ndim) if axis is None else np.atleast_1d(axis) % max(x.ndim, 1)
    return np.squeeze(x, axis=tuple(int(a) for a in axes if x.shape[a] == 1))


@composite(spec=specs.squeeze_spec, ref=_squeeze_ref)
def squeeze(x: TensorLike, axis: Axes = None, *, dim: Axes = None) -> Tensor:
    """Remove dimensions of length 1: all of them, or those in ``axis`` (``dim``).

    As in PyTorch, naming a dimension whose length is not 1 leaves it in place (numpy would
    raise).
    """
    t = as_tensor(x)
    axis = axis_or_dim("squeeze", axis, dim, None)
    if axis is None:
        axes: tuple[int, ...] = tuple(range(t.ndim))
    elif t.ndim == 0:
        check_axes("squeeze", axis, 1, "dim")  # PyTorch accepts dim 0 or -1 on a 0-d tensor
        return t
    else:
        axes = check_axes("squeeze", axis, t.ndim, "dim")
    return reshape(t, tuple(n for a, n in enumerate(t.shape) if not (a in axes and n == 1)))


@composite(spec=specs.unsqueeze_spec, ref=np.expand_dims)
def unsqueeze(x: TensorLike, dim: int) -> Tensor:
    """Insert a dimension of length 1 at ``dim`` (in ``[-x.ndim - 1, x.ndim]``)."""
    t = as_tensor(x)
    d = check_axis("unsqueeze", dim, t.ndim + 1, "dim")
    return reshape(t, (*t.shape[:d], 1, *t.shape[d:]))


@composite(spec=specs.expand_dims_spec, ref=np.expand_dims)
def expand_dims(x: TensorLike, axis: int | Sequence[int]) -> Tensor:
    """Insert dimensions of length 1 at the positions ``axis`` of the result (numpy)."""
    t = as_tensor(x)
    n_new = len(axis) if isinstance(axis, (tuple, list)) else 1
    axes = check_axes("expand_dims", axis, t.ndim + n_new)
    it = iter(t.shape)
    return reshape(t, tuple(1 if a in axes else next(it) for a in range(t.ndim + n_new)))


# ---------------------------------------------------------------------- broadcasting
@primitive(
    "broadcast_to",
    spec=specs.broadcast_to_spec,
    ref=lambda x, shape: np.broadcast_to(x, shape),
    saves=(),
)
def _broadcast_to(x: np.ndarray, *, shape: tuple[int, ...]) -> np.ndarray:
    return np.broadcast_to(x, shape)


@_broadcast_to.defvjp
def _broadcast_to_vjp(g: Tensor, out: Tensor, x: Tensor, *, shape: tuple[int, ...]) -> Tensor:
    return g  # the engine sums the gradient back over the broadcast axes


@_broadcast_to.expose
def broadcast_to(x: TensorLike, shape: Sequence[int]) -> Tensor:
    """A read-only view of ``x`` broadcast to ``shape`` (numpy rules).

    Raises ``ValueError`` naming both shapes when they are not compatible.
    """
    t = as_tensor(x)
    target = int_tuple("broadcast_to", shape, "shape entries")
    if target == t.shape:
        return t
    try:
        ok = np.broadcast_shapes(t.shape, target) == target
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"broadcast_to: cannot broadcast shape {t.shape} to {target}")
    return _broadcast_to(t, shape=target)


def _expand_ref(x: np.ndarray, *sizes: Any) -> np.ndarray:
    if len(sizes) == 1 and isinstance(sizes[0], tuple):
        sizes = sizes[0]
    lead = len(sizes) - x.ndim
    shape = tuple(x.shape[a - lead] if n == -1 else n for a, n in enumerate(sizes))
    return np.broadcast_to(x, shape)


@composite(spec=specs.expand_spec, ref=_expand_ref)
def expand(x: TensorLike, *sizes: int | Sequence[int]) -> Tensor:
    """Broadcast ``x`` to ``sizes`` (PyTorch's ``expand``): ``-1`` keeps a dimension, new
    dimensions may be added in front, and only dimensions of length 1 can grow.

    Accepts ``expand(x, 2, 3)`` and ``expand(x, (2, 3))``.
    """
    t = as_tensor(x)
    raw = sizes[0] if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)) else sizes
    want = int_tuple("expand", raw, "sizes")
    lead = len(want) - t.ndim
    if lead < 0:
        raise ValueError(
            f"expand: got {len(want)} sizes {want} for a tensor with {t.ndim} dimensions "
            f"(shape {t.shape}); give at least one size per dimension"
        )
    shape = []
    for a, n in enumerate(want):
        if a < lead:
            if n < 0:
                raise ValueError(f"expand: size {n} is not allowed for new leading dimension {a}")
            shape.append(n)
            continue
        have = t.shape[a - lead]
        if n == -1:
            n = have
        if n != have and have != 1:
            raise ValueError(
                f"expand: size {n} must match the existing size {have} at non-singleton "
                f"dimension {a}; target sizes {want}, tensor shape {t.shape}"
            )
        shape.append(n)
    return broadcast_to(t, tuple(shape))


@composite(spec=specs.tile_spec, ref=np.tile)
def tile(x: TensorLike, reps: int | Sequence[int]) -> Tensor:
    """Repeat the whole of ``x`` ``reps[i]`` times along each axis (numpy's ``tile``;
    PyTorch's ``Tensor.repeat``). Shorter ``reps`` are padded with 1s in front; longer ones
    add leading dimensions to ``x``.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.tile(ag.tensor([1.0, 2.0]), 2)
    tensor([1., 2., 1., 2.])
    """
    t = as_tensor(x)
    r = int_tuple("tile", reps, "reps")
    if any(n < 0 for n in r):
        raise ValueError(f"tile: reps must be non-negative, got {r}")
    nd = max(len(r), t.ndim)
    r = (1,) * (nd - len(r)) + r
    shape = (1,) * (nd - t.ndim) + t.shape
    # (n0, n1, ...) -> (1, n0, 1, n1, ...) -> (r0, n0, r1, n1, ...) -> (r0*n0, r1*n1, ...)
    pairs = reshape(t, tuple(v for n in shape for v in (1, n)))
    spread = broadcast_to(pairs, tuple(v for k, n in zip(r, shape) for v in (k, n)))
    return reshape(spread, tuple(k * n for k, n in zip(r, shape)))


@composite(
    spec=specs.repeat_interleave_spec, ref=lambda x, repeats, axis: np.repeat(x, repeats, axis=axis)
)
def repeat_interleave(
    x: TensorLike,
    repeats: int | Sequence[int] | TensorLike,
    axis: int | None = None,
    *,
    dim: int | None = None,
) -> Tensor:
    """Repeat each element ``repeats`` times (numpy's ``repeat``; PyTorch's
    ``repeat_interleave``), along ``axis`` (``dim``) or over the flattened input.

    ``repeats`` is an int or one count per element along the axis.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.repeat_interleave(ag.tensor([1.0, 2.0]), [1, 2])
    tensor([1., 2., 2.])
    """
    t = as_tensor(x)
    axis = axis_or_dim("repeat_interleave", axis, dim, None)
    if axis is None:
        t = reshape(t, (-1,))
        axis = 0
    a = check_axis("repeat_interleave", axis, t.ndim, "dim")
    counts = np.asarray(repeats.array if isinstance(repeats, Tensor) else repeats)
    if counts.dtype.kind not in "iu" or counts.ndim > 1 or (counts < 0).any():
        raise ValueError(f"repeat_interleave: repeats must be non-negative ints, got {repeats!r}")
    if counts.ndim == 1 and counts.size not in (1, t.shape[a]):
        raise ValueError(
            f"repeat_interleave: got {counts.size} repeats for dimension {a} of length "
            f"{t.shape[a]}; give one per element (or a single int)"
        )
    return index_select(t, a, np.repeat(np.arange(t.shape[a]), counts))


# ---------------------------------------------------------------------- permuting axes
@primitive(
    "transpose", spec=specs.transpose_spec, ref=lambda x, axes: np.transpose(x, axes), saves=()
)
def _transpose(x: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
    return np.transpose(x, axes)


@_transpose.defvjp
def _transpose_vjp(g: Tensor, out: Tensor, x: Tensor, *, axes: tuple[int, ...]) -> Tensor:
    return _transpose(g, axes=tuple(np.argsort(axes).tolist()))  # the inverse permutation


@_transpose.expose
def transpose(
    x: TensorLike, axes: Sequence[int] | int | None = None, dim1: int | None = None
) -> Tensor:
    """Permute the axes (numpy's ``transpose``); reverse them when ``axes`` is None.

    ``transpose(x, d0, d1)`` with two ints is PyTorch's two-axis swap (:func:`swapaxes`;
    on a 0-d tensor dims 0 and -1 are accepted and it is the identity).
    """
    if dim1 is not None or isinstance(axes, (int, np.integer)):
        if dim1 is None:
            raise TypeError("transpose: give two dims to swap, or a permutation of all axes")
        return swapaxes(x, operator.index(axes), dim1)  # type: ignore[arg-type]
    t = as_tensor(x)
    nd = t.ndim
    if axes is None:
        perm = tuple(range(nd - 1, -1, -1))
    else:
        perm = check_axes("transpose", tuple(axes), nd)
        if len(perm) != nd:
            raise ValueError(
                f"transpose: axes {tuple(axes)} are not a permutation of the {nd} dimensions"
            )
    if perm == tuple(range(nd)):
        return t
    return _transpose(t, axes=perm)


@composite(spec=specs.permute_spec, ref=lambda x, dims: np.transpose(x, dims))
def permute(x: TensorLike, dims: Sequence[int]) -> Tensor:
    """Permute the dimensions (PyTorch's name for numpy's ``transpose(x, axes)``)."""
    return transpose(x, dims)


@composite(spec=specs.swapaxes_spec, ref=np.swapaxes)
def swapaxes(x: TensorLike, axis1: int, axis2: int) -> Tensor:
    """Swap two axes (PyTorch's ``transpose(x, dim0, dim1)``)."""
    t = as_tensor(x)
    if t.ndim == 0:  # dims 0 and -1 of a 0-d tensor, as in PyTorch: the identity
        check_scalar_axes("swapaxes", (axis1, axis2))
        return t
    a, b = check_axis("swapaxes", axis1, t.ndim), check_axis("swapaxes", axis2, t.ndim)
    perm = list(range(t.ndim))
    perm[a], perm[b] = perm[b], perm[a]
    return transpose(t, perm)


@composite(spec=specs.moveaxis_spec, ref=np.moveaxis)
def moveaxis(
    x: TensorLike, source: int | Sequence[int], destination: int | Sequence[int]
) -> Tensor:
    """Move axes ``source`` to positions ``destination``, keeping the order of the others
    (numpy's ``moveaxis``, PyTorch's ``movedim``)."""
    t = as_tensor(x)
    if t.ndim == 0:  # dims 0 and -1 of a 0-d tensor, as in PyTorch: the identity
        check_scalar_axes("moveaxis", source, "source")
        check_scalar_axes("moveaxis", destination, "destination")
        return t
    src = check_axes("moveaxis", source, t.ndim, "source")
    dst = check_axes("moveaxis", destination, t.ndim, "destination")
    if len(src) != len(dst):
        raise ValueError(
            f"moveaxis: source {source!r} and destination {destination!r} differ in length"
        )
    rest = iter(a for a in range(t.ndim) if a not in src)
    placed = dict(zip(dst, src))
    return transpose(t, [placed[d] if d in placed else next(rest) for d in range(t.ndim)])


movedim = moveaxis


# ---------------------------------------------------------------------- flip, roll
@primitive(
    "flip",
    spec=specs.flip_spec,
    ref=lambda x, axis=None, dims=None: np.flip(x, axis if dims is None else dims),
    saves=(),
)
def _flip(x: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
    return np.flip(x, axes).copy()


@_flip.defvjp
def _flip_vjp(g: Tensor, out: Tensor, x: Tensor, *, axes: tuple[int, ...]) -> Tensor:
    return _flip(g, axes=axes)  # flipping is its own inverse


@_flip.expose
def flip(x: TensorLike, axis: Axes = None, *, dims: Axes = None) -> Tensor:
    """Reverse the order of the elements along ``axis`` (``dims``); along every axis when
    both are None (numpy). Returns a copy, as PyTorch does."""
    t = as_tensor(x)
    axis = axis_or_dim("flip", axis, dims, None)
    if t.ndim == 0 and axis is not None:  # dims 0 and -1 of a 0-d tensor, as in PyTorch
        check_scalar_axes("flip", axis)
        return t
    axes = tuple(range(t.ndim)) if axis is None else check_axes("flip", axis, t.ndim)
    return _flip(t, axes=axes) if axes else t


@primitive(
    "roll",
    spec=specs.roll_spec,
    ref=lambda x, shifts, axis=None, dims=None: np.roll(x, shifts, axis if dims is None else dims),
    saves=(),
)
def _roll(x: np.ndarray, *, shifts: Any, axes: Any) -> np.ndarray:
    return np.roll(x, shifts, axes)


@_roll.defvjp
def _roll_vjp(g: Tensor, out: Tensor, x: Tensor, *, shifts: Any, axes: Any) -> Tensor:
    back = -shifts if isinstance(shifts, int) else tuple(-k for k in shifts)
    return _roll(g, shifts=back, axes=axes)  # roll the gradient back


@_roll.expose
def roll(
    x: TensorLike, shifts: int | Sequence[int], axis: Axes = None, *, dims: Axes = None
) -> Tensor:
    """Shift the elements cyclically by ``shifts`` along ``axis`` (``dims``), or over the
    flattened tensor when both are None (numpy's and PyTorch's ``roll``)."""
    t = as_tensor(x)
    axis = axis_or_dim("roll", axis, dims, None)
    if axis is None:
        return _roll(t, shifts=operator.index(shifts), axes=None)  # type: ignore[arg-type]
    axes = tuple(check_axis("roll", a, t.ndim) for a in int_tuple("roll", axis, "axes"))
    k = int_tuple("roll", shifts, "shifts")
    if len(k) != len(axes):
        raise ValueError(f"roll: got {len(k)} shifts for {len(axes)} axes {axis!r}")
    return _roll(t, shifts=k, axes=axes)


# ---------------------------------------------------------------------- padding
_PAD_MODES = {
    "constant": "constant",
    "reflect": "reflect",
    "symmetric": "symmetric",
    "edge": "edge",
    "replicate": "edge",
    "wrap": "wrap",
    "circular": "wrap",
}


def _pad_widths(pad_width: Any, ndim: int) -> tuple[tuple[int, int], ...]:
    """numpy's pad_width (an int, one (before, after) pair, or a pair per axis) as pairs."""
    arr = np.asarray(pad_width)
    if arr.dtype.kind not in "iu":
        raise TypeError(f"pad: pad_width must hold ints, got {pad_width!r}")
    try:
        pairs = np.broadcast_to(arr, (ndim, 2)) if arr.ndim <= 2 else None
    except ValueError:
        pairs = None
    if pairs is None:
        raise ValueError(
            f"pad: pad_width {pad_width!r} does not fit a tensor with {ndim} dimensions; give "
            "an int, a (before, after) pair, or one pair per dimension"
        )
    if (pairs < 0).any():
        raise ValueError(f"pad: pad widths must be non-negative, got {pad_width!r}")
    return tuple((int(b), int(a)) for b, a in pairs)


def _pad_source(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """For each position of a padded axis, the input position its value comes from."""
    i = np.arange(-before, n + after)
    if mode == "edge":
        return np.clip(i, 0, n - 1)
    if mode == "wrap":
        return i % n
    if mode == "symmetric":  # period 2n: ... 1 0 | 0 1 ... n-1 | n-1 n-2 ...
        m = i % (2 * n)
        return np.where(m < n, m, 2 * n - 1 - m)
    if n == 1:  # reflect: period 2(n-1): ... 2 1 | 0 1 ... n-1 | n-2 ...
        return np.zeros_like(i)
    m = i % (2 * (n - 1))
    return np.where(m < n, m, 2 * (n - 1) - m)


@primitive(
    "pad_constant",
    spec=specs.pad_constant_spec,
    ref=lambda x, widths, value: np.pad(x, widths, constant_values=value),
    saves=(),
)
def _pad_constant(x: np.ndarray, *, widths: tuple[tuple[int, int], ...], value: Any) -> np.ndarray:
    if x.ndim == 0:  # numpy cannot pad a 0-d array; there is nothing to pad
        return x.copy()
    return np.pad(x, widths, mode="constant", constant_values=value)


@_pad_constant.defvjp
def _pad_constant_vjp(
    g: Tensor, out: Tensor, x: Tensor, *, widths: tuple[tuple[int, int], ...], value: Any
) -> Tensor:
    # the padding is constant: only the interior of g flows back
    return _getitem(g, key=tuple(slice(b, b + n) for (b, _), n in zip(widths, x.shape)))


def _pad_ref(x: np.ndarray, pad_width: Any, mode: str = "constant", **kw: Any) -> np.ndarray:
    return np.pad(x, pad_width, mode=_PAD_MODES[mode], **kw)  # type: ignore[call-overload]


@composite(spec=specs.pad_spec, ref=_pad_ref)
def pad(
    x: TensorLike, pad_width: Any, mode: str = "constant", *, constant_values: Any = 0
) -> Tensor:
    """Pad a tensor (numpy's ``pad``, with its ``pad_width`` conventions).

    Parameters
    ----------
    pad_width : int or sequence
        An int for every side, one ``(before, after)`` pair for every axis, or one pair per
        axis.
    mode : str, default "constant"
        ``"constant"``; ``"reflect"`` (mirror without repeating the edge); ``"symmetric"``
        (mirror repeating it); ``"edge"`` or PyTorch's ``"replicate"`` (repeat the edge);
        ``"wrap"`` or PyTorch's ``"circular"`` (periodic). Widths larger than the axis
        repeat the pattern, as numpy does.
    constant_values : float or sequence, default 0
        The fill of ``"constant"`` mode (numpy's per-axis pairs work too).

    Returns
    -------
    Tensor
        The padded tensor. The gradient of a padded copy adds back onto the element it
        copies.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.pad(ag.tensor([1.0, 2.0, 3.0]), (2, 1), "reflect")
    tensor([3., 2., 1., 2., 3., 2.])
    """
    t = as_tensor(x)
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: unknown mode {mode!r}; expected one of {sorted(_PAD_MODES)}")
    widths = _pad_widths(pad_width, t.ndim)
    kind = _PAD_MODES[mode]
    if kind == "constant":
        return _pad_constant(t, widths=widths, value=constant_values)
    if not (isinstance(constant_values, (int, float)) and constant_values == 0):
        raise ValueError(f"pad: constant_values only applies to mode 'constant', not {mode!r}")
    for a, (before, after) in enumerate(widths):
        if before == 0 and after == 0:
            continue
        if t.shape[a] == 0:
            raise ValueError(f"pad: cannot pad the empty axis {a} with mode {mode!r}")
        # a gather along the axis; its VJP adds the copies back onto their sources
        source = _pad_source(t.shape[a], before, after, kind)
        t = _getitem(t, key=(slice(None),) * a + (source,))
    return t
