"""Every optimizer minimizes a convex problem, least squares with an intercept, with
gradients from autograd: the parameters reach numpy's lstsq solution (LBFGS: test_lbfgs.py)."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.optim import (
    ASGD,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    RAdam,
    RMSprop,
    Rprop,
    lr_scheduler,
)


@pytest.fixture(scope="module")
def least_squares():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 4))
    y = X @ rng.normal(size=4) + 0.5 + 0.1 * rng.normal(size=40)
    solution = np.linalg.lstsq(np.c_[X, np.ones(40)], y, rcond=None)[0]
    return X, y, solution


def fit(X, y, make_opt, steps, dtype=np.float64, sign=1.0, schedule=None):
    Xt, yt = ag.tensor(X.astype(dtype)), ag.tensor(y.astype(dtype))
    w = ag.zeros(X.shape[1], dtype=dtype, requires_grad=True)
    b = ag.zeros((), dtype=dtype, requires_grad=True)
    opt = make_opt([w, b])
    sched = None if schedule is None else schedule(opt)
    for _ in range(steps):
        opt.zero_grad()
        loss = ((Xt @ w + b - yt) ** 2).mean() * sign
        loss.backward()
        opt.step()
        if sched is not None:
            sched.step()
    return np.r_[w.array, b.array]


CASES = [
    ("SGD", lambda ps: SGD(ps, lr=0.1), 300),
    ("SGD-nesterov", lambda ps: SGD(ps, lr=0.05, momentum=0.9, nesterov=True), 200),
    ("SGD-dampened", lambda ps: SGD(ps, lr=0.05, momentum=0.9, dampening=0.5), 300),
    ("Adam", lambda ps: Adam(ps, lr=0.05), 600),
    ("Adam-amsgrad", lambda ps: Adam(ps, lr=0.05, amsgrad=True), 600),
    ("AdamW", lambda ps: AdamW(ps, lr=0.05, weight_decay=0.0), 600),
    # plain RMSprop with a constant rate ends in a limit cycle of amplitude ~lr around the
    # minimum; decaying the rate lets it settle whatever the floating-point rounding
    ("RMSprop", lambda ps: RMSprop(ps, lr=0.01), 600, 0.99),
    ("RMSprop-centered", lambda ps: RMSprop(ps, lr=0.01, centered=True, momentum=0.5), 600),
    ("Adagrad", lambda ps: Adagrad(ps, lr=0.5), 600),
    # Adadelta's steps, too, keep a size of their own near the minimum
    ("Adadelta", lambda ps: Adadelta(ps, lr=1.0), 1000, 0.995),
    ("Adamax", lambda ps: Adamax(ps, lr=0.05), 600),
    ("NAdam", lambda ps: NAdam(ps, lr=0.05), 600),
    ("NAdamW", lambda ps: NAdam(ps, lr=0.05, decoupled_weight_decay=True), 600),
    ("RAdam", lambda ps: RAdam(ps, lr=0.05), 600),
    ("Rprop", lambda ps: Rprop(ps, lr=0.01), 300),
    ("ASGD", lambda ps: ASGD(ps, lr=0.1, t0=100), 300),
]


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_reaches_the_least_squares_solution(least_squares, case):
    X, y, solution = least_squares
    _, make_opt, steps, *decay = case
    schedule = None
    if decay:
        schedule = lambda opt: lr_scheduler.ExponentialLR(opt, gamma=decay[0])  # noqa: E731
    np.testing.assert_allclose(fit(X, y, make_opt, steps, schedule=schedule), solution, atol=1e-3)


def test_float32_training_converges_and_stays_float32(least_squares):
    X, y, solution = least_squares
    theta = fit(X, y, lambda ps: Adam(ps, lr=0.05), 600, dtype=np.float32)
    assert theta.dtype == np.float32
    np.testing.assert_allclose(theta, solution, atol=1e-4)


def test_maximize_ascends(least_squares):
    X, y, solution = least_squares
    theta = fit(X, y, lambda ps: SGD(ps, lr=0.1, maximize=True), 300, sign=-1.0)
    np.testing.assert_allclose(theta, solution, atol=1e-6)


def test_a_schedule_settles_rmsprop_exactly(least_squares):
    """With a constant rate RMSprop hovers around the minimum; annealing the rate with a
    cosine schedule brings it in."""
    X, y, solution = least_squares
    theta = fit(
        X,
        y,
        lambda ps: RMSprop(ps, lr=0.02),
        600,
        schedule=lambda opt: lr_scheduler.CosineAnnealingLR(opt, T_max=600),
    )
    np.testing.assert_allclose(theta, solution, atol=1e-5)


def test_weight_decay_shrinks_the_solution(least_squares):
    X, y, _ = least_squares
    plain = fit(X, y, lambda ps: AdamW(ps, lr=0.05, weight_decay=0.0), 600)
    decayed = fit(X, y, lambda ps: AdamW(ps, lr=0.05, weight_decay=2.0), 600)
    assert np.linalg.norm(decayed) < np.linalg.norm(plain) - 0.1


def test_asgd_average_reaches_the_solution(least_squares):
    """ASGD's averaged parameters (its state "ax"), which a user evaluates with."""
    X, y, solution = least_squares
    Xt, yt = ag.tensor(X), ag.tensor(y)
    w = ag.zeros(X.shape[1], dtype=np.float64, requires_grad=True)
    b = ag.zeros((), dtype=np.float64, requires_grad=True)
    opt = ASGD([w, b], lr=0.05, t0=50)
    for _ in range(400):
        opt.zero_grad()
        ((Xt @ w + b - yt) ** 2).mean().backward()
        opt.step()
    averaged = np.r_[opt.state[w]["ax"], opt.state[b]["ax"]]
    np.testing.assert_allclose(averaged, solution, atol=1e-3)
