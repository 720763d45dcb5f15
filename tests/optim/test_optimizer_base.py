"""The Optimizer base: parameter groups, validation, zero_grad, closures, skipping
parameters without gradients, in-place updates with version bumps, state_dict structure
and load_state_dict validation."""

from __future__ import annotations

import numpy as np
import pytest

import autograd_np as ag
from autograd_np.autograd import increment_version
from autograd_np.optim import (
    ASGD,
    SGD,
    Adadelta,
    Adagrad,
    Adam,
    Adamax,
    AdamW,
    NAdam,
    Optimizer,
    RAdam,
    RMSprop,
    Rprop,
)

# every optimizer whose step applies an update rule per parameter (LBFGS: test_lbfgs.py)
ALL = [SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, Rprop, ASGD]


def param(values=(1.0, -2.0, 0.5), dtype=np.float32):
    return ag.tensor(np.array(values, dtype=dtype), requires_grad=True)


def set_grad(p, values):
    p.grad = ag.tensor(np.asarray(values, dtype=p.dtype))


# ---------------------------------------------------------------------- validation
@pytest.mark.parametrize("cls", ALL)
def test_negative_learning_rate_is_rejected(cls):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: invalid learning rate -0.1"):
        cls([param()], lr=-0.1)


@pytest.mark.parametrize("cls", [Adam, AdamW])
@pytest.mark.parametrize("betas", [(1.0, 0.999), (-0.1, 0.999), (0.9, 1.0), (0.9, -1e-3)])
def test_betas_outside_the_unit_interval_are_rejected(cls, betas):
    with pytest.raises(ValueError, match=r"beta[12] .* expected a number in \[0, 1\)"):
        cls([param()], betas=betas)


@pytest.mark.parametrize("cls", [Adam, AdamW])
def test_betas_must_be_a_pair(cls):
    with pytest.raises(ValueError, match="betas must be a pair"):
        cls([param()], betas=(0.9,))


@pytest.mark.parametrize(
    ("cls", "kwargs", "what"),
    [
        (Adam, {"eps": -1e-8}, "eps"),
        (AdamW, {"weight_decay": -0.1}, "weight_decay"),
        (Adam, {"weight_decay": -0.1}, "weight_decay"),
        (SGD, {"momentum": -0.5}, "momentum"),
        (SGD, {"weight_decay": -1.0}, "weight_decay"),
        (SGD, {"dampening": -0.1}, "dampening"),
        (RMSprop, {"alpha": -0.1}, "alpha"),
        (RMSprop, {"eps": -1.0}, "eps"),
        (RMSprop, {"momentum": -0.1}, "momentum"),
        (RMSprop, {"weight_decay": -0.1}, "weight_decay"),
        (Adagrad, {"lr_decay": -0.1}, "lr_decay"),
        (Adagrad, {"eps": -0.1}, "eps"),
        (Adagrad, {"weight_decay": -0.1}, "weight_decay"),
        (Adagrad, {"initial_accumulator_value": -0.1}, "initial_accumulator_value"),
    ],
)
def test_negative_hyperparameters_are_rejected(cls, kwargs, what):
    with pytest.raises(ValueError, match=rf"{cls.__name__}: invalid {what}"):
        cls([param()], **kwargs)


def test_nan_and_non_numbers_are_rejected():
    with pytest.raises(ValueError, match="invalid learning rate nan"):
        SGD([param()], lr=float("nan"))
    with pytest.raises(TypeError, match="learning rate must be a number"):
        SGD([param()], lr="0.1")


@pytest.mark.parametrize(
    "kwargs", [{"nesterov": True}, {"nesterov": True, "momentum": 0.9, "dampening": 0.1}]
)
def test_nesterov_needs_momentum_and_no_dampening(kwargs):
    with pytest.raises(ValueError, match="Nesterov momentum needs momentum > 0 and dampening"):
        SGD([param()], **kwargs)


def test_group_hyperparameters_are_validated_too():
    with pytest.raises(ValueError, match="invalid learning rate -1"):
        SGD([{"params": [param()]}, {"params": [param()], "lr": -1}], lr=0.1)
    opt = Adam([param()])
    with pytest.raises(ValueError, match="beta1"):
        opt.add_param_group({"params": [param()], "betas": (1.5, 0.9)})


def test_a_parameter_in_two_groups_is_rejected():
    p = param()
    with pytest.raises(ValueError, match="more than one parameter group"):
        SGD([{"params": [p]}, {"params": [param(), p]}])
    opt = SGD([p])
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": p})
    with pytest.raises(ValueError, match="same parameter twice"):
        SGD([p, p])


def test_non_leaf_and_non_floating_parameters_are_rejected():
    p = param()
    with pytest.raises(ValueError, match=r"can't optimize a non-leaf tensor"):
        SGD([p * 2])
    with pytest.raises(TypeError, match="floating-point tensors, but parameter 1 has dtype int64"):
        SGD([p, ag.tensor([1, 2])])
    with pytest.raises(TypeError, match="parameter 0 is a ndarray"):
        SGD([np.zeros(3)])


def test_empty_and_badly_formed_parameter_lists_are_rejected():
    with pytest.raises(ValueError, match="SGD: got an empty parameter list"):
        SGD([])
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam(iter([]))
    with pytest.raises(TypeError, match="got a single Tensor"):
        SGD(param())
    with pytest.raises(TypeError, match="ordered collection"):
        SGD([{"params": {param()}}])
    with pytest.raises(TypeError, match="must be a dict"):
        SGD([param()]).add_param_group([param()])


# ---------------------------------------------------------------------- groups
def test_groups_take_defaults_and_override_them():
    a, b = param(), param()
    opt = SGD([{"params": [a]}, {"params": b, "lr": 0.5}], lr=0.1, momentum=0.9)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert [g["momentum"] for g in opt.param_groups] == [0.9, 0.9]
    assert opt.param_groups[1]["params"][0] is b
    set_grad(a, [1.0, 1.0, 1.0])
    set_grad(b, [1.0, 1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(a.array, [0.9, -2.1, 0.4], rtol=1e-6)
    np.testing.assert_allclose(b.array, [0.5, -2.5, 0.0], atol=1e-6)


def test_add_param_group_starts_training_a_frozen_part():
    a, b = param(), param()
    opt = Adam([a], lr=0.1)
    opt.add_param_group({"params": [b], "lr": 0.01})
    assert opt.param_groups[1]["betas"] == (0.9, 0.999)
    set_grad(b, [1.0, -1.0, 1.0])
    opt.step()
    np.testing.assert_allclose(b.array, [0.99, -1.99, 0.49], rtol=1e-5)
    np.testing.assert_array_equal(a.array, param().array)  # no gradient: untouched


def test_named_parameters_are_accepted_and_their_names_kept():
    a, b = param(), param()
    opt = SGD([("w", a), ("b", b)], lr=0.1)
    assert opt.param_groups[0]["params"] == [a, b] or opt.param_groups[0]["params"][0] is a
    assert opt.param_groups[0]["param_names"] == ["w", "b"]
    assert opt.state_dict()["param_groups"][0]["param_names"] == ["w", "b"]
    with pytest.raises(ValueError, match="with a name, or none"):
        SGD([("w", param()), param()])


def test_repr_lists_the_groups():
    text = repr(Adam([param()], lr=0.5))
    assert text.startswith("Adam (") and "Parameter Group 0" in text and "lr: 0.5" in text


# ---------------------------------------------------------------------- zero_grad / step
def test_zero_grad_sets_to_none_or_fills_zeros():
    p = param()
    opt = SGD([p], lr=0.1)
    (p * p).sum().backward()
    opt.zero_grad()
    assert p.grad is None
    (p * p).sum().backward()
    g = p.grad
    opt.zero_grad(set_to_none=False)
    assert p.grad is g
    np.testing.assert_array_equal(g.array, np.zeros(3, np.float32))


def test_zero_grad_detaches_a_gradient_that_has_a_graph():
    p = param()
    opt = SGD([p], lr=0.1)
    (p * p * p).sum().backward(create_graph=True)
    assert p.grad.grad_fn is not None
    opt.zero_grad(set_to_none=False)
    assert p.grad.grad_fn is None
    np.testing.assert_array_equal(p.grad.array, 0.0)


@pytest.mark.parametrize("cls", ALL)
def test_parameters_without_gradient_are_skipped(cls):
    a, b = param(), param((3.0, 4.0, 5.0))
    opt = cls([a, b], lr=0.1)
    set_grad(a, [1.0, 2.0, 3.0])
    before = b.array.copy()
    opt.step()
    np.testing.assert_array_equal(b.array, before)
    assert b._version == 0
    assert not np.array_equal(a.array, param().array)
    keys = set(opt.state_dict()["state"])
    assert 1 not in keys or cls is Adagrad  # Adagrad creates its state up front, as PyTorch
    if cls is Adagrad:
        assert opt.state[b]["step"] == 0


@pytest.mark.parametrize("cls", ALL)
def test_closure_runs_with_grad_enabled_and_its_loss_is_returned(cls):
    p = param()
    opt = cls([p], lr=0.1)
    calls = []

    def closure():
        calls.append(ag.is_grad_enabled())
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    with ag.no_grad():
        loss = opt.step(closure)
    assert calls == [True]
    assert float(loss) == pytest.approx(5.25)
    assert opt.step() is None


@pytest.mark.parametrize("cls", ALL)
def test_updates_are_in_place_and_bump_the_version_counter(cls):
    p = param()
    arr = p.array
    opt = cls([p], lr=0.1)
    loss = (p * p).sum()  # saves p for its backward
    loss.backward(retain_graph=True)
    opt.step()
    assert p.array is arr
    assert p._version == 1
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        loss.backward()


@pytest.mark.parametrize("cls", ALL)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_parameters_and_state_keep_their_dtype(cls, dtype):
    kwargs = {"momentum": 0.9} if cls in (SGD, RMSprop) else {}
    if cls is RMSprop:
        kwargs["centered"] = True
    if cls in (Adam, AdamW):
        kwargs["amsgrad"] = True
    if cls is not Rprop:
        kwargs["weight_decay"] = 0.01
    p = param(dtype=dtype)
    opt = cls([p], lr=0.1, maximize=True, **kwargs)
    for _ in range(3):
        set_grad(p, [0.3, -0.2, 0.1])
        opt.step()
        assert p.dtype == dtype
    arrays = [v for v in opt.state[p].values() if isinstance(v, np.ndarray)]
    assert arrays
    assert all(a.dtype == dtype and a.shape == p.shape for a in arrays)
    assert all(not isinstance(v, np.ndarray) for k, v in opt.state[p].items() if k == "step")


@pytest.mark.parametrize("cls", ALL)
def test_shared_scratch_memory_does_not_mix_parameters(cls):
    """One optimizer over parameters of several shapes updates each exactly as an optimizer
    of its own would."""
    rng = np.random.default_rng(0)
    shapes = [(5,), (2, 3), (1,), (4, 2)]
    values = [rng.normal(size=s).astype(np.float32) for s in shapes]
    grads = [[rng.normal(size=s).astype(np.float32) for s in shapes] for _ in range(3)]
    together = [ag.tensor(v.copy(), requires_grad=True) for v in values]
    alone = [ag.tensor(v.copy(), requires_grad=True) for v in values]
    opt = cls(together, lr=0.1)
    opts = [cls([p], lr=0.1) for p in alone]
    for step_grads in grads:
        for p, q, g in zip(together, alone, step_grads):
            set_grad(p, g)
            set_grad(q, g)
        opt.step()
        for o in opts:
            o.step()
    for p, q in zip(together, alone):
        np.testing.assert_array_equal(p.array, q.array)


def test_a_non_contiguous_parameter_is_updated_in_place():
    base = np.arange(12, dtype=np.float64).reshape(3, 4)
    p = ag.from_numpy(base.T).requires_grad_()  # a Fortran-ordered view of base
    assert not p.array.flags.c_contiguous
    opt = Adam([p], lr=0.1)
    set_grad(p, np.ones((4, 3)))
    opt.step()
    np.testing.assert_allclose(base.T, np.arange(12.0).reshape(3, 4).T - 0.1, rtol=1e-6)


def test_subclasses_record_that_step_was_called():
    class Halve(Optimizer):
        def __init__(self, params):
            super().__init__(params, {"lr": 0.5})

        def step(self, closure=None):
            for group in self.param_groups:
                for p in group["params"]:
                    p.array *= group["lr"]
                    increment_version(p)

    p = param()
    opt = Halve([p])
    assert not opt._opt_called
    opt.step()
    assert opt._opt_called
    np.testing.assert_allclose(p.array, [0.5, -1.0, 0.25])


def test_base_step_is_abstract():
    with pytest.raises(NotImplementedError):
        Optimizer([param()], {"lr": 0.1}).step()


# ---------------------------------------------------------------------- state_dict
def test_state_dict_has_pytorchs_structure():
    a, b, c = param(), param(), param()
    opt = Adam([{"params": [a, b]}, {"params": [c], "lr": 0.5}], lr=0.1, amsgrad=True)
    set_grad(a, [1.0, 1.0, 1.0])
    set_grad(c, [1.0, 1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    assert set(sd) == {"state", "param_groups"}
    assert sorted(sd["state"]) == [0, 2]  # b had no gradient, so no state
    assert set(sd["state"][0]) == {"step", "exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
    assert sd["state"][0]["step"] == 1
    assert sd["param_groups"][0]["params"] == [0, 1]
    assert sd["param_groups"][1]["params"] == [2]
    assert sd["param_groups"][1]["lr"] == 0.5
    assert sd["param_groups"][0]["betas"] == (0.9, 0.999)
    assert {k for k in sd["param_groups"][0] if k != "params"} == {
        "lr",
        "betas",
        "eps",
        "weight_decay",
        "amsgrad",
        "maximize",
        "decoupled_weight_decay",
    }


def test_load_state_dict_copies_and_casts_state_to_the_parameters_dtype():
    src = param(dtype=np.float64)
    opt = SGD([src], lr=0.1, momentum=0.9)
    set_grad(src, [1.0, 2.0, 3.0])
    opt.step()
    sd = opt.state_dict()
    dst = param(dtype=np.float32)
    opt2 = SGD([dst], lr=0.5)
    opt2.load_state_dict(sd)
    buf = opt2.state[dst]["momentum_buffer"]
    assert buf.dtype == np.float32
    assert buf is not sd["state"][0]["momentum_buffer"]
    assert opt2.param_groups[0]["lr"] == 0.1 and opt2.param_groups[0]["momentum"] == 0.9
    assert opt2.param_groups[0]["params"][0] is dst
    buf[...] = 7.0  # the loaded state does not alias the source optimizer's
    assert opt.state[src]["momentum_buffer"][0] == 1.0


def test_load_state_dict_accepts_tensors_and_keeps_betas_a_tuple():
    p = param()
    opt = Adam([p], lr=0.1)
    set_grad(p, [1.0, 1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    sd["state"][0] = {k: ag.tensor(v) if k != "step" else v for k, v in sd["state"][0].items()}
    sd["param_groups"][0]["betas"] = [0.8, 0.9]  # as a list, e.g. after JSON
    q = param()
    opt2 = Adam([q])
    opt2.load_state_dict(sd)
    assert isinstance(opt2.state[q]["exp_avg"], np.ndarray)
    assert opt2.param_groups[0]["betas"] == (0.8, 0.9)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda sd: sd["param_groups"].append({"params": []}), "has 2 parameter groups"),
        (lambda sd: sd["param_groups"][0]["params"].append(9), "has 3 parameters in the state"),
        (
            lambda sd: sd["state"][0].update(exp_avg=np.zeros(3)),
            r"state 'exp_avg' of parameter 0 has shape \(3,\), but the parameter has shape \(2,\)",
        ),
        (lambda sd: sd["state"].update({5: {}}), "state for parameter 5, which none"),
        (
            lambda sd: sd["state"][0].update(momentum_buffer=np.zeros(2)),
            "entry 'momentum_buffer', which Adam does not use",
        ),
        (lambda sd: sd["param_groups"][0].update(lr=-1.0), "invalid learning rate -1.0"),
        (lambda sd: sd.pop("state"), "expected a dict with keys 'state' and 'param_groups'"),
    ],
)
def test_load_state_dict_validates_and_changes_nothing_on_failure(mutate, message):
    a, b = param((1.0, 2.0)), param((3.0, 4.0))
    opt = Adam([a, b], lr=0.1)
    set_grad(a, [1.0, 1.0])
    opt.step()
    sd = opt.state_dict()
    mutate(sd)
    target_a, target_b = param((0.0, 0.0)), param((0.0, 0.0))
    opt2 = Adam([target_a, target_b], lr=0.3)
    with pytest.raises(ValueError, match=message):
        opt2.load_state_dict(sd)
    assert opt2.param_groups[0]["lr"] == 0.3
    assert len(opt2.state) == 0


def test_an_optimizer_resumed_from_a_state_dict_continues_bit_identically():
    rng = np.random.default_rng(1)
    grads = [rng.normal(size=3).astype(np.float32) for _ in range(6)]
    p = param()
    opt = RMSprop([p], lr=0.05, momentum=0.5, centered=True)
    for g in grads[:3]:
        set_grad(p, g)
        opt.step()
    sd = opt.state_dict()
    q = ag.tensor(p.array.copy(), requires_grad=True)
    opt2 = RMSprop([q], lr=1.0)
    opt2.load_state_dict(sd)
    for g in grads[3:]:
        set_grad(p, g)
        set_grad(q, g)
        opt.step()
        opt2.step()
    np.testing.assert_array_equal(p.array, q.array)
