"""Joining and splitting: ``concatenate`` (``cat``), ``stack``, ``split`` and ``chunk``.

Each join is one node in the graph whatever the number of inputs; each input's gradient is
its slab (or slice) of the output gradient. The pieces of a split are views of the input.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np.autograd import composite, primitive
from autograd_np.creation import as_tensor
from autograd_np.ops._axes import axis_or_dim, check_axis, int_tuple
from autograd_np.ops.indexing import _getitem
from autograd_np.ops.shape import reshape
from autograd_np.ops.specs import axis_of
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["cat", "chunk", "concatenate", "split", "stack"]


# ---------------------------------------------------------------------- joining
def _join_shapes(s: Sampler, *, equal: bool) -> tuple[list[tuple[int, ...]], int]:
    """1 to 4 shapes, equal (for stack) or differing only along ``axis`` (for
    concatenate), and that axis."""
    shape = s.shape(min_dims=0 if equal else 1, max_dims=3, max_side=3)
    n = s.integers(1, 4)
    if equal:
        return [shape] * n, axis_of(s, len(shape) + 1)
    axis = axis_of(s, len(shape))
    a = axis % len(shape)
    return [(*shape[:a], s.integers(1, 3), *shape[a + 1 :]) for _ in range(n)], axis


def _concatenate_spec(s: Sampler) -> Sample:
    """A variable number of arrays, one positional argument each."""
    shapes, axis = _join_shapes(s, equal=False)
    return Sample(tuple(s.array(sh) for sh in shapes), {"axis": axis})


@primitive(
    "concatenate",
    spec=_concatenate_spec,
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
        return list(as_tensor(tensors))  # numpy semantics: the rows of an array
    ts = [as_tensor(t) for t in tensors]
    if not ts:
        raise ValueError(f"{op}: expected a non-empty sequence of tensors")
    return ts


def _joined_sequence_spec(s: Sampler) -> Sample:
    """One array standing for the sequence of its rows (numpy's reading of an array passed
    to ``concatenate`` or ``stack``), with ``axis=`` or ``dim=`` valid for both."""
    shapes, axis = _join_shapes(s, equal=True)
    shape = shapes[0]
    axis = axis % max(len(shape), 1) if shape else 0
    x = s.array((len(shapes), *shape) if shape else (len(shapes), 1))
    return Sample((x,), {"dim" if s.boolean() else "axis": axis})


@composite(
    "concatenate_sequence",
    spec=_joined_sequence_spec,
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
        rows, as in numpy). Empty 1-D tensors of shape ``(0,)`` are skipped, as PyTorch
        does for any other shape (its legacy rule).
    axis : int or None, default 0
        The axis to join along (``dim`` in PyTorch); None flattens the tensors first.

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.cat([ag.zeros((2, 3)), ag.ones((1, 3))], dim=0).shape
    (3, 3)
    """
    ts = _sequence("concatenate", tensors)
    axis = axis_or_dim("concatenate", axis, dim, 0)
    legacy = [t for t in ts if t.shape == (0,)]
    if legacy and len(legacy) < len(ts):  # PyTorch skips 1-D empty tensors (legacy rule)
        ts = [t for t in ts if t.shape != (0,)]
    if axis is None:
        ts = [reshape(t, (-1,)) for t in ts]
        axis = 0
    first = ts[0]
    if first.ndim == 0:
        raise ValueError("concatenate: zero-dimensional tensors cannot be concatenated")
    a = check_axis("concatenate", axis, first.ndim)
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


def _stack_spec(s: Sampler) -> Sample:
    shapes, axis = _join_shapes(s, equal=True)
    return Sample(tuple(s.array(sh) for sh in shapes), {"axis": axis})


@primitive("stack", spec=_stack_spec, ref=lambda *xs, axis: np.stack(xs, axis=axis), saves=())
def _stack(*xs: np.ndarray, axis: int) -> np.ndarray:
    return np.stack(xs, axis=axis)


@_stack.defvjp
def _stack_vjp(g: Tensor, out: Tensor, *xs: Tensor, axis: int) -> tuple[Tensor | None, ...]:
    lead = (slice(None),) * (axis % g.ndim)  # input i gets back the slice i of the gradient
    return tuple(_getitem(g, key=(*lead, i)) if x.requires_grad else None for i, x in enumerate(xs))


@composite(
    "stack_sequence",
    spec=_joined_sequence_spec,
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
    axis = axis_or_dim("stack", axis, dim, 0)
    a = check_axis("stack", axis, ts[0].ndim + 1)
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
    sizes = list(int_tuple(op, sections, "split sizes"))
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


def _split_spec(s: Sampler) -> Sample:
    """A piece length, or piece lengths (zeros allowed) summing to the axis length."""
    shape = s.shape(min_dims=1, max_dims=3, max_side=5)
    dim = axis_of(s, len(shape))
    n = shape[dim]
    if s.boolean():
        return Sample((s.array(shape), s.integers(1, n + 1), dim))
    cuts = sorted(s.integers(0, n) for _ in range(s.integers(0, 3)))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    return Sample((s.array(shape), sizes, dim))


@composite(spec=_split_spec, ref=_split_ref)
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
    t = as_tensor(x)
    d = check_axis("split", axis_or_dim("split", dim, axis, 0), t.ndim, "dim")
    sizes = _split_sizes("split", t.shape[d], split_size_or_sections, d)
    ends = np.cumsum(sizes).tolist()
    lead = (slice(None),) * d
    return [_getitem(t, key=(*lead, slice(e - k, e))) for k, e in zip(sizes, ends)]


def _chunk_ref(x: np.ndarray, chunks: int, dim: int = 0) -> list[np.ndarray]:
    return _split_ref(x, -(-x.shape[dim] // chunks), dim)


def _chunk_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3, max_side=5)
    return Sample((s.array(shape), s.integers(1, 4), axis_of(s, len(shape))))


@composite(spec=_chunk_spec, ref=_chunk_ref)
def chunk(x: TensorLike, chunks: int, dim: int = 0) -> list[Tensor]:
    """Split into ``chunks`` pieces of length ``ceil(n / chunks)`` along ``dim`` (the last
    may be shorter, and there may be fewer pieces), as PyTorch's ``chunk`` does."""
    t = as_tensor(x)
    d = check_axis("chunk", dim, t.ndim, "dim")
    if operator.index(chunks) <= 0:
        raise ValueError(f"chunk: chunks must be positive, got {chunks}")
    n = t.shape[d]
    if n == 0:
        return split(t, [0] * chunks, d)
    return split(t, -(-n // chunks), d)
