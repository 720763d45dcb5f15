"""Linear algebra beyond the generic registry checks: matmul's 1-D cases to second order
and its errors, numpy's dot/outer/tensordot semantics, and einsum over a table of
subscripts (diagonals, sums, broadcasting, ``...``) to first and second order."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.testing import gradcheck, gradgradcheck


def _arrays(*shapes, seed=0):
    rng = np.random.default_rng(seed)
    return [rng.standard_normal(s) for s in shapes]


# ---------------------------------------------------------------------- matmul
MATMUL_SHAPES = [
    ((3,), (3,)),
    ((2, 3), (3,)),
    ((3,), (3, 2)),
    ((3,), (2, 3, 4)),
    ((2, 1, 2, 3), (3,)),
    ((2, 2, 3), (1, 3, 2)),
]


@pytest.mark.parametrize(("sa", "sb"), MATMUL_SHAPES)
def test_matmul_one_dimensional_cases_first_and_second_order(sa, sb):
    a, b = _arrays(sa, sb)
    np.testing.assert_allclose(ag.matmul(ag.tensor(a), ag.tensor(b)).numpy(), a @ b)
    assert gradcheck(ag.matmul, [a, b])
    assert gradgradcheck(ag.matmul, [a, b])


def test_matmul_errors_name_both_shapes():
    with pytest.raises(ValueError, match=r"^matmul: shapes \(3, 4\) and \(5, 2\) are not aligned"):
        ag.matmul(ag.zeros((3, 4)), ag.zeros((5, 2)))
    with pytest.raises(ValueError, match=r"^matmul: shapes \(3,\) and \(4,\) are not aligned"):
        ag.zeros(3) @ ag.zeros(4)
    with pytest.raises(ValueError, match=r"matmul: the batch dimensions of shapes \(2, 3, 4\)"):
        ag.zeros((2, 3, 4)) @ ag.zeros((3, 4, 5))
    with pytest.raises(ValueError, match="matmul: both operands need at least one dimension"):
        ag.matmul(ag.tensor(2.0), ag.zeros(3))


# ---------------------------------------------------------------------- dot, outer, tensordot
def test_dot_of_vectors_first_and_second_order():
    a, b = _arrays((3,), (3,))
    np.testing.assert_allclose(ag.dot(ag.tensor(a), ag.tensor(b)).numpy(), np.dot(a, b))
    assert gradgradcheck(ag.dot, [a, b])


@pytest.mark.parametrize(("sa", "sb"), [((2, 3), (3,)), ((3,), (3, 2)), ((), ()), ((2, 3), (3, 4))])
def test_dot_and_outer_take_vectors_only_as_pytorch(sa, sb):
    a, b = ag.zeros(sa), ag.zeros(sb)
    with pytest.raises(ValueError, match=r"^dot: expected 1-D tensors"):
        ag.dot(a, b)
    with pytest.raises(ValueError, match=r"^outer: expected 1-D tensors"):
        ag.outer(a, b)


def test_dot_method_and_errors():
    assert ag.tensor([1.0, 2.0]).dot(ag.tensor([3.0, 4.0])).item() == 11.0
    with pytest.raises(ValueError, match=r"^dot: the vectors differ in length"):
        ag.dot(ag.zeros(3), ag.zeros(4))
    with pytest.raises(TypeError, match=r"^dot: expected both vectors to have the same dtype"):
        ag.dot(ag.zeros(3), ag.zeros(3, dtype=np.float64))


def test_outer_of_vectors():
    a, b = _arrays((2,), (3,))
    np.testing.assert_allclose(ag.outer(ag.tensor(a), ag.tensor(b)).numpy(), np.outer(a, b))
    assert gradgradcheck(ag.outer, [a, b])


@pytest.mark.parametrize(
    ("sa", "sb", "axes"),
    [
        ((2, 3, 4), (3, 4, 5), 2),
        ((2, 3), (3, 4), 1),
        ((2, 3), (4,), 0),
        ((3, 2, 4), (4, 3), ([0, 2], [1, 0])),
        ((3, 2), (2, 3), (1, 0)),
        ((2, 3), (2, 3), ([-1, -2], [1, 0])),
    ],
)
def test_tensordot_follows_numpy(sa, sb, axes):
    a, b = _arrays(sa, sb)
    got = ag.tensordot(ag.tensor(a), ag.tensor(b), axes=axes)
    np.testing.assert_allclose(got.numpy(), np.tensordot(a, b, axes=axes), atol=1e-12)
    assert gradgradcheck(lambda x, y: ag.tensordot(x, y, axes), [a, b])


def test_tensordot_errors():
    a, b = ag.zeros((2, 3)), ag.zeros((4, 3))
    with pytest.raises(ValueError, match=r"tensordot: shape mismatch for sum: a \(2, 3\) has 3 on"):
        ag.tensordot(a, b, 1)
    with pytest.raises(ValueError, match="tensordot: got 2 axes for a and 1 for b"):
        ag.tensordot(a, b, ([0, 1], [1]))
    with pytest.raises(ValueError, match=r"tensordot: axes=3 needs 0 <= axes <= 2"):
        ag.tensordot(a, b, 3)


# ---------------------------------------------------------------------- einsum
EINSUM_TABLE = [
    ("ij,jk->ik", [(2, 3), (3, 4)]),
    ("ij,jk", [(2, 3), (3, 2)]),  # implicit output
    ("i,i->", [(4,), (4,)]),
    ("i,i", [(3,), (3,)]),
    ("i,j->ij", [(2,), (3,)]),
    (" i j -> j i ", [(2, 3)]),
    ("ij->", [(2, 3)]),  # every index summed
    ("ij->j", [(2, 3)]),
    ("ii->i", [(3, 3)]),  # a diagonal
    ("ii->", [(3, 3)]),  # the trace
    ("ii", [(3, 3)]),
    ("iij->ji", [(2, 2, 3)]),
    ("iji->j", [(2, 3, 2)]),
    ("ii,i->i", [(3, 3), (3,)]),
    ("ij,ij->ij", [(2, 3), (2, 3)]),
    ("ij,ji->", [(2, 3), (3, 2)]),
    ("i,->i", [(3,), ()]),
    ("bij,bjk->bik", [(2, 2, 3), (2, 3, 2)]),
    ("ij,jk,kl->il", [(2, 3), (3, 2), (2, 2)]),
    ("ijk,ikl->jl", [(2, 3, 2), (2, 2, 3)]),
    ("ij,kl->ijkl", [(2, 2), (3, 1)]),
    ("Ab,bC->CA", [(2, 3), (3, 2)]),
    ("ij,jk->ik", [(2, 1), (3, 2)]),  # length-1 index broadcast against 3
    ("ij,jk->ik", [(2, 3), (1, 2)]),
    ("...ij,...jk->...ik", [(2, 1, 2, 3), (3, 3, 2)]),
    ("...i,...i->...", [(2, 3), (3,)]),
    ("i...->...", [(3, 2, 2)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("ij...,jk", [(2, 3, 2), (3, 2)]),
    ("b...i,i->b...", [(2, 3, 2), (2,)]),
]


@pytest.mark.parametrize(("eq", "shapes"), EINSUM_TABLE, ids=[e for e, _ in EINSUM_TABLE])
def test_einsum_table_first_and_second_order(eq, shapes):
    arrays = _arrays(*shapes, seed=len(eq))
    got = ag.einsum(eq, *[ag.tensor(a) for a in arrays])
    np.testing.assert_allclose(got.numpy(), np.einsum(eq, *arrays), atol=1e-12)
    fn = lambda *ops: ag.einsum(eq, *ops)  # noqa: E731
    assert gradcheck(fn, arrays)
    assert gradgradcheck(fn, arrays)


def test_einsum_diagonal_gradients_are_exact():
    x = ag.tensor(np.arange(9.0).reshape(3, 3), requires_grad=True)
    ag.einsum("ii->", x).backward()
    np.testing.assert_array_equal(x.grad.numpy(), np.eye(3))
    y = ag.tensor(np.zeros((3, 3)), requires_grad=True)
    ag.einsum("ii->i", y).backward(np.array([1.0, 2.0, 3.0]))
    np.testing.assert_array_equal(y.grad.numpy(), np.diag([1.0, 2.0, 3.0]))
    z = ag.tensor(np.zeros((2, 3)), requires_grad=True)
    ag.einsum("ij->", z).backward()  # summed out: the gradient is ones
    np.testing.assert_array_equal(z.grad.numpy(), np.ones((2, 3)))


def test_einsum_same_tensor_twice_and_list_operands():
    a = _arrays((3, 3))[0]
    x = ag.tensor(a, requires_grad=True)
    ag.einsum("ij,ij->", x, x).backward()  # sum of squares
    np.testing.assert_allclose(x.grad.numpy(), 2 * a)
    np.testing.assert_allclose(ag.einsum("ij->ji", [ag.tensor(a)]).numpy(), a.T)  # PyTorch form


def test_einsum_keeps_float32():
    a = ag.tensor(np.ones((2, 3), dtype=np.float32), requires_grad=True)
    b = ag.tensor(np.ones((3, 3), dtype=np.float32), requires_grad=True)
    out = ag.einsum("ij,jj->i", a, b)
    assert out.dtype == np.float32
    out.sum().backward()
    assert a.grad.dtype == np.float32 and b.grad.dtype == np.float32


def test_einsum_errors():
    a = ag.zeros((2, 3))
    with pytest.raises(ValueError, match="einsum: the subscripts 'ij,jk' name 2 operands but 1"):
        ag.einsum("ij,jk", a)
    with pytest.raises(ValueError, match=r"einsum: index 'j' has length 3 in one operand and 4"):
        ag.einsum("ij,jk->ik", a, ag.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"einsum: operand 0 has shape \(2, 3\), which the"):
        ag.einsum("ijk->i", a)
    with pytest.raises(ValueError, match="einsum: index 'i' repeats in operand 0 with lengths 2"):
        ag.einsum("ii->i", a)
    with pytest.raises(ValueError, match="einsum: invalid subscripts"):
        ag.einsum("i1->i", a)
    with pytest.raises(ValueError, match="einsum: invalid output subscripts"):
        ag.einsum("ij->ii", a)
    with pytest.raises(ValueError, match=r"einsum: the output of '\.\.\.j->j' needs '\.\.\.'"):
        ag.einsum("...j->j", a)
    with pytest.raises(TypeError, match="einsum: subscripts must be a string"):
        ag.einsum(a, a)
