"""Adadelta, Adamax, NAdam, RAdam, Rprop and ASGD, step by step, against their published
algorithms (see test_update_rules.py for the others).

The references are written independently of the library from the pseudo-code in PyTorch's
documentation of each optimizer: plain float64 numpy, out of place, one line per line of
pseudo-code. Gradients are fixed arrays fed in through ``.grad``. Values obtained from
PyTorch 2.13 interactively are hard-coded at the end.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autograd_np as ag
from autograd_np.optim import (
    ASGD,
    Adadelta,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    RAdam,
    Rprop,
    adadelta_step,
    adamax_step,
    asgd_step,
    nadam_step,
    radam_step,
    rprop_step,
)


# ---------------------------------------------------------------------- references
def decay(theta, g, lr, weight_decay, decoupled):
    """(theta, g) after weight decay: AdamW-style shrinking or an L2 term."""
    if decoupled:
        return theta * (1 - lr * weight_decay), g
    return theta, g + weight_decay * theta


def ref_adadelta(theta, grads, *, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, maximize=False):
    v = u = np.zeros_like(theta)
    out = []
    for g in grads:
        g = -g if maximize else g
        g = g + weight_decay * theta
        v = v * rho + g**2 * (1 - rho)
        dx = np.sqrt(u + eps) / np.sqrt(v + eps) * g
        u = u * rho + dx**2 * (1 - rho)
        theta = theta - lr * dx
        out.append(theta)
    return out


def ref_adamax(
    theta, grads, *, lr=2e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, maximize=False
):
    b1, b2 = betas
    m = u = np.zeros_like(theta)
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        g = g + weight_decay * theta
        m = b1 * m + (1 - b1) * g
        u = np.maximum(b2 * u, np.abs(g) + eps)
        theta = theta - lr * m / ((1 - b1**t) * u)
        out.append(theta)
    return out


def ref_nadam(
    theta,
    grads,
    *,
    lr=2e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    momentum_decay=4e-3,
    decoupled_weight_decay=False,
    maximize=False,
):
    b1, b2 = betas
    m = v = np.zeros_like(theta)
    mu_prod = 1.0
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        theta, g = decay(theta, g, lr, weight_decay, decoupled_weight_decay)
        mu = b1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))
        mu_next = b1 * (1 - 0.5 * 0.96 ** ((t + 1) * momentum_decay))
        mu_prod = mu_prod * mu
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = mu_next * m / (1 - mu_prod * mu_next) + (1 - mu) * g / (1 - mu_prod)
        v_hat = v / (1 - b2**t)
        theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        out.append(theta)
    return out


def ref_radam(
    theta,
    grads,
    *,
    lr=1e-3,
    betas=(0.9, 0.999),
    eps=1e-8,
    weight_decay=0.0,
    decoupled_weight_decay=False,
    maximize=False,
):
    b1, b2 = betas
    m = v = np.zeros_like(theta)
    rho_inf = 2 / (1 - b2) - 1
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        theta, g = decay(theta, g, lr, weight_decay, decoupled_weight_decay)
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g**2
        m_hat = m / (1 - b1**t)
        rho_t = rho_inf - 2 * t * b2**t / (1 - b2**t)
        if rho_t > 5:
            l_t = np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            r_t = np.sqrt(
                (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)
            )
            theta = theta - lr * m_hat * l_t * r_t
        else:
            theta = theta - lr * m_hat
        out.append(theta)
    return out


def ref_rprop(theta, grads, *, lr=1e-2, etas=(0.5, 1.2), step_sizes=(1e-6, 50), maximize=False):
    eta_minus, eta_plus = etas
    lo, hi = step_sizes
    prev = np.zeros_like(theta)
    eta = np.full_like(theta, lr)
    out = []
    for g in grads:
        g = -g if maximize else g
        same, flip = g * prev > 0, g * prev < 0
        eta = np.where(same, np.minimum(eta * eta_plus, hi), eta)
        eta = np.where(flip, np.maximum(eta * eta_minus, lo), eta)
        eta = np.where(~same & ~flip, np.clip(eta, lo, hi), eta)
        g = np.where(flip, 0.0, g)
        theta = theta - eta * np.sign(g)
        prev = g
        out.append(theta)
    return out


def ref_asgd(
    theta, grads, *, lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0.0, maximize=False
):
    eta, mu = lr, 1.0
    ax = np.zeros_like(theta)
    out = []
    for t, g in enumerate(grads, start=1):
        g = -g if maximize else g
        g = g + weight_decay * theta
        theta = theta * (1 - lambd * eta) - eta * g
        ax = theta if mu == 1 else ax + mu * (theta - ax)
        eta = lr / (1 + lambd * lr * t) ** alpha
        mu = 1 / max(1, t - t0)
        out.append((theta, ax))
    return out


def ref_asgd_params(theta, grads, **kw):
    return [p for p, _ in ref_asgd(theta, grads, **kw)]


REFS = {
    Adadelta: ref_adadelta,
    Adamax: ref_adamax,
    NAdam: ref_nadam,
    RAdam: ref_radam,
    Rprop: ref_rprop,
    ASGD: ref_asgd_params,
}


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


def problem(seed=0, shape=(2, 3), steps=8):
    """A start and gradients; every third gradient keeps the previous one's signs, so that
    Rprop sees both agreeing and flipping signs."""
    rng = np.random.default_rng(seed)
    theta0 = rng.normal(size=shape)
    grads = [rng.normal(size=shape) for _ in range(steps)]
    for t in range(1, steps, 3):
        grads[t] = np.abs(grads[t]) * np.sign(grads[t - 1])
    return theta0, grads


def check_against_reference(cls, kw, seed=0, dtype=np.float64, shape=(2, 3)):
    theta0, grads = problem(seed, shape=shape)
    ours, _, _ = run_steps(cls, theta0, grads, dtype=dtype, **kw)
    ref = REFS[cls](theta0, grads, **kw)
    rtol, atol = (1e-11, 1e-13) if dtype == np.float64 else (2e-5, 2e-6)
    for t, (a, b) in enumerate(zip(ours, ref), start=1):
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, err_msg=f"step {t}, {kw}")


# ---------------------------------------------------------------------- option grids
GRID = [
    (Adadelta, {}),
    (Adadelta, {"lr": 0.5, "rho": 0.5}),
    (Adadelta, {"rho": 0.0}),
    (Adadelta, {"rho": 1.0}),
    (Adadelta, {"weight_decay": 0.1, "eps": 1e-3}),
    (Adadelta, {"maximize": True, "weight_decay": 0.2}),
    (Adamax, {"lr": 0.01}),
    (Adamax, {"lr": 0.01, "betas": (0.5, 0.7)}),
    (Adamax, {"lr": 0.01, "betas": (0.0, 0.0)}),
    (Adamax, {"lr": 0.01, "eps": 0.5, "weight_decay": 0.1, "maximize": True}),
    (NAdam, {"lr": 0.01}),
    (NAdam, {"lr": 0.01, "betas": (0.5, 0.7), "momentum_decay": 0.1}),
    (NAdam, {"lr": 0.01, "betas": (0.0, 0.5)}),
    (NAdam, {"lr": 0.01, "weight_decay": 0.1}),
    (NAdam, {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    (NAdam, {"lr": 0.01, "eps": 0.1, "maximize": True}),
    (RAdam, {"lr": 0.01}),
    (RAdam, {"lr": 0.01, "betas": (0.5, 0.7)}),  # rectified from step 3 on
    (RAdam, {"lr": 0.01, "betas": (0.9, 0.0)}),
    (RAdam, {"lr": 0.01, "weight_decay": 0.1, "betas": (0.8, 0.8)}),
    (RAdam, {"lr": 0.01, "weight_decay": 0.1, "decoupled_weight_decay": True}),
    (RAdam, {"lr": 0.01, "maximize": True, "betas": (0.5, 0.6), "eps": 0.1}),
    (Rprop, {}),
    (Rprop, {"lr": 0.1, "etas": (0.3, 1.5)}),
    (Rprop, {"lr": 0.1, "step_sizes": (0.05, 0.12)}),  # both clips reached
    (Rprop, {"lr": 0.5, "step_sizes": (0.6, 1.0)}),  # the initial size is below the floor
    (Rprop, {"maximize": True}),
    (ASGD, {}),
    (ASGD, {"lr": 0.1, "lambd": 0.1, "alpha": 0.5}),
    (ASGD, {"lr": 0.1, "t0": 2}),  # averaging starts
    (ASGD, {"lr": 0.1, "t0": 0, "weight_decay": 0.1, "maximize": True}),
]


@pytest.mark.parametrize(("cls", "kw"), GRID, ids=lambda v: getattr(v, "__name__", str(v)))
def test_each_step_matches_the_published_algorithm(cls, kw):
    check_against_reference(cls, kw)


@pytest.mark.parametrize(("cls", "kw"), GRID, ids=lambda v: getattr(v, "__name__", str(v)))
def test_float32_steps_stay_close_to_the_float64_algorithm(cls, kw):
    check_against_reference(cls, kw, seed=3, dtype=np.float32)


@pytest.mark.parametrize("cls", list(REFS))
@pytest.mark.parametrize("shape", [(), (1,), (2, 1, 3)])
def test_parameters_of_any_shape(cls, shape):
    check_against_reference(cls, {"lr": 0.05}, seed=11, shape=shape)


@pytest.mark.parametrize("t0", [0, 2, 5, 1e6])
def test_asgd_keeps_the_running_average_of_the_parameter(t0):
    theta0, grads = problem(4)
    _, opt, p = run_steps(ASGD, theta0, grads, lr=0.1, t0=t0)
    ref = ref_asgd(theta0, grads, lr=0.1, t0=t0)
    np.testing.assert_allclose(opt.state[p]["ax"], ref[-1][1], rtol=1e-12)
    if t0 < len(grads) - 1:  # the average lags behind the parameter
        assert not np.allclose(opt.state[p]["ax"], p.array)
    steps = len(grads)
    assert opt.state[p]["eta"] == pytest.approx(0.1 / (1 + 1e-4 * 0.1 * steps) ** 0.75)
    assert opt.state[p]["mu"] == 1 / max(1, steps - t0)


def test_decoupled_weight_decay_differs_from_l2():
    theta0, grads = problem(5)
    for cls, ref in ((NAdam, ref_nadam), (RAdam, ref_radam)):
        ours, _, _ = run_steps(cls, theta0, grads, lr=0.01, weight_decay=0.5)
        decoupled, _, _ = run_steps(
            cls, theta0, grads, lr=0.01, weight_decay=0.5, decoupled_weight_decay=True
        )
        assert not np.allclose(ours[-1], decoupled[-1], rtol=1e-6, atol=0)
        np.testing.assert_allclose(
            decoupled[-1],
            ref(theta0, grads, lr=0.01, weight_decay=0.5, decoupled_weight_decay=True)[-1],
            rtol=1e-12,
        )


def test_adamw_is_adam_with_decoupled_weight_decay():
    theta0, grads = problem(6)
    kw = {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}
    adamw, opt, _ = run_steps(AdamW, theta0, grads, **kw)
    adam, _, _ = run_steps(Adam, theta0, grads, decoupled_weight_decay=True, **kw)
    np.testing.assert_array_equal(adamw[-1], adam[-1])
    assert isinstance(opt, Adam) and opt.param_groups[0]["decoupled_weight_decay"] is True
    opt.load_state_dict(
        {
            "state": {},
            "param_groups": [opt.state_dict()["param_groups"][0] | {"decoupled_weight_decay": 0}],
        }
    )
    assert opt.param_groups[0]["decoupled_weight_decay"] is True


def test_rprop_steps_start_at_the_lr_of_the_first_step():
    theta0, grads = problem(7)
    p = ag.tensor(theta0.copy(), requires_grad=True)
    opt = Rprop([p], lr=0.1)
    opt.param_groups[0]["lr"] = 0.01  # before the first step: used
    p.grad = ag.tensor(grads[0])
    opt.step()
    np.testing.assert_allclose(p.array, theta0 - 0.01 * np.sign(grads[0]))
    opt.param_groups[0]["lr"] = 5.0  # afterwards: the sizes live in the state
    p.grad = ag.tensor(grads[1])
    opt.step()
    np.testing.assert_allclose(opt.state[p]["step_size"], 0.012)


# ---------------------------------------------------------------------- random options
@st.composite
def options(draw):
    cls = draw(st.sampled_from([Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD]))
    lr = draw(st.floats(1e-4, 0.5))
    kw = {"lr": lr, "maximize": draw(st.booleans())}
    wd = draw(st.sampled_from([0.0, draw(st.floats(1e-4, 0.5))]))
    betas = (draw(st.floats(0.0, 0.99)), draw(st.floats(0.0, 0.9999)))
    if cls is Adadelta:
        kw.update(rho=draw(st.floats(0.0, 1.0)), eps=draw(st.floats(1e-8, 1e-2)), weight_decay=wd)
    elif cls is Adamax:
        kw.update(betas=betas, eps=draw(st.floats(1e-8, 1e-2)), weight_decay=wd)
    elif cls in (NAdam, RAdam):
        kw.update(
            betas=betas,
            eps=draw(st.floats(1e-8, 1e-2)),
            weight_decay=wd,
            decoupled_weight_decay=draw(st.booleans()),
        )
        if cls is NAdam:
            kw["momentum_decay"] = draw(st.floats(0.0, 1.0))
    elif cls is Rprop:
        low = draw(st.floats(1e-6, 0.1))
        kw.update(
            etas=(draw(st.floats(0.01, 0.99)), draw(st.floats(1.01, 3.0))),
            step_sizes=(low, low + draw(st.floats(0.0, 1.0))),
        )
    else:
        kw.update(
            lambd=draw(st.floats(0.0, 1.0)),
            alpha=draw(st.floats(0.0, 1.0)),
            t0=draw(st.sampled_from([0.0, 3.0, 1e6])),
            weight_decay=wd,
        )
    return cls, kw, draw(st.integers(0, 2**32 - 1))


@given(options())
def test_random_hyperparameters_match_the_published_algorithm(case):
    cls, kw, seed = case
    check_against_reference(cls, kw, seed=seed)


# ---------------------------------------------------------------------- the plain functions
def test_the_update_functions_work_without_a_scratch_array_and_leave_the_gradient_alone():
    theta0, grads = problem(2, shape=(4,), steps=5)
    copies = [g.copy() for g in grads]
    base = {"lr": 0.01, "beta1": 0.8, "beta2": 0.9, "eps": 1e-8, "weight_decay": 0.1}
    z = lambda: np.zeros(4)  # noqa: E731

    p, m, u = theta0.copy(), z(), z()
    for t, g in enumerate(grads, start=1):
        adamax_step(p, g, m, u, step=t, maximize=True, **base)
    ref = ref_adamax(theta0, grads, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)
    np.testing.assert_allclose(p, ref[-1], rtol=1e-12)

    p, m, v, mu_product = theta0.copy(), z(), z(), 1.0
    for t, g in enumerate(grads, start=1):
        mu_product = nadam_step(
            p,
            g,
            m,
            v,
            step=t,
            mu_product=mu_product,
            momentum_decay=0.01,
            decoupled_weight_decay=True,
            maximize=False,
            **base,
        )
    ref = ref_nadam(
        theta0,
        grads,
        lr=0.01,
        betas=(0.8, 0.9),
        weight_decay=0.1,
        momentum_decay=0.01,
        decoupled_weight_decay=True,
    )
    np.testing.assert_allclose(p, ref[-1], rtol=1e-12)

    p, m, v = theta0.copy(), z(), z()
    for t, g in enumerate(grads, start=1):
        radam_step(p, g, m, v, step=t, decoupled_weight_decay=False, maximize=True, **base)
    ref = ref_radam(theta0, grads, lr=0.01, betas=(0.8, 0.9), weight_decay=0.1, maximize=True)
    np.testing.assert_allclose(p, ref[-1], rtol=1e-12)

    p, v, u = theta0.copy(), z(), z()
    for g in grads:
        adadelta_step(p, g, v, u, lr=0.5, rho=0.7, eps=1e-6, weight_decay=0.1, maximize=True)
    ref = ref_adadelta(theta0, grads, lr=0.5, rho=0.7, weight_decay=0.1, maximize=True)
    np.testing.assert_allclose(p, ref[-1], rtol=1e-12)

    p, prev, size = theta0.copy(), z(), np.full(4, 0.1)
    rprop_kw = {"etaminus": 0.5, "etaplus": 1.2, "step_size_min": 1e-6, "step_size_max": 50.0}
    for g in grads:
        rprop_step(p, g, prev, size, maximize=True, **rprop_kw)
    np.testing.assert_allclose(p, ref_rprop(theta0, grads, lr=0.1, maximize=True)[-1])

    p, ax, eta, mu = theta0.copy(), z(), 0.1, 1.0
    for t, g in enumerate(grads, start=1):
        eta, mu = asgd_step(
            p, g, ax, step=t, eta=eta, mu=mu, lr=0.1, lambd=0.1, alpha=0.75, t0=2.0,
            weight_decay=0.1, maximize=True,
        )  # fmt: skip
    ref = ref_asgd(theta0, grads, lr=0.1, lambd=0.1, t0=2.0, weight_decay=0.1, maximize=True)
    np.testing.assert_allclose(p, ref[-1][0], rtol=1e-12)
    np.testing.assert_allclose(ax, ref[-1][1], rtol=1e-12)

    for g, c in zip(grads, copies):
        np.testing.assert_array_equal(g, c)


# ---------------------------------------------------------------------- validation and state
@pytest.mark.parametrize(
    ("cls", "kw", "match"),
    [
        (Adadelta, {"rho": 1.5}, "invalid rho 1.5"),
        (Adadelta, {"rho": -0.1}, "invalid rho"),
        (Adadelta, {"eps": -1.0}, "eps"),
        (Adamax, {"betas": (1.0, 0.9)}, r"beta1 \(betas\[0\]\)"),
        (NAdam, {"momentum_decay": -0.1}, "momentum_decay"),
        (RAdam, {"betas": (0.9, 1.0)}, r"beta2 \(betas\[1\]\)"),
        (RAdam, {"weight_decay": -1}, "weight_decay"),
        (Rprop, {"etas": (0.5, 0.9)}, "0 < etaminus < 1 < etaplus"),
        (Rprop, {"etas": (0.0, 1.2)}, "0 < etaminus < 1 < etaplus"),
        (Rprop, {"step_sizes": (1.0, 0.1)}, "0 <= min <= max"),
        (Rprop, {"etas": 0.5}, "etas must be a pair"),
        (ASGD, {"lambd": -1.0}, "lambd"),
        (ASGD, {"weight_decay": -1.0}, "weight_decay"),
    ],
)
def test_invalid_hyperparameters_are_rejected(cls, kw, match):
    p = ag.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match=rf"{cls.__name__}: .*{match}"):
        cls([p], **kw)


@pytest.mark.parametrize(
    ("cls", "keys"),
    [
        (Adadelta, {"step", "square_avg", "acc_delta"}),
        (Adamax, {"step", "exp_avg", "exp_inf"}),
        (NAdam, {"step", "mu_product", "exp_avg", "exp_avg_sq"}),
        (RAdam, {"step", "exp_avg", "exp_avg_sq"}),
        (Rprop, {"step", "prev", "step_size"}),
        (ASGD, {"step", "eta", "mu", "ax"}),
    ],
)
def test_state_dict_round_trip_continues_exactly(cls, keys):
    """PyTorch's state names; a fresh optimizer loaded from the state dict (its numbers as
    0-d arrays, as they come back from a checkpoint) continues exactly as the original."""
    theta0, grads = problem(9)
    _, opt, p = run_steps(cls, theta0, grads[:4], lr=0.05)
    sd = opt.state_dict()
    assert set(sd["state"][0]) == keys
    assert isinstance(sd["state"][0]["step"], int) and sd["state"][0]["step"] == 4
    saved = {k: np.asarray(v).copy() for k, v in sd["state"][0].items()}
    q = ag.tensor(p.array.copy(), requires_grad=True)
    opt2 = cls([q], lr=0.3)
    opt2.load_state_dict({"state": {0: saved}, "param_groups": sd["param_groups"]})
    assert opt2.param_groups[0]["lr"] == 0.05
    for g in grads[4:]:
        for o, t in ((opt, p), (opt2, q)):
            t.grad = ag.tensor(g)
            o.step()
    np.testing.assert_array_equal(q.array, p.array)
    for k in ("mu_product", "eta", "mu"):
        if k in keys:
            assert type(opt2.state[q][k]) is float


def test_state_of_another_optimizer_is_refused():
    theta0, grads = problem(9)
    _, adam, _ = run_steps(Adam, theta0, grads[:1], lr=0.05)
    q = ag.tensor(theta0.copy(), requires_grad=True)
    with pytest.raises(ValueError, match="entry 'exp_avg_sq', which Adamax does not use"):
        Adamax([q]).load_state_dict(adam.state_dict())


# ---------------------------------------------------------------------- PyTorch's numbers
# torch.optim.<name>([p], **kw) on a float64 p = [0.5, -1.0, 2.0], with
# torch.set_default_dtype(torch.float64) (so that PyTorch's scalar state, such as NAdam's
# mu_product or ASGD's eta, is float64 too), four steps with
# p.grad = [0.1 * (t + 1), -0.2, 0.3 * (-1) ** t] for t = 0..3; the final p.
TORCH_RESULTS = [
    (Adadelta, {"lr": 0.5, "rho": 0.8, "weight_decay": 0.1},
     [0.4939216100823293, -0.9952284802608714, 1.9983593279003167]),
    (Adadelta, {"maximize": True, "eps": 0.001},
     [0.9414619404000434, -1.3679730063560895, 1.996407442318737]),
    (Adamax, {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1},
     [0.4669094551371349, -0.9599151739940853, 1.976558380899949]),
    (Adamax, {"lr": 0.01, "maximize": True, "eps": 0.05},
     [0.5245338388614227, -1.032, 2.0105474017146188]),
    (NAdam, {"lr": 0.01, "betas": (0.8, 0.9), "weight_decay": 0.1, "momentum_decay": 0.1},
     [0.45806698478487906, -0.9634743425027417, 1.9817642516982017]),
    (NAdam, {"lr": 0.01, "weight_decay": 0.2, "decoupled_weight_decay": True, "maximize": True},
     [0.5355879013744289, -1.024948795843755, 1.9882802422230827]),
    (RAdam, {"lr": 0.01, "betas": (0.8, 0.6), "weight_decay": 0.1},
     [0.4905280066203071, -0.9880104316275804, 1.9886472012495158]),
    (RAdam, {"lr": 0.01, "betas": (0.5, 0.5), "weight_decay": 0.2, "decoupled_weight_decay": True,
             "maximize": True},
     [0.5043563836190476, -1.0, 1.9863171108651432]),
    (Rprop, {"lr": 0.1, "etas": (0.4, 1.5), "step_sizes": (0.01, 0.3)},
     [-0.275, -0.22499999999999992, 1.8599999999999999]),
    (Rprop, {"lr": 0.05, "maximize": True},
     [0.7684000000000001, -1.2684000000000002, 2.0749999999999997]),
    (ASGD, {"lr": 0.1, "lambd": 0.1, "alpha": 0.6, "t0": 1, "weight_decay": 0.1},
     [0.3646329511812827, -0.8460671815431003, 1.8468781917851738]),
    (ASGD, {"lr": 0.05, "maximize": True},
     [0.5499893751392562, -1.0399794752691685, 1.9999599630253917]),
]  # fmt: skip
TORCH_ASGD_AX = [0.38832919718298675, -0.8645668231249638, 1.8503542961679116]  # the first


@pytest.mark.parametrize(("cls", "kw", "expected"), TORCH_RESULTS)
def test_values_match_pytorch(cls, kw, expected):
    grads = [[0.1 * (t + 1), -0.2, 0.3 * (-1) ** t] for t in range(4)]
    ours, opt, p = run_steps(cls, [0.5, -1.0, 2.0], grads, **kw)
    np.testing.assert_allclose(ours[-1], expected, rtol=1e-14, atol=1e-15)
    if cls is ASGD and kw.get("t0") == 1:
        np.testing.assert_allclose(opt.state[p]["ax"], TORCH_ASGD_AX, rtol=1e-14)


def test_float32_values_match_pytorch():
    # torch.optim.<name>(lr=0.1) on float32 w = [1, -2], three steps of the loss sum(w**2).
    expected = {
        Adadelta: [0.9990294575691223, -1.9990293979644775],
        Adamax: [0.7154994010925293, -1.7076482772827148],
        NAdam: [0.7527292370796204, -1.7475085258483887],
        RAdam: [0.4623033404350281, -0.9246066808700562],
        Rprop: [0.6359999775886536, -1.6359999179840088],
        ASGD: [0.5119836330413818, -1.0239672660827637],
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
