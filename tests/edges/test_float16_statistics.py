"""float16 statistics accumulate in float32 and return float16, as PyTorch's do (a float16
sum overflows past 65504: the mean of 3,000 values of 30.0 was inf)."""

from __future__ import annotations

import numpy as np

import autograd_np as ag
import autograd_np.nn.functional as F

F16 = np.float16


def test_mean_var_std_of_many_float16_values_do_not_overflow():
    x = ag.tensor(np.full(3000, 30.0, dtype=F16))
    for value, expected in ((ag.mean(x), 30.0), (ag.var(x), 0.0), (ag.std(x), 0.0)):
        assert value.dtype == F16
        assert value.item() == expected
    y = ag.tensor(np.arange(3000, dtype=F16) % 7 + 100)  # mean 103, var 4 (population)
    np.testing.assert_allclose(ag.mean(y).item(), 103.0, rtol=1e-3)
    np.testing.assert_allclose(ag.var(y, correction=0).item(), 4.0, rtol=1e-2)
    np.testing.assert_allclose(ag.std(y, correction=0).item(), 2.0, rtol=1e-2)


def test_float16_sum_accumulates_in_float32_and_overflows_only_in_the_result():
    x = ag.tensor(np.full(3000, 30.0, dtype=F16))
    assert ag.sum(x).dtype == F16
    assert ag.sum(x).item() == np.inf  # 90000 does not fit float16 (torch: inf too)
    assert ag.sum(x, dtype=np.float32).item() == 90000.0
    # accumulating in float16 would stall at 2048 + 1 == 2048: here every 1 counts
    assert ag.sum(ag.ones(4096, dtype=F16)).item() == 4096.0


def test_float16_norm_accumulates_in_float32():
    y = ag.tensor(np.full(3000, 300.0, dtype=F16))
    n = ag.norm(y)
    assert n.dtype == F16
    np.testing.assert_allclose(n.item(), 300 * np.sqrt(3000), rtol=1e-3)


def test_float16_mean_gradient_is_float16_and_exact():
    x = ag.tensor(np.full(3000, 30.0, dtype=F16), requires_grad=True)
    ag.mean(x).backward()
    assert x.grad.dtype == F16
    np.testing.assert_allclose(x.grad.numpy(), np.float16(1 / 3000), rtol=1e-3)


def _activations(shape, mean, std, seed=0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * std + mean).astype(F16)


def test_training_batch_norm_on_float16_activations_is_finite():
    x = _activations((64, 32, 16, 16), 20.0, 4.0)
    rm, rv = ag.zeros(32, dtype=F16), ag.ones(32, dtype=F16)
    w = ag.ones(32, dtype=F16, requires_grad=True)
    xt = ag.tensor(x, requires_grad=True)
    out = F.batch_norm(xt, rm, rv, w, None, training=True)
    assert out.dtype == F16 and np.isfinite(out.detach().numpy()).all()
    assert rm.dtype == F16 and rv.dtype == F16
    np.testing.assert_allclose(rm.numpy(), 0.1 * x.astype(np.float64).mean((0, 2, 3)), rtol=1e-2)
    np.testing.assert_allclose(rv.numpy(), 0.9 + 0.1 * 16.0, rtol=2e-2)
    per_channel = out.detach().numpy().astype(np.float64)
    np.testing.assert_allclose(per_channel.mean((0, 2, 3)), 0.0, atol=1e-2)
    np.testing.assert_allclose(per_channel.std((0, 2, 3)), 1.0, rtol=1e-2)
    out.sum().backward()
    assert xt.grad.dtype == F16 and np.isfinite(xt.grad.numpy()).all()
    assert w.grad.dtype == F16


def test_layer_norm_over_16k_float16_features_is_finite():
    x = ag.tensor(_activations((4, 16384), 50.0, 3.0))
    out = F.layer_norm(x, (16384,))
    assert out.dtype == F16
    y = out.numpy().astype(np.float64)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y.mean(1), 0.0, atol=1e-2)
    np.testing.assert_allclose(y.std(1), 1.0, rtol=1e-2)


def test_group_norm_on_float16_activations_is_finite():
    x = ag.tensor(_activations((8, 32, 16, 16), 20.0, 4.0))
    out = F.group_norm(x, 4)
    assert out.dtype == F16
    y = out.numpy().astype(np.float64).reshape(8, 4, -1)
    assert np.isfinite(y).all()
    np.testing.assert_allclose(y.mean(2), 0.0, atol=1e-2)


def test_float16_softmax_family_over_many_entries():
    n = 100_000  # a float16 sum of n ones overflows (65504)
    x = ag.tensor(np.zeros(n, dtype=F16))
    p = F.softmax(x, 0)
    assert p.dtype == F16
    np.testing.assert_allclose(p.numpy()[:3].astype(np.float64), 1 / n, rtol=1e-2)
    # PyTorch gives inf and -inf for these two (its float16 kernels round the sum to
    # float16 first); the float32 sum here gives the right values
    np.testing.assert_allclose(ag.logsumexp(x, 0).item(), np.log(n), rtol=1e-3)
    np.testing.assert_allclose(F.log_softmax(x, 0).numpy()[:3], -np.log(n), rtol=1e-3)
