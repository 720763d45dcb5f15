"""autograd_np.autograd.functional against closed forms, with PyTorch's return structures."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.autograd.functional import hessian, hvp, jacobian, jvp, vhp, vjp

RNG = np.random.default_rng(0)
A = RNG.standard_normal((3, 4))
B = RNG.standard_normal((4, 4))


def t64(a):
    return ag.tensor(np.asarray(a, dtype=np.float64))


def test_exported_as_autograd_np_functional():
    assert ag.functional.jacobian is jacobian
    assert (
        ag.functional.__name__ == "autograd_np.autograd.functional"
    )  # not autograd_np.nn.functional
    assert set(ag.functional.__all__) == {"hessian", "hvp", "jacobian", "jvp", "vhp", "vjp"}


# ---------------------------------------------------------------------- jacobian
@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_of_a_linear_map_is_its_matrix(strategy):
    x = t64(RNG.standard_normal(4))
    J = jacobian(lambda x: ag.tensor(A) @ x, x, strategy=strategy)
    assert isinstance(J, ag.Tensor) and J.shape == (3, 4)
    np.testing.assert_allclose(J.array, A, rtol=1e-12)
    assert not J.requires_grad


@pytest.mark.parametrize("strategy", ["reverse-mode", "forward-mode"])
def test_jacobian_of_elementwise_and_matrix_shapes(strategy):
    x = t64([[1.0, 2.0], [3.0, 4.0]])
    J = jacobian(lambda x: x * x, x, strategy=strategy)  # (2, 2, 2, 2): d(x_ij^2)/dx_kl
    assert J.shape == (2, 2, 2, 2)
    expected = np.zeros((2, 2, 2, 2))
    for i in range(2):
        for j in range(2):
            expected[i, j, i, j] = 2 * x.array[i, j]
    np.testing.assert_allclose(J.array, expected)


def test_jacobian_return_structures():
    a, b = t64([1.0, 2.0]), t64([3.0, 4.0, 5.0])
    # tuple inputs, one output: a tuple over inputs
    Ja, Jb = jacobian(lambda a, b: a * b.sum(), (a, b))
    np.testing.assert_allclose(Ja.array, 12.0 * np.eye(2))
    np.testing.assert_allclose(Jb.array, np.outer(a.array, np.ones(3)))
    # one input, tuple outputs: a tuple over outputs
    J1, J2 = jacobian(lambda a: (a * 2, a.sum()), a)
    np.testing.assert_allclose(J1.array, 2 * np.eye(2))
    np.testing.assert_allclose(J2.array, [1.0, 1.0])
    assert J2.shape == (2,)
    # both tuples: outputs x inputs
    blocks = jacobian(lambda a, b: (a.sum() * b, a * 3), (a, b))
    assert [[blk.shape for blk in row] for row in blocks] == [[(3, 2), (3, 3)], [(2, 2), (2, 3)]]
    np.testing.assert_allclose(blocks[0][1].array, 3.0 * np.eye(3))
    np.testing.assert_allclose(blocks[1][1].array, np.zeros((2, 3)))
    # a one-element tuple of inputs still gives a tuple
    (only,) = jacobian(lambda a: a * 2, (a,))
    np.testing.assert_allclose(only.array, 2 * np.eye(2))


def test_jacobian_strict_and_unused_inputs():
    a, b = t64([1.0]), t64([2.0])
    Ja, Jb = jacobian(lambda a, b: a * 2, (a, b))
    assert Ja.tolist() == [[2.0]]
    assert Jb.tolist() == [[0.0]]
    with pytest.raises(RuntimeError, match=r"output 0 is independent of input 1 \(strict mode\)"):
        jacobian(lambda a, b: a * 2, (a, b), strict=True)
    with pytest.raises(RuntimeError, match="independent of the inputs"):
        jacobian(lambda a: ag.ones(2, dtype=np.float64), a, strict=True)
    zero = jacobian(lambda a: ag.ones(2, dtype=np.float64), a)
    assert zero.tolist() == [[0.0], [0.0]]


def test_jacobian_with_create_graph_is_differentiable():
    w = t64([1.0, 2.0]).requires_grad_()
    x = t64([3.0, 4.0])
    J = jacobian(lambda x: w * x * x, x, create_graph=True)  # diag(2 w x)
    assert J.requires_grad
    J.sum().backward()
    np.testing.assert_allclose(w.grad.array, 2 * x.array)


def test_jacobian_rejects_unknown_strategy():
    with pytest.raises(ValueError, match="strategy"):
        jacobian(lambda x: x, t64([1.0]), strategy="sideways")


# ---------------------------------------------------------------------- hessian
def test_hessian_of_a_quadratic_form_is_a_plus_a_transpose():
    x = t64(RNG.standard_normal(4))
    H = hessian(lambda x: x @ ag.tensor(B) @ x, x)
    assert H.shape == (4, 4)
    np.testing.assert_allclose(H.array, B + B.T, rtol=1e-12)
    Hf = hessian(lambda x: x @ ag.tensor(B) @ x, x, outer_jacobian_strategy="forward-mode")
    np.testing.assert_allclose(Hf.array, B + B.T, rtol=1e-12)


def test_hessian_of_a_non_quadratic_function():
    x = t64([0.5, -1.0, 2.0])
    H = hessian(lambda x: (x.exp() * x).sum(), x)  # diag((x + 2) e^x)
    np.testing.assert_allclose(H.array, np.diag((x.array + 2) * np.exp(x.array)), rtol=1e-12)


def test_hessian_with_tuple_inputs():
    a, b = t64([1.0, 2.0]), t64([3.0, 4.0])
    H = hessian(lambda a, b: (a * b).sum() + (a**2).sum(), (a, b))
    assert [[blk.shape for blk in row] for row in H] == [[(2, 2)] * 2] * 2
    np.testing.assert_allclose(H[0][0].array, 2 * np.eye(2))
    np.testing.assert_allclose(H[0][1].array, np.eye(2))
    np.testing.assert_allclose(H[1][0].array, np.eye(2))
    np.testing.assert_allclose(H[1][1].array, np.zeros((2, 2)))


def test_hessian_needs_a_scalar_function():
    with pytest.raises(RuntimeError, match=r"one element, got shape \(2,\)"):
        hessian(lambda x: x * x, t64([1.0, 2.0]))


# ---------------------------------------------------------------------- vjp and jvp
def test_vjp_is_v_transpose_j():
    x = t64(RNG.standard_normal(4))
    u = t64(RNG.standard_normal(3))
    out, g = vjp(lambda x: ag.tensor(A) @ x, x, u)
    np.testing.assert_allclose(out.array, A @ x.array)
    np.testing.assert_allclose(g.array, u.array @ A, rtol=1e-12)
    assert not out.requires_grad and not g.requires_grad


def test_vjp_v_may_be_omitted_only_for_one_element_outputs():
    x = t64([1.0, 2.0])
    _, g = vjp(lambda x: (x**2).sum(), x)
    assert g.tolist() == [2.0, 4.0]
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        vjp(lambda x: x * 2, x)
    with pytest.raises(
        RuntimeError, match=r"v\[0\] has shape \(3,\); the output 0 has shape \(2,\)"
    ):
        vjp(lambda x: x * 2, x, t64([1.0, 2.0, 3.0]))


def test_vjp_tuples():
    a, b = t64([1.0, 2.0]), t64([3.0])
    outs, (ga, gb) = vjp(lambda a, b: (a * b, b * 2), (a, b), (t64([1.0, 1.0]), t64([1.0])))
    assert isinstance(outs, tuple) and len(outs) == 2
    assert ga.tolist() == [3.0, 3.0]
    assert gb.tolist() == [3.0 + 2.0]  # sum(a) + 2
    _, (ga, gb) = vjp(lambda a, b: (a * 2).sum(), (a, b))
    assert gb.tolist() == [0.0]
    with pytest.raises(RuntimeError, match=r"independent of input 1 \(strict mode\)"):
        vjp(lambda a, b: (a * 2).sum(), (a, b), strict=True)


def test_jvp_is_j_v_by_the_double_vjp_trick():
    x = t64(RNG.standard_normal(4))
    v = t64(RNG.standard_normal(4))
    out, t = jvp(lambda x: ag.tensor(A) @ x, x, v)
    np.testing.assert_allclose(out.array, A @ x.array, rtol=1e-12)
    np.testing.assert_allclose(t.array, A @ v.array, rtol=1e-12)
    _, t = jvp(lambda x: x.sin() * x, x, v)  # (cos x * x + sin x) v
    np.testing.assert_allclose(t.array, (np.cos(x.array) * x.array + np.sin(x.array)) * v.array)


def test_jvp_structures_and_defaults():
    a, b = t64([1.0, 2.0]), t64([3.0])
    outs, (t1, t2) = jvp(lambda a, b: (a * b, b * 2), (a, b), (t64([1.0, 0.0]), t64([1.0])))
    assert [o.tolist() for o in outs] == [[3.0, 6.0], [6.0]]
    assert t1.tolist() == [3.0 + 1.0, 0.0 + 2.0]  # b da + a db
    assert t2.tolist() == [2.0]
    s = t64(2.0)
    _, ts = jvp(lambda s: s**3, s)  # v omitted for a one-element input
    assert ts.item() == 12.0
    with pytest.raises(RuntimeError, match="v can be omitted only"):
        jvp(lambda a: a, a)
    _, (t1, t2) = jvp(lambda a, b: (a * 2, ag.ones(1, dtype=np.float64)), (a, b), (a, b))
    assert t2.tolist() == [0.0]
    with pytest.raises(RuntimeError, match="independent"):
        jvp(lambda a, b: (a * 2, ag.ones(1, dtype=np.float64)), (a, b), (a, b), strict=True)


def test_jvp_create_graph():
    w = t64([2.0]).requires_grad_()
    x = t64([3.0])
    _, t = jvp(lambda x: w * x * x, x, t64([1.0]), create_graph=True)  # 2 w x
    assert t.requires_grad
    (gw,) = ag.grad(t.sum(), w)
    assert gw.tolist() == [6.0]  # 2x


# ---------------------------------------------------------------------- hvp and vhp
@pytest.mark.parametrize("fn", [hvp, vhp])
def test_hvp_and_vhp_of_a_quadratic(fn):
    x = t64(RNG.standard_normal(4))
    v = t64(RNG.standard_normal(4))
    out, hv = fn(lambda x: x @ ag.tensor(B) @ x, x, v)
    np.testing.assert_allclose(out.item(), x.array @ B @ x.array)
    np.testing.assert_allclose(hv.array, (B + B.T) @ v.array, rtol=1e-12)
    assert not hv.requires_grad


@pytest.mark.parametrize("fn", [hvp, vhp])
def test_hvp_tuples_create_graph_and_errors(fn):
    a, b = t64([1.0, 2.0]), t64([3.0, 4.0])
    _, (ha, hb) = fn(lambda a, b: (a * a * b).sum(), (a, b), (t64([1.0, 0.0]), t64([0.0, 1.0])))
    # H = [[diag(2b), diag(2a)], [diag(2a), 0]]
    assert ha.tolist() == [6.0, 4.0]  # 2b * (1, 0) + 2a * (0, 1)
    assert hb.tolist() == [2.0, 0.0]  # 2a * (1, 0)
    w = t64([1.0, 1.0]).requires_grad_()
    _, hv = fn(lambda x: (w * x**3).sum(), a, t64([1.0, 1.0]), create_graph=True)  # 6 w x
    assert hv.tolist() == [6.0, 12.0] and hv.requires_grad
    (gw,) = ag.grad(hv.sum(), w)
    assert gw.tolist() == [6.0, 12.0]
    with pytest.raises(RuntimeError, match="one element"):
        fn(lambda x: x * 2, a, a)
    _, (ha, hb) = fn(lambda a, b: (a**3).sum(), (a, b), (a, b))
    assert hb.tolist() == [0.0, 0.0]
    with pytest.raises(RuntimeError, match=r"input 1 \(strict mode\)"):
        fn(lambda a, b: (a**3).sum(), (a, b), (a, b), strict=True)


# ---------------------------------------------------------------------- inputs
def test_inputs_must_be_float_tensors():
    with pytest.raises(TypeError, match="inputs must be a Tensor or a tuple of Tensors"):
        vjp(lambda x: x, np.ones(2))
    with pytest.raises(TypeError, match="element 1 is a list"):
        jacobian(lambda a, b: a, (t64([1.0]), [1.0]))
    with pytest.raises(TypeError, match="dtype int64"):
        jacobian(lambda x: x, ag.tensor([1, 2]))
    with pytest.raises(TypeError, match="outputs of the user-provided function"):
        vjp(lambda x: x.array, t64([1.0]))


def test_works_under_no_grad_and_leaves_inputs_alone():
    x = t64([1.0, 2.0])
    with ag.no_grad():
        J = jacobian(lambda x: x * x, x)
    np.testing.assert_allclose(J.array, np.diag([2.0, 4.0]))
    assert not x.requires_grad and x.grad is None
    y = t64([1.0, 2.0]).requires_grad_()
    jacobian(lambda x: x * x, y)
    assert y.grad is None  # functional results never touch .grad
