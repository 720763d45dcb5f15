"""Transforms: exact outputs, loop references, batch/single agreement, seeds."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_np.data import transforms as T

MODES = ["constant", "reflect", "edge", "symmetric"]


def crop_reference(images, size, padding, mode, seed, channels_last, fill=0):
    """Crop image by image with plain slicing, offsets from the documented draw rule."""
    left, top, right, bottom = padding
    h, w = size
    u = np.random.default_rng(seed).random((len(images), 2))
    out = []
    for img, (u0, u1) in zip(images, u):
        if img.ndim == 2:
            widths = [(top, bottom), (left, right)]
        elif channels_last:
            widths = [(top, bottom), (left, right), (0, 0)]
        else:
            widths = [(0, 0), (top, bottom), (left, right)]
        kwargs = {"constant_values": fill} if mode == "constant" else {}
        p = np.pad(img, widths, mode=mode, **kwargs)
        hp, wp = (p.shape[0], p.shape[1]) if (img.ndim == 2 or channels_last) else p.shape[1:]
        t = int(np.floor(u0 * (hp - h + 1)))
        l = int(np.floor(u1 * (wp - w + 1)))
        if img.ndim == 2 or channels_last:
            out.append(p[t : t + h, l : l + w])
        else:
            out.append(p[:, t : t + h, l : l + w])
    return np.stack(out)


def test_to_float_exact_values_and_layouts():
    img = np.array([[0, 51], [255, 102]], np.uint8)
    out = T.ToFloat()(img)
    assert out.shape == (1, 2, 2) and out.dtype == np.float32
    np.testing.assert_array_equal(out[0], np.array([[0, 0.2], [1, 0.4]], np.float32))
    hwc = np.arange(12, dtype=np.uint8).reshape(2, 2, 3)
    chw = T.ToFloat()(hwc)
    np.testing.assert_array_equal(chw, hwc.transpose(2, 0, 1).astype(np.float32) / 255)
    assert chw.flags.c_contiguous
    np.testing.assert_array_equal(T.ToFloat(layout="CHW")(hwc.transpose(2, 0, 1)), chw)
    # MNIST-like batch NHW -> N1HW, CIFAR-like NHWC -> NCHW
    assert T.ToFloat().apply_batch(np.zeros((5, 28, 28), np.uint8)).shape == (5, 1, 28, 28)
    assert T.ToFloat().apply_batch(np.zeros((5, 32, 32, 3), np.uint8)).shape == (5, 3, 32, 32)
    with pytest.raises(TypeError, match="uint8"):
        T.ToFloat()(np.zeros((2, 2), np.int32))
    with pytest.raises(ValueError, match="shape"):
        T.ToFloat().apply_batch(np.zeros(3, np.uint8))


def test_normalize_exact():
    x = np.arange(8, dtype=np.float32).reshape(2, 2, 2)  # CHW, C=2
    out = T.Normalize((1.0, 2.0), (2.0, 4.0))(x)
    np.testing.assert_array_equal(out[0], (x[0] - 1) / 2)
    np.testing.assert_array_equal(out[1], (x[1] - 2) / 4)
    assert out.dtype == np.float32
    batch = np.stack([x, x + 1])
    np.testing.assert_array_equal(T.Normalize(0.5, 0.5).apply_batch(batch), (batch - 0.5) / 0.5)
    y = batch.copy()
    res = T.Normalize(1.0, 2.0, inplace=True).apply_batch(y)
    assert res is y
    np.testing.assert_array_equal(y, (batch - 1) / 2)


def test_normalize_errors():
    with pytest.raises(ValueError, match="non-zero"):
        T.Normalize(0.0, (1.0, 0.0))
    with pytest.raises(ValueError, match="3 values but the images have 2 channels"):
        T.Normalize((0, 0, 0), (1, 1, 1))(np.zeros((2, 3, 3), np.float32))
    with pytest.raises(ValueError, match="apply ToFloat first"):
        T.Normalize(0, 1)(np.zeros((3, 3), np.uint8))


def test_random_crop_known_offsets():
    x = np.arange(16, dtype=np.uint8).reshape(4, 4)
    crop = T.RandomCrop(2, generator=0)
    out = crop(x)
    u = np.random.default_rng(0).random(2)
    t, l = int(u[0] * 3), int(u[1] * 3)
    np.testing.assert_array_equal(out, x[t : t + 2, l : l + 2])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("channels_last", [True, False])
def test_random_crop_batch_matches_loop_reference(mode, channels_last):
    rng = np.random.default_rng(1)
    if channels_last:
        images = rng.integers(0, 256, size=(9, 6, 7, 3), dtype=np.uint8)
    else:
        images = rng.random((9, 3, 6, 7)).astype(np.float32)
    crop = T.RandomCrop((5, 6), padding=(1, 2, 3, 1), padding_mode=mode, fill=7, generator=42)
    out = crop.apply_batch(images)
    ref = crop_reference(images, (5, 6), (1, 2, 3, 1), mode, 42, channels_last, fill=7)
    np.testing.assert_array_equal(out, ref)
    assert out.flags.c_contiguous and out.dtype == images.dtype


@settings(max_examples=30, deadline=None)
@given(
    n=st.integers(1, 6),
    hw=st.tuples(st.integers(1, 8), st.integers(1, 8)),
    channels=st.sampled_from([None, 1, 3]),
    pad=st.integers(0, 3),
    mode=st.sampled_from(MODES),
    seed=st.integers(0, 2**31),
    data=st.data(),
)
def test_random_crop_property(n, hw, channels, pad, mode, seed, data):
    h, w = hw
    if mode in ("reflect", "symmetric") and pad >= min(h, w):
        pad = min(h, w) - 1 if mode == "reflect" else min(h, w)
    size = (data.draw(st.integers(1, h + 2 * pad)), data.draw(st.integers(1, w + 2 * pad)))
    shape = (n, h, w) if channels is None else (n, h, w, channels)
    images = np.random.default_rng(seed).integers(0, 256, size=shape, dtype=np.uint8)
    out = T.RandomCrop(size, padding=pad, padding_mode=mode, generator=seed).apply_batch(images)
    ref = crop_reference(images, size, (pad,) * 4, mode, seed, channels_last=True)
    np.testing.assert_array_equal(out, ref)
    # Single-image path from the same seed gives the same crops.
    single = T.RandomCrop(size, padding=pad, padding_mode=mode, generator=seed)
    np.testing.assert_array_equal(np.stack([single(img) for img in images]), out)


def test_random_crop_pad_if_needed_and_errors():
    x = np.ones((3, 3), np.uint8)
    out = T.RandomCrop(5, pad_if_needed=True, generator=0)(x)
    assert out.shape == (5, 5)
    with pytest.raises(ValueError, match="larger than the"):
        T.RandomCrop(5)(x)
    with pytest.raises(ValueError, match="padding_mode"):
        T.RandomCrop(2, padding_mode="wrap")
    with pytest.raises(ValueError, match="1, 2 or 4"):
        T.RandomCrop(2, padding=(1, 2, 3))


def test_random_crop_padding_forms():
    x = np.zeros((1, 2, 2), np.uint8)
    crop = T.RandomCrop(1, padding=(1, 2), generator=0)  # left/right 1, top/bottom 2
    assert crop.pad(x).shape == (1, 6, 4)
    assert T.RandomCrop(1, padding=(1, 2, 3, 4)).pad(x).shape == (1, 8, 6)


def test_flip_exact_and_reference():
    img = np.array([[1, 2, 3], [4, 5, 6]], np.uint8)
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=1.0)(img), img[:, ::-1])
    np.testing.assert_array_equal(T.RandomHorizontalFlip(p=0.0)(img), img)
    rng = np.random.default_rng(3)
    batch = rng.random((20, 2, 3, 4)).astype(np.float32)  # NCHW
    out = T.RandomHorizontalFlip(generator=9).apply_batch(batch)
    flips = np.random.default_rng(9).random(20) < 0.5
    assert 0 < flips.sum() < 20
    for img, o, f in zip(batch, out, flips):
        np.testing.assert_array_equal(o, img[:, :, ::-1] if f else img)
    hwc = rng.integers(0, 256, size=(20, 3, 4, 2), dtype=np.uint8)  # NHWC
    out = T.RandomHorizontalFlip(generator=9).apply_batch(hwc)
    for img, o, f in zip(hwc, out, flips):
        np.testing.assert_array_equal(o, img[:, ::-1, :] if f else img)


def test_flip_layout_override():
    chw_uint8 = np.arange(12, dtype=np.uint8).reshape(1, 3, 4)
    out = T.RandomHorizontalFlip(p=1.0, layout="CHW")(chw_uint8)
    np.testing.assert_array_equal(out, chw_uint8[:, :, ::-1])
    with pytest.raises(ValueError, match="layout"):
        T.RandomHorizontalFlip(layout="NHWC")


def test_compose_batch_and_single_agree_with_same_draws():
    images = np.random.default_rng(0).integers(0, 256, size=(12, 32, 32, 3), dtype=np.uint8)

    def pipeline(seed: int) -> T.Compose:
        return T.Compose(
            [
                T.RandomCrop(32, padding=4, padding_mode="reflect", generator=seed),
                T.RandomHorizontalFlip(generator=seed + 1),
                T.ToFloat(),
                T.Normalize((0.49, 0.48, 0.45), (0.25, 0.24, 0.26)),
            ]
        )

    batch = pipeline(10).apply_batch(images)
    assert batch.shape == (12, 3, 32, 32) and batch.dtype == np.float32
    # Each random transform draws per image in order, so the single-image path over the
    # images (with the same generator states) reproduces the batch exactly.
    single = pipeline(10)
    crop, flip, to_float, norm = single.transforms
    crops = [crop(img) for img in images]
    flips = [flip(c) for c in crops]
    np.testing.assert_array_equal(np.stack([norm(to_float(f)) for f in flips]), batch)
    # Reproducible from the seeds; different seeds differ.
    np.testing.assert_array_equal(pipeline(10).apply_batch(images), batch)
    assert not np.array_equal(pipeline(11).apply_batch(images), batch)


def test_compose_with_plain_callable_and_lambda():
    t = T.Compose([T.ToFloat(), lambda img: img * 2])
    out = t.apply_batch(np.full((3, 2, 2), 255, np.uint8))
    assert out.shape == (3, 1, 2, 2)
    np.testing.assert_array_equal(out, 2.0)
    batched = T.Lambda(lambda b: b - b.mean(axis=0), batched=True)
    np.testing.assert_array_equal(batched.apply_batch(np.array([[1.0], [3.0]])), [[-1.0], [1.0]])
    assert "ToFloat" in repr(t)


def test_apply_to_batch_falls_back_per_item():
    out = T.apply_to_batch(lambda y: (y, y * 0.5), np.array([2, 4]))
    assert out[0].tolist() == [2, 4] and out[1].tolist() == [1.0, 2.0]


def test_generator_argument_validation():
    with pytest.raises(TypeError, match="generator"):
        T.RandomHorizontalFlip(generator=1.5)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="p must be"):
        T.RandomHorizontalFlip(p=1.5)


def test_random_transforms_without_generator_draw_from_the_default_generator(monkeypatch):
    import autograd_np

    images = np.random.default_rng(0).integers(0, 256, size=(16, 8, 8, 3), dtype=np.uint8)

    def run() -> np.ndarray:
        default = np.random.default_rng(8)
        monkeypatch.setattr(autograd_np, "as_generator", lambda g: default if g is None else g)
        t = T.Compose([T.RandomCrop(6, padding=2), T.RandomHorizontalFlip()])
        return t.apply_batch(images)

    np.testing.assert_array_equal(run(), run())
