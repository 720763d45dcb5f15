"""Sample specifications shared by many ops: how the property tests draw valid inputs.

A specification is a function ``spec(sampler) -> Sample``; these builders make the common
ones. They only describe what to draw; ``autograd_np.testing`` does the drawing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from autograd_np.function import Sample, Sampler, SampleSpec
from autograd_np.ops._axes import normalize_axes

__all__ = ["along_axis", "binary", "reduction", "unary"]


def unary(
    *,
    low: float = -2.0,
    high: float = 2.0,
    avoid: Sequence[float] = (),
    unique: bool = False,
    max_dims: int = 3,
    **options: Any,
) -> SampleSpec:
    """One array of any small shape with values in ``[low, high]``, away from ``avoid``."""

    def spec(s: Sampler) -> Sample:
        shape = s.shape(max_dims=max_dims)
        x = s.array(shape, low=low, high=high, avoid=avoid, unique=unique)
        return Sample((x,), dict(options))

    return spec


def binary(
    *,
    low: float = -2.0,
    high: float = 2.0,
    low2: float | None = None,
    high2: float | None = None,
    avoid: Sequence[float] = (),
    avoid2: Sequence[float] = (),
    **options: Any,
) -> SampleSpec:
    """Two arrays of mutually broadcastable shapes (the second's bounds may differ)."""

    def spec(s: Sampler) -> Sample:
        sx, sy = s.broadcastable_shapes(2)
        x = s.array(sx, low=low, high=high, avoid=avoid)
        lo2 = low if low2 is None else low2
        hi2 = high if high2 is None else high2
        y = s.array(sy, low=lo2, high=hi2, avoid=avoid2)
        return Sample((x, y), dict(options))

    return spec


def reduction(
    *,
    low: float = -2.0,
    high: float = 2.0,
    unique: bool = False,
    avoid: Sequence[float] = (),
    multi_axis: bool = True,
    allow_none: bool = True,
    min_dims: int = 1,
    signed_magnitudes: bool = False,
    tuple_axes: bool = False,
    options: Callable[[Sampler, tuple[int, ...], Any], dict[str, Any]] | None = None,
) -> SampleSpec:
    """One array plus ``axis`` (an int, a tuple of ints, or None) and ``keepdims``.

    ``signed_magnitudes`` draws magnitudes in ``[low, high]`` (``0 < low``), pairwise well
    apart when ``unique``, with random signs: no zeros and no ties of ``|x|``.
    ``tuple_axes`` gives ``axis`` as a sorted tuple of non-negative ints, the form
    reduction primitives take behind their public function. ``options``,
    called as ``options(sampler, shape, axis)``, adds op-specific keyword options.
    """

    def spec(s: Sampler) -> Sample:
        shape = s.shape(min_dims=min_dims, max_dims=3)
        x = s.array(shape, low=low, high=high, unique=unique, avoid=avoid)
        if signed_magnitudes:
            x = x * (2 * s.int_array(shape, 0, 1) - 1)
        ndim = len(shape)
        kind = s.choice(["none", "int", "tuple"] if multi_axis else ["none", "int"])
        axis: Any = None
        if (kind == "none" and allow_none) or ndim == 0:
            axis = None if allow_none else 0
        elif kind == "int" or not multi_axis:
            axis = s.integers(-ndim, ndim - 1)
        else:
            axis = tuple(i for i in range(ndim) if s.boolean()) or (0,)
        if tuple_axes:
            axis = normalize_axes("spec", axis, ndim)
        kwargs = {"axis": axis, "keepdims": s.boolean()}
        if options is not None:
            kwargs.update(options(s, shape, axis))
        return Sample((x,), kwargs)

    return spec


def along_axis(
    *,
    low: float = -2.0,
    high: float = 2.0,
    avoid: Sequence[float] = (),
    options: Callable[[Sampler, tuple[int, ...], int], dict[str, Any]] | None = None,
) -> SampleSpec:
    """One array (at least 1-d) and a single ``axis`` int, for scans like ``cumsum``."""

    def spec(s: Sampler) -> Sample:
        shape = s.shape(min_dims=1, max_dims=3)
        x = s.array(shape, low=low, high=high, avoid=avoid)
        axis = s.integers(-len(shape), len(shape) - 1)
        kwargs: dict[str, Any] = {"axis": axis}
        if options is not None:
            kwargs.update(options(s, shape, axis))
        return Sample((x,), kwargs)

    return spec


# ---------------------------------------------------------------------- shape, indexing, linalg
# One specification per op of autograd_np.ops.shape, autograd_np.ops.indexing and
# autograd_np.ops.linalg (each draws valid arguments for that op's public signature).


def _size(shape: Sequence[int]) -> int:
    n = 1
    for k in shape:
        n *= k
    return n


def _axis_of(s: Sampler, ndim: int) -> int:
    """A valid axis of an ``ndim``-dimensional array, negative or not."""
    return s.integers(-ndim, ndim - 1)


def reshape_spec(s: Sampler) -> Sample:
    """An array and a random factorisation of its size, possibly with a -1."""
    shape = s.shape(max_dims=3)
    dims: list[int] = []
    rest = _size(shape)
    while rest > 1 and len(dims) < 3:
        f = s.choice([d for d in range(1, rest + 1) if rest % d == 0])
        dims.append(f)
        rest //= f
    dims.append(rest)
    if s.boolean():
        dims[s.integers(0, len(dims) - 1)] = -1
    return Sample((s.array(shape),), {"shape": tuple(dims)})


def flatten_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=4)
    nd = max(len(shape), 1)
    a, b = sorted((s.integers(0, nd - 1), s.integers(0, nd - 1)))
    return Sample((s.array(shape), a - nd * s.integers(0, 1), b - nd * s.integers(0, 1)))


def squeeze_spec(s: Sampler) -> Sample:
    """Shapes with 1s; no axis, an int, a tuple (with non-1 axes: no-ops), or ``dim=``."""
    shape = s.shape(max_dims=4, max_side=2)
    nd = len(shape)
    kind = s.choice(["none", "int", "tuple", "dim"] if nd else ["none"])
    if kind == "none":
        return Sample((s.array(shape),))
    axis: Any = _axis_of(s, nd)
    if kind == "tuple":
        axis = tuple(a for a in range(nd) if s.boolean())
    if kind == "dim":
        return Sample((s.array(shape),), {"dim": axis})
    return Sample((s.array(shape), axis))


def unsqueeze_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    return Sample((s.array(shape), s.integers(-len(shape) - 1, len(shape))))


def expand_dims_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    nd = len(shape)
    axes = sorted({s.integers(0, nd + 1) for _ in range(2)})
    if len(axes) == 1 or s.boolean():
        return Sample((s.array(shape), axes[0] % (nd + 1) - (nd + 1) * s.integers(0, 1)))
    return Sample((s.array(shape), tuple(axes)))


def broadcast_to_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    lead = tuple(s.integers(1, 3) for _ in range(s.integers(0, 2)))
    target = lead + tuple(n if n != 1 else s.integers(1, 3) for n in shape)
    return Sample((s.array(shape),), {"shape": target})


def expand_spec(s: Sampler) -> Sample:
    """PyTorch's sizes, with -1 for kept dimensions, unpacked or as one tuple."""
    sample = broadcast_to_spec(s)
    x, shape = sample.args[0], sample.kwargs["shape"]
    lead = len(shape) - x.ndim
    keep = [a >= lead and x.shape[a - lead] == n and s.boolean() for a, n in enumerate(shape)]
    sizes = tuple(-1 if k else n for k, n in zip(keep, shape))
    return Sample((x, *sizes) if s.boolean() else (x, sizes))


def tile_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3, max_side=3)
    reps = tuple(s.integers(1, 3) for _ in range(s.integers(0, len(shape) + 1)))
    return Sample((s.array(shape), reps if len(reps) != 1 or s.boolean() else reps[0]))


def repeat_interleave_spec(s: Sampler) -> Sample:
    """An int or per-element repeats (zeros included), along an axis or flattened."""
    shape = s.shape(max_dims=3, max_side=3)
    axis = None if not shape or s.boolean() else _axis_of(s, len(shape))
    n = _size(shape) if axis is None else shape[axis]
    repeats: Any = s.integers(0, 3) if s.boolean() else s.int_array((n,), 0, 3)
    return Sample((s.array(shape), repeats), {"axis": axis})


def transpose_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=4)
    perm = list(range(len(shape)))
    for i in range(len(perm) - 1, 0, -1):
        j = s.integers(0, i)
        perm[i], perm[j] = perm[j], perm[i]
    return Sample((s.array(shape),), {"axes": tuple(perm)})


def permute_spec(s: Sampler) -> Sample:
    sample = transpose_spec(s)
    return Sample(sample.args, {"dims": sample.kwargs["axes"]})


def swapaxes_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=4)
    return Sample((s.array(shape), _axis_of(s, len(shape)), _axis_of(s, len(shape))))


def moveaxis_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=4)
    nd = len(shape)
    if s.boolean():
        return Sample((s.array(shape), _axis_of(s, nd), _axis_of(s, nd)))
    src = tuple(a for a in range(nd) if s.boolean())
    dst = tuple(reversed(src)) if s.boolean() else tuple(range(len(src)))
    return Sample((s.array(shape), src, dst))


def flip_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    nd = len(shape)
    kind = s.choice(["none", "int", "tuple", "dims"] if nd else ["none"])
    if kind == "none":
        return Sample((s.array(shape),))
    axes: Any = tuple(a - nd * s.integers(0, 1) for a in range(nd) if s.boolean())
    if kind == "int":
        axes = _axis_of(s, nd)
    return Sample((s.array(shape),), {"dims" if kind == "dims" else "axis": axes})


def roll_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    nd = len(shape)
    if not nd or s.boolean():
        return Sample((s.array(shape), s.integers(-5, 5)))
    axes = tuple(a for a in range(nd) if s.boolean()) or (0,)
    shifts = tuple(s.integers(-5, 5) for _ in axes)
    return Sample((s.array(shape), shifts), {"dims" if s.boolean() else "axis": axes})


def pad_constant_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3, max_side=3)
    widths = tuple((s.integers(0, 2), s.integers(0, 2)) for _ in shape)
    return Sample((s.array(shape),), {"widths": widths, "value": s.floats(-1.0, 1.0)})


def pad_spec(s: Sampler) -> Sample:
    """Every mode and spelling; widths up to 3 on sides of length 1 to 3, so reflections
    and wraps repeat (numpy's behaviour for wide pads)."""
    shape = s.shape(min_dims=1, max_dims=3, max_side=3)
    modes = ["circular", "constant", "edge", "reflect", "replicate", "symmetric", "wrap"]
    mode = s.choice(modes)
    kind = s.choice(["int", "pair", "pairs"])
    width: Any = s.integers(0, 3)
    if kind == "pair":
        width = (s.integers(0, 3), s.integers(0, 3))
    elif kind == "pairs":
        width = tuple((s.integers(0, 3), s.integers(0, 3)) for _ in shape)
    if mode == "constant" and s.boolean():
        return Sample((s.array(shape), width, mode), {"constant_values": s.floats(-1.0, 1.0)})
    return Sample((s.array(shape), width, mode))


def _join_shapes(s: Sampler, *, equal: bool) -> tuple[list[tuple[int, ...]], int]:
    """1 to 4 shapes, equal (for stack) or differing only along ``axis`` (for
    concatenate), and that axis."""
    shape = s.shape(min_dims=0 if equal else 1, max_dims=3, max_side=3)
    n = s.integers(1, 4)
    if equal:
        return [shape] * n, _axis_of(s, len(shape) + 1)
    axis = _axis_of(s, len(shape))
    a = axis % len(shape)
    return [(*shape[:a], s.integers(1, 3), *shape[a + 1 :]) for _ in range(n)], axis


def concatenate_spec(s: Sampler) -> Sample:
    """A variable number of arrays, one positional argument each."""
    shapes, axis = _join_shapes(s, equal=False)
    return Sample(tuple(s.array(sh) for sh in shapes), {"axis": axis})


def stack_spec(s: Sampler) -> Sample:
    shapes, axis = _join_shapes(s, equal=True)
    return Sample(tuple(s.array(sh) for sh in shapes), {"axis": axis})


def joined_sequence_spec(s: Sampler) -> Sample:
    """One array standing for the sequence of its rows (numpy's reading of an array passed
    to ``concatenate`` or ``stack``), with ``axis=`` or ``dim=`` valid for both."""
    shapes, axis = _join_shapes(s, equal=True)
    shape = shapes[0]
    axis = axis % max(len(shape), 1) if shape else 0
    x = s.array((len(shapes), *shape) if shape else (len(shapes), 1))
    return Sample((x,), {"dim" if s.boolean() else "axis": axis})


def split_spec(s: Sampler) -> Sample:
    """A piece length, or piece lengths (zeros allowed) summing to the axis length."""
    shape = s.shape(min_dims=1, max_dims=3, max_side=5)
    dim = _axis_of(s, len(shape))
    n = shape[dim]
    if s.boolean():
        return Sample((s.array(shape), s.integers(1, n + 1), dim))
    cuts = sorted(s.integers(0, n) for _ in range(s.integers(0, 3)))
    sizes = [b - a for a, b in zip([0, *cuts], [*cuts, n])]
    return Sample((s.array(shape), sizes, dim))


def chunk_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3, max_side=5)
    return Sample((s.array(shape), s.integers(1, 4), _axis_of(s, len(shape))))


def getitem_spec(s: Sampler) -> Sample:
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


def index_add_into_zeros_spec(s: Sampler) -> Sample:
    """The gradient of a getitem sample, scattered back into zeros of the input's shape."""
    sample = getitem_spec(s)
    x = sample.args[0]
    key = sample.kwargs["key"]
    return Sample((s.array(x[key].shape),), {"key": key, "shape": x.shape})


def gather_spec(s: Sampler) -> Sample:
    """PyTorch's gather: the index may be smaller than the input outside ``dim``."""
    shape = s.shape(min_dims=1, max_dims=3)
    nd = len(shape)
    dim = _axis_of(s, nd)
    ishape = tuple(
        s.integers(1, 5) if a == dim % nd else s.integers(1, n) for a, n in enumerate(shape)
    )
    return Sample((s.array(shape), dim, s.int_array(ishape, 0, shape[dim] - 1)))


def scatter_add_spec(s: Sampler) -> Sample:
    x, dim, index = gather_spec(s).args
    return Sample((s.array(index.shape),), {"dim": dim % x.ndim, "index": index, "shape": x.shape})


def take_along_axis_spec(s: Sampler) -> Sample:
    """numpy's take_along_axis: negative indices, and broadcasting both ways outside the
    axis (x or the indices of length 1 there)."""
    shape = s.shape(min_dims=1, max_dims=3)
    nd = len(shape)
    axis = _axis_of(s, nd)
    n = shape[axis]
    xshape = list(shape)
    ishape = list(shape)
    for a in range(nd):
        if a != axis % nd and s.boolean():
            (xshape if s.boolean() else ishape)[a] = 1
    ishape[axis] = s.integers(1, 5)
    return Sample((s.array(xshape), s.int_array(ishape, -n, n - 1), axis))


def index_select_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=3)
    dim = _axis_of(s, len(shape))
    index = s.int_array((s.integers(1, 5),), 0, shape[dim] - 1)
    return Sample((s.array(shape), dim, index))


def matmul_spec(s: Sampler) -> Sample:
    """Matrix-matrix, matrix-vector, vector-matrix, vector-vector and broadcast batches."""
    m, k, n = s.integers(1, 4), s.integers(1, 4), s.integers(1, 4)
    kind = s.choice(["mm", "mv", "vm", "vv", "batch", "batch_v"])
    a: tuple[int, ...]
    b: tuple[int, ...]
    if kind == "mm":
        a, b = (m, k), (k, n)
    elif kind == "mv":
        a, b = (m, k), (k,)
    elif kind == "vm":
        a, b = (k,), (k, n)
    elif kind == "vv":
        a, b = (k,), (k,)
    elif kind == "batch_v":
        a, b = ((2, m, k), (k,)) if s.boolean() else ((k,), (2, k, n))
    else:
        b1, b2 = s.choice([(2, 2), (2, 1), (1, 2)])
        a, b = (b1, m, k), (b2, k, n)
        if s.boolean():
            b = (k, n)
    return Sample((s.array(a), s.array(b)))


def dot_spec(s: Sampler) -> Sample:
    """numpy's dot: scalars, vectors, matrices, and N-d (last axis with second-to-last)."""
    m, k, n = s.integers(1, 3), s.integers(1, 3), s.integers(1, 3)
    a, b = s.choice(
        [
            ((k,), (k,)),
            ((m, k), (k,)),
            ((k,), (k, n)),
            ((m, k), (k, n)),
            ((), (m, k)),
            ((m, k), ()),
            ((2, m, k), (k,)),
            ((2, m, k), (k, n)),
            ((m, k), (2, k, n)),
        ]
    )
    return Sample((s.array(a), s.array(b)))


def outer_spec(s: Sampler) -> Sample:
    """Any two small arrays (numpy flattens them)."""
    return Sample((s.array(s.shape(max_dims=2)), s.array(s.shape(max_dims=2))))


def tensordot_spec(s: Sampler) -> Sample:
    """``axes`` as an int, or as a pair of axis sequences in any order."""
    k1, k2 = s.integers(1, 3), s.integers(1, 3)
    fa = s.shape(min_dims=0, max_dims=2, max_side=3)
    fb = s.shape(min_dims=0, max_dims=2, max_side=3)
    if s.boolean():
        count = s.integers(0, 2)
        summed = (k1, k2)[:count]
        return Sample((s.array(fa + summed), s.array(summed + fb)), {"axes": count})
    a_shape = (k1, *fa, k2)
    b_shape = (*fb, k2, k1)
    axes_a = [0, len(a_shape) - 1]
    axes_b = [len(b_shape) - 1, len(b_shape) - 2]
    if s.boolean():
        axes_a, axes_b = axes_a[:1], axes_b[:1]
    axes_a = [a - len(a_shape) * s.integers(0, 1) for a in axes_a]
    return Sample((s.array(a_shape), s.array(b_shape)), {"axes": (axes_a, axes_b)})


EINSUM_EQUATIONS = (
    "ij,jk->ik",
    "ij,jk",
    "i,i->",
    "i,i",
    "i,j->ij",
    "ij->ji",
    "ij->",
    "ij->j",
    "ba",
    "ii->i",
    "ii->",
    "ii",
    "iij->ji",
    "iji->j",
    "ij,ij->ij",
    "ij,ji->",
    "i,->i",
    "bij,bjk->bik",
    "ij,jk,kl->il",
    "ijk,ikl->jl",
    "ij,kl->ijkl",
    "Ab,bC->CA",
    "...ij,...jk->...ik",
    "...i,...i->...",
    "i...->...",
    "...ii->...i",
    "ij...,jk",
)


def einsum_spec(s: Sampler) -> Sample:
    """An equation of :data:`EINSUM_EQUATIONS` (diagonals, sums, outer products, implicit
    outputs, several operands, ``...``) with sizes drawn per letter; letters shared by
    several operands sometimes have length 1 in one of them (numpy broadcasts them)."""
    eq = s.choice(EINSUM_EQUATIONS)
    terms = eq.split("->")[0].split(",")
    sizes = {c: s.integers(1, 3) for c in eq if c.isalpha()}
    n_ell = sum("..." in t for t in terms)
    batch = s.broadcastable_shapes(n_ell, max_dims=2, max_side=3) if n_ell else []
    arrays = []
    for term in terms:
        dims: list[int] = []
        for c in term.replace("...", "."):
            if c == ".":
                dims.extend(batch.pop(0))
                continue
            shared = term.count(c) == 1 and sum(c in t for t in terms) > 1
            dims.append(1 if shared and s.integers(0, 3) == 0 else sizes[c])
        arrays.append(s.array(tuple(dims)))
    return Sample((eq, *arrays))
