"""Shape ops beyond the generic registry checks: PyTorch and numpy spellings, PyTorch's
squeeze/expand/split/chunk semantics, padding modes against ``np.pad`` with their gradients
on fixed inputs, joining as one graph node, gradients of pieces, and error messages."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.testing import gradcheck, gradgradcheck

X = np.arange(24, dtype=np.float64).reshape(2, 3, 4) / 7 - 1.3


def _grad(fn, value, cotangent=None):
    """The gradient of ``<fn(x), cotangent>`` (ones by default) with respect to ``x``."""
    x = ag.tensor(np.asarray(value, dtype=np.float64), requires_grad=True)
    out = fn(x)
    g = np.ones(out.shape) if cotangent is None else np.asarray(cotangent, dtype=np.float64)
    out.backward(g)
    return x.grad.numpy()


# ---------------------------------------------------------------------- spellings
def test_squeeze_follows_pytorch_and_accepts_axis_or_dim():
    x = ag.zeros((2, 1, 3, 1))
    assert ag.squeeze(x).shape == (2, 3)
    assert ag.squeeze(x, 1).shape == (2, 3, 1)
    assert ag.squeeze(x, dim=-1).shape == (2, 1, 3)
    assert ag.squeeze(x, axis=(1, 3)).shape == (2, 3)
    assert ag.squeeze(x, 0).shape == (2, 1, 3, 1)  # a non-1 dimension: no-op, as in PyTorch
    assert ag.squeeze(x, (0, 1)).shape == (2, 3, 1)
    assert x.squeeze(dim=1).shape == (2, 3, 1)
    assert ag.squeeze(ag.tensor(2.0), 0).shape == ()
    with pytest.raises(TypeError, match="squeeze: got both axis=1 and dim=3"):
        ag.squeeze(x, 1, dim=3)
    with pytest.raises(IndexError, match=r"squeeze: dim 4 is out of range for 4 dimensions"):
        ag.squeeze(x, 4)


def test_unsqueeze_and_expand_dims():
    x = ag.zeros((2, 3))
    assert ag.unsqueeze(x, 0).shape == (1, 2, 3)
    assert x.unsqueeze(-1).shape == (2, 3, 1)
    assert ag.unsqueeze(x, -3).shape == (1, 2, 3)
    assert ag.expand_dims(x, (0, 3)).shape == np.expand_dims(np.zeros((2, 3)), (0, 3)).shape
    assert ag.expand_dims(x, -1).shape == (2, 3, 1)
    with pytest.raises(IndexError, match="unsqueeze: dim 3 is out of range"):
        ag.unsqueeze(x, 3)
    with pytest.raises(ValueError, match="expand_dims: repeated axis"):
        ag.expand_dims(x, (1, 1))


def test_flatten_ranges_and_scalars():
    x = ag.tensor(X)
    assert ag.flatten(x).shape == (24,)
    assert x.flatten(1).shape == (2, 12)
    assert ag.flatten(x, 0, 1).shape == (6, 4)
    assert ag.flatten(x, -2, -1).shape == (2, 12)
    assert ag.flatten(ag.tensor(3.0)).shape == (1,)  # PyTorch: a 0-d tensor becomes (1,)
    with pytest.raises(ValueError, match="flatten: start_dim 2 comes after end_dim 1"):
        ag.flatten(x, 2, 1)


def test_flip_spellings_and_copy():
    x = ag.tensor(X)
    np.testing.assert_array_equal(ag.flip(x).numpy(), np.flip(X))  # numpy: all axes
    np.testing.assert_array_equal(ag.flip(x, 1).numpy(), X[:, ::-1])
    np.testing.assert_array_equal(x.flip(dims=(0, 2)).numpy(), X[::-1, :, ::-1])
    np.testing.assert_array_equal(x.flip((-1,)).numpy(), X[..., ::-1])
    a = ag.tensor([1.0, 2.0, 3.0])
    b = ag.flip(a, 0)
    a.array[0] = 10.0
    assert b.tolist() == [3.0, 2.0, 1.0]  # a copy, as in PyTorch
    with pytest.raises(ValueError, match="flip: repeated axis"):
        ag.flip(x, (0, -3))


def test_moveaxis_and_movedim_match_numpy():
    x = ag.tensor(X)
    assert ag.moveaxis(x, 0, -1).shape == (3, 4, 2)
    assert ag.movedim(x, (0, 1), (2, 0)).shape == np.moveaxis(X, (0, 1), (2, 0)).shape
    np.testing.assert_array_equal(ag.moveaxis(x, -1, 0).numpy(), np.moveaxis(X, -1, 0))
    with pytest.raises(ValueError, match="moveaxis: source"):
        ag.moveaxis(x, (0, 1), 2)


def test_roll_spellings_and_gradient():
    x = ag.tensor(X)
    np.testing.assert_array_equal(ag.roll(x, 5).numpy(), np.roll(X, 5))
    np.testing.assert_array_equal(
        ag.roll(x, (1, -2), dims=(0, 2)).numpy(), np.roll(X, (1, -2), (0, 2))
    )
    g = np.arange(4.0)
    np.testing.assert_array_equal(_grad(lambda t: ag.roll(t, 1), np.zeros(4), g), [1, 2, 3, 0])
    with pytest.raises(ValueError, match="roll: got 1 shifts for 2 axes"):
        ag.roll(x, 1, axis=(0, 1))


def test_transpose_rejects_out_of_range_axes_instead_of_wrapping():
    x = ag.zeros((2, 3))
    with pytest.raises(IndexError, match=r"transpose: axis 5 is out of range for 2 dimensions"):
        ag.transpose(x, (5, 0))
    with pytest.raises(ValueError, match=r"transpose: axes .* not a permutation"):
        ag.transpose(ag.zeros((2, 3, 4)), (1, 0))
    assert ag.transpose(x, (-1, 0)).shape == (3, 2)


# ---------------------------------------------------------------------- broadcasting copies
def test_expand_follows_pytorch():
    x = ag.zeros((3, 1))
    assert ag.expand(x, 2, -1, 4).shape == (2, 3, 4)  # new leading dim, -1 keeps a dim
    assert ag.expand(x, (3, 5)).shape == (3, 5)
    assert x.expand(2, 3, 1).shape == (2, 3, 1)
    assert x.expand((4, -1, -1)).shape == (4, 3, 1)
    with pytest.raises(ValueError, match=r"expand: size 4 must match the existing size 3 at "):
        ag.expand(x, 4, 4)
    with pytest.raises(ValueError, match="expand: got 1 sizes"):
        ag.expand(x, 4)
    with pytest.raises(ValueError, match="expand: size -1 is not allowed for new leading"):
        ag.expand(x, -1, 3, 4)


def test_broadcast_to_error_names_both_shapes():
    with pytest.raises(
        ValueError, match=r"broadcast_to: cannot broadcast shape \(2, 3\) to \(3,\)"
    ):
        ag.broadcast_to(ag.zeros((2, 3)), (3,))
    with pytest.raises(ValueError, match=r"broadcast_to: cannot broadcast shape \(3,\) to \(4,\)"):
        ag.broadcast_to(ag.zeros(3), (4,))


def test_reshape_errors_and_view_alias():
    x = ag.zeros((2, 3))
    assert ag.view(x, (3, -1)).shape == (3, 2)
    assert x.reshape(-1).shape == (6,)
    with pytest.raises(ValueError, match=r"reshape: cannot reshape a tensor of shape \(2, 3\)"):
        ag.reshape(x, (4, 2))
    with pytest.raises(ValueError, match="reshape: cannot reshape"):
        ag.reshape(x, (-1, -1))
    with pytest.raises(ValueError, match="reshape: cannot reshape"):
        ag.reshape(x, (-2, -3))


def test_tile_and_tensor_repeat_follow_numpy_tile():
    a = np.arange(6.0).reshape(2, 3)
    x = ag.tensor(a)
    for reps in [2, (2,), (1, 2), (2, 1, 2), (0, 1)]:
        np.testing.assert_array_equal(ag.tile(x, reps).numpy(), np.tile(a, reps))
    np.testing.assert_array_equal(x.repeat(2, 1, 2).numpy(), np.tile(a, (2, 1, 2)))
    # each element's gradient is the sum over its copies
    g = np.arange(12.0).reshape(2, 6)
    np.testing.assert_array_equal(_grad(lambda t: ag.tile(t, (1, 2)), a, g), g[:, :3] + g[:, 3:])
    with pytest.raises(ValueError, match="tile: reps must be non-negative"):
        ag.tile(x, -1)


def test_repeat_interleave_counts_and_gradient():
    a = np.array([[1.0, 2.0], [3.0, 4.0]])
    x = ag.tensor(a)
    np.testing.assert_array_equal(ag.repeat_interleave(x, 2).numpy(), np.repeat(a, 2))
    np.testing.assert_array_equal(
        ag.repeat_interleave(x, [1, 2], dim=0).numpy(), np.repeat(a, [1, 2], axis=0)
    )
    np.testing.assert_array_equal(
        ag.repeat_interleave(x, ag.tensor([0, 3]), axis=1).numpy(), np.repeat(a, [0, 3], 1)
    )
    g = np.arange(1.0, 6.0)  # out = [a00, a01, a01, a10, a11] for repeats [1, 2, 1, 1] flat
    got = _grad(lambda t: ag.repeat_interleave(t, [1, 2, 1, 1]), a, g)
    np.testing.assert_array_equal(got, [[1.0, 2.0 + 3.0], [4.0, 5.0]])
    with pytest.raises(ValueError, match="repeat_interleave: got 3 repeats for dimension 0"):
        ag.repeat_interleave(x, [1, 2, 3], 0)
    with pytest.raises(ValueError, match="repeat_interleave: repeats must be non-negative"):
        ag.repeat_interleave(x, -1)


# ---------------------------------------------------------------------- joining
def test_concatenate_cat_and_stack_spellings_match_numpy():
    parts = [X[:, :1], X[:, 1:]]
    ts = [ag.tensor(p) for p in parts]
    np.testing.assert_array_equal(ag.concatenate(ts, 1).numpy(), np.concatenate(parts, 1))
    np.testing.assert_array_equal(ag.cat(ts, dim=1).numpy(), np.concatenate(parts, axis=1))
    np.testing.assert_array_equal(ag.cat(ts, dim=-2).numpy(), np.concatenate(parts, axis=-2))
    np.testing.assert_array_equal(
        ag.concatenate(ts, axis=None).numpy(), np.concatenate(parts, None)
    )
    same = [X[0], X[1], X[0]]
    for axis in (0, 1, -1):
        np.testing.assert_array_equal(
            ag.stack([ag.tensor(p) for p in same], dim=axis).numpy(), np.stack(same, axis)
        )
    # numpy reads an array as the sequence of its rows
    np.testing.assert_array_equal(
        ag.concatenate(ag.tensor(X), axis=1).numpy(), np.concatenate(X, 1)
    )
    np.testing.assert_array_equal(ag.stack(ag.tensor(X), 2).numpy(), np.stack(X, 2))
    # mixed dtypes promote as in numpy; plain arrays and lists are accepted
    mixed = ag.cat([ag.zeros(2, dtype=np.float32), np.ones(1, dtype=np.float64), [2.0]])
    assert mixed.dtype == np.float64 and mixed.tolist() == [0.0, 0.0, 1.0, 2.0]
    with pytest.raises(TypeError, match="concatenate: got both axis=1 and dim=0"):
        ag.cat(ts, 1, dim=0)


def test_concatenate_and_stack_are_one_node_with_sliced_gradients():
    a = ag.tensor(np.ones((2, 2)), requires_grad=True)
    b = ag.tensor(np.ones((2, 1)))  # no gradient wanted
    c = ag.tensor(np.ones((2, 3)), requires_grad=True)
    out = ag.cat([a, b, c], dim=1)
    assert out.grad_fn.name().startswith("Concatenate") and len(out.grad_fn.next_functions) == 3
    g = np.arange(12.0).reshape(2, 6)
    out.backward(g)
    np.testing.assert_array_equal(a.grad.numpy(), g[:, :2])
    np.testing.assert_array_equal(c.grad.numpy(), g[:, 3:])
    assert b.grad is None
    xs = [ag.tensor(np.ones(3), requires_grad=True) for _ in range(4)]
    s = ag.stack(xs, dim=1)
    assert s.shape == (3, 4) and len(s.grad_fn.next_functions) == 4
    gs = np.arange(12.0).reshape(3, 4)
    s.backward(gs)
    for i, t in enumerate(xs):
        np.testing.assert_array_equal(t.grad.numpy(), gs[:, i])


def test_concatenate_and_stack_second_order():
    def f(a, b, c):
        return ag.cat([a * a, b, c * b], dim=0) * ag.stack([b, c], 0).sum(0)

    rng = np.random.default_rng(1)
    args = [rng.standard_normal((2, 3)), rng.standard_normal((1, 3)), rng.standard_normal((1, 3))]
    assert gradcheck(f, args)
    assert gradgradcheck(f, args)


def test_join_errors_name_the_op_axis_and_shapes():
    with pytest.raises(
        ValueError,
        match=r"concatenate: tensors must have the same shape except along axis 1, but tensor "
        r"0 has shape \(2, 3\) and tensor 1 has shape \(3, 4\)",
    ):
        ag.cat([ag.zeros((2, 3)), ag.zeros((3, 4))], dim=1)
    with pytest.raises(ValueError, match=r"concatenate: .* tensor 1 has shape \(2, 3, 1\)"):
        ag.cat([ag.zeros((2, 3)), ag.zeros((2, 3, 1))])
    with pytest.raises(IndexError, match="concatenate: axis 2 is out of range for 2 dimensions"):
        ag.cat([ag.zeros((2, 3)), ag.zeros((2, 3))], 2)
    with pytest.raises(ValueError, match="concatenate: zero-dimensional"):
        ag.cat([ag.tensor(1.0), ag.tensor(2.0)])
    with pytest.raises(ValueError, match="concatenate: expected a non-empty sequence"):
        ag.cat([])
    with pytest.raises(ValueError, match=r"stack: .* tensor 2 has shape \(3,\)"):
        ag.stack([ag.zeros(2), ag.zeros(2), ag.zeros(3)])


# ---------------------------------------------------------------------- splitting
@pytest.mark.parametrize(
    ("n", "arg", "sizes"),
    [
        (6, 4, [4, 2]),
        (6, 2, [2, 2, 2]),
        (5, 5, [5]),
        (5, 9, [5]),
        (0, 2, [0]),
        (6, [1, 0, 5], [1, 0, 5]),
    ],
)
def test_split_sizes_follow_pytorch(n, arg, sizes):
    pieces = ag.split(ag.zeros((2, n)), arg, dim=1)
    assert [p.shape[1] for p in pieces] == sizes
    assert [p.shape[0] for p in ag.zeros((n, 2)).split(arg)] == sizes


@pytest.mark.parametrize(
    ("n", "chunks", "sizes"),
    [(6, 4, [2, 2, 2]), (5, 4, [2, 2, 1]), (6, 3, [2, 2, 2]), (2, 5, [1, 1]), (0, 3, [0, 0, 0])],
)
def test_chunk_sizes_follow_pytorch(n, chunks, sizes):
    assert [p.shape[0] for p in ag.chunk(ag.zeros(n), chunks)] == sizes
    assert [p.shape[-1] for p in ag.zeros((2, n)).chunk(chunks, dim=-1)] == sizes


def test_split_pieces_match_numpy_and_axis_spelling():
    pieces = ag.split(ag.tensor(X), [1, 3], axis=2)
    for got, want in zip(pieces, np.split(X, [1], axis=2)):
        np.testing.assert_array_equal(got.numpy(), want)


def test_gradient_flows_only_from_the_pieces_used():
    x = ag.tensor(np.zeros((5, 3)), requires_grad=True)
    first, middle, last = ag.split(x, [2, 1, 2])
    w = np.arange(6.0).reshape(2, 3)
    ((first * w).sum() + (last * 2.0).sum()).backward()
    expected = np.concatenate([w, np.zeros((1, 3)), np.full((2, 3), 2.0)])
    np.testing.assert_array_equal(x.grad.numpy(), expected)
    assert middle.requires_grad  # unused, so it contributed nothing

    y = ag.tensor(np.zeros((2, 7)), requires_grad=True)
    chunks = y.chunk(3, dim=1)  # lengths 3, 3, 1
    (chunks[2] * 5.0).sum().backward()
    np.testing.assert_array_equal(y.grad.numpy(), np.pad(np.full((2, 1), 5.0), ((0, 0), (6, 0))))


def test_split_errors():
    x = ag.zeros(6)
    with pytest.raises(ValueError, match=r"split: split sizes \[2, 3\] must .* sum to 6"):
        ag.split(x, [2, 3])
    with pytest.raises(ValueError, match="split: split size must be positive, got 0"):
        ag.split(x, 0)
    with pytest.raises(ValueError, match="chunk: chunks must be positive, got 0"):
        ag.chunk(x, 0)


# ---------------------------------------------------------------------- padding
def _pad_gradient_reference(shape, pad_width, mode, g):
    """The gradient of np.pad, from np.pad itself: pad the flat positions of the input, then
    add each cotangent entry onto the position it was copied from."""
    source = np.pad(np.arange(int(np.prod(shape))).reshape(shape), pad_width, mode=mode)
    size = int(np.prod(shape))
    return np.bincount(source.ravel(), weights=g.ravel(), minlength=size).reshape(shape)


PAD_CASES = [
    ((4,), (2, 1)),
    ((3,), 5),  # wider than the axis: numpy repeats the reflection / wrap
    ((1,), (2, 3)),
    ((2, 3), ((1, 2), (3, 0))),
    ((2, 3, 2), 1),
    ((3, 2), ((0, 0), (2, 2))),
]


@pytest.mark.parametrize(("shape", "width"), PAD_CASES)
@pytest.mark.parametrize("mode", ["reflect", "symmetric", "edge", "wrap"])
def test_pad_modes_and_gradients_match_numpy(shape, width, mode):
    rng = np.random.default_rng(0)
    a = rng.standard_normal(shape)
    out = ag.pad(ag.tensor(a), width, mode)
    expected = np.pad(a, width, mode=mode)
    np.testing.assert_array_equal(out.numpy(), expected)
    g = rng.standard_normal(expected.shape)
    got = _grad(lambda t: ag.pad(t, width, mode), a, g)
    np.testing.assert_allclose(got, _pad_gradient_reference(shape, width, mode, g), atol=1e-12)


def test_pad_pytorch_mode_names_and_exact_gradients():
    a = np.array([1.0, 2.0, 3.0])
    x = ag.tensor(a)
    assert ag.pad(x, 2, "replicate").tolist() == [1, 1, 1, 2, 3, 3, 3]
    assert ag.pad(x, 2, "circular").tolist() == [2, 3, 1, 2, 3, 1, 2]
    assert ag.pad(x, (2, 1), "reflect").tolist() == [3, 2, 1, 2, 3, 2]
    # reflect (2, 1) copies positions [2, 1, 0, 1, 2, 1]: counts 1, 3, 2
    np.testing.assert_array_equal(_grad(lambda t: ag.pad(t, (2, 1), "reflect"), a), [1, 3, 2])
    np.testing.assert_array_equal(_grad(lambda t: ag.pad(t, 2, "edge"), a), [3, 1, 3])
    np.testing.assert_array_equal(_grad(lambda t: ag.pad(t, (1, 4), "wrap"), a), [3, 2, 3])


def test_pad_constant_values_and_gradient():
    a = np.arange(6.0).reshape(2, 3)
    x = ag.tensor(a)
    np.testing.assert_array_equal(
        ag.pad(x, ((1, 0), (2, 1)), constant_values=-1.0).numpy(),
        np.pad(a, ((1, 0), (2, 1)), constant_values=-1.0),
    )
    per_axis = ((1, 2), (3, 4))
    np.testing.assert_array_equal(
        ag.pad(x, 1, constant_values=per_axis).numpy(), np.pad(a, 1, constant_values=per_axis)
    )
    g = np.arange(20.0).reshape(4, 5)
    np.testing.assert_array_equal(_grad(lambda t: ag.pad(t, 1), a, g), g[1:3, 1:4])
    assert ag.pad(ag.tensor(a, dtype=np.float32), 1, constant_values=0.5).dtype == np.float32


def test_pad_second_order():
    a = np.linspace(-1.0, 1.0, 9).reshape(3, 3)
    assert gradcheck(lambda t: ag.pad(t * t, ((1, 2), (2, 1)), "reflect"), [a])
    assert gradgradcheck(lambda t: ag.pad(t * t, ((1, 2), (2, 1)), "symmetric"), [a])
    assert gradgradcheck(lambda t: ag.pad(t, 2, "edge") * ag.pad(t, 2, "wrap"), [a])


def test_pad_errors():
    x = ag.zeros((2, 3))
    with pytest.raises(ValueError, match="pad: unknown mode 'mirror'"):
        ag.pad(x, 1, "mirror")
    with pytest.raises(ValueError, match="pad: pad widths must be non-negative"):
        ag.pad(x, (-1, 1))
    with pytest.raises(
        ValueError, match=r"pad: pad_width \(1, 2, 3\) does not fit a tensor with 2"
    ):
        ag.pad(x, (1, 2, 3))
    with pytest.raises(TypeError, match="pad: pad_width must hold ints"):
        ag.pad(x, 1.5)
    with pytest.raises(ValueError, match="pad: cannot pad the empty axis 1 with mode 'reflect'"):
        ag.pad(ag.zeros((2, 0)), 1, "reflect")
    with pytest.raises(ValueError, match="pad: constant_values only applies to mode 'constant'"):
        ag.pad(x, 1, "edge", constant_values=2.0)
