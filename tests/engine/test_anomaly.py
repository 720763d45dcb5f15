"""detect_anomaly: the op whose forward or backward first made a NaN or inf is named."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag


@pytest.fixture(autouse=True)
def _quiet_numpy():
    with np.errstate(divide="ignore", invalid="ignore"):
        yield
    assert not ag.is_anomaly_enabled(), "a test leaked anomaly mode"


@ag.primitive("test_nan_vjp", register=False)
def _nan_vjp_op(x):
    return x * 2.0


@_nan_vjp_op.defvjp
def _nan_vjp(g, out, x):
    return ag.tensor(np.full(x.shape, np.nan, dtype=x.dtype))  # a broken VJP


def test_forward_names_the_op_that_made_inf():
    with (
        ag.detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"^log forward produced inf from finite inputs"),
    ):
        ag.log(ag.tensor([0.0, 1.0]))


def test_forward_names_the_op_that_made_nan():
    x = ag.tensor([-1.0, 4.0], requires_grad=True)
    with (
        ag.detect_anomaly(),
        pytest.raises(FloatingPointError, match=r"^sqrt forward produced nan"),
    ):
        ag.sqrt(x)


def test_forward_nan_carried_from_the_inputs_is_not_blamed_on_the_op():
    with ag.detect_anomaly():
        y = ag.tensor([np.nan, 1.0]) * 2
    assert np.isnan(y.array[0])


def test_backward_names_the_op_and_where_its_forward_was_called():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = ag.sqrt(x)  # finite forward; the backward divides by 2 sqrt(0)
        with pytest.raises(FloatingPointError) as info:
            y.sum().backward()
    message = str(info.value)
    assert message.startswith("sqrt backward:")
    assert "inf" in message
    assert "The forward call was:" in message
    assert "test_anomaly.py" in message
    assert "y = ag.sqrt(x)" in message  # the user's line, not the engine's frames
    assert "autograd_np/autograd/primitive.py" not in message


def test_backward_of_a_vjp_returning_nan_directly():
    x = ag.tensor([1.0], requires_grad=True)
    with ag.detect_anomaly():
        y = _nan_vjp_op(x)
        with pytest.raises(
            FloatingPointError,
            match=r"test_nan_vjp backward produced nan in the gradient of input 0 \(shape \(1,\)\)",
        ) as info:
            y.sum().backward()
    assert "y = _nan_vjp_op(x)" in str(info.value)


def test_forward_outside_the_context_has_no_trace():
    x = ag.tensor([1.0], requires_grad=True)
    y = _nan_vjp_op(x)
    with ag.detect_anomaly(), pytest.raises(FloatingPointError, match="forward trace not recorded"):
        y.sum().backward()


def test_without_anomaly_mode_nothing_is_checked():
    x = ag.tensor([0.0, 1.0], requires_grad=True)
    ag.sqrt(x).sum().backward()
    assert np.isinf(x.grad.array[0])


def test_detect_anomaly_as_decorator_and_set_detect_anomaly():
    @ag.detect_anomaly()
    def f():
        return ag.is_anomaly_enabled()

    assert f() is True
    assert not ag.is_anomaly_enabled()
    ag.set_detect_anomaly(True)
    try:
        assert ag.is_anomaly_enabled()
    finally:
        ag.set_detect_anomaly(False)
    with ag.set_detect_anomaly(True):
        assert ag.is_anomaly_enabled()
    assert not ag.is_anomaly_enabled()
    with ag.detect_anomaly(), ag.detect_anomaly(False):
        assert not ag.is_anomaly_enabled()
