"""Zero-size and 0-d tensors as PyTorch treats them (expectations derived by hand from its
documented rules; checked against torch 2.13 when written)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F

E = (2, 0)


def _empty(shape=E, requires_grad=False):
    return ag.zeros(shape, dtype=np.float64, requires_grad=requires_grad)


# ---------------------------------------------------------------------- zero-size tensors
@pytest.mark.parametrize("fn", [F.softmax, F.log_softmax])
@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_over_an_empty_dim_is_empty(fn, dim):
    x = _empty(requires_grad=True)
    out = fn(x, dim=dim)
    assert out.shape == E
    out.sum().backward()
    assert x.grad.shape == E


def test_cat_skips_legacy_empty_vectors():
    x = ag.ones((2, 3), requires_grad=True)
    for parts, dim in (([ag.zeros(0), x], 0), ([x, ag.zeros(0)], 1)):
        out = ag.cat(parts, dim=dim)
        assert out.shape == (2, 3)
        np.testing.assert_array_equal(out.detach().numpy(), np.ones((2, 3)))
    assert ag.cat([ag.zeros(0), ag.zeros(0)]).shape == (0,)
    with pytest.raises(ValueError, match="same shape except along axis 0"):
        ag.cat([ag.zeros((0, 2)), ag.ones((2, 3))])  # only (0,) is legacy


def test_linear_with_no_input_features_gives_the_bias():
    x = ag.zeros((3, 0))
    w = ag.zeros((4, 0), requires_grad=True)
    b = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
    out = F.linear(x, w, b)
    np.testing.assert_array_equal(out.detach().numpy(), np.tile([1.0, 2.0, 3.0, 4.0], (3, 1)))
    out.sum().backward()
    np.testing.assert_array_equal(b.grad.numpy(), [3.0, 3.0, 3.0, 3.0])
    assert w.grad.shape == (4, 0)
    assert F.linear(x, w).shape == (3, 4)
    for lead in ((2, 3), ()):  # batched and 1-D inputs: the bias broadcast to (*lead, 4)
        b.grad = None
        out = F.linear(ag.zeros((*lead, 0)), w, b)
        assert out.shape == (*lead, 4)
        out.sum().backward()
        np.testing.assert_array_equal(b.grad.numpy(), np.full(4, float(np.prod(lead))))
    np.testing.assert_array_equal(F.linear(x, w).detach().numpy(), np.zeros((3, 4)))


@pytest.mark.parametrize(
    ("fn", "identity"),
    [
        (lambda x, d: ag.sum(x, d), 0.0),
        (lambda x, d: ag.prod(x, d), 1.0),
        (lambda x, d: ag.logsumexp(x, d), -math.inf),
        (lambda x, d: ag.norm(x, dim=d), 0.0),
        (lambda x, d: ag.norm(x, 1, dim=d), 0.0),
        (lambda x, d: ag.mean(x, d), math.nan),
    ],
    ids=["sum", "prod", "logsumexp", "norm2", "norm1", "mean"],
)
def test_reductions_over_an_empty_dim_give_their_identity(fn, identity):
    with np.errstate(invalid="ignore"):
        out = fn(_empty(), 1)
    assert out.shape == (2,)
    np.testing.assert_array_equal(out.numpy(), np.full(2, identity))


def test_extremes_over_an_empty_dim_raise_as_pytorch():
    for fn in (lambda x: ag.amax(x, 1), lambda x: ag.max(x), lambda x: ag.argmax(x)):
        with pytest.raises(ValueError, match="zero-length axis"):
            fn(_empty())
    assert ag.amax(_empty(), 0).shape == (0,)  # reducing a non-empty dim of an empty tensor


def test_batch_norm_and_group_norm_on_an_empty_batch():
    rm, rv = ag.zeros(3), ag.ones(3)
    x = ag.zeros((0, 3, 4), requires_grad=True)
    out = F.batch_norm(x, rm, rv, training=True)
    assert out.shape == (0, 3, 4)
    np.testing.assert_array_equal(rm.numpy(), np.zeros(3))  # unchanged, as in PyTorch
    np.testing.assert_array_equal(rv.numpy(), np.ones(3))
    out.sum().backward()
    assert x.grad.shape == (0, 3, 4)
    assert F.group_norm(ag.zeros((0, 4, 3)), 2).shape == (0, 4, 3)
    assert F.layer_norm(ag.zeros((0, 3)), (3,)).shape == (0, 3)


# ---------------------------------------------------------------------- 0-d tensors
S = 3.0


def _scalar(requires_grad=False):
    return ag.tensor(S, requires_grad=requires_grad)


@pytest.mark.parametrize(
    "fn",
    [
        lambda s: s.transpose(-1, 0),
        lambda s: s.transpose(0, 0),
        lambda s: ag.transpose(s, -1, 0),
        lambda s: ag.swapaxes(s, 0, -1),
        lambda s: s.swapaxes(-1, -1),
        lambda s: ag.flip(s, 0),
        lambda s: ag.flip(s, (-1,)),
        lambda s: ag.moveaxis(s, 0, -1),
        lambda s: s.mT,
        lambda s: s.T,
        lambda s: ag.sum(s, -1),
        lambda s: ag.sum(s, (0,)),
        lambda s: ag.mean(s, 0),
        lambda s: ag.amax(s, -1),
        lambda s: ag.max(s, 0).values,
        lambda s: ag.cumsum(s, -1),
        lambda s: ag.logsumexp(s, 0),
        lambda s: ag.gather(s, 0, ag.tensor(0)),
        lambda s: ag.index_select(s, 0, ag.tensor([0])),
    ],
)
def test_dims_0_and_minus_1_of_a_0d_tensor_are_accepted(fn):
    s = _scalar(requires_grad=True)
    out = fn(s)
    assert out.shape == ()
    assert out.item() == S
    out.backward()
    assert s.grad.item() == 1.0


@pytest.mark.parametrize(
    "fn",
    [
        lambda s: s.transpose(0, 1),
        lambda s: ag.swapaxes(s, 1, 0),
        lambda s: ag.flip(s, 1),
        lambda s: ag.moveaxis(s, 0, 2),
        lambda s: ag.gather(s, 1, ag.tensor(0)),
    ],
)
def test_other_dims_of_a_0d_tensor_raise(fn):
    with pytest.raises(IndexError, match="0-d tensor"):
        fn(_scalar())


def test_softmax_of_a_0d_tensor_is_1():
    assert F.softmax(_scalar(), 0).item() == 1.0
    assert F.log_softmax(_scalar(), -1).item() == 0.0


def test_argmax_of_a_0d_tensor_is_0():
    assert ag.argmax(_scalar(), 0).item() == 0
    assert ag.argmax(_scalar(), -1).shape == ()
