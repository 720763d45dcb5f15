"""Reverse mode: backward and grad with PyTorch's semantics."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag


def _x(values=(1.0, 2.0, 3.0), dtype=np.float32):
    return ag.tensor(np.array(values, dtype=dtype), requires_grad=True)


# ---------------------------------------------------------------------- backward
def test_gradients_accumulate_on_leaves():
    x = _x()
    (x * x).sum().backward()
    assert x.grad.tolist() == [2.0, 4.0, 6.0]
    first = x.grad
    (3 * x).sum().backward()
    assert x.grad.tolist() == [5.0, 7.0, 9.0]
    assert first.tolist() == [2.0, 4.0, 6.0]  # accumulated out of place
    x.grad = None
    x.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0, 1.0]


def test_a_tensor_used_twice_gets_the_sum():
    x = _x((2.0,))
    y = x * x * x + x  # x^3 + x
    y.backward()
    assert x.grad.tolist() == [13.0]  # 3x^2 + 1


def test_diamond_graph():
    x = _x((1.0, 2.0))
    a = x * 2
    b = a.exp()
    c = a * 3
    (b + c).sum().backward()
    np.testing.assert_allclose(x.grad.array, 2 * np.exp(2 * x.array) + 6, rtol=1e-6)


def test_second_backward_through_a_freed_graph_raises():
    x = _x()
    y = (x * x).sum()
    y.backward()
    with pytest.raises(
        RuntimeError, match=r"backward through the graph a second time.*retain_graph"
    ):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = _x()
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    once = x.grad.array.copy()
    y.backward()
    np.testing.assert_allclose(x.grad.array, 2 * once, rtol=1e-6)


def test_non_scalar_backward_needs_a_gradient():
    x = _x()
    with pytest.raises(
        RuntimeError, match=r"implicitly created only for outputs with one element.*\(3,\)"
    ):
        (x * 2).backward()


def test_root_gradient_shape_is_checked():
    x = _x()
    with pytest.raises(
        RuntimeError, match=r"gradient has shape \(2,\) but the output has shape \(3,\)"
    ):
        (x * 2).backward(ag.ones(2))
    with pytest.raises(RuntimeError, match="gradient has shape"):
        (x * 2).backward(ag.ones(1))  # no broadcasting of root gradients


def test_root_gradient_forms():
    x = _x()
    (x * 2).backward(ag.tensor([1.0, 0.0, -1.0]))
    assert x.grad.tolist() == [2.0, 0.0, -2.0]
    x.grad = None
    (x * 2).backward(np.array([1.0, 1.0, 1.0]))  # float64 array: cast to the output's dtype
    assert x.grad.dtype == np.float32 and x.grad.tolist() == [2.0, 2.0, 2.0]
    x.grad = None
    (x * 2).backward([0.5, 0.5, 0.5])
    assert x.grad.tolist() == [1.0, 1.0, 1.0]
    x.grad = None
    (x * 2).sum().backward(3.0)
    assert x.grad.tolist() == [6.0, 6.0, 6.0]


def test_backward_of_a_tensor_that_does_not_require_grad_raises():
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.tensor([1.0]).sum().backward()
    x = _x()
    with ag.no_grad():
        y = (x * 2).sum()
    with pytest.raises(RuntimeError, match="no_grad"):
        y.backward()


def test_backward_of_a_leaf():
    x = _x()
    g = ag.tensor([1.0, 2.0, 3.0])
    x.backward(g)
    assert x.grad.tolist() == [1.0, 2.0, 3.0]
    assert not np.shares_memory(x.grad.array, g.array)


def test_several_roots_at_once():
    x = _x((1.0, 2.0))
    y1 = x * 2
    y2 = (x * x).sum()
    ag.backward([y1, y2], [ag.tensor([1.0, 1.0]), None])
    assert x.grad.tolist() == [4.0, 6.0]  # 2 + 2x
    with pytest.raises(RuntimeError, match="got 1 gradients for 2 outputs"):
        ag.backward([x * 2, x * 3], [ag.ones(2)])


def test_backward_inputs_accumulates_only_into_them():
    a = _x((1.0,))
    b = _x((2.0,))
    h = a * b
    (h * h).sum().backward(inputs=[a, h])
    assert a.grad.tolist() == [8.0]  # 2 h b = 2 * 2 * 2
    assert b.grad is None
    assert h.grad.tolist() == [4.0]  # a non-leaf input gets its .grad too
    with pytest.raises(RuntimeError, match=r"inputs=\[\] is empty"):
        (a * 2).sum().backward(inputs=[])
    with pytest.raises(RuntimeError, match="does not require grad"):
        (a * 2).sum().backward(inputs=[ag.ones(1)])


# ---------------------------------------------------------------------- .grad ownership
def test_leaf_grads_never_alias_or_are_read_only():
    a = _x((1.0, 2.0))
    b = _x((3.0, 4.0))
    g = ag.tensor([1.0, 1.0])
    (a + b).backward(g)  # add's VJP hands the same tensor g to both inputs
    assert not np.shares_memory(a.grad.array, b.grad.array)
    assert not np.shares_memory(a.grad.array, g.array)
    a.grad.array[0] = 100.0
    assert b.grad.tolist() == [1.0, 1.0] and g.tolist() == [1.0, 1.0]

    c = _x((1.0, 2.0, 3.0))
    c.sum().backward()  # sum's VJP is a broadcast (read-only) view
    assert c.grad.array.flags.writeable
    c.grad.array *= 2  # in-place changes (gradient clipping) work
    assert c.grad.tolist() == [2.0, 2.0, 2.0]


def test_leaf_grads_never_alias_with_create_graph():
    a = _x((1.0, 2.0))
    b = _x((3.0, 4.0))
    (a + b).sum().backward(create_graph=True)
    assert a.grad is not b.grad
    assert not np.shares_memory(a.grad.array, b.grad.array)
    assert a.grad.array.flags.writeable


def test_grad_results_do_not_alias_the_cotangent():
    x = _x((1.0, 2.0))
    u = ag.tensor([1.0, 1.0])
    (gx,) = ag.grad(x + 0, x, u)
    assert not np.shares_memory(gx.array, u.array)


# ---------------------------------------------------------------------- grad()
def test_grad_returns_a_tuple_and_leaves_dot_grad_alone():
    x = _x((1.0, 2.0))
    (gx,) = ag.grad((x**2).sum(), x)
    assert gx.tolist() == [2.0, 4.0]
    assert x.grad is None
    assert not gx.requires_grad


def test_grad_with_respect_to_non_leaves_and_several_inputs():
    a = ag.tensor(3.0, requires_grad=True)
    m = a * a
    o = m * m + a
    gm, ga = ag.grad(o, [m, a])
    assert gm.item() == 18.0  # 2m
    assert ga.item() == 1 + 2 * m.item() * 2 * a.item()  # total derivative 4a^3 + 1 = 109
    (go,) = ag.grad(m * 1, m)
    assert go.item() == 1.0


def test_grad_of_an_output_with_respect_to_itself():
    x = _x((1.0, 2.0))
    y = x * 2
    (gy,) = ag.grad(y, y, ag.tensor([3.0, 4.0]))
    assert gy.tolist() == [3.0, 4.0]
    (gx,) = ag.grad(x, x, ag.tensor([5.0, 6.0]))
    assert gx.tolist() == [5.0, 6.0]


def test_allow_unused():
    a = _x((1.0,))
    b = _x((2.0,))
    with pytest.raises(
        RuntimeError, match=r"input 1 \(shape \(1,\)\) was not used.*allow_unused=True"
    ):
        ag.grad((a * 2).sum(), [a, b])
    ga, gb = ag.grad((a * 2).sum(), [a, b], allow_unused=True)
    assert ga.tolist() == [2.0] and gb is None


def test_grad_input_must_require_grad_and_output_too():
    a = _x((1.0,))
    with pytest.raises(RuntimeError, match=r"input 0 .* does not require grad"):
        ag.grad((a * 2).sum(), ag.ones(1))
    with pytest.raises(RuntimeError, match=r"output 0 .* does not require grad"):
        ag.grad(ag.ones(1).sum(), a)


def test_grad_with_grad_outputs_and_several_outputs():
    x = _x((1.0, 2.0))
    y1 = x * 3
    y2 = x * x
    (gx,) = ag.grad([y1, y2], x, [ag.tensor([1.0, 0.0]), ag.tensor([1.0, 1.0])])
    assert gx.tolist() == [3.0 + 2.0, 0.0 + 4.0]
    with pytest.raises(RuntimeError, match="got 1 grad_outputs for 2 outputs"):
        ag.grad([x * 1, x * 2], x, [ag.ones(2)])


def test_grad_frees_the_graph_unless_retained():
    x = _x((1.0, 2.0))
    y = (x.exp()).sum()
    ag.grad(y, x, retain_graph=True)
    ag.grad(y, x)
    with pytest.raises(RuntimeError, match="second time"):
        ag.grad(y, x)


def test_grad_only_runs_what_it_needs():
    calls = []

    @ag.primitive("test_counted_identity", register=False, saves=())
    def counted(x):
        return x.copy()

    @counted.defvjp
    def _counted_vjp(g, out, x):
        calls.append(1)
        return g  # d x = dx

    x = _x((1.0,))
    m = counted(x)
    ag.grad((m * 2).sum(), m)  # the target is above `counted`: its VJP must not run
    assert calls == []
    ag.grad((counted(x) * 2).sum(), x)
    assert calls == [1]


# ---------------------------------------------------------------------- retain_grad and hooks
def test_retain_grad_on_non_leaves():
    x = _x((1.0, 2.0))
    h = x * 2
    k = h * 1
    h.retain_grad()
    assert h.retains_grad and not k.retains_grad
    (h * h).sum().backward()
    assert h.grad.tolist() == [4.0, 8.0]
    assert k.grad is None  # not retained
    x.retain_grad()  # a no-op on leaves
    assert not x.retains_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(1).retain_grad()


def test_leaf_hook_is_called_once_with_the_total_gradient():
    x = _x((1.0, 2.0))
    seen = []
    x.register_hook(lambda g: seen.append(g.tolist()))
    (x * x + 3 * x).sum().backward()
    assert seen == [[5.0, 7.0]]
    assert x.grad.tolist() == [5.0, 7.0]


def test_non_leaf_hook_is_called_once_with_the_total_gradient():
    x = _x((1.0, 2.0))
    m = x * 2
    seen = []
    m.register_hook(lambda g: seen.append(g.tolist()))
    (m * m + m).sum().backward()
    assert seen == [[5.0, 9.0]]  # 2m + 1


def test_hooks_can_replace_the_gradient_and_be_removed():
    x = _x((1.0, 2.0))
    m = x * 2
    handle = m.register_hook(lambda g: g * 10)
    m.sum().backward()
    assert x.grad.tolist() == [20.0, 20.0]
    handle.remove()
    handle.remove()  # a second remove does nothing
    x.grad = None
    (x * 2).sum().backward()
    assert x.grad.tolist() == [2.0, 2.0]

    y = _x((1.0,))
    y.register_hook(lambda g: g + 1)
    (y * 3).sum().backward()
    assert y.grad.tolist() == [4.0]
    with pytest.raises(RuntimeError, match="does not require grad"):
        ag.ones(1).register_hook(lambda g: g)


# ---------------------------------------------------------------------- grad_fn
def test_grad_fn_names_and_next_functions():
    x = _x((1.0, 2.0))
    c = ag.tensor([1.0, 1.0])
    a = x * c
    b = a.exp()
    y = (b + a).sum()
    assert repr(y.grad_fn) == "<SumBackward>"
    assert y.grad_fn.name() == "SumBackward"
    (add_node,) = y.grad_fn.next_functions
    assert repr(add_node) == "<AddBackward>"
    exp_node, mul_node = add_node.next_functions
    assert repr(exp_node) == "<ExpBackward>"
    assert exp_node.next_functions == (mul_node,)
    assert mul_node.next_functions == (None, None)  # a leaf and a constant
    assert "grad_fn=<SumBackward>" in repr(y)
    y.backward()
    assert repr(y.grad_fn.next_functions[0]) == "<AddBackward>"  # structure kept after freeing


# ---------------------------------------------------------------------- higher order
def test_second_and_third_derivatives():
    x = ag.tensor(2.0, dtype=np.float64, requires_grad=True)
    (d1,) = ag.grad(x**3, x, create_graph=True)
    (d2,) = ag.grad(d1, x, create_graph=True)
    (d3,) = ag.grad(d2, x)
    assert (d1.item(), d2.item(), d3.item()) == (12.0, 12.0, 6.0)
    assert d1.requires_grad and not d3.requires_grad


def test_hessian_vector_product_of_a_quadratic():
    rng = np.random.default_rng(0)
    A = rng.standard_normal((4, 4))
    v = rng.standard_normal(4)
    x = ag.tensor(rng.standard_normal(4), requires_grad=True)
    f = 0.5 * (x @ ag.tensor(A) @ x)
    (g,) = ag.grad(f, x, create_graph=True)
    np.testing.assert_allclose(g.array, 0.5 * (A + A.T) @ x.array, rtol=1e-10)
    (hv,) = ag.grad(g, x, ag.tensor(v))
    np.testing.assert_allclose(hv.array, 0.5 * (A + A.T) @ v, rtol=1e-10)


def test_gradient_penalty_through_backward_create_graph():
    w = ag.tensor([0.5, -1.0, 2.0], dtype=np.float64, requires_grad=True)
    x = ag.tensor([1.0, 2.0, 3.0], dtype=np.float64, requires_grad=True)
    f = (w * x * x).sum()
    (gx,) = ag.grad(f, x, create_graph=True)  # 2 w x
    penalty = (gx * gx).sum()  # 4 w^2 x^2
    penalty.backward()
    np.testing.assert_allclose(w.grad.array, 8 * w.array * x.array**2)
    np.testing.assert_allclose(x.grad.array, 8 * w.array**2 * x.array)


def test_backward_create_graph_makes_differentiable_grads():
    x = ag.tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    (x**3).sum().backward(create_graph=True)
    g = x.grad
    assert g.requires_grad
    np.testing.assert_allclose(g.array, 3 * x.array**2)
    x.grad = None
    g.sum().backward()
    np.testing.assert_allclose(x.grad.array, 6 * x.array)


def test_second_order_through_every_kind_of_op():
    # indexing, broadcasting, matmul, reductions and elementwise ops in one function
    rng = np.random.default_rng(1)
    x = ag.tensor(rng.standard_normal((3, 2)), requires_grad=True)
    w = ag.tensor(rng.standard_normal((2, 2)), requires_grad=True)

    def f(x, w):
        h = (x @ w).tanh()
        return (h[[0, 2, 2]] * x[1]).sum() + (h.exp() / 3).mean()

    from autograd_np.testing import gradgradcheck

    assert gradgradcheck(f, [x, w])


def test_float32_gradients_stay_float32():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    w = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    ((w @ x).tanh() * 0.5).sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_a_leaf_gradient_is_laid_out_like_the_leaf():
    # x @ w.T gives w's gradient as the transpose of a C-ordered product; .grad follows
    # w's own memory layout (optimizers mixing layouts run several times slower)
    rng = np.random.default_rng(0)
    x = ag.tensor(rng.standard_normal((5, 3)))
    for w_data in (rng.standard_normal((4, 3)), np.asfortranarray(rng.standard_normal((4, 3)))):
        w = ag.Tensor(w_data, requires_grad=True)
        (x @ w.T).sum().backward()
        assert w.grad.array.strides == w.array.strides
        np.testing.assert_allclose(w.grad.array, np.ones((5, 4)).T @ x.array)


def test_post_accumulate_grad_hook_sees_the_accumulated_grad():
    import autograd_np as ag

    w = ag.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    handle = w.register_post_accumulate_grad_hook(lambda t: seen.append(t.grad.array.copy()))
    (w * 3).sum().backward()
    (w * 2).sum().backward()
    assert [s.tolist() for s in seen] == [[3.0, 3.0], [5.0, 5.0]]
    handle.remove()
    (w * 2).sum().backward()
    assert len(seen) == 2
    ag.grad((w * 2).sum(), w)  # autograd.grad accumulates nothing, so no hook runs
    assert len(seen) == 2
    import pytest

    with pytest.raises(RuntimeError, match="leaf tensors"):
        (w * 2).register_post_accumulate_grad_hook(lambda t: None)
