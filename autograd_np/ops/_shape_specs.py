"""Sample specifications of the shape ops (``autograd_np.ops.shape``): each draws valid
arguments for one op's public signature."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from autograd_np.ops.specs import axis_of
from autograd_np.testing.registry import Sample, Sampler


def _size(shape: Sequence[int]) -> int:
    n = 1
    for k in shape:
        n *= k
    return n


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
    axis: Any = axis_of(s, nd)
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
    axis = None if not shape or s.boolean() else axis_of(s, len(shape))
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
    return Sample((s.array(shape), axis_of(s, len(shape)), axis_of(s, len(shape))))


def moveaxis_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=4)
    nd = len(shape)
    if s.boolean():
        return Sample((s.array(shape), axis_of(s, nd), axis_of(s, nd)))
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
        axes = axis_of(s, nd)
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
