"""In-place changes: version counters, what is refused, what is recorded, and the errors
that replace silently wrong gradients."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag


def _x(values=(1.0, 2.0)):
    return ag.tensor(list(values), requires_grad=True)


# ---------------------------------------------------------------------- methods and versions
def test_inplace_methods_change_values_and_bump_the_version():
    t = ag.tensor([1.0, 2.0, 3.0])
    assert t._version == 0
    t.add_(1)
    assert t.tolist() == [2.0, 3.0, 4.0] and t._version == 1
    t.add_(ag.tensor([1.0, 1.0, 1.0]), alpha=2)
    assert t.tolist() == [4.0, 5.0, 6.0]
    t.sub_(1).mul_(2).div_(4)
    assert t.tolist() == [1.5, 2.0, 2.5]
    t.sub_(ag.ones(3), alpha=0.5)
    assert t.tolist() == [1.0, 1.5, 2.0]
    t.clamp_(1.2, 1.8)
    assert t.tolist() == pytest.approx([1.2, 1.5, 1.8])
    t.clamp_(max=1.4)
    assert t.tolist() == pytest.approx([1.2, 1.4, 1.4])
    t.fill_(7)
    assert t.tolist() == [7.0, 7.0, 7.0]
    t.zero_()
    assert t.tolist() == [0.0, 0.0, 0.0]
    t.copy_(ag.tensor([1.0, 2.0, 3.0], dtype=np.float64))
    assert t.tolist() == [1.0, 2.0, 3.0] and t.dtype == np.float32
    t[0] = 5.0
    assert t.tolist() == [5.0, 2.0, 3.0]
    assert t._version == 12


def test_inplace_operators_mutate_the_same_object_when_nothing_is_recorded():
    t = ag.tensor([1.0, 2.0])
    alias = t
    t += 1
    t *= ag.tensor([2.0, 3.0])
    t -= 1
    t /= 2
    assert t is alias
    assert t.tolist() == [1.5, 4.0]
    assert t._version == 4


def test_inplace_results_must_keep_shape_and_dtype():
    t = ag.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match=r"shape \(2, 2\) cannot be stored in place.*\(2,\)"):
        t += ag.ones(2, 2)
    i = ag.tensor([1, 2])
    with pytest.raises(
        RuntimeError, match=r"dtype float\d+ cannot be stored in place into a tensor of dtype int64"
    ):
        i += 1.5
    i += 1
    assert i.tolist() == [2, 3]
    with pytest.raises(RuntimeError, match=r"shape \(3,\)"):
        t.copy_(ag.ones(3))
    t.copy_(ag.tensor(9.0))  # broadcasts
    assert t.tolist() == [9.0, 9.0]
    with pytest.raises(ValueError, match="at least one of min and max"):
        t.clamp_()


def test_read_only_values_cannot_be_changed_in_place():
    b = ag.from_numpy(np.broadcast_to(np.ones(1, dtype=np.float32), (3,)))
    with pytest.raises(RuntimeError, match="read-only"):
        b.add_(1)
    with pytest.raises(RuntimeError, match="read-only"):
        b[0] = 2.0


# ---------------------------------------------------------------------- what is refused
def test_leaves_that_require_grad_are_changed_only_under_no_grad():
    w = _x()
    for change in (
        lambda: w.add_(1),
        lambda: w.mul_(2),
        lambda: w.copy_(ag.zeros(2)),
        lambda: w.zero_(),
        lambda: w.fill_(1.0),
        lambda: w.clamp_(0, 1),
        lambda: w.__setitem__(0, 1.0),
    ):
        with pytest.raises(RuntimeError, match=r"requires grad while grad mode is on|leaf tensor"):
            change()
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        w -= 0.1  # would silently rebind an optimizer's local name in a naive fallback
    assert w.tolist() == [1.0, 2.0] and w._version == 0


def test_optimizer_style_update_under_no_grad():
    w = _x((1.0, 2.0))
    (w * w).sum().backward()
    with ag.no_grad():
        w -= 0.5 * w.grad
        w.sub_(w.grad, alpha=0.25)
    assert w.tolist() == [-0.5, -1.0]
    assert w.is_leaf and w.requires_grad and w._version == 2


def test_unrecorded_changes_from_tensors_that_require_grad_are_refused():
    buf = ag.zeros(2)
    w = _x()
    with pytest.raises(RuntimeError, match="not recorded by autograd"):
        buf.copy_(w)
    with ag.no_grad():
        buf.copy_(w)
        buf[0] = w[1]  # not recorded under no_grad
    assert buf.tolist() == [2.0, 2.0] and not buf.requires_grad


def test_setitem_with_a_key_that_repeats_an_element_is_refused_in_grad_mode():
    h = _x((1.0, 2.0, 3.0)) * 1
    with pytest.raises(RuntimeError, match="selects some elements more than once"):
        h[[0, 2, 0]] = ag.tensor([1.0, 2.0, 3.0])
    assert h.tolist() == [1.0, 2.0, 3.0] and h._version == 0
    with pytest.raises(ValueError, match=r"values of shape \(2,\) cannot be broadcast"):
        h[[0, 1, 2]] = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(IndexError, match=r"__setitem__: .*tensor of shape \(3,\)"):
        h[5] = 0.0


# ---------------------------------------------------------------------- recorded in place
def test_setitem_on_a_non_leaf_is_recorded_like_pytorch():
    w = _x((1.0, 2.0, 3.0))
    y = w * 2
    alias = y
    y[1] = 5.0
    assert y is alias and y.tolist() == [2.0, 5.0, 6.0]
    (y * y).sum().backward()
    assert w.grad.tolist() == [8.0, 0.0, 24.0]  # 4 w where kept, nothing where overwritten


def test_setitem_of_values_that_require_grad_into_a_plain_buffer():
    v = ag.tensor(3.0, requires_grad=True)
    rows = ag.tensor([[1.0, 2.0]], requires_grad=True)
    buf = ag.zeros((3, 2))
    buf[0:2, 1] = v  # broadcast: the gradient of v sums over the two positions
    buf[2] = rows[0]
    assert buf.requires_grad and buf.tolist() == [[0.0, 3.0], [0.0, 3.0], [1.0, 2.0]]
    (buf * ag.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])).sum().backward()
    assert v.grad.item() == 6.0 and rows.grad.tolist() == [[5.0, 6.0]]


def test_setitem_keeps_earlier_uses_of_the_old_value_honest():
    w = _x((1.0, 2.0))
    y = w * 1
    before = y.sum()  # needs no saved value: its gradient still reaches w
    square = y * y  # saved y for its backward
    y[0] = 0.0
    before.backward()
    assert w.grad.tolist() == [1.0, 1.0]
    with pytest.raises(RuntimeError, match="modified by an in-place"):
        square.sum().backward()


@pytest.mark.parametrize(
    "key",
    [
        (slice(1, 3),),
        ([0, 2], slice(None)),
        (np.array([[True, False, True], [False, True, False], [True, True, False]]),),
        (slice(None), 1),
        (Ellipsis, [2, 0]),
    ],
    ids=["slice", "rows", "mask", "column", "ellipsis-advanced"],
)
def test_recorded_setitem_first_and_second_order_against_finite_differences(key):
    from autograd_np.testing import gradcheck, gradgradcheck

    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 3))
    selected = np.zeros((3, 3))[key].shape
    v = rng.standard_normal(selected[-1:])  # broadcast along the leading selected axes

    def fn(x, v):
        h = x * x
        h[key] = v * v
        return h * x

    assert gradcheck(fn, [x, v])
    assert gradgradcheck(fn, [x, v])


def test_inplace_arithmetic_on_a_non_leaf_is_recorded_like_pytorch():
    x = _x()
    y = x * 1
    alias = y
    y += 1
    assert y is alias  # the same object changed, as in PyTorch (not a rebinding)
    assert repr(y.grad_fn) == "<AddBackward>"
    assert repr(y.grad_fn.next_functions[0]) == "<MultiplyBackward>"
    (y * y).sum().backward()
    assert x.grad.tolist() == [4.0, 6.0]  # 2 (x + 1)


def test_inplace_mul_keeps_the_old_value_for_its_vjp():
    x = _x((1.0, 2.0))
    y = x * 1
    y *= ag.tensor([3.0, 4.0])
    y.mul_(y)  # y <- y^2 uses the old y on both sides
    assert y.tolist() == [9.0, 64.0]
    y.sum().backward()
    assert x.grad.tolist() == [18.0, 64.0]  # d(c^2 x^2) = 2 c^2 x


def test_inplace_add_of_a_tensor_that_requires_grad_into_a_plain_buffer():
    buf = ag.zeros(2)
    w = _x((1.0, 2.0))
    buf += w
    buf.add_(w, alpha=2)
    assert not buf.is_leaf and buf.requires_grad
    (buf * buf).sum().backward()
    assert w.grad.tolist() == [18.0, 36.0]  # buf = 3w: d(9 w^2) = 18 w


def test_consumers_recorded_before_an_inplace_change_keep_their_edges():
    x = _x((1.0, 2.0))
    y = x * 1
    b = y + 0  # recorded on the old y; its VJP needs no values
    y *= 3
    (b.sum() + y.sum()).backward()
    assert x.grad.tolist() == [4.0, 4.0]  # 1 through b, 3 through the new y


def test_retain_grad_follows_the_tensor_through_an_inplace_change():
    x = _x()
    y = x * 1
    y.retain_grad()
    y += 1
    (y * 2).sum().backward()
    assert y.grad.tolist() == [2.0, 2.0]


# ---------------------------------------------------------------------- detected at backward
def test_changing_a_saved_input_raises_at_backward():
    x = _x((1.0, 2.0))
    y = x * 1
    s = y.sin()  # sin's VJP reads y
    y += 1
    with pytest.raises(
        RuntimeError,
        match=r"sin: one of the tensors needed for gradient computation has been modified by "
        r"an in-place operation: input 0 of sin \(shape \(2,\), dtype float32\) is at version "
        r"1; expected version 0",
    ):
        s.sum().backward()


def test_changing_a_saved_output_raises_at_backward():
    x = _x((1.0, 2.0))
    e = x.exp()  # exp's VJP reads its output
    with ag.no_grad():
        e.mul_(2)
    with pytest.raises(
        RuntimeError, match=r"exp: its output is needed .* version 1; expected version 0"
    ):
        e.sum().backward()


def test_changing_a_leaf_under_no_grad_before_backward_raises():
    w = _x((1.0, 2.0))
    loss = (w * w).sum()
    with ag.no_grad():
        w.add_(1)
    with pytest.raises(RuntimeError, match=r"input 0 of multiply .* version 1; expected version 0"):
        loss.backward()


def test_changing_a_view_changes_the_version_of_its_base():
    x = _x((1.0, 2.0, 3.0, 4.0))
    y = x * 1
    s = y.sin()
    v = y.reshape(2, 2)
    assert v._version_box is y._version_box
    with ag.no_grad():
        v[0, 0] = 10.0
    assert y.array[0] == 10.0 and y._version == 1
    with pytest.raises(RuntimeError, match="input 0 of sin"):
        s.sum().backward()


def test_changing_a_value_nobody_saved_is_fine():
    x = _x((1.0, 2.0))
    y = x * 1
    z = y + 1  # add reads no values
    with ag.no_grad():
        y.add_(5)
    z.sum().backward()
    assert x.grad.tolist() == [1.0, 1.0]


def test_changes_after_backward_are_fine():
    w = _x((1.0, 2.0))
    (w * w).sum().backward()
    with ag.no_grad():
        w.add_(1)
    (w * w).sum().backward()
    assert w.grad.tolist() == [2.0 + 4.0, 4.0 + 6.0]


def test_a_tensor_made_from_another_shares_its_version_counter():
    x = _x((1.0, 2.0))
    loss = (x * x).sum()
    alias = ag.Tensor(x)  # shares the values (not the graph)
    assert alias.array is x.array and not alias.requires_grad
    alias.add_(1)
    assert x.tolist() == [2.0, 3.0]
    with pytest.raises(RuntimeError, match=r"input 0 of multiply .* at version 1"):
        loss.backward()
    assert ag.Tensor(x, dtype=np.float64)._version_box is not x._version_box  # a copy
