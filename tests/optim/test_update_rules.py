"""Each update rule, step by step, against its published algorithm.

The references below are written independently of the library, straight from the
pseudo-code in PyTorch's documentation of each optimizer (itself from the papers): plain
float64 numpy, out of place, one line per line of pseudo-code. The gradients are fixed
arrays fed in through ``.grad``, so weight decay is the only place the parameter enters.
Values obtained from PyTorch 2.13 interactively are hard-coded at the end.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

import autograd_np as ag
from autograd_np.optim import (
    SGD,
    Adagrad,
    Adam,
    AdamW,
    RMSprop,
    adagrad_step,
    adam_step,
    adamw_step,
    rmsprop_step,
    sgd_step,
)


# ---------------------------------------------------------------------- references
def ref_sgd(
    theta,
    grads,
    *,
    lr,
    momentum=0.0,
    dampening=0.0,
    weight_decay=0.0,
    nesterov=False,
    maximize=False,
):
    out, b = [], None
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * theta
        if momentum != 0:
            b = g if t == 1 else momentum * b + (1 - dampening) * g
            g = g + momentum * b if nesterov else b
        theta = theta - lr * g
        out.append(theta)
    return out


def ref_adam(
    theta,
    grads,
    *,
    lr,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    amsgrad=False,
    maximize=False,
    decoupled=False,
):
    b1, b2 = betas
    m = v = vmax = np.zeros_like(theta)
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        if decoupled:
            theta = theta - lr * weight_decay * theta  # AdamW
        elif weight_decay != 0:
            g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        if amsgrad:
            vmax = np.maximum(vmax, v)
            v_hat = vmax / (1 - b2**t)
        else:
            v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def ref_rmsprop(
    theta,
    grads,
    *,
    lr,
    alpha=0.99,
    eps=1e-8,
    weight_decay=0.0,
    momentum=0.0,
    centered=False,
    maximize=False,
):
    v = b = g_ave = np.zeros_like(theta)
    out = []
    for g in grads:
        g = -g if maximize else g
        if weight_decay != 0:
            g = g + weight_decay * theta
        v = alpha * v + (1 - alpha) * g**2
        v_tilde = v
        if centered:
            g_ave = g_ave * alpha + (1 - alpha) * g
            v_tilde = v_tilde - g_ave**2
        if momentum > 0:
            b = momentum * b + g / (np.sqrt(v_tilde) + eps)
            theta = theta - lr * b
        else:
            theta = theta - lr * g / (np.sqrt(v_tilde) + eps)
        out.append(theta)
    return out


def ref_adagrad(
    theta,
    grads,
    *,
    lr,
    lr_decay=0.0,
    weight_decay=0.0,
    initial_accumulator_value=0.0,
    eps=1e-10,
    maximize=False,
):
    state_sum = np.full_like(theta, initial_accumulator_value)
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        lr_t = lr / (1 + (t - 1) * lr_decay)
        if weight_decay != 0:
            g = g + weight_decay * theta
        state_sum = state_sum + g**2
        theta = theta - lr_t * g / (np.sqrt(state_sum) + eps)
        out.append(theta)
    return out


def ref_adamw(theta, grads, *, weight_decay=1e-2, **kw):
    return ref_adam(theta, grads, decoupled=True, weight_decay=weight_decay, **kw)


REFS = {SGD: ref_sgd, Adam: ref_adam, AdamW: ref_adamw, RMSprop: ref_rmsprop, Adagrad: ref_adagrad}


def run_steps(cls, theta0, grads, dtype=np.float64, **kw):
    """Our optimizer on one parameter fed the given gradients; the parameter after each step."""
    p = ag.tensor(np.array(theta0, dtype=dtype), requires_grad=True)
    opt = cls([p], **kw)
    out = []
    for g in grads:
        p.grad = ag.tensor(np.array(g, dtype=dtype))
        opt.step()
        assert p.dtype == dtype
        out.append(p.array.copy())
    return out, opt, p


def problem(seed=0, shape=(2, 3), steps=6):
    rng = np.random.default_rng(seed)
    theta0 = rng.normal(size=shape)
    grads = [rng.normal(size=shape) for _ in range(steps)]
    return theta0, grads


def check_against_reference(cls, kw, seed=0, dtype=np.float64):
    theta0, grads = problem(seed)
    ours, _, _ = run_steps(cls, theta0, grads, dtype=dtype, **kw)
    ref = REFS[cls](theta0, grads, **kw)
    rtol, atol = (1e-11, 1e-13) if dtype == np.float64 else (2e-5, 2e-6)
    for t, (a, b) in enumerate(zip(ours, ref), start=1):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {t}, {kw}")


# ---------------------------------------------------------------------- option grids
SGD_CASES = [
    {"lr": 0.1},
    {"lr": 0.1, "momentum": 0.9},
    {"lr": 0.1, "momentum": 0.9, "dampening": 0.3},
    {"lr": 0.1, "momentum": 0.9, "nesterov": True},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "maximize": True},
    {"lr": 0.05, "momentum": 0.8, "dampening": 0.5, "weight_decay": 0.2, "maximize": True},
    {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weight_decay": 0.2},
    {"lr": 0.05, "momentum": 0.7, "nesterov": True, "maximize": True},
    {"lr": 0.05, "momentum": 0.7, "nesterov": True, "weight_decay": 0.2, "maximize": True},
]
ADAM_CASES = [
    {"lr": 0.01},
    {"lr": 0.01, "betas": (0.8, 0.9)},
    {"lr": 0.01, "betas": (0.3, 0.6)},
    {"lr": 0.01, "amsgrad": True},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.01, "eps": 0.1},
    {"lr": 0.02, "betas": (0.5, 0.7), "weight_decay": 0.3, "amsgrad": True, "maximize": True},
]
RMSPROP_CASES = [
    {"lr": 0.01},
    {"lr": 0.01, "alpha": 0.9},
    {"lr": 0.01, "alpha": 0.3},
    {"lr": 0.01, "alpha": 0.3, "centered": True},
    {"lr": 0.01, "centered": True},
    {"lr": 0.01, "momentum": 0.9},
    {"lr": 0.01, "weight_decay": 0.1},
    {"lr": 0.01, "maximize": True},
    {"lr": 0.01, "centered": True, "momentum": 0.5, "weight_decay": 0.1, "maximize": True},
]
ADAGRAD_CASES = [
    {"lr": 0.1},
    {"lr": 0.1, "lr_decay": 0.3},
    {"lr": 0.1, "weight_decay": 0.1},
    {"lr": 0.1, "initial_accumulator_value": 0.5},
    {"lr": 0.1, "eps": 1e-3},
    {"lr": 0.1, "maximize": True},
    {"lr": 0.1, "lr_decay": 0.2, "weight_decay": 0.1, "initial_accumulator_value": 0.1,
     "maximize": True},
]  # fmt: skip

GRID = (
    [(SGD, kw) for kw in SGD_CASES]
    + [(Adam, kw) for kw in ADAM_CASES]
    + [(AdamW, kw) for kw in ADAM_CASES if "weight_decay" in kw]
    + [(AdamW, {"lr": 0.01}), (AdamW, {"lr": 0.01, "amsgrad": True, "maximize": True})]
    + [(RMSprop, kw) for kw in RMSPROP_CASES]
    + [(Adagrad, kw) for kw in ADAGRAD_CASES]
)


@pytest.mark.parametrize(("cls", "kw"), GRID, ids=lambda v: getattr(v, "__name__", str(v)))
def test_each_step_matches_the_published_algorithm(cls, kw):
    check_against_reference(cls, kw)


@pytest.mark.parametrize(("cls", "kw"), GRID, ids=lambda v: getattr(v, "__name__", str(v)))
def test_float32_steps_stay_close_to_the_float64_algorithm(cls, kw):
    check_against_reference(cls, kw, seed=3, dtype=np.float32)


def test_adamw_default_weight_decay_is_decoupled_1e_2():
    theta0, grads = problem(5)
    ours, opt, _ = run_steps(AdamW, theta0, grads, lr=0.01)
    assert opt.param_groups[0]["weight_decay"] == 1e-2
    ref = ref_adamw(theta0, grads, lr=0.01, weight_decay=1e-2)
    np.testing.assert_allclose(ours[-1], ref[-1], rtol=1e-12)
    l2 = ref_adam(theta0, grads, lr=0.01, weight_decay=1e-2)
    assert not np.allclose(ours[-1], l2[-1], rtol=1e-9, atol=0)  # not Adam's L2 decay


def test_a_running_average_with_weight_one_is_exactly_the_gradient():
    """beta1 = 0 (Adam) and alpha = 0 (centered RMSprop) keep the latest gradient exactly,
    so the centered variance g**2 - g**2 is exactly 0 rather than a rounding below 0."""
    theta0, grads = problem(8, steps=2)
    _, opt, p = run_steps(Adam, theta0, grads, lr=0.1, betas=(0.0, 0.9))
    np.testing.assert_array_equal(opt.state[p]["exp_avg"], grads[-1])
    ours, opt, p = run_steps(RMSprop, theta0, grads, lr=0.1, alpha=0.0, centered=True)
    np.testing.assert_array_equal(opt.state[p]["grad_avg"], grads[-1])
    assert np.isfinite(ours[-1]).all()


def test_hyperparameters_changed_between_steps_take_effect():
    theta0, grads = problem(7)
    p = ag.tensor(theta0.copy(), requires_grad=True)
    opt = SGD([p], lr=0.1)
    p.grad = ag.tensor(grads[0])
    opt.step()
    opt.param_groups[0]["lr"] = 0.01
    p.grad = ag.tensor(grads[1])
    opt.step()
    np.testing.assert_allclose(p.array, theta0 - 0.1 * grads[0] - 0.01 * grads[1], rtol=1e-12)


# ---------------------------------------------------------------------- random options
@st.composite
def options(draw):
    cls = draw(st.sampled_from([SGD, Adam, AdamW, RMSprop, Adagrad]))
    lr = draw(st.floats(1e-4, 0.5))
    wd = draw(st.sampled_from([0.0, draw(st.floats(1e-4, 0.5))]))
    kw = {"lr": lr, "weight_decay": wd, "maximize": draw(st.booleans())}
    if cls is SGD:
        momentum = draw(st.sampled_from([0.0, draw(st.floats(0.01, 0.99))]))
        nesterov = momentum > 0 and draw(st.booleans())
        dampening = 0.0 if nesterov else draw(st.sampled_from([0.0, draw(st.floats(0, 0.9))]))
        kw.update(momentum=momentum, dampening=dampening, nesterov=nesterov)
    elif cls in (Adam, AdamW):
        kw.update(
            betas=(draw(st.floats(0.0, 0.99)), draw(st.floats(0.0, 0.9999))),
            eps=draw(st.floats(1e-8, 1e-2)),
            amsgrad=draw(st.booleans()),
        )
    elif cls is RMSprop:
        # A tiny positive alpha makes the centered variance v - a**2 a difference of nearly
        # equal numbers, which rounding can take below 0 (NaN, as in PyTorch): not drawn.
        kw.update(
            alpha=draw(st.sampled_from([0.0, draw(st.floats(0.1, 0.999))])),
            eps=draw(st.floats(1e-8, 1e-2)),
            momentum=draw(st.sampled_from([0.0, draw(st.floats(0.01, 0.99))])),
            centered=draw(st.booleans()),
        )
    else:
        kw.update(
            lr_decay=draw(st.sampled_from([0.0, draw(st.floats(0.0, 1.0))])),
            initial_accumulator_value=draw(st.floats(0.0, 1.0)),
            eps=draw(st.floats(1e-10, 1e-2)),
        )
    return cls, kw, draw(st.integers(0, 2**32 - 1))


@given(options())
@example((RMSprop, {"lr": 0.5, "alpha": 0.0, "eps": 2**-7, "centered": True}, 0))
@example((Adam, {"lr": 0.1, "betas": (0.0, 0.5), "eps": 1e-8}, 0))
def test_random_hyperparameters_match_the_published_algorithm(case):
    cls, kw, seed = case
    check_against_reference(cls, kw, seed=seed)


# ---------------------------------------------------------------------- the plain functions
# The keyword options of each rule; a call overrides some with ``|``.
SGD_KW = {
    "lr": 0.1,
    "momentum": 0.0,
    "dampening": 0.0,
    "weight_decay": 0.0,
    "nesterov": False,
    "maximize": False,
}
ADAM_KW = {
    "lr": 0.1,
    "beta1": 0.9,
    "beta2": 0.999,
    "eps": 1e-8,
    "weight_decay": 0.0,
    "amsgrad": False,
    "maximize": False,
}
RMSPROP_KW = {
    "lr": 0.1,
    "alpha": 0.9,
    "eps": 1e-8,
    "weight_decay": 0.0,
    "momentum": 0.0,
    "centered": False,
    "maximize": False,
}


def test_the_update_functions_work_without_a_scratch_array():
    theta0, grads = problem(2, shape=(4,), steps=3)
    # sgd_step
    p, buf = theta0.copy(), None
    for g in grads:
        buf = sgd_step(
            p, g, buf, **SGD_KW | {"momentum": 0.9, "weight_decay": 0.1, "nesterov": True}
        )
    ref = ref_sgd(theta0, grads, lr=0.1, momentum=0.9, weight_decay=0.1, nesterov=True)
    np.testing.assert_allclose(p, ref[-1], rtol=1e-12)
    assert sgd_step(p, grads[0], None, **SGD_KW) is None
    # adam_step and adamw_step
    adam_kw = ADAM_KW | {
        "lr": 0.01,
        "beta2": 0.99,
        "weight_decay": 0.1,
        "amsgrad": True,
        "maximize": True,
    }
    for fn, ref_fn in ((adam_step, ref_adam), (adamw_step, ref_adamw)):
        p, m, v, vmax = theta0.copy(), *(np.zeros(4) for _ in range(3))
        for t, g in enumerate(grads, start=1):
            fn(p, g, m, v, vmax, step=t, **adam_kw)
        ref = ref_fn(
            theta0, grads, lr=0.01, betas=(0.9, 0.99), weight_decay=0.1, amsgrad=True, maximize=True
        )
        np.testing.assert_allclose(p, ref[-1], rtol=1e-12)
    # rmsprop_step
    p, sq, ga, b = theta0.copy(), *(np.zeros(4) for _ in range(3))
    for g in grads:
        rmsprop_step(
            p, g, sq, ga, b, **RMSPROP_KW | {"lr": 0.01, "momentum": 0.5, "centered": True}
        )
    ref = ref_rmsprop(theta0, grads, lr=0.01, alpha=0.9, momentum=0.5, centered=True)
    np.testing.assert_allclose(p, ref[-1], rtol=1e-12)
    # adagrad_step
    p, s = theta0.copy(), np.zeros(4)
    for t, g in enumerate(grads, start=1):
        adagrad_step(
            p, g, s, step=t, lr=0.1, lr_decay=0.1, weight_decay=0.0, eps=1e-10, maximize=False
        )
    np.testing.assert_allclose(p, ref_adagrad(theta0, grads, lr=0.1, lr_decay=0.1)[-1])


def test_the_update_functions_leave_the_gradient_alone():
    theta0, grads = problem(4, shape=(3,), steps=1)
    g = grads[0]
    g_copy = g.copy()
    sgd_kw = {"momentum": 0.9, "dampening": 0.5, "weight_decay": 0.1, "maximize": True}
    sgd_step(theta0.copy(), g, np.ones(3), **SGD_KW | sgd_kw)
    adam_kw = {"weight_decay": 0.1, "maximize": True}
    adam_step(theta0.copy(), g, np.zeros(3), np.zeros(3), None, step=1, **ADAM_KW | adam_kw)
    rmsprop_kw = {"weight_decay": 0.1, "momentum": 0.9, "centered": True, "maximize": True}
    rmsprop_step(theta0.copy(), g, *(np.zeros(3) for _ in range(3)), **RMSPROP_KW | rmsprop_kw)
    np.testing.assert_array_equal(g, g_copy)


def test_missing_state_arrays_are_reported():
    adam_kw = ADAM_KW | {"beta2": 0.99, "amsgrad": True}
    with pytest.raises(ValueError, match="adam_step: amsgrad needs the max_exp_avg_sq"):
        adam_step(np.zeros(2), np.ones(2), np.zeros(2), np.zeros(2), None, step=1, **adam_kw)
    rmsprop_kw = RMSPROP_KW | {"centered": True}
    with pytest.raises(ValueError, match="rmsprop_step: centered needs the grad_avg"):
        rmsprop_step(np.zeros(2), np.ones(2), np.zeros(2), None, None, **rmsprop_kw)


def test_state_created_when_an_option_is_switched_on_mid_training():
    theta0, grads = problem(6, shape=(3,), steps=2)
    p = ag.tensor(theta0.copy(), requires_grad=True)
    opt = Adam([p], lr=0.01)
    p.grad = ag.tensor(grads[0])
    opt.step()
    opt.param_groups[0]["amsgrad"] = True
    p.grad = ag.tensor(grads[1])
    opt.step()
    assert opt.state[p]["max_exp_avg_sq"].shape == (3,)
    np.testing.assert_array_equal(opt.state[p]["max_exp_avg_sq"], opt.state[p]["exp_avg_sq"])


# ---------------------------------------------------------------------- PyTorch's numbers
# torch.optim.<name>([p], **kw) on a float64 p = [0.5, -1.0, 2.0], four steps with
# p.grad = [0.1 * (t + 1), -0.2, 0.3 * (-1) ** t] for t = 0..3; the final p.
TORCH_RESULTS = [
    (SGD, {"lr": 0.1, "momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01},
     [0.32545907408465446, -0.822004202749309, 1.9289236726913277]),
    (SGD, {"lr": 0.1, "momentum": 0.9, "nesterov": True, "weight_decay": 0.05, "maximize": True},
     [0.7345163303386563, -1.1796010311773124, 1.92220715306975]),
    (Adam, {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "amsgrad": True},
     [0.46046491523940175, -0.9600085065400599, 1.9735647697425092]),
    (Adam, {"lr": 0.01, "maximize": True},
     [0.5388359327873583, -1.0399999979999999, 2.012305301590212]),
    (AdamW, {"lr": 0.01, "weight_decay": 0.1},
     [0.45922590921941847, -0.9560659580080021, 1.9797389662490283]),
    (AdamW, {"lr": 0.01, "betas": (0.3, 0.4), "weight_decay": 0.2, "amsgrad": True,
             "maximize": True},
     [0.5361727825091815, -1.0319041259419919, 1.988912428274632]),
    (RMSprop, {"lr": 0.01, "alpha": 0.9, "momentum": 0.5, "centered": True, "weight_decay": 0.1},
     [0.3140858219677393, -0.8391554819771977, 1.9175325870976654]),
    (RMSprop, {"lr": 0.01, "maximize": True},
     [0.8431560417690285, -1.279289645777771, 2.036760047179584]),
    (Adagrad, {"lr": 0.1, "lr_decay": 0.5, "weight_decay": 0.1, "initial_accumulator_value": 0.2},
     [0.3873217947290551, -0.8752126186227053, 1.9117837212465378]),
]  # fmt: skip


@pytest.mark.parametrize(("cls", "kw", "expected"), TORCH_RESULTS)
def test_values_match_pytorch(cls, kw, expected):
    grads = [[0.1 * (t + 1), -0.2, 0.3 * (-1) ** t] for t in range(4)]
    ours, _, _ = run_steps(cls, [0.5, -1.0, 2.0], grads, **kw)
    np.testing.assert_allclose(ours[-1], expected, rtol=1e-14, atol=1e-15)


def test_float32_values_match_pytorch():
    # torch.optim.<name>(lr=0.1) on float32 w = [1, -2], three steps of the loss sum(w**2).
    expected = {
        SGD: [0.51199996, -1.0239999],
        Adam: [0.7015863, -1.7006234],
        AdamW: [0.69891125, -1.6949446],
        RMSprop: [3.0330738e-12, -3.0968735e-01],
        Adagrad: [0.7804562, -1.7758214],
    }
    for cls, values in expected.items():
        w = ag.tensor([1.0, -2.0], requires_grad=True)
        opt = cls([w], lr=0.1)
        for _ in range(3):
            opt.zero_grad()
            (w * w).sum().backward()
            opt.step()
        assert w.dtype == np.float32
        np.testing.assert_allclose(w.array, np.array(values, np.float32), rtol=2e-6, atol=1e-13)
