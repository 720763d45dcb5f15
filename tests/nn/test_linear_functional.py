"""F.linear: y = x W^T + b over any leading axes, its gradients, and shape errors."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F


def test_linear_values_with_leading_batch_axes():
    rng = np.random.default_rng(0)
    x, w, b = rng.standard_normal((2, 3, 4)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    y = F.linear(ag.Tensor(x), ag.Tensor(w), ag.Tensor(b))
    assert y.shape == (2, 3, 5)
    np.testing.assert_allclose(y.array, x @ w.T + b, rtol=1e-12)
    assert F.linear(ag.Tensor(x[0, 0]), ag.Tensor(w)).shape == (5,)
    np.testing.assert_allclose(F.linear(ag.Tensor(x[0, 0]), ag.Tensor(w)).array, w @ x[0, 0])


def test_linear_gradients():
    rng = np.random.default_rng(1)
    x = ag.Tensor(rng.standard_normal((2, 3, 4)), requires_grad=True)
    w = ag.Tensor(rng.standard_normal((5, 4)), requires_grad=True)
    b = ag.Tensor(rng.standard_normal(5), requires_grad=True)
    g = rng.standard_normal((2, 3, 5))
    gx, gw, gb = ag.grad(F.linear(x, w, b), [x, w, b], grad_outputs=ag.Tensor(g))
    np.testing.assert_allclose(gx.array, g @ w.array, rtol=1e-12)
    np.testing.assert_allclose(gw.array, g.reshape(-1, 5).T @ x.array.reshape(-1, 4), rtol=1e-12)
    np.testing.assert_allclose(gb.array, g.sum(axis=(0, 1)), rtol=1e-12)


def test_linear_keeps_float32():
    x = ag.Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    w = ag.Tensor(np.ones((4, 2), dtype=np.float32), requires_grad=True)
    y = F.linear(x, w, ag.Tensor(np.zeros(4, dtype=np.float32)))
    assert y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32 and w.grad.dtype == np.float32


def test_linear_shape_errors():
    x, w = ag.Tensor(np.ones((3, 2))), ag.Tensor(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"linear: input of shape \(3, 2\) does not match weight"):
        F.linear(x, w)
    with pytest.raises(ValueError, match=r"linear: weight must have shape \(out_features"):
        F.linear(x, ag.Tensor(np.ones(2)))
    with pytest.raises(
        ValueError, match=r"linear: bias must have shape \(out_features,\) = \(4,\)"
    ):
        F.linear(ag.Tensor(np.ones((3, 3))), w, ag.Tensor(np.ones(3)))
