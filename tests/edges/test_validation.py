"""Argument checks that PyTorch makes at the call, made here too (each raised at the user's
call, naming what was wrong and what was expected)."""

from __future__ import annotations

import math

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F


@pytest.mark.parametrize("bad", [1.5, -0.5, math.nan])
def test_binary_cross_entropy_refuses_inputs_outside_0_1(bad):
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: all elements of input"):
        F.binary_cross_entropy(ag.tensor([0.5, bad]), ag.tensor([1.0, 0.0]))


def test_binary_cross_entropy_refuses_targets_outside_0_1():
    with pytest.raises(ValueError, match=r"^binary_cross_entropy: all elements of target"):
        F.binary_cross_entropy(ag.tensor([0.5]), ag.tensor([1.5]))
    loss = F.binary_cross_entropy(ag.tensor([0.0, 1.0]), ag.tensor([0.0, 1.0]))
    assert loss.item() == 0.0  # the bounds themselves are fine


def test_batch_norm_training_with_one_value_per_channel_raises():
    for shape in ((1, 3), (1, 3, 1)):
        with pytest.raises(ValueError, match="more than 1 value per channel"):
            F.batch_norm(ag.ones(shape), None, None, training=True)
    out = F.batch_norm(ag.ones((1, 3)), ag.zeros(3), ag.ones(3), training=False)
    assert out.shape == (1, 3)  # evaluation uses the running statistics: fine


def test_group_norm_with_one_value_per_group_and_sample_raises_as_pytorch():
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        F.group_norm(ag.ones((1, 2, 1)), 2)
    # PyTorch checks N * C / G * prod(spatial): two samples pass (each group normalizes to 0)
    np.testing.assert_array_equal(F.group_norm(ag.ones((2, 4)), 4).numpy(), np.zeros((2, 4)))


def test_repeat_needs_a_size_per_dimension():
    x = ag.ones((2, 3))
    with pytest.raises(ValueError, match=r"^repeat: got 1 repeats \(2,\) for a tensor with 2"):
        x.repeat(2)
    assert x.repeat(1, 2).shape == (2, 6)
    assert x.repeat((2, 1, 1)).shape == (2, 2, 3)
    assert ag.tensor(1.0).repeat(3).shape == (3,)


@pytest.mark.parametrize(
    "mask",
    [
        np.ones((3, 2), dtype=bool),
        np.ones((2, 1), dtype=bool),
        np.ones((1, 3), dtype=bool),
        np.zeros(0, dtype=bool),
        np.ones(3, dtype=bool),
    ],
    ids=["transposed", "narrow", "short", "empty", "wrong-dim0"],
)
def test_boolean_mask_must_match_the_shape_it_indexes(mask):
    x = ag.ones((2, 3))
    with pytest.raises(IndexError, match=r"^getitem: the shape of the mask"):
        x[mask]
    with pytest.raises(IndexError, match=r"^__setitem__: the shape of the mask"):
        x[mask] = 0.0
    y = ag.ones((2, 3), requires_grad=True) * 1
    with pytest.raises(IndexError, match=r"the shape of the mask"):
        y[mask] = 0.0  # recorded assignment


def test_matching_masks_still_select():
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(x[np.array([True, False])].numpy(), [[0.0, 1.0, 2.0]])
    np.testing.assert_array_equal(x[:, np.array([True, False, True])].numpy(), [[0, 2], [3, 5]])
    np.testing.assert_array_equal(x[..., np.array([False, True, False])].numpy(), [[1], [4]])
    assert x[np.array(True)].shape == (1, 2, 3)
    with pytest.raises(IndexError, match="mask"):
        x[:, np.array([True, False])]


@pytest.mark.parametrize(
    ("dim", "shape"),
    [(1, (2, 1)), (-1, (2, 1)), (0, (1, 3)), ((0, 1), (1, 1)), ([1, 0], (1, 1))],
)
def test_logsumexp_keepdim_shapes(dim, shape):
    x = ag.tensor(np.arange(6.0).reshape(2, 3))
    out = ag.logsumexp(x, dim=dim, keepdim=True)
    assert out.shape == shape
    axis = tuple(dim) if isinstance(dim, list) else dim
    ref = np.log(np.sum(np.exp(np.arange(6.0).reshape(2, 3)), axis=axis, keepdims=True))
    np.testing.assert_allclose(out.numpy(), ref, rtol=1e-6)
    assert ag.logsumexp(ag.zeros((2, 0)), dim=1, keepdim=True).shape == (2, 1)
    assert ag.logsumexp(ag.tensor(1.0), dim=0, keepdim=True).shape == ()


@pytest.mark.parametrize("mode", ["reflect", "replicate"])
@pytest.mark.parametrize("shape", [(1, 1, 0), (1, 0, 3), (0, 3)])
def test_reflect_and_replicate_padding_refuse_empty_dimensions(mode, shape):
    with pytest.raises(ValueError, match=r"^pad: "):
        F.pad(ag.zeros(shape), (1, 1), mode=mode)
    with pytest.raises(ValueError, match=r"^pad: "):
        F.pad(ag.zeros(shape), (0, 0), mode=mode)  # even with no padding, as PyTorch


@pytest.mark.parametrize("mode", ["reflect", "replicate", "circular", "constant"])
def test_padding_an_empty_batch_gives_an_empty_batch(mode):
    assert F.pad(ag.zeros((0, 1, 3)), (1, 1), mode=mode).shape == (0, 1, 5)


def test_constant_padding_of_an_empty_dimension_fills_it():
    out = F.pad(ag.zeros((1, 1, 0)), (1, 1), value=2.0)
    np.testing.assert_array_equal(out.numpy(), [[[2.0, 2.0]]])


def test_conv2d_on_an_input_with_zero_spatial_size_raises():
    with pytest.raises(ValueError, match=r"^conv2d: the kernel"):
        F.conv2d(ag.ones((1, 1, 0, 4)), ag.ones((1, 1, 1, 1)))
    assert F.conv2d(ag.ones((0, 1, 4, 4)), ag.ones((1, 1, 3, 3))).shape == (0, 1, 2, 2)
