"""Shape ops: reshape, transpose, broadcasting. They move or copy values; their VJPs move
the gradient back."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autograd_np.function import Sample, Sampler, composite, primitive
from autograd_np.tensor import Tensor, TensorLike

__all__ = ["broadcast_to", "permute", "reshape", "swapaxes", "transpose", "view"]


def _tensor(x: TensorLike) -> Tensor:
    return x if isinstance(x, Tensor) else Tensor(x)


def _reshape_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    size = int(np.prod(shape))
    # a random factorisation of the size, possibly with a -1
    dims: list[int] = []
    rest = size
    while rest > 1 and len(dims) < 3:
        f = s.choice([d for d in range(1, rest + 1) if rest % d == 0])
        dims.append(f)
        rest //= f
    dims.append(rest)
    if s.boolean():
        dims[s.integers(0, len(dims) - 1)] = -1
    return Sample((s.array(shape),), {"shape": tuple(dims)})


@primitive(
    "reshape",
    spec=_reshape_spec,
    ref=lambda x, shape: np.reshape(x, shape),
    saves=(),
)
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
    x : Tensor
        Input.
    shape : int or tuple of int
        The new shape; its product must equal ``x.numel()``.
    """
    t = _tensor(x)
    new = (shape,) if isinstance(shape, (int, np.integer)) else tuple(int(n) for n in shape)
    known = int(np.prod([n for n in new if n != -1]))
    if (
        new.count(-1) > 1
        or (-1 not in new and known != t.data.size)
        or (-1 in new and (known == 0 or t.data.size % known))
    ):
        raise ValueError(f"reshape: cannot reshape a tensor of shape {t.shape} into {new}")
    if new == t.shape:
        return t
    return _reshape(t, shape=new)


view = reshape


def _broadcast_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=3)
    lead = tuple(s.integers(1, 3) for _ in range(s.integers(0, 2)))
    target = lead + tuple(n if n != 1 else s.integers(1, 3) for n in shape)
    return Sample((s.array(shape),), {"shape": target})


@primitive(
    "broadcast_to",
    spec=_broadcast_spec,
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
    t = _tensor(x)
    target = tuple(int(n) for n in shape)
    if target == t.shape:
        return t
    try:
        np.broadcast_shapes(t.shape, target)
    except ValueError:
        raise ValueError(f"broadcast_to: cannot broadcast shape {t.shape} to {target}") from None
    if np.broadcast_shapes(t.shape, target) != target:
        raise ValueError(f"broadcast_to: cannot broadcast shape {t.shape} to {target}")
    return _broadcast_to(t, shape=target)


def _transpose_spec(s: Sampler) -> Sample:
    shape = s.shape(max_dims=4)
    perm = list(range(len(shape)))
    for i in range(len(perm) - 1, 0, -1):
        j = s.integers(0, i)
        perm[i], perm[j] = perm[j], perm[i]
    return Sample((s.array(shape),), {"axes": tuple(perm)})


@primitive(
    "transpose",
    spec=_transpose_spec,
    ref=lambda x, axes: np.transpose(x, axes),
    saves=(),
)
def _transpose(x: np.ndarray, *, axes: tuple[int, ...]) -> np.ndarray:
    return np.transpose(x, axes)


@_transpose.defvjp
def _transpose_vjp(g: Tensor, out: Tensor, x: Tensor, *, axes: tuple[int, ...]) -> Tensor:
    return _transpose(g, axes=tuple(np.argsort(axes).tolist()))  # the inverse permutation


@_transpose.expose
def transpose(x: TensorLike, axes: Sequence[int] | None = None) -> Tensor:
    """Permute the axes (numpy's ``transpose``); reverse them when ``axes`` is None.

    For PyTorch's two-axis swap use :func:`swapaxes` or ``x.transpose(d0, d1)``.
    """
    t = _tensor(x)
    nd = t.ndim
    perm = (
        tuple(range(nd - 1, -1, -1)) if axes is None else tuple(int(a) % max(nd, 1) for a in axes)
    )
    if sorted(perm) != list(range(nd)):
        raise ValueError(f"transpose: axes {axes} are not a permutation of the {nd} dimensions")
    if perm == tuple(range(nd)):
        return t
    return _transpose(t, axes=perm)


def _permute_spec(s: Sampler) -> Sample:
    sample = _transpose_spec(s)
    return Sample(sample.args, {"dims": sample.kwargs["axes"]})


@composite(spec=_permute_spec, ref=lambda x, dims: np.transpose(x, dims))
def permute(x: TensorLike, dims: Sequence[int]) -> Tensor:
    """Permute the dimensions (PyTorch's name for numpy's ``transpose(x, axes)``)."""
    return transpose(x, dims)


def _swapaxes_spec(s: Sampler) -> Sample:
    shape = s.shape(min_dims=1, max_dims=4)
    nd = len(shape)
    return Sample((s.array(shape), s.integers(-nd, nd - 1), s.integers(-nd, nd - 1)))


@composite(spec=_swapaxes_spec, ref=np.swapaxes)
def swapaxes(x: TensorLike, axis1: int, axis2: int) -> Tensor:
    """Swap two axes (PyTorch's ``transpose(x, dim0, dim1)``)."""
    t = _tensor(x)
    nd = t.ndim
    for a in (axis1, axis2):
        if not -nd <= a < nd:
            raise ValueError(f"swapaxes: axis {a} is out of range for {nd} dimensions")
    perm = list(range(nd))
    perm[axis1], perm[axis2] = perm[axis2], perm[axis1]
    return transpose(t, perm)
