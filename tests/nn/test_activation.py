"""Activations: erf accuracy, values against PyTorch 2.13 (float64, written out here),
softplus threshold, stability of the softmax family, identity with the engine's ops."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np.nn.functional.activation import erf, erf_numpy
from autograd_np.testing.registry import REGISTRY

V = np.array([-30.0, -3.0, -0.5, 0.0, 0.7, 2.0, 15.0, 25.0])


def _t(a, requires_grad=False, dtype=np.float64):
    return ag.Tensor(np.array(a, dtype=dtype), requires_grad=requires_grad)


# ---------------------------------------------------------------------- erf
def test_erf_matches_math_erf_over_a_wide_grid():
    x = np.concatenate([np.linspace(-10, 10, 40001), np.geomspace(1e-300, 1e-3, 200)])
    got = erf_numpy(x)
    want = np.array([math.erf(v) for v in x])
    rel = np.abs(got - want) / np.maximum(np.abs(want), 1e-300)
    assert rel.max() < 1e-14
    np.testing.assert_array_equal(erf_numpy(-x), -got)  # odd


def test_erf_float32_and_special_values():
    x = np.linspace(-6, 6, 10001).astype(np.float32)
    got = erf_numpy(x)
    assert got.dtype == np.float32
    want = np.array([math.erf(float(v)) for v in x])
    assert np.abs(got - want).max() < 3e-7
    special = erf_numpy(np.array([0.0, np.inf, -np.inf, np.nan, 6.0, -7.5]))
    np.testing.assert_array_equal(special[:3], [0.0, 1.0, -1.0])
    assert np.isnan(special[3])
    np.testing.assert_array_equal(special[4:], [1.0, -1.0])
    assert erf(_t(0.5)).shape == ()


def test_erf_derivative():
    x = _t([-2.0, 0.0, 0.3, 1.7], requires_grad=True)
    (g,) = ag.grad(erf(x).sum(), [x])
    np.testing.assert_allclose(g.array, 2 / math.sqrt(math.pi) * np.exp(-(x.array**2)), rtol=1e-15)


# ---------------------------------------------------------------------- values vs PyTorch
GELU = [0.0, -4.0496940949e-03, -1.5426876936e-01, 0.0, 5.3062544344e-01, 1.9544997361, 15.0, 25.0]
GELU_TANH = [0.0, -3.6373920818e-03, -1.5428599017e-01, 0.0, 5.3057013471e-01, 1.9545976941]


def test_gelu_exact_and_tanh_values():
    np.testing.assert_allclose(F.gelu(_t(V)).array, GELU, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(F.gelu(_t(V), approximate="tanh").array[:6], GELU_TANH, rtol=1e-9)
    with pytest.raises(ValueError, match="gelu: approximate must be 'none' or 'tanh'"):
        F.gelu(_t(V), approximate="erf")


@pytest.mark.parametrize(
    ("beta", "threshold", "expected"),
    [
        (1.0, 20.0, [9.3576229688e-14, 4.8587351574e-02, 4.7407698418e-01, 6.9314718056e-01,
                     1.1031860489, 2.1269280110, 1.5000000306e01, 25.0]),
        (2.0, 5.0, [4.3782553813e-27, 1.2378425689e-03, 1.5663084376e-01, 3.4657359028e-01,
                    8.1020870496e-01, 2.0090749640, 15.0, 25.0]),
        (0.5, 1.0, [6.1180454743e-07, 4.0282655597e-01, 1.1518788398, 1.3862943611,
                    1.7667643108, 2.6265233750, 15.0, 25.0]),
    ],
)  # fmt: skip
def test_softplus_beta_and_threshold(beta, threshold, expected):
    np.testing.assert_allclose(F.softplus(_t(V), beta, threshold).array, expected, rtol=1e-9)


def test_softplus_gradient_is_one_above_the_threshold():
    x = _t(V, requires_grad=True)
    (g,) = ag.grad(F.softplus(x, beta=2.0, threshold=5.0).sum(), [x])
    expected = [8.7565107627e-27, 2.4726231566e-03, 2.6894142137e-01, 0.5, 8.0218388856e-01,
                9.8201379004e-01, 1.0, 1.0]  # fmt: skip
    np.testing.assert_allclose(g.array, expected, rtol=1e-9)
    huge = F.softplus(_t([1e4, -1e4]), threshold=float("inf"))
    np.testing.assert_allclose(huge.array, [1e4, 0.0])
    with pytest.raises(ValueError, match="softplus: beta must be non-zero"):
        F.softplus(_t(V), beta=0.0)


def test_elu_leaky_relu_silu_values():
    np.testing.assert_allclose(
        F.elu(_t(V), 0.5).array,
        [-0.5, -0.4751064658, -0.1967346701, 0.0, 0.7, 2.0, 15.0, 25.0],
        rtol=1e-9,
    )
    np.testing.assert_allclose(
        F.leaky_relu(_t(V), 0.2).array, [-6.0, -0.6, -0.1, 0.0, 0.7, 2.0, 15.0, 25.0]
    )
    np.testing.assert_allclose(F.leaky_relu(_t([-1.0])).array, [-0.01])  # default slope
    np.testing.assert_allclose(
        F.silu(_t(V)).array,
        [-2.8072868907e-12, -1.4227761953e-01, -1.8877033440e-01, 0.0, 4.6773144052e-01,
         1.7615941560, 1.4999995411e01, 25.0],
        rtol=1e-9,
    )  # fmt: skip


def test_piecewise_gradients():
    x = _t([-2.0, -0.5, 0.5, 2.0], requires_grad=True)
    (g,) = ag.grad(F.elu(x, 0.5).sum(), [x])
    np.testing.assert_allclose(g.array, [0.5 * np.exp(-2.0), 0.5 * np.exp(-0.5), 1.0, 1.0])
    (g,) = ag.grad(F.leaky_relu(x, 0.1).sum(), [x])
    np.testing.assert_allclose(g.array, [0.1, 0.1, 1.0, 1.0])
    (g,) = ag.grad(F.hardtanh(x, -1.0, 1.0).sum(), [x])
    np.testing.assert_allclose(g.array, [0.0, 1.0, 1.0, 0.0])
    np.testing.assert_allclose(F.relu6(_t([-1.0, 3.0, 7.0])).array, [0.0, 3.0, 6.0])
    with pytest.raises(ValueError, match="hardtanh: min_val"):
        F.hardtanh(x, 1.0, -1.0)


# ---------------------------------------------------------------------- softmax family
def test_softmax_family_is_stable_and_consistent():
    big = _t([[1e4, -1e4, 0.0], [1e4, 1e4, -1e4]], requires_grad=True)
    s = F.softmax(big, dim=1)
    np.testing.assert_allclose(s.array, [[1.0, 0.0, 0.0], [0.5, 0.5, 0.0]])
    ls = F.log_softmax(big, dim=-1)
    assert np.isfinite(ls.array).all()
    np.testing.assert_allclose(np.exp(ls.array), s.array, atol=1e-300)
    (g,) = ag.grad((ls * _t([[1.0, 2.0, 3.0], [1.0, 0.0, 0.0]])).sum(), [big])
    assert np.isfinite(g.array).all()
    x32 = _t(np.random.default_rng(0).standard_normal((4, 5)), dtype=np.float32)
    assert F.softmax(x32, 0).dtype == np.float32
    np.testing.assert_allclose(F.softmax(x32, 0).array.sum(0), 1.0, rtol=1e-6)


def test_softmax_dim_none_uses_the_legacy_choice_with_a_warning():
    x = _t(np.arange(6.0).reshape(2, 3))
    with pytest.warns(UserWarning, match="implicit dimension"):
        s = F.softmax(x)
    np.testing.assert_allclose(s.array, F.softmax(x, 1).array)  # dim 1 for 2-D inputs
    with pytest.raises(ValueError, match="log_softmax: axis 2 is out of range"):
        F.log_softmax(x, 2)
    assert F.log_softmax(x, 0, dtype=np.float32).dtype == np.float32


# ---------------------------------------------------------------------- one registry entry
def test_relu_sigmoid_tanh_are_the_engine_ops():
    assert F.relu is ag.relu and F.sigmoid is ag.sigmoid and F.tanh is ag.tanh
    assert [n for n in REGISTRY if n.endswith("relu") and "leaky" not in n] == ["relu"]
    assert "nn.functional.sigmoid" not in REGISTRY and "nn.functional.tanh" not in REGISTRY
