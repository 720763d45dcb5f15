"""Checkpoint and resume: model, optimizer, scheduler and the data order (the state of the
shuffling Generator at the start of the epoch) saved mid-epoch, in memory or through
``autograd_np.save`` / ``load``, and training resumed in fresh objects ends with the same
parameters, bit for bit, as a run that was never interrupted."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.nn.functional as F
from autograd_np import nn
from autograd_np.nn.utils import clip_grad_norm_
from autograd_np.optim import ASGD, SGD, Adagrad, Adam, AdamW, NAdam, RMSprop, Rprop, lr_scheduler

EPOCHS, BATCH = 3, 8


def data():
    rng = np.random.default_rng(123)
    X = rng.normal(size=(48, 3)).astype(np.float32)
    y = np.tanh(X @ np.array([[1.0], [-2.0], [0.5]], np.float32)) + 0.1
    return X, y.astype(np.float32)


def build_model(seed):
    return nn.Sequential(
        nn.Linear(3, 8, generator=seed), nn.Tanh(), nn.Linear(8, 1, generator=seed + 1)
    )


def per_epoch(sched):
    return isinstance(sched, lr_scheduler.ReduceLROnPlateau)


SETUPS = {
    "Adam+OneCycleLR": (
        lambda ps: Adam(ps, lr=0.01),
        lambda o: lr_scheduler.OneCycleLR(o, max_lr=0.05, total_steps=EPOCHS * 6),
    ),
    "SGD-nesterov+SequentialLR": (
        lambda ps: SGD(ps, lr=0.1, momentum=0.9, nesterov=True, weight_decay=1e-3),
        lambda o: lr_scheduler.SequentialLR(
            o,
            [lr_scheduler.LinearLR(o, 0.2, total_iters=4), lr_scheduler.CosineAnnealingLR(o, 14)],
            milestones=[4],
        ),
    ),
    "AdamW-amsgrad+MultiStepLR": (
        lambda ps: AdamW(ps, lr=0.02, amsgrad=True),
        lambda o: lr_scheduler.MultiStepLR(o, [5, 9, 9], gamma=0.5),
    ),
    "RMSprop-centered+ReduceLROnPlateau": (
        lambda ps: RMSprop(ps, lr=0.01, momentum=0.5, centered=True),
        lambda o: lr_scheduler.ReduceLROnPlateau(o, patience=0, factor=0.5),
    ),
    "NAdam+StepLR": (  # mu_product: a number in the state
        lambda ps: NAdam(ps, lr=0.01, decoupled_weight_decay=True, weight_decay=0.1),
        lambda o: lr_scheduler.StepLR(o, step_size=4, gamma=0.7),
    ),
    "ASGD+ExponentialLR": (  # eta and mu: numbers; averaging from step 5
        lambda ps: ASGD(ps, lr=0.05, t0=5),
        lambda o: lr_scheduler.ExponentialLR(o, gamma=0.95),
    ),
    "Rprop+StepLR": (
        lambda ps: Rprop(ps, lr=0.01),
        lambda o: lr_scheduler.StepLR(o, step_size=3, gamma=0.5),
    ),
    "Adagrad+LambdaLR": (
        lambda ps: Adagrad(ps, lr=0.1, lr_decay=0.01),
        lambda o: lr_scheduler.LambdaLR(o, lambda e: 1.0 / (1.0 + 0.1 * e)),
    ),
}


def train(model, opt, sched, rng, *, start=(0, 0), stop=None):
    """Train from (epoch, batch) ``start``; at ``stop`` return a checkpoint dict instead of
    continuing (it holds references to live state, as state dicts do)."""
    X, y = data()
    n_batches = len(X) // BATCH
    for epoch in range(start[0], EPOCHS):
        epoch_rng = rng.bit_generator.state  # resuming mid-epoch replays the epoch's order
        order = rng.permutation(len(X))
        for b in range(start[1] if epoch == start[0] else 0, n_batches):
            if (epoch, b) == stop:
                return {
                    "model": model.state_dict(),
                    "optimizer": opt.state_dict(),
                    "scheduler": sched.state_dict(),
                    "rng": epoch_rng,
                    "epoch": epoch,
                    "batch": b,
                }
            idx = order[b * BATCH : (b + 1) * BATCH]
            opt.zero_grad()
            loss = F.mse_loss(model(ag.tensor(X[idx])), ag.tensor(y[idx]))
            loss.backward()
            clip_grad_norm_(model.parameters(), max_norm=1.0)
            opt.step()
            if not per_epoch(sched):
                sched.step()
        if per_epoch(sched):
            sched.step(float(loss))
    return None


def fresh(name, seed):
    make_opt, make_sched = SETUPS[name]
    model = build_model(seed)
    opt = make_opt(list(model.parameters()))
    return model, opt, make_sched(opt)


def resume(name, checkpoint):
    """Fresh objects (another initialization, other rates) loaded from ``checkpoint``."""
    model, opt, sched = fresh(name, seed=99)
    rng = np.random.default_rng(7)
    model.load_state_dict(checkpoint["model"])
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    rng.bit_generator.state = checkpoint["rng"]
    train(model, opt, sched, rng, start=(checkpoint["epoch"], checkpoint["batch"]))
    return model, opt


def params(model):
    return [p.array for p in model.parameters()]


@pytest.fixture(scope="module")
def uninterrupted():
    runs = {}
    for name in SETUPS:
        model, opt, sched = fresh(name, seed=1)
        train(model, opt, sched, np.random.default_rng(2024))
        runs[name] = (params(model), opt.param_groups[0]["lr"])
    return runs


@pytest.mark.parametrize("name", list(SETUPS))
@pytest.mark.parametrize("via_file", [False, True], ids=["in-memory", "save-load"])
def test_resumed_training_is_bit_identical(name, via_file, uninterrupted, tmp_path):
    model, opt, sched = fresh(name, seed=1)
    rng = np.random.default_rng(2024)
    checkpoint = train(model, opt, sched, rng, stop=(1, 2))
    assert checkpoint is not None
    if via_file:
        path = tmp_path / "checkpoint.npz"
        ag.save(checkpoint, path)
        checkpoint = ag.load(path)
    else:
        checkpoint = copy.copy(checkpoint)  # shares the arrays: loading must copy them
    resumed, resumed_opt = resume(name, checkpoint)

    # The interrupted run continues too (replaying the epoch's order), undisturbed by the
    # resumed run's use of its state.
    rng.bit_generator.state = checkpoint["rng"]
    train(model, opt, sched, rng, start=(1, 2))

    expected, expected_lr = uninterrupted[name]
    for a, b, c in zip(params(resumed), expected, params(model)):
        assert a.dtype == np.float32
        np.testing.assert_array_equal(a, b)
        np.testing.assert_array_equal(c, b)
    assert resumed_opt.param_groups[0]["lr"] == expected_lr
    for state in resumed_opt.state.values():
        for value in state.values():
            if isinstance(value, np.ndarray):
                assert value.dtype == np.float32


def test_the_checkpoint_moves_the_parameters():
    """Guard against a vacuous comparison: training changes the parameters."""
    model, opt, sched = fresh("Adam+OneCycleLR", seed=1)
    before = [p.copy() for p in params(model)]
    train(model, opt, sched, np.random.default_rng(2024))
    assert all(not np.array_equal(a, b) for a, b in zip(before, params(model)))
