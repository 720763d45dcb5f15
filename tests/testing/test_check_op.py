"""check_op runs our property checks on any registered op, a user's own included: correct
ops pass, and each kind of bug is reported."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.autograd import composite, primitive
from autograd_np.testing import check_op, check_sample, resolve_op
from autograd_np.testing.registry import REGISTRY, OpInfo, Sample, Sampler


@pytest.fixture
def registry() -> Iterator[dict[str, OpInfo]]:
    """The registry; the ops a test registers are removed afterwards."""
    before = set(REGISTRY)
    yield REGISTRY
    for name in set(REGISTRY) - before:
        del REGISTRY[name]


def _unary_spec(s: Sampler) -> Sample:
    return Sample((s.array(s.shape(), low=0.5, high=1.5),))


def _broadcast_spec(s: Sampler) -> Sample:
    # always broadcast: y has a dimension of 1 (or fewer dimensions) against x
    rows, cols = s.integers(2, 4), s.integers(1, 3)
    y_shape = s.choice([(cols,), (1, cols)])
    return Sample((s.array((rows, cols)), s.array(y_shape)))


# ---------------------------------------------------------------------- correct ops pass
def test_a_correct_user_primitive_passes(registry):
    @primitive("test_user_cube", spec=_unary_spec, ref=lambda x: x**3)
    def cube(x: np.ndarray) -> np.ndarray:
        """x ** 3."""
        return x**3

    @cube.defvjp
    def _cube_vjp(g, out, x):
        return g * x * x * 3  # d(x^3) = 3x^2 dx

    assert resolve_op(cube) is registry["test_user_cube"]
    assert resolve_op("test_user_cube").primitive is cube
    check_op(cube, max_examples=5)
    check_op("test_user_cube", max_examples=3)


def test_a_correct_user_primitive_with_broadcasting_and_options_passes(registry):
    def spec(s: Sampler) -> Sample:
        sample = _broadcast_spec(s)
        return Sample(sample.args, {"scale": s.floats(0.5, 2.0)})

    @primitive("test_user_scaled_mul", spec=spec, ref=lambda x, y, scale: x * y * scale)
    def scaled_mul(x, y, *, scale):
        return x * y * np.asarray(scale, dtype=x.dtype)

    @scaled_mul.defvjp
    def _scaled_mul_vjp(g, out, x, y, *, scale):
        return g * y * scale, g * x * scale  # the engine sums the broadcast axes

    check_op(scaled_mul, max_examples=6)


def test_a_user_composite_passes(registry):
    @composite(
        "test_user_softplus",
        spec=_unary_spec,
        ref=lambda x: np.log1p(np.exp(x)),
    )
    def softplus(x):
        return (x.exp() + 1).log()

    check_op(softplus, max_examples=5)


# ---------------------------------------------------------------------- bugs are reported
def test_a_first_order_bug_is_reported(registry):
    @primitive("test_bad_cube", spec=_unary_spec, ref=lambda x: x**3)
    def bad_cube(x):
        return x**3

    @bad_cube.defvjp
    def _bad_cube_vjp(g, out, x):
        return g * x * x * 3.03  # 1% too large

    with pytest.raises(AssertionError, match="disagrees with finite differences"):
        check_op(bad_cube, max_examples=5)


def test_a_second_order_bug_is_reported(registry):
    @primitive("test_bad_exp", spec=_unary_spec, ref=np.exp, saves=(), saves_output=True)
    def bad_exp(x):
        return np.exp(x)

    @bad_exp.defvjp
    def _bad_exp_vjp(g, out, x):
        return g * out.detach()  # first order right, second order lost

    sample = Sample((np.array([0.7, 1.2]),))
    info = resolve_op(bad_exp)
    with pytest.raises(AssertionError):
        check_sample(info, sample)
    with pytest.raises(AssertionError):
        check_op(bad_exp, max_examples=5)


def test_a_broadcasting_bug_is_reported(registry):
    @primitive("test_bad_broadcast_mul", spec=_broadcast_spec, ref=np.multiply)
    def bad_mul(x, y):
        return x * y

    @bad_mul.defvjp
    def _bad_mul_vjp(g, out, x, y):
        # y's gradient divided by the broadcast factor: the engine's sum becomes a mean
        return g * y, g * x * (y.numel() / g.numel())

    with pytest.raises(AssertionError, match="input 1"):
        check_op(bad_mul, max_examples=5)


def test_a_forward_that_disagrees_with_its_reference_is_reported(registry):
    @primitive("test_bad_forward", spec=_unary_spec, ref=np.sin)
    def bad_forward(x):
        return np.sin(x) * 1.001

    @bad_forward.defvjp
    def _bad_forward_vjp(g, out, x):
        return g * x.cos() * 1.001

    with pytest.raises(AssertionError, match="output 0 vs numpy"):
        check_op(bad_forward, max_examples=3)


def test_a_float64_upcast_in_the_forward_is_reported(registry):
    @primitive("test_upcasting_forward", spec=_unary_spec, ref=lambda x: x * 2)
    def upcast(x):
        return x * np.array(2.0)  # a float64 array promotes float32

    @upcast.defvjp
    def _upcast_vjp(g, out, x):
        return g * 2.0

    with pytest.raises(AssertionError, match="float32 inputs gave a float64 output"):
        check_op(upcast, max_examples=3)


def test_a_float64_upcast_in_the_vjp_is_reported(registry):
    @primitive("test_upcasting_vjp", spec=_unary_spec, ref=lambda x: x * 2)
    def upcast_vjp(x):
        return x * 2

    @upcast_vjp.defvjp
    def _upcast_vjp_vjp(g, out, x):
        return g * ag.tensor(np.full(g.shape, 2.0))  # a float64 constant

    with pytest.raises(AssertionError, match="VJP turned a float32 gradient into float64"):
        check_op(upcast_vjp, max_examples=3)


def test_a_forward_that_changes_its_input_is_reported(registry):
    @primitive("test_mutating_forward", spec=_unary_spec, ref=lambda x: x + 1)
    def mutating(x):
        x += 1  # changes the caller's array
        return x.copy()

    @mutating.defvjp
    def _mutating_vjp(g, out, x):
        return g

    with pytest.raises(AssertionError, match="input 0 was modified in place"):
        check_sample(resolve_op(mutating), Sample((np.array([1.0, 2.0]),)))


# ---------------------------------------------------------------------- lookups
def test_unregistered_ops_and_missing_specs(registry):
    with pytest.raises(KeyError, match="not a registered op"):
        check_op(lambda x: x)
    with pytest.raises(KeyError, match="no op named 'test_nothing'"):
        check_op("test_nothing")

    @primitive("test_no_spec")
    def no_spec(x):
        return x * 1

    with pytest.raises(ValueError, match="has no sample specification"):
        check_op(no_spec)


def test_check_op_accepts_an_opinfo_without_registering():
    info = OpInfo(
        "test_unregistered_double",
        lambda x: x * 2,
        spec=_unary_spec,
        ref=lambda x: 2 * x,
        kind="composite",
    )
    check_op(info, max_examples=3)
    assert "test_unregistered_double" not in REGISTRY


def test_registered_ops_of_the_library_pass():
    check_op(ag.exp, max_examples=3)
    check_op("add", max_examples=3)
