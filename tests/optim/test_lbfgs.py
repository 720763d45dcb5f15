"""L-BFGS: the closure API, the iterations against a dense-matrix reference, the
strong-Wolfe line search, the stopping rules, state_dict, and PyTorch's numbers."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.optim import LBFGS
from autograd_np.optim.lbfgs import cubic_interpolate, strong_wolfe


def rosenbrock(x):
    return ((1 - x[:-1]) ** 2).sum() + 100 * ((x[1:] - x[:-1] ** 2) ** 2).sum()


def make_closure(opt, fn, *params, calls=None):
    def closure():
        if calls is not None:
            calls.append(ag.is_grad_enabled())
        opt.zero_grad()
        loss = fn(*params)
        loss.backward()
        return loss

    return closure


def quadratic(seed=0, n=5):
    """f(x) = x.A x / 2 - b.x with A positive definite, as an autograd function and as
    numpy gradient."""
    rng = np.random.default_rng(seed)
    M = rng.normal(size=(n, n))
    A = M @ M.T + n * np.eye(n)
    b = rng.normal(size=n)
    At, bt = ag.tensor(A), ag.tensor(b)
    return A, b, (lambda x: 0.5 * (x @ (At @ x)) - bt @ x)


# ---------------------------------------------------------------------- the reference
def ref_lbfgs(x, grad, *, lr, history_size, iters):
    """L-BFGS with a fixed step, the inverse-Hessian estimate built as a dense matrix by
    the BFGS update H <- V' H V + rho s s' (V = I - rho y s') from gamma I, over the last
    ``history_size`` pairs with y.s > 1e-10 (Nocedal & Wright, eq. 7.19)."""
    pairs, gamma = [], 1.0
    g = grad(x)
    g_prev = d = t = None
    for k in range(iters):
        if k == 0:
            d = -g
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr
        else:
            s, y = t * d, g - g_prev
            if y @ s > 1e-10:
                pairs = [*pairs, (s, y)][-history_size:]
                gamma = (y @ s) / (y @ y)
            H = gamma * np.eye(len(x))
            for s_i, y_i in pairs:
                rho = 1.0 / (y_i @ s_i)
                V = np.eye(len(x)) - rho * np.outer(y_i, s_i)
                H = V.T @ H @ V + rho * np.outer(s_i, s_i)
            d = -H @ g
            t = lr
        g_prev = g
        x = x + t * d
        g = grad(x)
    return x


@pytest.mark.parametrize(("lr", "history_size", "iters"), [(1.0, 100, 6), (0.3, 2, 9), (1.0, 1, 5)])
def test_iterations_match_the_dense_bfgs_reference(lr, history_size, iters):
    A, b, f = quadratic(1)
    x0 = np.random.default_rng(2).normal(size=5)
    x = ag.tensor(x0.copy(), requires_grad=True)
    opt = LBFGS(
        [x],
        lr=lr,
        max_iter=iters,
        max_eval=10 * iters,
        history_size=history_size,
        tolerance_grad=0.0,
        tolerance_change=0.0,
    )
    opt.step(make_closure(opt, f, x))
    expected = ref_lbfgs(x0, lambda v: A @ v - b, lr=lr, history_size=history_size, iters=iters)
    np.testing.assert_allclose(x.array, expected, rtol=1e-10, atol=1e-12)
    assert opt.state[x]["n_iter"] == iters
    assert len(opt.state[x]["old_dirs"]) == min(history_size, iters - 1)


def test_a_quadratic_is_solved_with_the_line_search():
    A, b, f = quadratic(3, n=6)
    x = ag.tensor(np.zeros(6), requires_grad=True)
    opt = LBFGS([x], line_search_fn="strong_wolfe", tolerance_grad=1e-10, tolerance_change=0)
    opt.step(make_closure(opt, f, x))
    np.testing.assert_allclose(x.array, np.linalg.solve(A, b), rtol=1e-8)


@pytest.mark.parametrize("line_search_fn", [None, "strong_wolfe"])
def test_several_parameters_are_one_flat_vector(line_search_fn):
    """Parameters of several shapes (one with no gradient, which counts as zeros) step
    exactly as one flat parameter does."""
    x0 = np.array([-1.2, 1.0, -0.5, 0.8, 0.3, 1.1, 0.0])
    flat = ag.tensor(x0.copy(), requires_grad=True)
    opt1 = LBFGS([flat], line_search_fn=line_search_fn, max_iter=8)
    a = ag.tensor(x0[:2].copy(), requires_grad=True)
    b = ag.tensor(x0[2:6].reshape(2, 2).copy(), requires_grad=True)
    unused = ag.tensor(x0[6:].copy(), requires_grad=True)
    opt2 = LBFGS([a, b, unused], line_search_fn=line_search_fn, max_iter=8)
    arrays = (a.array, b.array)
    for _ in range(3):
        opt1.step(make_closure(opt1, lambda v: rosenbrock(v[:6]), flat))
        opt2.step(make_closure(opt2, lambda u, w: rosenbrock(ag.cat([u, w.reshape(4)])), a, b))
    np.testing.assert_allclose(np.r_[a.array, b.array.ravel(), unused.array], flat.array)
    assert (a.array, b.array) == arrays  # updated in place
    assert a._version > 0 and unused.grad is None


def test_rosenbrock_converges_with_the_strong_wolfe_line_search():
    x = ag.tensor(np.array([-1.2, 1.0, -0.5, 0.8]), requires_grad=True)
    opt = LBFGS([x], line_search_fn="strong_wolfe")
    closure = make_closure(opt, rosenbrock, x)
    for _ in range(5):
        opt.step(closure)
    np.testing.assert_allclose(x.array, np.ones(4), atol=1e-6)


# ---------------------------------------------------------------------- line search
def cubic_1d(t):
    """phi(t) = t**3 - 3t: its local minimum is at t = 1."""
    return t**3 - 3 * t, 3 * t**2 - 3


def test_cubic_interpolation_finds_the_minimum_of_a_cubic():
    f0, g0 = cubic_1d(0.0)
    f2, g2 = cubic_1d(2.0)
    assert cubic_interpolate(0.0, f0, g0, 2.0, f2, g2) == pytest.approx(1.0)
    assert cubic_interpolate(2.0, f2, g2, 0.0, f0, g0) == pytest.approx(1.0)
    assert cubic_interpolate(0.0, f0, g0, 2.0, f2, g2, bounds=(1.5, 3.0)) == 1.5
    # a cubic with no minimum (d1**2 < g1 g2): the middle of the bounds
    assert cubic_interpolate(0.0, 0.0, 1.0, 1.0, 0.5, 1.0, bounds=(0.0, 4.0)) == 2.0
    # a vanishing denominator (a straight line): the upper bound, as in PyTorch
    assert cubic_interpolate(0.0, 0.0, -2.0, 1.0, -2.0, -2.0, bounds=(1.01, 10.0)) == 10.0


@pytest.mark.parametrize("t0", [1e-3, 0.5, 1.0, 3.0, 50.0])
@pytest.mark.parametrize("c2", [0.9, 0.1])
def test_the_step_found_satisfies_the_strong_wolfe_conditions(t0, c2):
    """Along d on f(x) = sum(x**4) + (x.a)**2 from x0, the returned step is a strong Wolfe
    point, and what is returned is f and its gradient there."""
    rng = np.random.default_rng(0)
    a, x0 = rng.normal(size=4), rng.normal(size=4)

    def f_grad(x):
        return float((x**4).sum() + (x @ a) ** 2), 4 * x**3 + 2 * (x @ a) * a

    f0, g0 = f_grad(x0)
    d = -g0
    gtd = float(g0 @ d)
    evals = []

    def obj(t, direction):
        evals.append(t)
        return f_grad(x0 + t * direction)

    f_t, g_t, t, n = strong_wolfe(obj, t0, d, f0, g0, gtd, c2=c2)
    assert n == len(evals)
    assert f_t <= f0 + 1e-4 * t * gtd
    assert abs(g_t @ d) <= c2 * abs(gtd)
    f_check, g_check = f_grad(x0 + t * d)
    assert f_t == pytest.approx(f_check, rel=1e-12)
    np.testing.assert_allclose(g_t, g_check, rtol=1e-12)


def test_the_line_search_stops_at_its_evaluation_budget():
    def obj(t, d):  # always decreasing: bracketing never ends
        return -t * float(d @ d), -d

    d = np.ones(2)
    f, _, t, n = strong_wolfe(obj, 1.0, d, 0.0, -d, -2.0, max_ls=4)
    assert n == 5 and t > 1.0 and f < 0


# ---------------------------------------------------------------------- stopping rules
def test_an_optimal_point_takes_one_evaluation_and_no_step():
    x = ag.tensor(np.ones(3), requires_grad=True)
    opt = LBFGS([x])
    calls = []
    loss = opt.step(make_closure(opt, rosenbrock, x, calls=calls))
    assert calls == [True] and float(loss) == 0.0
    np.testing.assert_array_equal(x.array, np.ones(3))
    assert opt.state[x]["func_evals"] == 1 and opt.state[x]["n_iter"] == 0


@pytest.mark.parametrize(
    ("kw", "evals"),
    [({"max_iter": 4}, 4), ({"max_iter": 10, "max_eval": 3}, 3), ({"max_iter": 1}, 1)],
)
def test_max_iter_and_max_eval_bound_the_work_of_a_step(kw, evals):
    x = ag.tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = LBFGS([x], **kw)
    calls = []
    opt.step(make_closure(opt, rosenbrock, x, calls=calls))
    assert len(calls) == evals == opt.state[x]["func_evals"]
    assert all(calls)  # every evaluation with grad mode on


def test_the_closure_runs_with_grad_enabled_and_the_first_loss_is_returned():
    x = ag.tensor(np.array([-1.2, 1.0]), requires_grad=True)
    opt = LBFGS([x], line_search_fn="strong_wolfe")
    calls = []
    with ag.no_grad():
        loss = opt.step(make_closure(opt, rosenbrock, x, calls=calls))
    assert all(calls) and len(calls) > 1
    assert float(loss) == pytest.approx(24.2)
    assert opt.param_groups[0]["max_eval"] == 25  # max_iter * 5 // 4


def test_tolerance_change_stops_when_the_loss_stalls():
    *_, f = quadratic(4)
    x = ag.tensor(np.zeros(5), requires_grad=True)
    opt = LBFGS([x], tolerance_change=1e-3, tolerance_grad=0.0, max_iter=100, max_eval=1000)
    opt.step(make_closure(opt, f, x))
    assert opt.state[x]["n_iter"] < 100
    x2 = ag.tensor(np.zeros(5), requires_grad=True)
    opt2 = LBFGS([x2], tolerance_change=0.0, tolerance_grad=1e-12, max_iter=100, max_eval=1000)
    opt2.step(make_closure(opt2, f, x2))
    assert opt2.state[x2]["n_iter"] > opt.state[x]["n_iter"]


# ---------------------------------------------------------------------- API and errors
def test_errors_are_clear():
    x = ag.tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match=r"LBFGS\.step needs a closure"):
        LBFGS([x]).step()
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        LBFGS([{"params": [x]}, {"params": [ag.tensor([1.0], requires_grad=True)]}])
    with pytest.raises(ValueError, match="doesn't support per-parameter options"):
        LBFGS([x]).add_param_group({"params": [ag.tensor([1.0], requires_grad=True)]})
    with pytest.raises(ValueError, match="line_search_fn must be None or 'strong_wolfe'"):
        LBFGS([x], line_search_fn="armijo")
    with pytest.raises(ValueError, match="history_size must be a positive int, got 0"):
        LBFGS([x], history_size=0)
    with pytest.raises(ValueError, match="LBFGS: invalid learning rate -1"):
        LBFGS([x], lr=-1)
    opt = LBFGS([x])
    with pytest.raises(TypeError, match="the closure must return the loss"):
        opt.step(lambda: "loss")


def test_state_dict_round_trip_continues_exactly():
    def fresh():
        x = ag.tensor(np.array([-1.2, 1.0, 0.4]), requires_grad=True)
        return x, LBFGS([x], line_search_fn="strong_wolfe", history_size=3, max_iter=4)

    x, opt = fresh()
    opt.step(make_closure(opt, rosenbrock, x))
    sd = opt.state_dict()
    assert set(sd["state"][0]) == {
        "func_evals", "n_iter", "d", "t", "old_dirs", "old_stps", "ro", "H_diag",
        "prev_flat_grad", "prev_loss", "al",
    }  # fmt: skip
    # as a checkpoint gives it back: numbers as 0-d arrays, vectors copied
    as_loaded = {
        k: [None if a is None else np.array(a) for a in v] if isinstance(v, list) else np.array(v)
        for k, v in sd["state"][0].items()
    }
    y, opt2 = fresh()
    np.copyto(y.array, x.array)
    opt2.load_state_dict({"state": {0: as_loaded}, "param_groups": sd["param_groups"]})
    assert isinstance(opt2.state[y]["n_iter"], int)
    for _ in range(2):
        opt.step(make_closure(opt, rosenbrock, x))
        opt2.step(make_closure(opt2, rosenbrock, y))
    np.testing.assert_array_equal(y.array, x.array)
    bad = dict(as_loaded, d=np.zeros(5))
    with pytest.raises(ValueError, match=r"state 'd' holds an array of shape \(5,\), but the "):
        opt2.load_state_dict({"state": {0: bad}, "param_groups": sd["param_groups"]})


def test_float32_parameters_stay_float32():
    x = ag.tensor(np.array([-1.2, 1.0], np.float32), requires_grad=True)
    opt = LBFGS([x], line_search_fn="strong_wolfe")
    for _ in range(3):
        opt.step(make_closure(opt, rosenbrock, x))
    assert x.dtype == np.float32 and opt.state[x]["d"].dtype == np.float32
    np.testing.assert_allclose(x.array, [1.0, 1.0], atol=1e-3)


# ---------------------------------------------------------------------- PyTorch's numbers
# torch.optim.LBFGS([x], **kw) with torch.set_default_dtype(torch.float64), x = [-1.5, 2.0,
# 0.5], the closure computing the Rosenbrock function above; after each of two steps, x and
# the state's func_evals and n_iter.
TORCH_RESULTS = [
    ({},
     [([-0.6521788514623581, 0.431663066941388, 0.19143644763395892], 20, 20),
      ([-0.007339169692063163, 0.009800043155060695, -0.001280218077087825], 40, 40)]),
    ({"line_search_fn": "strong_wolfe"},
     [([-0.48390351694503403, 0.24582365111169968, 0.04316220895910559], 23, 20),
      ([0.8842601021007436, 0.7919582748053078, 0.634446277947025], 48, 39)]),
    ({"history_size": 2, "max_iter": 5, "lr": 0.5},
     [([-1.1270768717843864, 1.1254187649463727, 0.8797182026688712], 5, 5),
      ([-1.0032158911616482, 1.0086493883470802, 1.0026676276272883], 10, 10)]),
    ({"history_size": 3, "max_iter": 8, "max_eval": 9, "line_search_fn": "strong_wolfe",
      "lr": 2.0},
     [([-0.889050070247102, 0.8000513766915809, 0.6447283983711554], 9, 6),
      ([-0.5440786214454528, 0.29017894909432335, 0.06451809000725223], 18, 14)]),
    ({"tolerance_grad": 1.0, "line_search_fn": "strong_wolfe"},
     [([-0.9702670407121646, 0.9496588414899623, 0.906686262006381], 7, 6),
      ([-0.9702670407121646, 0.9496588414899623, 0.906686262006381], 8, 6)]),
    ({"tolerance_change": 0.05},
     [([-0.9771616089663705, 0.9507088514743665, 0.9070162682074875], 6, 5),
      ([-0.9771616089663705, 0.9507088514743665, 0.9070162682074875], 7, 6)]),
]  # fmt: skip


@pytest.mark.parametrize(("kw", "expected"), TORCH_RESULTS)
def test_values_match_pytorch(kw, expected):
    x = ag.tensor(np.array([-1.5, 2.0, 0.5]), requires_grad=True)
    opt = LBFGS([x], **kw)
    closure = make_closure(opt, rosenbrock, x)
    for values, func_evals, n_iter in expected:
        opt.step(closure)
        np.testing.assert_allclose(x.array, values, rtol=1e-8, atol=1e-10)
        assert (opt.state[x]["func_evals"], opt.state[x]["n_iter"]) == (func_evals, n_iter)
