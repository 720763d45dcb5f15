"""Learning-rate schedulers: value by value against their formulas and against numbers
obtained from PyTorch 2.13 interactively (equal to the last bit: the schedules are the same
Python float arithmetic), chaining, SequentialLR, ReduceLROnPlateau, state_dict round trips
and errors."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.optim import SGD, Adagrad, Adam, lr_scheduler

L = lr_scheduler


def make_opt(kind=SGD, lr=0.1, groups=1, **kw):
    params = [{"params": [ag.zeros(2, requires_grad=True)]} for _ in range(groups)]
    return kind(params, lr=lr, **kw)


def run(opt, sched, n, metrics=None, momentum=False):
    """The learning rate of group 0 in effect at each of ``n`` optimizer steps."""
    lrs, moms = [], []
    for i in range(n):
        lrs.append(opt.param_groups[0]["lr"])
        if momentum:
            group = opt.param_groups[0]
            moms.append(group["betas"][0] if "betas" in group else group["momentum"])
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[i])
    return (lrs, moms) if momentum else lrs


# ---------------------------------------------------------------------- PyTorch's numbers
# Each from torch.optim.lr_scheduler with the same arguments on SGD(lr=0.1) (momentum=0.9
# for OneCycleLR, Adam for the three-phase case): the lr before each of the steps.
TORCH = {
    "step": [0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125],
    "multistep": [0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002,
                  0.00010000000000000005, 0.00010000000000000005, 0.00010000000000000005],
    "exp": [0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002,
            0.06561000000000002, 0.05904900000000002],
    "cos": [0.1, 0.09140576474687263, 0.06890576474687263, 0.04109423525312736,
            0.018594235253127367, 0.01, 0.018594235253127367, 0.04109423525312739,
            0.06890576474687267, 0.09140576474687269, 0.10000000000000006, 0.09140576474687272,
            0.06890576474687268, 0.0410942352531274, 0.01859423525312738, 0.01],
    "linear": [0.03333333333333333, 0.04666666666666667, 0.060000000000000005,
               0.07333333333333335, 0.08666666666666668, 0.1, 0.1, 0.1],
    "linear2": [0.05, 0.04000000000000001, 0.030000000000000006, 0.020000000000000004, 0.01,
                0.01, 0.01],
    "lambda": [0.1, 0.05, 0.03333333333333333, 0.025, 0.020000000000000004],
    "onecycle": ([0.040000000000000036, 0.52, 1.0, 0.9504846320134737, 0.8117456539497631,
                  0.6112620219362893, 0.38874197806371075, 0.18825834605023697,
                  0.049519367986526286, 4e-06],
                 [0.95, 0.8999999999999999, 0.85, 0.854951556604879, 0.8688255099070633,
                  0.8888739533021842, 0.9111260466978157, 0.9311744900929366, 0.945048443395121,
                  0.95]),
    "onecycle_linear_3phase": ([0.02, 0.26, 0.5, 0.26, 0.020000000000000018,
                                0.017143142857142857, 0.014286285714285715,
                                0.011429428571428571, 0.00857257142857143, 0.005715714285714284,
                                0.002858857142857142, 1.9999999999985307e-06],
                               [0.95, 0.8999999999999999, 0.85, 0.8999999999999999] + [0.95] * 8),
    "seq": [0.010000000000000002, 0.04, 0.07, 0.1, 0.08535533905932738, 0.05,
            0.014644660940672627, 0.0, 0.014644660940672622, 0.05000000000000001],
    "seq3": [0.1, 0.05, 0.1, 0.1, 0.010000000000000002, 0.020000000000000004,
             0.06000000000000001, 0.1, 0.1],
    "chain": [0.1, 0.09000000000000001, 0.04050000000000001, 0.03645000000000001,
              0.016402500000000004, 0.014762250000000005],
    "plateau": [0.1, 0.1, 0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025],
    "plateau_max_abs": [0.1] * 7 + [0.010000000000000002] * 2,
}  # fmt: skip


def test_step_lr_matches_pytorch():
    opt = make_opt()
    assert run(opt, L.StepLR(opt, 3, gamma=0.5), 10) == TORCH["step"]


def test_multistep_lr_matches_pytorch():
    opt = make_opt()  # 5 is listed twice: decays by gamma**2 there
    assert run(opt, L.MultiStepLR(opt, [2, 5, 5], gamma=0.1), 8) == TORCH["multistep"]


def test_exponential_lr_matches_pytorch():
    opt = make_opt()
    assert run(opt, L.ExponentialLR(opt, 0.9), 6) == TORCH["exp"]


def test_cosine_annealing_matches_pytorchs_recursive_values():
    opt = make_opt()
    lrs = run(opt, L.CosineAnnealingLR(opt, T_max=5, eta_min=0.01), 16)
    assert lrs == TORCH["cos"]
    closed = [0.01 + (0.1 - 0.01) * (1 + math.cos(math.pi * t / 5)) / 2 for t in range(16)]
    # The recursion equals the closed form up to rounding, and not bit for bit.
    np.testing.assert_allclose(lrs, closed, rtol=1e-14)
    assert lrs != closed


def test_linear_lr_matches_pytorch():
    opt = make_opt()
    assert run(opt, L.LinearLR(opt), 8) == TORCH["linear"]
    opt = make_opt()
    sched = L.LinearLR(opt, start_factor=0.5, end_factor=0.1, total_iters=4)
    assert run(opt, sched, 7) == TORCH["linear2"]


def test_lambda_lr_matches_pytorch():
    opt = make_opt()
    assert run(opt, L.LambdaLR(opt, lambda e: 1.0 / (e + 1)), 5) == TORCH["lambda"]


def test_one_cycle_matches_pytorch_and_cycles_sgd_momentum():
    opt = make_opt(momentum=0.9)
    sched = L.OneCycleLR(opt, max_lr=1.0, total_steps=10)
    assert run(opt, sched, 10, momentum=True) == TORCH["onecycle"]


def test_one_cycle_three_phase_linear_cycles_adams_beta1_only():
    opt = make_opt(Adam, betas=(0.9, 0.99))
    sched = L.OneCycleLR(
        opt,
        max_lr=0.5,
        total_steps=12,
        anneal_strategy="linear",
        three_phase=True,
        pct_start=0.25,
    )
    assert run(opt, sched, 12, momentum=True) == TORCH["onecycle_linear_3phase"]
    assert opt.param_groups[0]["betas"][1] == 0.99


def test_sequential_lr_matches_pytorch():
    opt = make_opt()
    warm = L.LinearLR(opt, start_factor=0.1, total_iters=3)
    cos = L.CosineAnnealingLR(opt, T_max=4)
    assert run(opt, L.SequentialLR(opt, [warm, cos], milestones=[3]), 10) == TORCH["seq"]


def test_sequential_lr_with_three_schedulers_matches_pytorch():
    opt = make_opt()
    scheds = [L.ExponentialLR(opt, 0.5), L.StepLR(opt, 2, 0.1), L.LinearLR(opt, 0.2, total_iters=2)]
    assert run(opt, L.SequentialLR(opt, scheds, milestones=[2, 5]), 9) == TORCH["seq3"]


def test_two_schedulers_on_one_optimizer_compose_as_in_pytorch():
    opt = make_opt()
    a, b = L.StepLR(opt, 2, 0.5), L.ExponentialLR(opt, 0.9)
    lrs = []
    for _ in range(6):
        lrs.append(opt.param_groups[0]["lr"])
        opt.step()
        a.step()
        b.step()
    assert lrs == TORCH["chain"]


def test_reduce_on_plateau_patience_and_cooldown_match_pytorch():
    opt = make_opt()
    sched = L.ReduceLROnPlateau(opt, patience=2, cooldown=1, factor=0.5, min_lr=0.02)
    m = [1.0, 0.9, 0.95, 0.95, 0.95, 0.95, 0.8, 0.85, 0.85, 0.85, 0.85, 0.85, 0.85]
    assert run(opt, sched, len(m), metrics=m) == TORCH["plateau"]


def test_reduce_on_plateau_max_mode_absolute_threshold_matches_pytorch():
    opt = make_opt()
    sched = L.ReduceLROnPlateau(opt, mode="max", patience=1, threshold=0.05, threshold_mode="abs")
    m = [1.0, 2.0, 2.5, 2.4, 2.6, 2.6001, 2.6002, 2.7, 2.7]
    assert run(opt, sched, len(m), metrics=m) == TORCH["plateau_max_abs"]


# ---------------------------------------------------------------------- formulas
def test_schedules_follow_their_closed_forms():
    n = 25
    cases = [
        (lambda o: L.StepLR(o, 4, gamma=0.3), lambda t: 0.1 * 0.3 ** (t // 4)),
        (
            lambda o: L.MultiStepLR(o, [3, 7, 7, 20], 0.5),
            lambda t: 0.1 * 0.5 ** sum(m <= t for m in [3, 7, 7, 20]),
        ),
        (lambda o: L.ExponentialLR(o, 0.95), lambda t: 0.1 * 0.95**t),
        (
            lambda o: L.LinearLR(o, 0.25, 0.75, total_iters=10),
            lambda t: 0.1 * (0.25 + 0.5 * min(t, 10) / 10),
        ),
        (
            lambda o: L.CosineAnnealingLR(o, T_max=7, eta_min=0.001),
            lambda t: 0.001 + (0.1 - 0.001) * (1 + math.cos(math.pi * t / 7)) / 2,
        ),
        (lambda o: L.LambdaLR(o, lambda e: 0.9**e + 0.1), lambda t: 0.1 * (0.9**t + 0.1)),
    ]
    for make, formula in cases:
        opt = make_opt()
        lrs = run(opt, make(opt), n)
        np.testing.assert_allclose(lrs, [formula(t) for t in range(n)], rtol=1e-12)


def test_one_cycle_follows_its_formula():
    total, peak, div, final_div, pct = 20, 0.4, 10.0, 100.0, 0.25
    opt = make_opt(momentum=0.9)
    sched = L.OneCycleLR(
        opt,
        max_lr=peak,
        total_steps=total,
        pct_start=pct,
        div_factor=div,
        final_div_factor=final_div,
        base_momentum=0.8,
        max_momentum=0.9,
    )
    lrs, moms = run(opt, sched, total, momentum=True)
    initial, low = peak / div, peak / div / final_div
    up = pct * total - 1

    def cos(a, b, frac):
        return b + (a - b) * (1 + math.cos(math.pi * frac)) / 2

    for t in range(total):
        if t <= up:
            lr, m = cos(initial, peak, t / up), cos(0.9, 0.8, t / up)
        else:
            frac = (t - up) / (total - 1 - up)
            lr, m = cos(peak, low, frac), cos(0.8, 0.9, frac)
        assert lrs[t] == pytest.approx(lr, rel=1e-12)
        assert moms[t] == pytest.approx(m, rel=1e-12)
    assert lrs[0] == pytest.approx(initial) and lrs[-1] == pytest.approx(low)


def test_per_group_values():
    opt = make_opt(groups=2)
    opt.param_groups[1]["lr"] = 1.0
    sched = L.ExponentialLR(opt, 0.5)
    opt.step()
    sched.step()
    assert sched.get_last_lr() == [0.05, 0.5]
    assert sched.base_lrs == [0.1, 1.0]
    opt = make_opt(groups=2)
    sched = L.OneCycleLR(opt, max_lr=[1.0, 2.0], total_steps=5, cycle_momentum=False)
    np.testing.assert_allclose(sched.get_last_lr(), [1.0 / 25, 2.0 / 25], rtol=1e-14)
    sched = L.LambdaLR(make_opt(groups=2), [lambda e: 1.0, lambda e: 2.0])
    assert sched.get_last_lr() == [0.1, 0.2]


# ---------------------------------------------------------------------- base semantics
def test_construction_records_initial_lr_and_applies_epoch_zero():
    opt = make_opt()
    sched = L.LinearLR(opt, start_factor=0.5)
    assert opt.param_groups[0]["initial_lr"] == 0.1
    assert opt.param_groups[0]["lr"] == 0.05
    assert sched.last_epoch == 0
    assert sched.get_last_lr() == [0.05]


def test_resuming_with_last_epoch_needs_initial_lr():
    with pytest.raises(KeyError, match=r"param_groups\[0\] has no 'initial_lr'"):
        L.StepLR(make_opt(), 2, last_epoch=3)
    opt = make_opt()
    opt.param_groups[0]["initial_lr"] = 1.0
    sched = L.ExponentialLR(opt, 0.5, last_epoch=3)
    assert sched.last_epoch == 4 and sched.base_lrs == [1.0]
    assert opt.param_groups[0]["lr"] == 0.1  # the resumed rate is left alone


def test_stepping_with_an_epoch_is_deprecated_and_uses_the_closed_form():
    opt = make_opt()
    sched = L.StepLR(opt, 2, gamma=0.5)
    opt.step()
    with pytest.warns(UserWarning, match="deprecated"):
        sched.step(5)
    assert sched.last_epoch == 5
    assert sched.get_last_lr() == [0.1 * 0.5**2]


def test_warns_when_stepped_before_the_optimizer():
    sched = L.StepLR(make_opt(), 2)
    with pytest.warns(UserWarning, match=r"before optimizer.step\(\)"):
        sched.step()
    opt = make_opt()
    sched = L.StepLR(opt, 2)
    opt.step()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sched.step()
        sched.step()


def test_calling_get_lr_directly_warns():
    opt = make_opt()
    sched = L.ExponentialLR(opt, 0.5)
    with pytest.warns(UserWarning, match="get_last_lr"):
        sched.get_lr()


@pytest.mark.parametrize(
    ("make", "error", "message"),
    [
        (lambda o: L.StepLR(o, 0), ValueError, "step_size must be a positive int"),
        (lambda o: L.CosineAnnealingLR(o, T_max=0), ValueError, "T_max must be a positive int"),
        (lambda o: L.LinearLR(o, start_factor=0), ValueError, r"start_factor must be in \(0, 1\]"),
        (lambda o: L.LinearLR(o, end_factor=1.5), ValueError, r"end_factor must be in \[0, 1\]"),
        (lambda o: L.LinearLR(o, total_iters=0), ValueError, "total_iters must be a positive"),
        (lambda o: L.LambdaLR(o, [lambda e: 1, lambda e: 1]), ValueError, "2 lr_lambdas for 1"),
        (lambda o: L.LambdaLR(o, 3.0), TypeError, "lr_lambda must be callable"),
        (lambda o: L.OneCycleLR(o, 1.0), ValueError, "give total_steps, or both epochs"),
        (lambda o: L.OneCycleLR(o, 1.0, total_steps=-1), ValueError, "total_steps must be"),
        (lambda o: L.OneCycleLR(o, 1.0, 10, pct_start=1.5), ValueError, "pct_start"),
        (lambda o: L.OneCycleLR(o, 1.0, 10, anneal_strategy="exp"), ValueError, "'cos' or"),
        (lambda o: L.OneCycleLR(o, [1.0, 2.0], 10), ValueError, "max_lr has 2 values"),
        (lambda o: L.ReduceLROnPlateau(o, factor=1.0), ValueError, "factor must be < 1.0"),
        (lambda o: L.ReduceLROnPlateau(o, mode="up"), ValueError, "mode must be 'min' or"),
        (lambda o: L.ReduceLROnPlateau(o, threshold_mode="x"), ValueError, "threshold_mode"),
        (lambda o: L.ReduceLROnPlateau(o, min_lr=[0, 0]), ValueError, "2 min_lr values for 1"),
        (lambda o: L.StepLR("opt", 2), TypeError, "expected an Optimizer, got str"),
    ],
)
def test_invalid_arguments_are_reported(make, error, message):
    with pytest.raises(error, match=message):
        make(make_opt())


def test_one_cycle_needs_a_momentum_to_cycle_and_refuses_extra_steps():
    with pytest.raises(ValueError, match="Adagrad has neither"):
        L.OneCycleLR(make_opt(Adagrad), max_lr=1.0, total_steps=4)
    opt = make_opt(Adagrad)
    sched = L.OneCycleLR(opt, max_lr=1.0, epochs=2, steps_per_epoch=2, cycle_momentum=False)
    assert sched.total_steps == 4
    for _ in range(4):
        opt.step()
        sched.step()
    with pytest.raises(ValueError, match="tried to step 5 times, but the cycle has total_steps=4"):
        sched.step()


def test_sequential_lr_validates_its_schedulers():
    opt, other = make_opt(), make_opt()
    a = L.StepLR(opt, 2)
    with pytest.raises(ValueError, match="expected at least one scheduler"):
        L.SequentialLR(opt, [], [])
    with pytest.raises(ValueError, match="expected 1 milestones for 2 schedulers"):
        L.SequentialLR(opt, [a, L.StepLR(opt, 3)], [])
    with pytest.raises(ValueError, match="belongs to another optimizer"):
        L.SequentialLR(opt, [a, L.StepLR(other, 3)], [2])
    with pytest.raises(ValueError, match="ReduceLROnPlateau"):
        L.SequentialLR(opt, [a, L.ReduceLROnPlateau(opt)], [2])
    with pytest.raises(ValueError, match="milestones must increase"):
        L.SequentialLR(opt, [a, L.StepLR(opt, 3), L.StepLR(opt, 4)], [3, 3])


def test_reduce_on_plateau_details():
    opt = make_opt(groups=2)
    sched = L.ReduceLROnPlateau(opt, patience=0, factor=0.5, min_lr=[0.03, 0.0], eps=0.02)
    for metric in [1.0, 2.0, 3.0, 4.0, 5.0]:
        sched.step(ag.tensor(metric))  # a one-element tensor works as the metric
    # group 0 stops at min_lr; group 1 stops once a reduction would be smaller than eps
    assert sched.get_last_lr() == [0.03, 0.025]
    assert sched.num_bad_epochs == 0 and sched.last_epoch == 5
    assert sched.best == 1.0 and sched.is_better(0.5, 1.0) and not sched.is_better(0.99995, 1.0)
    sched_rel_max = L.ReduceLROnPlateau(make_opt(), mode="max")
    assert sched_rel_max.is_better(1.001, 1.0) and not sched_rel_max.is_better(1.00005, 1.0)


def test_reduce_on_plateau_added_group():
    opt = make_opt()
    sched = L.ReduceLROnPlateau(opt, patience=0, min_lr=0.001)
    opt.add_param_group({"params": [ag.zeros(1, requires_grad=True)], "lr": 0.2})
    sched.step(1.0)
    sched.step(2.0)
    assert sched.get_last_lr() == [pytest.approx(0.01), pytest.approx(0.02)]
    opt = make_opt()
    sched = L.ReduceLROnPlateau(opt, patience=0, min_lr=[0.001])
    opt.add_param_group({"params": [ag.zeros(1, requires_grad=True)]})
    sched.step(1.0)
    with pytest.raises(RuntimeError, match="2 parameter groups but min_lr has 1"):
        sched.step(2.0)


# ---------------------------------------------------------------------- state_dict
def plain(value):
    """True when ``value`` is made of plain, savable values only."""
    if isinstance(value, dict):
        return all(isinstance(k, (str, int)) and plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(plain(v) for v in value)
    return value is None or isinstance(value, (bool, int, float, str))


class Halving:
    """A callable object: its attributes travel in LambdaLR's state_dict."""

    def __init__(self) -> None:
        self.base = 0.5

    def __call__(self, epoch: int) -> float:
        return self.base**epoch


BUILDERS = {
    "step": lambda o: L.StepLR(o, 3, gamma=0.5),
    "multistep": lambda o: L.MultiStepLR(o, [2, 5, 5], gamma=0.5),
    "exp": lambda o: L.ExponentialLR(o, 0.9),
    "cos": lambda o: L.CosineAnnealingLR(o, T_max=6, eta_min=0.001),
    "linear": lambda o: L.LinearLR(o, 0.2, total_iters=6),
    "lambda": lambda o: L.LambdaLR(o, [Halving(), lambda e: 1 / (1 + e)]),
    "onecycle": lambda o: L.OneCycleLR(o, [1.0, 0.5], total_steps=12, three_phase=True),
    "seq": lambda o: L.SequentialLR(
        o, [L.LinearLR(o, 0.1, total_iters=3), L.CosineAnnealingLR(o, T_max=5)], [3]
    ),
    "plateau": lambda o: L.ReduceLROnPlateau(o, patience=1, cooldown=1, factor=0.5),
}


def advance(opt, sched, n, start=0):
    metrics = [1.0, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8, 0.7, 0.7, 0.7, 0.7]
    for i in range(start, start + n):
        opt.step()
        if isinstance(sched, L.ReduceLROnPlateau):
            sched.step(metrics[i])
        else:
            sched.step()


@pytest.mark.parametrize("name", list(BUILDERS))
def test_state_dict_round_trip_continues_identically(name):
    opt = make_opt(groups=2, momentum=0.9)
    sched = BUILDERS[name](opt)
    advance(opt, sched, 4)
    sd, opt_sd = sched.state_dict(), opt.state_dict()
    assert "optimizer" not in sd
    assert plain(sd), sd
    # Round trip through save/load, as a checkpoint would go.
    opt2 = make_opt(groups=2, lr=0.7, momentum=0.5)
    sched2 = BUILDERS[name](opt2)
    if name == "lambda":
        sched2.lr_lambdas[0].base = 0.1  # restored from the state dict below
    opt2.load_state_dict(opt_sd)
    sched2.load_state_dict(sd)
    advance(opt, sched, 7, start=4)
    advance(opt2, sched2, 7, start=4)
    assert [g["lr"] for g in opt2.param_groups] == [g["lr"] for g in opt.param_groups]
    assert [g["momentum"] for g in opt2.param_groups] == [g["momentum"] for g in opt.param_groups]
    assert sched2.get_last_lr() == sched.get_last_lr()
    assert sched2.last_epoch == sched.last_epoch


def test_lambda_state_dict_keeps_only_what_can_be_saved():
    sched = BUILDERS["lambda"](make_opt(groups=2))
    sd = sched.state_dict()
    assert sd["lr_lambdas"] == [{"base": 0.5}, None]
    assert "lr_lambdas" in vars(sched)  # state_dict leaves the scheduler intact


def test_multistep_state_dict_holds_a_plain_dict():
    sched = BUILDERS["multistep"](make_opt())
    sd = sched.state_dict()
    assert sd["milestones"] == {2: 1, 5: 2} and type(sd["milestones"]) is dict
    sched.load_state_dict(sd)
    assert sched.milestones[5] == 2


def test_load_state_dict_checks_the_number_of_groups():
    sd = L.StepLR(make_opt(groups=2), 2).state_dict()
    with pytest.raises(ValueError, match="base_lrs has 2 entries but the optimizer has 1"):
        L.StepLR(make_opt(), 2).load_state_dict(sd)
    with pytest.raises(ValueError, match="expected the states of 2 schedulers"):
        BUILDERS["seq"](make_opt()).load_state_dict({"last_epoch": 3})
