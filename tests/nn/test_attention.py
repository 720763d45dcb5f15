"""F.scaled_dot_product_attention against hand-derived values, masks, dropout, GQA, and
gradients through it (first and second order)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.testing import gradcheck, gradgradcheck


def _t(a, requires_grad=False):
    return ag.tensor(np.asarray(a, dtype=np.float64), requires_grad=requires_grad)


def test_equal_scores_average_the_values():
    # q = 0: every score is 0, so each query averages the values it may see
    q = np.zeros((1, 3, 2))
    k = np.random.default_rng(0).standard_normal((1, 3, 2))
    v = np.array([[[1.0, 10.0], [2.0, 20.0], [6.0, 60.0]]])
    out = F.scaled_dot_product_attention(_t(q), _t(k), _t(v))
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to([[[3.0, 30.0]]], (1, 3, 2)))
    causal = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), is_causal=True)
    np.testing.assert_allclose(causal.numpy()[0], [[1, 10], [1.5, 15], [3, 30]])


def test_two_keys_by_hand():
    # one query, two keys: weights softmax([q.k1, q.k2] / sqrt(2))
    q, k = np.array([[1.0, 1.0]]), np.array([[1.0, 0.0], [0.0, -1.0]])
    v = np.array([[2.0], [-4.0]])
    s = np.array([1.0, -1.0]) / np.sqrt(2.0)
    w = np.exp(s) / np.exp(s).sum()
    out = F.scaled_dot_product_attention(_t(q), _t(k), _t(v))
    np.testing.assert_allclose(out.detach().numpy(), [[w @ v[:, 0]]])
    out = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), scale=0.0)  # uniform
    np.testing.assert_allclose(out.detach().numpy(), [[-1.0]])


def test_bool_mask_keeps_true_and_float_mask_is_added():
    rng = np.random.default_rng(1)
    q, k, v = (
        rng.standard_normal((2, 3, 4)),
        rng.standard_normal((2, 5, 4)),
        rng.standard_normal((2, 5, 3)),
    )
    keep = rng.random((3, 5)) > 0.4
    keep[:, 0] = True
    add = np.where(keep, 0.0, -np.inf)
    a = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), attn_mask=keep)
    b = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), attn_mask=add)
    np.testing.assert_allclose(a.numpy(), b.numpy())
    bias = rng.standard_normal((3, 5))
    s = q @ k.transpose(0, 2, 1) / 2.0 + bias
    p = np.exp(s - s.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    c = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), attn_mask=ag.tensor(bias))
    np.testing.assert_allclose(c.numpy(), p @ v, rtol=1e-12)


def test_fully_masked_rows_give_zeros_and_zero_gradients():
    rng = np.random.default_rng(2)
    q, k, v = (_t(rng.standard_normal((2, 3, 4)), True) for _ in range(3))
    mask = np.array([[True, False, True], [False, False, False], [True, True, True]])
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    assert np.isfinite(out.detach().numpy()).all()
    np.testing.assert_array_equal(out.detach().numpy()[:, 1], 0.0)
    out.sum().backward()
    np.testing.assert_array_equal(q.grad.numpy()[:, 1], 0.0)
    gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, attn_mask=mask), [q, k, v])


def test_dropout_uses_the_generator():
    rng = np.random.default_rng(3)
    q, k, v = (_t(rng.standard_normal((2, 4, 3))) for _ in range(3))
    a = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=7)
    b = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=np.random.default_rng(7))
    c = F.scaled_dot_product_attention(q, k, v, dropout_p=0.5, generator=8)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert not np.allclose(a.numpy(), c.numpy())
    zero = F.scaled_dot_product_attention(q, k, v, dropout_p=1.0)
    np.testing.assert_array_equal(zero.numpy(), 0.0)
    # the expectation over masks is the plain attention
    plain = F.scaled_dot_product_attention(q, k, v).numpy()
    g = np.random.default_rng(0)
    mean = np.mean(
        [
            F.scaled_dot_product_attention(q, k, v, dropout_p=0.3, generator=g).numpy()
            for _ in range(4000)
        ],
        axis=0,
    )
    np.testing.assert_allclose(mean, plain, atol=0.05)


def test_grouped_query_attention_repeats_key_heads():
    rng = np.random.default_rng(4)
    q = rng.standard_normal((2, 6, 3, 4))
    k, v = rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((2, 2, 5, 3))
    out = F.scaled_dot_product_attention(_t(q), _t(k), _t(v), enable_gqa=True, is_causal=True)
    ref = F.scaled_dot_product_attention(
        _t(q), _t(np.repeat(k, 3, axis=1)), _t(np.repeat(v, 3, axis=1)), is_causal=True
    )
    np.testing.assert_allclose(out.detach().numpy(), ref.numpy(), rtol=1e-12)
    args = [_t(q[:1, :4, :2], True), _t(k[:1, :, :3], True), _t(v[:1, :, :3], True)]
    gradcheck(lambda a, b, c: F.scaled_dot_product_attention(a, b, c, enable_gqa=True), args)


def test_float32_stays_float32_and_errors():
    x = ag.ones((2, 3, 4))
    assert F.scaled_dot_product_attention(x, x, x).dtype == np.float32
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((3, 3), bool), is_causal=True)
    with pytest.raises(ValueError, match="does not broadcast"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=np.ones((2, 2), bool))
    with pytest.raises(ValueError, match="expected query"):
        F.scaled_dot_product_attention(x, ag.ones((2, 3, 5)), x)


@pytest.mark.parametrize("kind", ["causal", "bool", "float", "dropout"])
def test_gradgradcheck_through_attention(kind):
    rng = np.random.default_rng(5)
    q, k, v = (_t(rng.standard_normal((2, 2, 3, 2)), True) for _ in range(3))
    kwargs: dict = {
        "causal": {"is_causal": True},
        "bool": {"attn_mask": np.array([[1, 0, 1], [0, 0, 0], [1, 1, 0]], bool)},
        "float": {"attn_mask": rng.standard_normal((3, 3))},
        "dropout": {"dropout_p": 0.4, "generator": 11},
    }[kind]
    fn = lambda a, b, c: F.scaled_dot_product_attention(a, b, c, **kwargs)  # noqa: E731
    gradcheck(fn, [q, k, v])
    gradgradcheck(fn, [q, k, v])


def test_the_node_keeps_one_probability_array():
    rng = np.random.default_rng(6)
    q, k, v = (_t(rng.standard_normal((2, 5, 4)), True) for _ in range(3))
    out = F.scaled_dot_product_attention(q, k, v, is_causal=True)
    big = [a for a in out.grad_fn.kwargs.values() if isinstance(a, np.ndarray) and a.size >= 25]
    assert len(big) == 2  # the probabilities and the (L, S) causal mask (shared by the batch)
    assert sum(a.size for a in big) == 2 * 5 * 5 + 5 * 5
