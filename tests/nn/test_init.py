"""nn.init: gains, fans, the distributions (checked statistically with seeded generators),
in-place semantics, reproducibility; and each layer's default initialization."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
from autograd_np import nn
from autograd_np.nn import Parameter, init

# With n samples the sample std of a distribution is within a few percent of the true std
# (relative standard error about 1/sqrt(2n) for a normal); 200k samples give ~0.16%, so 2%
# tolerances are safe by a wide margin while catching any wrong constant.
N_ROWS, N_COLS = 400, 500


def _uniform_std(bound: float) -> float:
    return bound / math.sqrt(3)


def test_calculate_gain() -> None:
    for name in ("linear", "conv1d", "conv2d", "conv3d", "conv_transpose2d", "sigmoid"):
        assert init.calculate_gain(name) == 1.0
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("leaky_relu") == pytest.approx(math.sqrt(2 / (1 + 0.01**2)))
    assert init.calculate_gain("leaky_relu", 0.2) == pytest.approx(math.sqrt(2 / 1.04))
    assert init.calculate_gain("leaky_relu", math.sqrt(5)) == pytest.approx(math.sqrt(1 / 3))
    assert init.calculate_gain("selu") == 0.75
    with pytest.raises(ValueError, match="unsupported nonlinearity 'swish'"):
        init.calculate_gain("swish")
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", True)


def test_fans() -> None:
    assert init._calculate_fan_in_and_fan_out(ag.empty(7, 3)) == (3, 7)
    assert init._calculate_fan_in_and_fan_out(ag.empty(8, 4, 3, 5)) == (60, 120)
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(ag.empty(5))
    with pytest.raises(ValueError, match="mode 'fan_avg' not supported"):
        init.kaiming_uniform_(ag.empty(3, 3), mode="fan_avg")


def test_uniform_and_normal_statistics() -> None:
    w = ag.empty(N_ROWS, N_COLS)
    assert init.uniform_(w, -2.0, 3.0, generator=0) is w
    assert w.dtype == np.float32
    assert w.array.min() >= -2.0 and w.array.max() < 3.0
    assert w.array.mean() == pytest.approx(0.5, abs=0.02)
    assert w.array.std() == pytest.approx(5 / math.sqrt(12), rel=0.02)
    init.normal_(w, mean=1.5, std=0.5, generator=1)
    assert w.array.mean() == pytest.approx(1.5, abs=0.01)
    assert w.array.std() == pytest.approx(0.5, rel=0.02)


def test_constant_zeros_ones() -> None:
    w = ag.empty(3, 2)
    np.testing.assert_array_equal(init.constant_(w, 0.25).array, np.full((3, 2), 0.25))
    np.testing.assert_array_equal(init.zeros_(w).array, 0)
    np.testing.assert_array_equal(init.ones_(w).array, 1)


@pytest.mark.parametrize(
    ("fn", "gain"),
    [(init.xavier_uniform_, 1.0), (init.xavier_normal_, 1.0), (init.xavier_uniform_, 2.0)],
)
def test_xavier(fn: object, gain: float) -> None:
    w = ag.empty(N_ROWS, N_COLS // 10, 10)  # fan_in 500, fan_out 4000
    fn(w, gain=gain, generator=2)  # type: ignore[operator]
    std = gain * math.sqrt(2 / (500 + 4000))
    assert w.array.std() == pytest.approx(std, rel=0.02)
    assert abs(w.array.mean()) < 0.02 * std * 10
    if fn is init.xavier_uniform_:
        assert np.abs(w.array).max() <= math.sqrt(3) * std


@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity", ["relu", "leaky_relu", "tanh"])
def test_kaiming(mode: str, nonlinearity: str) -> None:
    w = ag.empty(N_ROWS, N_COLS // 25, 5, 5)  # fan_in 500, fan_out 10000
    fan = 500 if mode == "fan_in" else 10000
    std = init.calculate_gain(nonlinearity, 0.1) / math.sqrt(fan)
    init.kaiming_uniform_(w, a=0.1, mode=mode, nonlinearity=nonlinearity, generator=3)
    assert np.abs(w.array).max() <= math.sqrt(3) * std * (1 + 1e-6)
    assert np.abs(w.array).max() > 0.99 * math.sqrt(3) * std
    assert w.array.std() == pytest.approx(std, rel=0.02)
    init.kaiming_normal_(w, a=0.1, mode=mode, nonlinearity=nonlinearity, generator=4)
    assert w.array.std() == pytest.approx(std, rel=0.02)
    assert abs(w.array.mean()) < 0.01 * std * 10


def test_kaiming_zero_element_tensor_warns() -> None:
    w = ag.empty(0, 3)
    with pytest.warns(UserWarning, match="zero-element"):
        assert init.kaiming_uniform_(w) is w


def test_trunc_normal() -> None:
    w = ag.empty(N_ROWS, N_COLS)
    init.trunc_normal_(w, mean=0.5, std=1.0, a=-1.0, b=1.5, generator=5)
    assert w.array.min() >= -1.0 and w.array.max() <= 1.5
    # Moments of N(0.5, 1) truncated to [-1.5, 1] standard units.
    alpha, beta = -1.5, 1.0
    pdf = lambda z: math.exp(-z * z / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    cdf = lambda z: 0.5 * (1 + math.erf(z / math.sqrt(2)))  # noqa: E731
    Z = cdf(beta) - cdf(alpha)
    mean = 0.5 + (pdf(alpha) - pdf(beta)) / Z
    var = 1 + (alpha * pdf(alpha) - beta * pdf(beta)) / Z - ((pdf(alpha) - pdf(beta)) / Z) ** 2
    assert w.array.mean() == pytest.approx(mean, abs=0.01)
    assert w.array.std() == pytest.approx(math.sqrt(var), rel=0.02)
    with pytest.raises(ValueError, match="need a < b"):
        init.trunc_normal_(w, a=1.0, b=0.0)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 2, 3), (6, 6)])
def test_orthogonal(shape: tuple[int, ...]) -> None:
    w = ag.empty(*shape, dtype=np.float64)
    init.orthogonal_(w, gain=2.0, generator=6)
    flat = w.array.reshape(shape[0], -1)
    rows, cols = flat.shape
    if rows <= cols:
        np.testing.assert_allclose(flat @ flat.T, 4.0 * np.eye(rows), atol=1e-10)
    else:
        np.testing.assert_allclose(flat.T @ flat, 4.0 * np.eye(cols), atol=1e-10)
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(ag.empty(3))


def test_in_place_on_parameters_bumps_version_and_keeps_identity() -> None:
    p = Parameter(np.zeros((4, 4), dtype=np.float32))
    data = p.array
    # Works while grad mode is on, although p requires grad: init runs under no_grad.
    init.kaiming_uniform_(p, generator=0)
    assert p.array is data and p._version == 1 and p.requires_grad and p.grad_fn is None
    init.normal_(p)
    assert p._version == 2


def test_generators_reproducible_and_dtype_independent() -> None:
    a = init.normal_(ag.empty(50, dtype=np.float64), generator=7)
    b = init.normal_(ag.empty(50, dtype=np.float32), generator=np.random.default_rng(7))
    np.testing.assert_allclose(a.array, b.array, rtol=1e-6)  # same draws, rounded to float32
    assert b.dtype == np.float32
    rng = np.random.default_rng(0)
    c = init.uniform_(ag.empty(5), generator=rng)
    d = init.uniform_(ag.empty(5), generator=rng)
    assert not np.array_equal(c.array, d.array)  # one generator, successive draws
    # numpy arrays are filled in place too.
    arr = np.zeros((3, 4))
    assert init.xavier_uniform_(arr, generator=0) is arr and arr.any()
    with pytest.raises(TypeError, match="floating-point"):
        init.normal_(ag.zeros(3, dtype=np.int64))
    with pytest.raises(TypeError, match="generator must be"):
        init.normal_(ag.empty(3), generator="seed")  # type: ignore[arg-type]


# ---------------------------------------------------------------------- layer defaults
def test_linear_and_conv_default_init() -> None:
    # PyTorch: weight ~ kaiming_uniform_(a=sqrt(5)) = U(-1/sqrt(fan_in), 1/sqrt(fan_in)),
    # bias ~ U(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    cases = [
        (nn.Linear(250, 800, generator=0), 250),
        (nn.Conv2d(10, 200, 5, generator=1), 250),
        (nn.Conv1d(50, 400, 5, groups=2, generator=2), 125),
        (nn.ConvTranspose2d(10, 200, 5, groups=2, generator=3), 100 * 25),
    ]
    for layer, fan_in in cases:
        bound = 1 / math.sqrt(fan_in)
        w = layer.weight.array
        assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
        assert w.std() == pytest.approx(_uniform_std(bound), rel=0.02)
        assert abs(w.mean()) < 0.05 * bound
        b = layer.bias.array
        assert np.abs(b).max() <= bound and b.std() > 0.3 * bound


def test_norm_and_embedding_default_init() -> None:
    bn = nn.BatchNorm2d(5)
    np.testing.assert_array_equal(bn.weight.array, 1)
    np.testing.assert_array_equal(bn.bias.array, 0)
    np.testing.assert_array_equal(bn.running_mean.array, 0)
    np.testing.assert_array_equal(bn.running_var.array, 1)
    assert bn.num_batches_tracked.item() == 0 and bn.num_batches_tracked.dtype == np.int64
    for layer in (nn.LayerNorm((3, 4)), nn.GroupNorm(2, 4)):
        np.testing.assert_array_equal(layer.weight.array, 1)
        np.testing.assert_array_equal(layer.bias.array, 0)
    emb = nn.Embedding(1000, 200, padding_idx=-1, generator=0)
    assert emb.padding_idx == 999
    np.testing.assert_array_equal(emb.weight.array[999], 0)
    w = emb.weight.array[:999]
    assert w.mean() == pytest.approx(0.0, abs=0.01)
    assert w.std() == pytest.approx(1.0, rel=0.02)


def test_layer_generators_and_reset_parameters() -> None:
    a = nn.Linear(4, 3, generator=11)
    b = nn.Linear(4, 3, generator=np.random.default_rng(11))
    assert np.array_equal(a.weight.array, b.weight.array)
    assert np.array_equal(a.bias.array, b.bias.array)

    # One Generator passed to each layer in turn gives a reproducible model.
    def build(seed: int) -> nn.Sequential:
        rng = np.random.default_rng(seed)
        return nn.Sequential(
            nn.Conv2d(1, 2, 3, generator=rng), nn.Flatten(), nn.Linear(8, 2, generator=rng)
        )

    m1, m2 = build(3), build(3)
    for (k, v1), v2 in zip(m1.state_dict().items(), m2.state_dict().values()):
        assert np.array_equal(v1.array, v2.array), k
    assert not np.array_equal(m1[0].weight.array.ravel()[:8], m1[2].weight.array.ravel()[:8])
    weight = a.weight
    a.reset_parameters(generator=5)
    assert a.weight is weight and not np.array_equal(a.weight.array, b.weight.array)
    b.reset_parameters(generator=5)
    assert np.array_equal(a.weight.array, b.weight.array)
    unseeded = [nn.Linear(4, 3).weight.array for _ in range(2)]
    assert not np.array_equal(*unseeded)
    e1, e2 = nn.Embedding(5, 2, generator=1), nn.Embedding(5, 2, generator=1)
    assert np.array_equal(e1.weight.array, e2.weight.array)
