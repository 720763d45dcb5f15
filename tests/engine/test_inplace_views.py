"""Recorded in-place changes through views (slices, reshape, transpose, chains of them), as
PyTorch records them: checked against finite differences of the same code, which sees the
plain numpy semantics of shared memory; and what stays refused."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.autograd import primitive
from autograd_np.testing import gradcheck, gradgradcheck

RNG = np.random.default_rng(3)
C = RNG.standard_normal((3, 4))  # fixed weights, so outputs are not plain copies


def _check(fn, *shapes):
    inputs = [RNG.standard_normal(s) for s in shapes]
    assert gradcheck(fn, inputs)
    assert gradgradcheck(fn, inputs)


def test_the_augmented_assignment_idiom_on_a_slice():
    # Python runs y[0:2] += v as: t = y[0:2]; t += v; y[0:2] = t
    x = ag.tensor([0.0, 1.0, 2.0, 3.0], requires_grad=True)
    w = ag.tensor([3.0, 3.0], requires_grad=True)
    y = x * 2
    y[0:2] += w * x[2:]
    assert y.tolist() == [6.0, 11.0, 4.0, 6.0]
    (y * ag.tensor([1.0, 2.0, 3.0, 4.0])).sum().backward()
    # y0 = 2 x0 + w0 x2, y1 = 2 x1 + w1 x3, y2 = 2 x2, y3 = 2 x3
    assert x.grad.tolist() == [2.0, 4.0, 1 * 3.0 + 3 * 2.0, 2 * 3.0 + 4 * 2.0]
    assert w.grad.tolist() == [1 * 2.0, 2 * 3.0]


@pytest.mark.parametrize(
    "change",
    [
        lambda y, w: y[1:].__imul__(w[1:]),  # through a slice, reading the old values
        lambda y, w: y.T.__iadd__(w.T),  # through a transpose
        lambda y, w: y.reshape(12).__isub__(w.reshape(12) ** 2),  # through a reshape
        lambda y, w: y[1][1:3].__imul__(w[0, :2]),  # through a chain of two views
        lambda y, w: y.T[2:].__setitem__((slice(None), 0), w[0, 2:] * 3),  # setitem in a view
        lambda y, w: y.__iadd__(w),  # the root itself, while views of it live
    ],
)
def test_changes_through_views_reach_the_root_and_every_view(change):
    def fn(x, w):
        y = x * C
        views = [y[0:2], y.T[1], y.reshape(4, 3)[1:]]  # made before the change
        change(y, w)
        return (y * C, *(v * 2 for v in views))

    _check(fn, (3, 4), (3, 4))


def test_a_sibling_view_sees_the_change_in_its_graph():
    def fn(x, w):
        y = x * 1
        a, b = y[0:3], y[2:5]  # overlap at y[2]
        a *= w
        return b * np.arange(1.0, 4.0)

    _check(fn, (6,), (3,))


def test_a_view_of_a_tensor_outside_the_graph_joins_it():
    def fn(w):
        y = ag.tensor(C.copy())  # a constant
        y[1:, 2] += w
        return y * C

    _check(fn, (2,))


def test_a_saved_value_changed_through_a_view_raises_at_backward():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    s = y.sin()  # saves y
    v = y[1:]
    v += 1
    with pytest.raises(RuntimeError, match=r"input 0 of sin .* at version 1; expected version 0"):
        s.sum().backward()


def test_retain_grad_follows_a_view_through_the_change():
    x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * 1
    v = y[1:]
    v.retain_grad()
    v *= 3
    # v now stands for the changed values: the gradient it keeps is the one of its uses
    # from here on, as in PyTorch (y = [x0, 3 x1, 3 x2], v = [3 x1, 3 x2])
    ((y * ag.tensor([1.0, 2.0, 4.0])).sum() + (v * ag.tensor([10.0, 20.0])).sum()).backward()
    assert v.grad.tolist() == [10.0, 20.0]
    assert x.grad.tolist() == [1.0, 3 * (2.0 + 10.0), 3 * (4.0 + 20.0)]


def test_views_of_a_leaf_that_requires_grad_are_refused():
    w = ag.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf tensor that requires grad"):
        w[0] += 1
    with pytest.raises(RuntimeError, match="view of a leaf tensor that requires grad"):
        w.T.mul_(2)
    assert w.tolist() == [[1.0, 2.0], [3.0, 4.0]]
    with ag.no_grad():  # as optimizers change parameters
        w.T[0] += 1
    assert w.tolist() == [[2.0, 2.0], [4.0, 4.0]]


@primitive("test_views.first_of_two", register=False, saves=())
def _first_of_two(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    return x[:]  # a view of x, made by an op of two tensors


@_first_of_two.defvjp
def _first_of_two_vjp(g, out, x, y):
    return g, None


def test_a_view_that_cannot_be_replayed_is_refused():
    x = ag.tensor([1.0, 2.0], requires_grad=True)
    y = x * 1
    v = _first_of_two(y, ag.tensor([0.0, 0.0]))
    with pytest.raises(RuntimeError, match="view made by an op of several tensors"):
        v += 1
    with pytest.raises(RuntimeError, match="view made by an op of several tensors"):
        y += 1


def test_the_family_forgets_dead_views():
    w = ag.tensor(np.ones((4, 4)), requires_grad=True)
    for _ in range(1000):
        w.T.sum()  # a transient view each time, as a linear layer's weight.T
    assert len(w._version_box.views) <= 32
    keep = [w[i] for i in range(4)]
    assert sum(r() is not None for r in w._version_box.views) == len(keep)
