"""The layers: each output equals the nn.functional call it wraps (and a numpy reference
where the layer adds logic of its own), layer state (BatchNorm running statistics, Dropout
generators), argument checks, and a small CNN that learns."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np import nn


def _randn(*shape: int, seed: int = 0, dtype: Any = np.float32) -> ag.Tensor:
    return ag.randn(*shape, generator=seed, dtype=dtype)


def _same(a: ag.Tensor, b: ag.Tensor) -> None:
    assert a.shape == b.shape and a.dtype == b.dtype
    np.testing.assert_array_equal(a.array, b.array)


# ---------------------------------------------------------------------- linear and shapes
def test_linear() -> None:
    lin = nn.Linear(5, 3, generator=0)
    x = _randn(2, 4, 5)
    y = lin(x)
    _same(y, F.linear(x, lin.weight, lin.bias))
    np.testing.assert_allclose(y.array, x.array @ lin.weight.array.T + lin.bias.array, rtol=1e-5)
    assert y.dtype == np.float32
    nobias = nn.Linear(5, 3, bias=False, generator=0)
    assert nobias.bias is None and list(nobias.state_dict()) == ["weight"]
    np.testing.assert_allclose(nobias(x).array, x.array @ nobias.weight.array.T, rtol=1e-5)
    lin64 = nn.Linear(5, 3, dtype=np.float64, generator=0)
    assert lin64(x.double()).dtype == np.float64


def test_identity_flatten_unflatten() -> None:
    x = _randn(2, 3, 4, 5)
    assert nn.Identity(3, foo=1)(x) is x
    assert nn.Flatten()(x).shape == (2, 60)
    assert nn.Flatten(0, 2)(x).shape == (24, 5)
    assert nn.Flatten(-2)(x).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Flatten()(x).array, x.array.reshape(2, 60))
    assert nn.Flatten(0)(ag.tensor(3.0)).shape == (1,)
    with pytest.raises(ValueError, match="cannot come after"):
        nn.Flatten(2, 1)(x)
    with pytest.raises(IndexError, match="out of range"):
        nn.Flatten(4)(x)
    flat = nn.Flatten()(x)
    assert nn.Unflatten(1, (3, 4, 5))(flat).shape == (2, 3, 4, 5)
    assert nn.Unflatten(-1, [3, -1])(flat).shape == (2, 3, 20)
    np.testing.assert_array_equal(nn.Unflatten(1, (3, 4, 5))(flat).array, x.array)
    with pytest.raises(ValueError, match="does not match size 60"):
        nn.Unflatten(1, (7, 8))(flat)
    with pytest.raises(ValueError, match="at most one -1"):
        nn.Unflatten(1, (-1, -1))
    with pytest.raises(TypeError, match="tuple or list"):
        nn.Unflatten(1, 5)  # type: ignore[arg-type]
    assert repr(nn.Unflatten(1, (2, 3))) == "Unflatten(dim=1, unflattened_size=(2, 3))"
    # Gradients flow through the reshapes.
    x = _randn(2, 6, seed=1)
    x.requires_grad_()
    (nn.Unflatten(1, (2, 3))(x) * 2).sum().backward()
    np.testing.assert_array_equal(x.grad.array, 2.0)


# ---------------------------------------------------------------------- convolutions
def test_conv2d_matches_functional() -> None:
    conv = nn.Conv2d(4, 6, (3, 2), stride=(2, 1), padding=1, dilation=(1, 2), groups=2, generator=0)
    assert conv.weight.shape == (6, 2, 3, 2) and conv.bias.shape == (6,)
    x = _randn(2, 4, 7, 8)
    _same(conv(x), F.conv2d(x, conv.weight, conv.bias, (2, 1), (1, 1), (1, 2), 2))
    conv1 = nn.Conv1d(3, 4, 3, stride=2, padding=2, generator=1)
    x1 = _randn(2, 3, 9)
    _same(conv1(x1), F.conv1d(x1, conv1.weight, conv1.bias, (2,), (2,), (1,), 1))
    assert conv1.weight.shape == (4, 3, 3)


def test_conv_padding_strings() -> None:
    x = _randn(1, 2, 7, 6)
    same = nn.Conv2d(2, 3, (4, 3), padding="same", dilation=(1, 2), generator=0)
    assert same(x).shape == (1, 3, 7, 6)
    _same(same(x), F.conv2d(x, same.weight, same.bias, 1, "same", (1, 2)))
    valid = nn.Conv2d(2, 3, 3, padding="valid", generator=0)
    assert valid(x).shape == (1, 3, 5, 4)
    assert "padding=same" in repr(same)
    with pytest.raises(ValueError, match="not supported for strided"):
        nn.Conv2d(2, 3, 3, stride=2, padding="same")
    with pytest.raises(ValueError, match="invalid padding string 'full'"):
        nn.Conv2d(2, 3, 3, padding="full")


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular"])
def test_conv_padding_modes(mode: str) -> None:
    np_mode = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}[mode]

    def padded(x: ag.Tensor, *pads: tuple[int, int]) -> ag.Tensor:
        return ag.tensor(np.pad(x.array, ((0, 0), (0, 0), *pads), mode=np_mode))

    x = _randn(2, 2, 6, 5)
    conv = nn.Conv2d(2, 3, 3, padding=(2, 1), padding_mode=mode, generator=0)
    expected = F.conv2d(padded(x, (2, 2), (1, 1)), conv.weight, conv.bias)
    np.testing.assert_allclose(conv(x).array, expected.array, rtol=1e-5, atol=1e-6)
    same = nn.Conv2d(2, 3, (4, 3), padding="same", padding_mode=mode, generator=0)
    # 'same' with an even kernel puts the extra padding at the bottom (and right).
    expected = F.conv2d(padded(x, (1, 2), (1, 1)), same.weight, same.bias)
    np.testing.assert_allclose(same(x).array, expected.array, rtol=1e-5, atol=1e-6)
    x1 = _randn(2, 2, 7)
    conv1 = nn.Conv1d(2, 3, 3, padding=1, padding_mode=mode, generator=1)
    expected = F.conv1d(
        ag.tensor(np.pad(x1.array, ((0, 0), (0, 0), (1, 1)), mode=np_mode)),
        conv1.weight,
        conv1.bias,
    )
    np.testing.assert_allclose(conv1(x1).array, expected.array, rtol=1e-5, atol=1e-6)
    assert conv(x).dtype == np.float32


def test_conv_argument_checks() -> None:
    with pytest.raises(ValueError, match=r"in_channels \(3\) must be divisible by groups \(2\)"):
        nn.Conv2d(3, 4, 3, groups=2)
    with pytest.raises(ValueError, match=r"out_channels \(3\) must be divisible"):
        nn.Conv2d(4, 3, 3, groups=2)
    with pytest.raises(ValueError, match="padding_mode must be one of"):
        nn.Conv2d(4, 3, 3, padding_mode="mirror")
    with pytest.raises(ValueError, match="kernel_size must be an int or a sequence of 2"):
        nn.Conv2d(4, 3, (1, 2, 3))
    with pytest.raises(ValueError, match='Only "zeros" padding mode'):
        nn.ConvTranspose2d(2, 2, 3, padding_mode="reflect")
    with pytest.raises(ValueError, match="output_padding"):
        nn.ConvTranspose2d(2, 2, 3, stride=2, output_padding=2)


def test_conv_transpose2d() -> None:
    up = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, output_padding=1, groups=2, generator=0)
    assert up.weight.shape == (4, 3, 3, 3)
    x = _randn(2, 4, 5, 5)
    y = up(x)
    assert y.shape == (2, 6, 10, 10)
    _same(y, F.conv_transpose2d(x, up.weight, up.bias, (2, 2), (1, 1), (1, 1), 2, (1, 1)))
    plain = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1, generator=0)
    assert plain(x).shape == (2, 6, 9, 9)
    assert plain(x, output_size=(10, 10)).shape == (2, 6, 10, 10)
    assert plain(x, output_size=(2, 6, 9, 9)).shape == (2, 6, 9, 9)
    with pytest.raises(ValueError, match="valid sizes for dim 0 range from 9 to 10"):
        plain(x, output_size=(11, 10))
    assert repr(up) == (
        "ConvTranspose2d(4, 6, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), "
        "output_padding=(1, 1), groups=2)"
    )


# ---------------------------------------------------------------------- pooling
def test_pooling_layers_match_functional() -> None:
    x = _randn(2, 3, 9, 8)
    _same(nn.MaxPool2d(3, 2, 1, ceil_mode=True)(x), F.max_pool2d(x, 3, 2, 1, ceil_mode=True))
    _same(nn.MaxPool2d(2)(x), F.max_pool2d(x, 2, 2))
    out, idx = nn.MaxPool2d(2, return_indices=True)(x)
    ref_out, ref_idx = F.max_pool2d(x, 2, 2, return_indices=True)
    _same(out, ref_out)
    _same(idx, ref_idx)
    _same(nn.AvgPool2d(3, 2, 1, count_include_pad=False)(x), F.avg_pool2d(x, 3, 2, 1, False, False))
    _same(nn.AvgPool2d(2, divisor_override=3)(x), F.avg_pool2d(x, 2, 2, divisor_override=3))
    _same(nn.AdaptiveAvgPool2d((3, 2))(x), F.adaptive_avg_pool2d(x, (3, 2)))
    _same(nn.AdaptiveMaxPool2d((3, 2))(x), F.adaptive_max_pool2d(x, (3, 2)))
    values, indices = nn.AdaptiveMaxPool2d(1, return_indices=True)(x)
    np.testing.assert_array_equal(values.array[..., 0, 0], x.array.max((2, 3)))
    np.testing.assert_array_equal(indices.array[..., 0, 0], x.array.reshape(2, 3, -1).argmax(-1))
    assert nn.AdaptiveAvgPool2d(1)(x).shape == (2, 3, 1, 1)
    np.testing.assert_allclose(
        nn.AdaptiveAvgPool2d(1)(x).array[..., 0, 0], x.array.mean((2, 3)), rtol=1e-5
    )
    x1 = _randn(2, 3, 11)
    _same(nn.MaxPool1d(3, 2)(x1), F.max_pool1d(x1, 3, 2))
    _same(nn.AvgPool1d(3, 2, 1)(x1), F.avg_pool1d(x1, 3, 2, 1))
    assert repr(nn.MaxPool2d(2)) == (
        "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)"
    )
    assert repr(nn.AvgPool1d(3)) == "AvgPool1d(kernel_size=(3,), stride=(3,), padding=(0,))"
    assert repr(nn.AvgPool2d(2)) == "AvgPool2d(kernel_size=2, stride=2, padding=0)"


# ---------------------------------------------------------------------- normalization
def _bn_reference(x: np.ndarray, axes: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
    return x.mean(axes), x.var(axes, ddof=1)


def test_batchnorm_running_stats_and_counter() -> None:
    bn = nn.BatchNorm2d(3, momentum=0.2)
    rm, rv = np.zeros(3), np.ones(3)
    for step in range(3):
        x = _randn(4, 3, 5, 5, seed=step) * (step + 1) + step
        y = bn(x)
        mean, var = _bn_reference(x.array.astype(np.float64), (0, 2, 3))
        rm, rv = 0.8 * rm + 0.2 * mean, 0.8 * rv + 0.2 * var
        np.testing.assert_allclose(bn.running_mean.array, rm, rtol=1e-4, atol=1e-6)
        np.testing.assert_allclose(bn.running_var.array, rv, rtol=1e-4)
        assert bn.num_batches_tracked.item() == step + 1
        # Training mode normalizes with the batch statistics (biased variance).
        biased = x.array.var((0, 2, 3), keepdims=True)
        expected = (x.array - x.array.mean((0, 2, 3), keepdims=True)) / np.sqrt(biased + 1e-5)
        np.testing.assert_allclose(y.array, expected, rtol=1e-4, atol=1e-5)
    assert bn.running_mean.dtype == np.float32 and bn.num_batches_tracked.dtype == np.int64
    # Evaluation uses the running statistics and leaves them (and the counter) alone.
    bn.eval()
    with ag.no_grad():
        bn.weight.fill_(2.0)
        bn.bias.fill_(0.5)
    x = _randn(2, 3, 4, 4, seed=9)
    expected = (x.array - rm[:, None, None]) / np.sqrt(rv[:, None, None] + 1e-5) * 2.0 + 0.5
    np.testing.assert_allclose(bn(x).array, expected, rtol=1e-4, atol=1e-5)
    assert bn.num_batches_tracked.item() == 3
    np.testing.assert_allclose(bn.running_mean.array, rm, rtol=1e-4, atol=1e-6)
    _same(
        bn(x),
        F.batch_norm(x, bn.running_mean, bn.running_var, bn.weight, bn.bias, False, 0.2, 1e-5),
    )


def test_batchnorm_cumulative_average_when_momentum_none() -> None:
    bn = nn.BatchNorm1d(4, momentum=None)
    batches = [_randn(6, 4, seed=s) * (s + 1) for s in range(4)]
    for x in batches:
        bn(x)
    means = np.stack([x.array.mean(0) for x in batches])
    variances = np.stack([x.array.var(0, ddof=1) for x in batches])
    np.testing.assert_allclose(bn.running_mean.array, means.mean(0), rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(bn.running_var.array, variances.mean(0), rtol=1e-4)
    assert bn.num_batches_tracked.item() == 4


def test_batchnorm_without_running_stats_and_affine() -> None:
    bn = nn.BatchNorm1d(3, track_running_stats=False, affine=False)
    assert bn.running_mean is None and bn.num_batches_tracked is None
    assert list(bn.state_dict()) == [] and list(bn.parameters()) == []
    bn.eval()
    x = _randn(5, 3, 7)  # (N, C, L)
    expected = (x.array - x.array.mean((0, 2), keepdims=True)) / np.sqrt(
        x.array.var((0, 2), keepdims=True) + 1e-5
    )
    np.testing.assert_allclose(bn(x).array, expected, rtol=1e-4, atol=1e-5)  # batch stats
    nobias = nn.BatchNorm1d(3, bias=False)
    assert nobias.bias is None and list(nobias.state_dict()) == [
        "weight",
        "running_mean",
        "running_var",
        "num_batches_tracked",
    ]
    with pytest.raises(ValueError, match=r"expected 2D or 3D input \(got 4D input"):
        nn.BatchNorm1d(3)(_randn(2, 3, 4, 4))
    with pytest.raises(ValueError, match=r"expected 4D input \(got 2D input"):
        nn.BatchNorm2d(3)(_randn(2, 3))
    bn = nn.BatchNorm1d(3)
    bn(_randn(4, 3) + 3)
    bn.reset_running_stats()
    assert bn.num_batches_tracked.item() == 0 and not bn.running_mean.array.any()
    assert repr(nn.BatchNorm1d(3, momentum=None)) == (
        "BatchNorm1d(3, eps=1e-05, momentum=None, affine=True, bias=True, track_running_stats=True)"
    )


def test_batchnorm_gradients_flow() -> None:
    bn = nn.BatchNorm2d(2, dtype=np.float64)
    x = _randn(3, 2, 2, 2, dtype=np.float64)
    x.requires_grad_()
    (bn(x) * _randn(3, 2, 2, 2, seed=1, dtype=np.float64)).sum().backward()
    assert x.grad is not None and bn.weight.grad is not None and bn.bias.grad is not None
    assert bn.running_mean.grad is None and not bn.running_mean.requires_grad


def test_layer_norm_and_group_norm() -> None:
    ln = nn.LayerNorm((4, 5))
    with ag.no_grad():
        ln.weight.copy_(_randn(4, 5, seed=1))
        ln.bias.copy_(_randn(4, 5, seed=2))
    x = _randn(3, 4, 5)
    _same(ln(x), F.layer_norm(x, (4, 5), ln.weight, ln.bias, 1e-5))
    mean = x.array.mean((1, 2), keepdims=True)
    var = x.array.var((1, 2), keepdims=True)
    expected = (x.array - mean) / np.sqrt(var + 1e-5) * ln.weight.array + ln.bias.array
    np.testing.assert_allclose(ln(x).array, expected, rtol=1e-4, atol=1e-5)
    assert nn.LayerNorm(5, elementwise_affine=False).weight is None
    assert nn.LayerNorm(5, bias=False).bias is None
    gn = nn.GroupNorm(2, 4)
    x = _randn(3, 4, 3, 3)
    _same(gn(x), F.group_norm(x, 2, gn.weight, gn.bias, 1e-5))
    grouped = x.array.reshape(3, 2, -1)
    expected = (grouped - grouped.mean(-1, keepdims=True)) / np.sqrt(
        grouped.var(-1, keepdims=True) + 1e-5
    )
    np.testing.assert_allclose(gn(x).array, expected.reshape(x.shape), rtol=1e-4, atol=1e-5)
    with pytest.raises(ValueError, match=r"num_channels \(5\) must be divisible by num_groups"):
        nn.GroupNorm(2, 5)
    # Train and eval agree for LayerNorm/GroupNorm (no running statistics).
    _same(gn.eval()(x), gn.train()(x))


# ---------------------------------------------------------------------- dropout
def test_dropout_train_eval_and_generator() -> None:
    x = ag.ones(200, 100)
    drop = nn.Dropout(0.3, generator=0)
    y = drop(x)
    kept = y.array != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.01)
    np.testing.assert_allclose(y.array[kept], 1 / 0.7, rtol=1e-6)
    _same(y, F.dropout(x, 0.3, True, generator=np.random.default_rng(0)))
    assert not np.array_equal(drop(x).array, y.array)  # the generator moves on
    twin = nn.Dropout(0.3, generator=0)
    _same(twin(x), y)  # same seed, same mask
    drop.eval()
    assert drop(x) is x or np.array_equal(drop(x).array, x.array)
    assert nn.Dropout(0.0)(x).array.all()
    with pytest.raises(ValueError, match=r"between 0 and 1, but got 1\.5"):
        nn.Dropout(1.5)
    assert repr(nn.Dropout2d(0.2)) == "Dropout2d(p=0.2, inplace=False)"


def test_dropout2d_drops_whole_channels() -> None:
    x = ag.ones(8, 50, 3, 3)
    drop = nn.Dropout2d(0.5, generator=1)
    y = drop(x).array
    per_channel = y.reshape(8, 50, 9)
    assert np.all((per_channel == 0).all(-1) | (per_channel == 2.0).all(-1))
    assert (per_channel[..., 0] == 0).mean() == pytest.approx(0.5, abs=0.1)
    _same(drop.eval()(x), x)


# ---------------------------------------------------------------------- embedding
def test_embedding() -> None:
    emb = nn.Embedding(10, 3, padding_idx=2, generator=0)
    idx = ag.tensor([[1, 2, 3], [2, 9, 1]])
    out = emb(idx)
    assert out.shape == (2, 3, 3)
    np.testing.assert_array_equal(out.array, emb.weight.array[idx.array])
    _same(out, F.embedding(idx, emb.weight, 2))
    out.sum().backward()
    np.testing.assert_array_equal(emb.weight.grad.array[2], 0)  # the padding row gets none
    np.testing.assert_array_equal(emb.weight.grad.array[1], 2)
    assert repr(emb) == "Embedding(10, 3, padding_idx=2)"
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    frozen = nn.Embedding.from_pretrained(table)
    assert not frozen.weight.requires_grad and frozen.weight.array is table
    assert nn.Embedding.from_pretrained(table, freeze=False).weight.requires_grad
    with pytest.raises(ValueError, match="must be within num_embeddings"):
        nn.Embedding(4, 2, padding_idx=4)
    with pytest.raises(ValueError, match="sparse gradients"):
        nn.Embedding(4, 2, sparse=True)
    assert nn.Embedding(4, 2, max_norm=1.0).max_norm == 1.0  # see test_embedding_tying.py
    with pytest.raises(ValueError, match=r"_weight has shape \(2, 2\), expected \(4, 2\)"):
        nn.Embedding(4, 2, _weight=np.zeros((2, 2)))


# ---------------------------------------------------------------------- activations
ACTIVATIONS = [
    (nn.ReLU(), lambda x: F.relu(x)),
    (nn.ReLU(inplace=True), lambda x: F.relu(x)),
    (nn.LeakyReLU(0.2), lambda x: F.leaky_relu(x, 0.2)),
    (nn.ELU(0.5), lambda x: F.elu(x, 0.5)),
    (nn.GELU(), lambda x: F.gelu(x)),
    (nn.GELU("tanh"), lambda x: F.gelu(x, approximate="tanh")),
    (nn.SiLU(), lambda x: F.silu(x)),
    (nn.Sigmoid(), lambda x: F.sigmoid(x)),
    (nn.Tanh(), lambda x: F.tanh(x)),
    (nn.Softplus(2.0, 5.0), lambda x: F.softplus(x, 2.0, 5.0)),
    (nn.Softmax(dim=1), lambda x: F.softmax(x, 1)),
    (nn.LogSoftmax(dim=-1), lambda x: F.log_softmax(x, -1)),
]


@pytest.mark.parametrize(
    ("layer", "fn"), ACTIVATIONS, ids=lambda v: repr(v) if isinstance(v, nn.Module) else ""
)
def test_activations_match_functional(layer: nn.Module, fn: Any) -> None:
    x = _randn(3, 4, 5)
    before = x.array.copy()
    _same(layer(x), fn(x))
    np.testing.assert_array_equal(x.array, before)  # inplace=True leaves the input alone


def test_activation_reprs_and_softmax_implicit_dim() -> None:
    assert [repr(m) for m, _ in ACTIVATIONS[:6]] == [
        "ReLU()",
        "ReLU(inplace=True)",
        "LeakyReLU(negative_slope=0.2)",
        "ELU(alpha=0.5)",
        "GELU(approximate='none')",
        "GELU(approximate='tanh')",
    ]
    assert repr(nn.Softplus()) == "Softplus(beta=1.0, threshold=20.0)"
    x = _randn(2, 3, 4)
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        y = nn.Softmax()(x)
    _same(y, F.softmax(x, 0))  # PyTorch's legacy rule: dim 0 for 3-D inputs
    with pytest.warns(UserWarning, match="log_softmax"):
        _same(nn.LogSoftmax()(_randn(2, 3)), F.log_softmax(_randn(2, 3), 1))
    with pytest.raises(ValueError, match="approximate"):
        nn.GELU("fast")


# ---------------------------------------------------------------------- losses
def test_losses_match_functional() -> None:
    x, t = _randn(4, 3), _randn(4, 3, seed=1)
    probs, targets01 = F.sigmoid(x), (t > 0).astype(np.float32)
    w = ag.tensor([0.5, 1.0, 2.0])
    labels = ag.tensor([0, 2, 1, 2])
    logp = F.log_softmax(x, 1)
    cases = [
        (nn.MSELoss(), (x, t), F.mse_loss(x, t)),
        (nn.L1Loss(reduction="sum"), (x, t), F.l1_loss(x, t, reduction="sum")),
        (nn.SmoothL1Loss(beta=0.5), (x, t), F.smooth_l1_loss(x, t, beta=0.5)),
        (nn.HuberLoss(delta=0.7), (x, t), F.huber_loss(x, t, delta=0.7)),
        (nn.BCELoss(weight=w), (probs, targets01), F.binary_cross_entropy(probs, targets01, w)),
        (
            nn.BCEWithLogitsLoss(pos_weight=w, reduction="none"),
            (x, targets01),
            F.binary_cross_entropy_with_logits(x, targets01, reduction="none", pos_weight=w),
        ),
        (
            nn.KLDivLoss(reduction="batchmean"),
            (logp, F.softmax(t, 1)),
            F.kl_div(logp, F.softmax(t, 1), reduction="batchmean"),
        ),
        (
            nn.KLDivLoss(reduction="sum", log_target=True),
            (logp, F.log_softmax(t, 1)),
            F.kl_div(logp, F.log_softmax(t, 1), reduction="sum", log_target=True),
        ),
        (
            nn.NLLLoss(weight=w, ignore_index=1),
            (logp, labels),
            F.nll_loss(logp, labels, w, ignore_index=1),
        ),
        (
            nn.CrossEntropyLoss(weight=w, label_smoothing=0.1),
            (x, labels),
            F.cross_entropy(x, labels, w, label_smoothing=0.1),
        ),
        (nn.CrossEntropyLoss(), (x, F.softmax(t, 1)), F.cross_entropy(x, F.softmax(t, 1))),
    ]
    for layer, args, expected in cases:
        _same(layer(*args), expected)


def test_loss_buffers_and_legacy_arguments() -> None:
    ce = nn.CrossEntropyLoss(weight=np.array([1.0, 2.0], dtype=np.float32))
    assert isinstance(ce.weight, ag.Tensor) and list(ce.state_dict()) == ["weight"]
    assert list(nn.CrossEntropyLoss().state_dict()) == []
    assert list(nn.BCEWithLogitsLoss(pos_weight=ag.ones(2)).state_dict()) == ["pos_weight"]
    assert repr(ce) == "CrossEntropyLoss()"
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        assert nn.MSELoss(size_average=False).reduction == "sum"
    # the warning points at the line that built the loss, whatever the class depth
    for build in (lambda: nn.MSELoss(reduce=False), lambda: nn.CrossEntropyLoss(reduce=False)):
        with pytest.warns(UserWarning) as record:
            build()
        assert record[0].filename == __file__
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert nn.MSELoss(reduce=False).reduction == "none"
        assert nn.NLLLoss(None, True, -100, True).reduction == "mean"
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.L1Loss(reduction="avg")
    with pytest.raises(ValueError, match="reduction must be one of"):
        nn.MSELoss(reduction="batchmean")


# ---------------------------------------------------------------------- training
def test_small_cnn_learns() -> None:
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1, generator=rng),
        nn.BatchNorm2d(4),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(4, 8, 3, generator=rng),
        nn.GroupNorm(2, 8),
        nn.GELU(),
        nn.AdaptiveAvgPool2d(1),
        nn.Flatten(),
        nn.Dropout(0.1, generator=rng),
        nn.Linear(8, 2, generator=rng),
    )
    # Two classes: a bright top half or a bright bottom half, plus noise.
    n = 32
    labels = rng.integers(0, 2, n)
    images = rng.normal(0, 0.3, (n, 1, 8, 8)).astype(np.float32)
    images[labels == 0, :, :4] += 1.0
    images[labels == 1, :, 4:] += 1.0
    x, y = ag.tensor(images), ag.tensor(labels)
    loss_fn = nn.CrossEntropyLoss()
    losses = []
    for _ in range(25):
        model.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        with ag.no_grad():
            for p in model.parameters():
                p.sub_(p.grad, alpha=0.1)
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert model[1].num_batches_tracked.item() == 25
    model.eval()
    accuracy = (model(x).array.argmax(1) == labels).mean()
    assert accuracy > 0.9


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_preserved_end_to_end(dtype: Any) -> None:
    rng = np.random.default_rng(0)
    model = nn.Sequential(
        nn.Conv2d(2, 4, 3, padding=1, dtype=dtype, generator=rng),
        nn.BatchNorm2d(4, dtype=dtype),
        nn.LeakyReLU(),
        nn.ConvTranspose2d(4, 4, 2, stride=2, dtype=dtype, generator=rng),
        nn.GroupNorm(2, 4, dtype=dtype),
        nn.AvgPool2d(2),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.LayerNorm(36, dtype=dtype),
        nn.Dropout(0.2, generator=rng),
        nn.Linear(36, 3, dtype=dtype, generator=rng),
        nn.LogSoftmax(dim=1),
    )
    x = ag.randn(2, 2, 6, 6, generator=1, dtype=dtype)
    out = model(x)
    assert out.dtype == dtype
    loss = nn.NLLLoss()(out, ag.tensor([0, 2]))
    assert loss.dtype == dtype
    loss.backward()
    assert all(p.grad is not None and p.grad.dtype == dtype for p in model.parameters())
    assert model[1].running_mean.dtype == dtype
