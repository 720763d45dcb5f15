"""Linear algebra: ``matmul`` (batch broadcasting), ``dot``, ``outer``, ``tensordot`` and
``einsum``.

Every VJP is written with these same ops, so all of them are twice (indeed arbitrarily)
differentiable.
"""

from __future__ import annotations

import operator
import string
from collections.abc import Sequence
from typing import Any

import numpy as np

from autograd_np import parallel
from autograd_np.autograd import composite, primitive
from autograd_np.creation import as_tensor
from autograd_np.dtypes import check_kind
from autograd_np.ops._axes import check_axes
from autograd_np.ops.arithmetic import multiply
from autograd_np.ops.indexing import _index_add_into_zeros
from autograd_np.ops.reduction import sum as sum_
from autograd_np.ops.shape import _reshape, broadcast_to, reshape, swapaxes, transpose
from autograd_np.tensor import Tensor, TensorLike
from autograd_np.testing.registry import Sample, Sampler

__all__ = ["dot", "einsum", "matmul", "outer", "tensordot"]


# ---------------------------------------------------------------------- matmul
def _matmul_spec(s: Sampler) -> Sample:
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


@primitive(spec=_matmul_spec, ref=np.matmul)
def matmul(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Matrix product with numpy's rules: 1-D operands are promoted and the promoted axis
    removed; leading (batch) axes broadcast.

    Shapes
    ------
    x : (..., M, K) or (K,)
    y : (..., K, N) or (K,)
    out : (..., M, N), with the axes of 1-D operands removed

    Raises ``ValueError`` naming both shapes (``matmul: shapes (3, 4) and (5, 2) are not
    aligned: 4 (dim 1) != 5 (dim 0)``) when the inner sizes or the batch axes disagree.
    """
    if x.ndim == 0 or y.ndim == 0:
        raise ValueError(
            f"matmul: both operands need at least one dimension, got shapes {x.shape} and {y.shape}"
        )
    check_kind("matmul", x, y)
    ky_axis = y.ndim - 2 if y.ndim > 1 else 0
    if x.shape[-1] != y.shape[ky_axis]:
        raise ValueError(
            f"matmul: shapes {x.shape} and {y.shape} are not aligned: {x.shape[-1]} "
            f"(dim {x.ndim - 1}) != {y.shape[ky_axis]} (dim {ky_axis})"
        )
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise ValueError(
            f"matmul: the batch dimensions of shapes {x.shape} and {y.shape} do not broadcast"
        ) from None
    return parallel.matmul(x, y)


@matmul.defvjp
def _matmul_vjp(
    g: Tensor, out: Tensor, x: Tensor, y: Tensor
) -> tuple[Tensor | None, Tensor | None]:
    # d(xy) = dx y + x dy, so gx = g y^T and gy = x^T g (batch axes summed by the engine)
    x2 = x if x.ndim > 1 else _reshape(x, shape=(1, x.shape[0]))  # (K,) -> (1, K)
    y2 = y if y.ndim > 1 else _reshape(y, shape=(y.shape[0], 1))  # (K,) -> (K, 1)
    g2 = g  # the gradient with the removed axes of 1-D operands put back
    if x.ndim == 1:
        g2 = _reshape(g2, shape=(*g2.shape[:-1], 1, g2.shape[-1]) if y.ndim > 1 else (1, 1))
    if y.ndim == 1:
        g2 = _reshape(g2, shape=(*g2.shape, 1) if x.ndim > 1 else (1, 1))
    gx = gy = None
    if x.requires_grad:
        gx = matmul(g2, swapaxes(y2, -1, -2))
        if x.ndim == 1:
            gx = _reshape(gx, shape=(*gx.shape[:-2], gx.shape[-1]))  # (..., 1, K) -> (..., K)
    if y.requires_grad:
        gy = matmul(swapaxes(x2, -1, -2), g2)
        if y.ndim == 1:
            gy = _reshape(gy, shape=gy.shape[:-1])  # (..., K, 1) -> (..., K)
    return gx, gy


# ---------------------------------------------------------------------- dot, outer, tensordot
def _dot_spec(s: Sampler) -> Sample:
    """PyTorch's dot: two vectors of one length."""
    k = s.integers(1, 4)
    return Sample((s.array((k,)), s.array((k,))))


def _check_vectors(op: str, ta: Tensor, tb: Tensor) -> None:
    if ta.ndim != 1 or tb.ndim != 1:
        raise ValueError(
            f"{op}: expected 1-D tensors (as torch.{op}), got shapes {ta.shape} and "
            f"{tb.shape}; use matmul, tensordot or einsum for other shapes"
        )


@composite(spec=_dot_spec, ref=np.dot)
def dot(a: TensorLike, b: TensorLike) -> Tensor:
    """The inner product of two vectors of one length and dtype (``torch.dot``).

    Unlike numpy's ``dot``, other shapes raise, as in PyTorch: use :func:`matmul`,
    :func:`tensordot` or :func:`einsum` for them.

    Shapes
    ------
    a : (K,)
    b : (K,)
    out : ()

    Examples
    --------
    >>> import autograd_np as ag
    >>> ag.dot(ag.tensor([1.0, 2.0]), ag.tensor([3.0, 4.0]))
    tensor(11.)
    """
    ta, tb = as_tensor(a), as_tensor(b)
    _check_vectors("dot", ta, tb)
    check_kind("dot", ta, tb)
    if ta.shape != tb.shape:
        raise ValueError(f"dot: the vectors differ in length: shapes {ta.shape} and {tb.shape}")
    if ta.dtype != tb.dtype:
        raise TypeError(
            f"dot: expected both vectors to have the same dtype, got {ta.dtype} and {tb.dtype}"
        )
    return matmul(ta, tb)


def _outer_spec(s: Sampler) -> Sample:
    """Two vectors."""
    return Sample((s.array((s.integers(1, 4),)), s.array((s.integers(1, 4),))))


@composite(spec=_outer_spec, ref=np.outer)
def outer(a: TensorLike, b: TensorLike) -> Tensor:
    """The outer product ``out[i, j] = a[i] * b[j]`` of two vectors (``torch.outer``;
    other shapes raise, as there, where numpy would flatten them).

    Shapes
    ------
    a : (M,)
    b : (N,)
    out : (M, N)
    """
    ta, tb = as_tensor(a), as_tensor(b)
    _check_vectors("outer", ta, tb)
    return multiply(reshape(ta, (ta.shape[0], 1)), reshape(tb, (1, tb.shape[0])))


def _tensordot_axes(
    axes: int | Sequence[Any], nda: int, ndb: int
) -> tuple[tuple[int, ...], tuple[int, ...]]:
    if isinstance(axes, (int, np.integer)):
        n = operator.index(axes)
        if not 0 <= n <= min(nda, ndb):
            raise ValueError(
                f"tensordot: axes={n} needs 0 <= axes <= {min(nda, ndb)} for operands with "
                f"{nda} and {ndb} dimensions"
            )
        return tuple(range(nda - n, nda)), tuple(range(n))
    if len(axes) != 2:
        raise ValueError(f"tensordot: axes must be an int or a pair of sequences, got {axes!r}")
    axa = check_axes("tensordot", axes[0], nda)
    axb = check_axes("tensordot", axes[1], ndb)
    if len(axa) != len(axb):
        raise ValueError(
            f"tensordot: got {len(axa)} axes for a and {len(axb)} for b; they must pair up"
        )
    return axa, axb


def _tensordot_spec(s: Sampler) -> Sample:
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


@composite(spec=_tensordot_spec, ref=np.tensordot)
def tensordot(a: TensorLike, b: TensorLike, axes: int | Sequence[Any] = 2) -> Tensor:
    """Sum products over the paired axes of ``a`` and ``b`` (numpy's ``tensordot``).

    Parameters
    ----------
    a, b : Tensor
        Operands.
    axes : int or (sequence, sequence), default 2
        An int ``n`` pairs the last ``n`` axes of ``a`` with the first ``n`` of ``b``; a pair
        of sequences (or of ints) names the axes of each, in matching order.

    Returns
    -------
    Tensor
        The free axes of ``a``, then those of ``b``. Computed as one matrix product.
    """
    ta, tb = as_tensor(a), as_tensor(b)
    axa, axb = _tensordot_axes(axes, ta.ndim, tb.ndim)
    for i, j in zip(axa, axb):
        if ta.shape[i] != tb.shape[j]:
            raise ValueError(
                f"tensordot: shape mismatch for sum: a {ta.shape} has {ta.shape[i]} on axis {i} "
                f"but b {tb.shape} has {tb.shape[j]} on axis {j}"
            )
    free_a = [i for i in range(ta.ndim) if i not in axa]
    free_b = [j for j in range(tb.ndim) if j not in axb]
    k = int(np.prod([ta.shape[i] for i in axa]))
    out_a = tuple(ta.shape[i] for i in free_a)
    out_b = tuple(tb.shape[j] for j in free_b)
    # (free a..., summed...) -> (M, K) and (summed..., free b...) -> (K, N)
    ma = reshape(transpose(ta, [*free_a, *axa]), (int(np.prod(out_a)), k))
    mb = reshape(transpose(tb, [*axb, *free_b]), (k, int(np.prod(out_b))))
    return reshape(matmul(ma, mb), out_a + out_b)


# ---------------------------------------------------------------------- einsum
def _parse_einsum(subscripts: str, shapes: Sequence[tuple[int, ...]]) -> tuple[list[str], str]:
    """The equation with ``...`` replaced by unused letters, in explicit form: one term
    per operand, the output term. Checks it against the operand shapes."""
    if not isinstance(subscripts, str):
        raise TypeError(f"einsum: subscripts must be a string, got {type(subscripts).__name__}")
    eq = subscripts.replace(" ", "")
    lhs, arrow, out = eq.partition("->")
    if "->" in out or any(c not in string.ascii_letters + ",.->" for c in eq):
        raise ValueError(f"einsum: invalid subscripts {subscripts!r}")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise ValueError(
            f"einsum: the subscripts {subscripts!r} name {len(terms)} operands but "
            f"{len(shapes)} were given"
        )
    n_ell = []
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        letters = term.replace("...", "")
        if (
            "." in letters
            or ("..." not in term and len(term) != len(shape))
            or (len(letters) > len(shape))
        ):
            raise ValueError(
                f"einsum: operand {k} has shape {shape}, which the subscripts {term!r} do not fit"
            )
        n_ell.append(len(shape) - len(letters))
    n = max(n_ell)
    unused = [c for c in string.ascii_letters if c not in eq]
    if len(unused) < n:
        raise ValueError("einsum: too many dimensions under '...'")
    ell = "".join(unused[:n])
    terms = [t.replace("...", ell[n - m :]) for t, m in zip(terms, n_ell)]
    if not arrow:
        counts = {c: lhs.count(c) for c in lhs if c.isalpha()}
        out = ell + "".join(sorted(c for c, m in counts.items() if m == 1))
    elif "..." in out:
        out = out.replace("...", ell)
    elif n:
        raise ValueError(
            f"einsum: the output of {subscripts!r} needs '...' for the broadcast dimensions"
        )
    if "." in out or len(set(out)) != len(out) or any(c not in "".join(terms) for c in out):
        raise ValueError(f"einsum: invalid output subscripts in {subscripts!r}")
    sizes: dict[str, int] = {}
    for k, (term, shape) in enumerate(zip(terms, shapes)):
        seen: dict[str, int] = {}
        for c, m in zip(term, shape):
            if seen.setdefault(c, m) != m:
                raise ValueError(
                    f"einsum: index {c!r} repeats in operand {k} with lengths {seen[c]} and {m}"
                )
            if sizes.setdefault(c, m) != m and 1 not in (m, sizes[c]):
                raise ValueError(
                    f"einsum: index {c!r} has length {sizes[c]} in one operand and {m} in "
                    f"operand {k} (shapes {list(shapes)})"
                )
            sizes[c] = max(sizes[c], m)
    return terms, out


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


def _einsum_spec(s: Sampler) -> Sample:
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


@primitive(
    "einsum",
    spec=_einsum_spec,
    ref=lambda subscripts, *ops: np.einsum(subscripts, *ops),
)
def _einsum(*operands: np.ndarray, subscripts: str) -> np.ndarray:
    return np.einsum(subscripts, *operands, optimize=len(operands) > 1)


def _einsum_operand_grad(
    g: Tensor, operands: tuple[Tensor, ...], terms: list[str], out_term: str, k: int
) -> Tensor:
    """d/d operands[k] of an einsum: the einsum of ``g`` with the other operands, widened
    to the letters only operand ``k`` has and put on its diagonals."""
    x, term = operands[k], terms[k]
    letters = list(dict.fromkeys(term))  # distinct, in order of first appearance
    size = {c: x.shape[term.index(c)] for c in letters}
    others = [j for j in range(len(operands)) if j != k]
    known = set(out_term).union(*(terms[j] for j in others))
    made = "".join(c for c in letters if c in known)
    eq = ",".join([out_term, *(terms[j] for j in others)]) + "->" + made
    gu = _einsum(g, *(operands[j] for j in others), subscripts=eq)
    # letters where x has length 1 but the others broadcast it: sum them back
    wide = tuple(i for i, c in enumerate(made) if size[c] == 1 and gu.shape[i] != 1)
    if wide:
        gu = sum_(gu, axis=wide, keepdims=True)
    # letters of x alone (summed out in the forward), and letters that only broadcast
    # length-1 axes of the others: the gradient is constant along them, so
    # (made...) -> (letters..., 1 where missing) -> broadcast to x's lengths
    kept = tuple(gu.shape[made.index(c)] if c in made else 1 for c in letters)
    if len(made) < len(letters):
        gu = _reshape(gu, shape=kept)
    target = tuple(size[c] for c in letters)
    if kept != target:
        gu = broadcast_to(gu, target)
    if len(letters) == len(term):
        return gu
    # repeated letters (diagonals): put gu on the diagonal of zeros of x's shape
    m = len(letters)
    key = tuple(
        np.arange(size[c]).reshape([size[c] if i == letters.index(c) else 1 for i in range(m)])
        for c in term
    )
    return _index_add_into_zeros(gu, key=key, shape=x.shape)


@_einsum.defvjp
def _einsum_vjp(
    g: Tensor, out: Tensor, *operands: Tensor, subscripts: str
) -> tuple[Tensor | None, ...]:
    # out = sum over the contracted letters of prod_k x_k, so d out / d x_k is the product of
    # the other operands: g_k = einsum(g, x_j (j != k) -> letters of x_k)
    lhs, _, out_term = subscripts.partition("->")
    terms = lhs.split(",")
    return tuple(
        _einsum_operand_grad(g, operands, terms, out_term, k) if x.requires_grad else None
        for k, x in enumerate(operands)
    )


@_einsum.expose
def einsum(subscripts: str, *operands: TensorLike | Sequence[TensorLike]) -> Tensor:
    """Einstein summation (numpy's and PyTorch's ``einsum``).

    Parameters
    ----------
    subscripts : str
        Letters naming the axes of each operand, comma-separated, optionally ``->`` and the
        output's letters (implicit mode: the letters used once, sorted, after the ``...``
        axes). Letters repeated within an operand take its diagonal; letters absent from the
        output are summed; ``...`` stands for broadcast axes; axes of length 1 broadcast.
    *operands : Tensor
        The operands (a single list of them works too, as in PyTorch).

    Returns
    -------
    Tensor
        Differentiable in every operand, to any order.

    Examples
    --------
    >>> import autograd_np as ag
    >>> a = ag.tensor([[1.0, 2.0], [3.0, 4.0]])
    >>> ag.einsum("ii->", a), ag.einsum("ij,j->i", a, ag.tensor([1.0, 1.0]))
    (tensor(5.), tensor([3., 7.]))
    """
    if len(operands) == 1 and isinstance(operands[0], (list, tuple)):
        operands = tuple(operands[0])
    ts = [as_tensor(o) for o in operands]
    terms, out = _parse_einsum(subscripts, [t.shape for t in ts])
    return _einsum(*ts, subscripts=",".join(terms) + "->" + out)
