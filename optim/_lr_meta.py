"""Schedulers that are not a formula of the epoch: SequentialLR (switches between
schedulers at milestones) and ReduceLROnPlateau (reacts to a monitored metric)."""

from __future__ import annotations

import itertools
import math
import warnings
from bisect import bisect_right
from typing import Any, SupportsFloat

from autograd_np.optim._lr_base import _EPOCH_DEPRECATION, LRScheduler
from autograd_np.optim.optimizer import Optimizer

__all__ = ["ReduceLROnPlateau", "SequentialLR"]


class SequentialLR(LRScheduler):
    """Run schedulers one after another, switching at the milestone epochs.

    Scheduler ``i`` drives the rate from epoch ``milestones[i - 1]`` on; at a milestone
    the next scheduler starts from its own epoch 0 (its closed form at 0, so from the
    initial rates).

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer every scheduler was built on.
    schedulers : list of LRScheduler
        The schedulers, in order (not ReduceLROnPlateau).
    milestones : list of int
        Increasing epochs at which to switch; one fewer than the schedulers.
    last_epoch : int, default -1
        The index of the last epoch.

    Examples
    --------
    Linear warm-up for 2 epochs, then cosine annealing:

    >>> import autograd_np as ag
    >>> from autograd_np.optim import SGD, lr_scheduler
    >>> opt = SGD([ag.zeros(2, requires_grad=True)], lr=1.0)
    >>> warm = lr_scheduler.LinearLR(opt, start_factor=0.5, total_iters=2)
    >>> cos = lr_scheduler.CosineAnnealingLR(opt, T_max=4)
    >>> sched = lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[2])
    >>> lrs = []
    >>> for _ in range(5):
    ...     lrs.append(round(sched.get_last_lr()[0], 4))
    ...     opt.step()
    ...     sched.step()
    >>> lrs
    [0.5, 0.75, 1.0, 0.8536, 0.5]
    """

    _not_saved = ("optimizer", "_schedulers")

    def __init__(
        self,
        optimizer: Optimizer,
        schedulers: list[LRScheduler],
        milestones: list[int],
        last_epoch: int = -1,
    ) -> None:
        if len(schedulers) < 1:
            raise ValueError("SequentialLR: expected at least one scheduler, got none")
        for i, sched in enumerate(schedulers):
            if not isinstance(sched, LRScheduler):
                raise TypeError(
                    f"SequentialLR: schedulers[{i}] is a {type(sched).__name__}, not a scheduler"
                )
            if isinstance(sched, ReduceLROnPlateau):
                raise ValueError(
                    f"SequentialLR: schedulers[{i}] is a ReduceLROnPlateau, whose step needs a "
                    "metric; it cannot be sequenced"
                )
            if sched.optimizer is not optimizer:
                raise ValueError(
                    f"SequentialLR: schedulers[{i}] ({type(sched).__name__}) belongs to another "
                    "optimizer; every scheduler must be built on the one given here"
                )
        milestones = [int(m) for m in milestones]
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR: expected {len(schedulers) - 1} milestones for {len(schedulers)} "
                f"schedulers, got {len(milestones)}"
            )
        if any(b <= a for a, b in itertools.pairwise(milestones)):
            raise ValueError(f"SequentialLR: milestones must increase, got {milestones}")
        self._schedulers = list(schedulers)
        self._milestones = milestones
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer

        for group in optimizer.param_groups:  # back to the initial rates...
            group["lr"] = group["initial_lr"]
        self._undo_initial_steps(self)  # ...and epochs: each scheduler stepped once when built
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def _undo_initial_steps(self, sched: LRScheduler) -> None:
        if isinstance(sched, SequentialLR):
            for inner in sched._schedulers:
                self._undo_initial_steps(inner)
        else:
            sched.last_epoch -= 1

    def step(self, epoch: int | None = None) -> None:
        """Advance by one epoch, stepping the scheduler in charge of it.

        Parameters
        ----------
        epoch : None
            Not supported (as in PyTorch); must be None.
        """
        if epoch is not None:
            raise TypeError("SequentialLR.step() takes no epoch")
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            sched._update_lr(0)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """The state, with the state dict of each inner scheduler under ``_schedulers``."""
        state = super().state_dict()
        state["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return state

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state and that of each inner scheduler."""
        state = dict(state_dict)
        inner = state.pop("_schedulers", None)
        if inner is None or len(inner) != len(self._schedulers):
            raise ValueError(
                f"SequentialLR.load_state_dict: expected the states of {len(self._schedulers)} "
                "schedulers under '_schedulers'"
            )
        super().load_state_dict(state)
        for sched, s in zip(self._schedulers, inner):
            sched.load_state_dict(s)


class ReduceLROnPlateau(LRScheduler):
    """Reduce the learning rate when a metric has stopped improving.

    Call ``step(metric)`` once per epoch. An epoch is bad when the metric is not better
    than the best so far by the threshold; after more than ``patience`` bad epochs in a
    row each rate is multiplied by ``factor`` (not below ``min_lr``), and the next
    ``cooldown`` epochs count as neither good nor bad.

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer.
    mode : {'min', 'max'}, default 'min'
        Whether the metric should decrease or increase.
    factor : float, default 0.1
        The reduction factor, < 1.
    patience : int, default 10
        The number of bad epochs tolerated before reducing.
    threshold : float, default 1e-4
        The minimum significant improvement.
    threshold_mode : {'rel', 'abs'}, default 'rel'
        Better means beyond ``best * (1 -/+ threshold)`` ('rel') or ``best -/+ threshold``.
    cooldown : int, default 0
        Epochs after a reduction during which bad epochs are not counted.
    min_lr : float or list of float, default 0
        A lower bound on the rate, for all groups or per group.
    eps : float, default 1e-8
        Reductions smaller than this are skipped.

    Examples
    --------
    >>> import autograd_np as ag
    >>> from autograd_np.optim import SGD, lr_scheduler
    >>> opt = SGD([ag.zeros(2, requires_grad=True)], lr=1.0)
    >>> sched = lr_scheduler.ReduceLROnPlateau(opt, patience=1)
    >>> for loss in [3.0, 2.0, 2.0, 2.0]:
    ...     sched.step(loss)
    >>> sched.get_last_lr()
    [0.1]
    """

    def __init__(
        self,
        optimizer: Optimizer,
        mode: str = "min",
        factor: float = 0.1,
        patience: int = 10,
        threshold: float = 1e-4,
        threshold_mode: str = "rel",
        cooldown: int = 0,
        min_lr: float | list[float] = 0,
        eps: float = 1e-8,
    ) -> None:
        if factor >= 1.0:
            raise ValueError(f"ReduceLROnPlateau: factor must be < 1.0, got {factor}")
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"ReduceLROnPlateau: expected an Optimizer, got {type(optimizer).__name__}"
            )
        self.factor = factor
        self.optimizer = optimizer
        n = len(optimizer.param_groups)
        if isinstance(min_lr, (list, tuple)):
            if len(min_lr) != n:
                raise ValueError(
                    f"ReduceLROnPlateau: got {len(min_lr)} min_lr values for {n} parameter groups"
                )
            self.default_min_lr: float | None = None
            self.min_lrs = list(min_lr)
        else:
            self.default_min_lr = min_lr
            self.min_lrs = [min_lr] * n
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.last_epoch = 0
        self._last_lr = [group["lr"] for group in optimizer.param_groups]
        self._init_is_better(mode, threshold, threshold_mode)
        self._reset()

    def _init_is_better(self, mode: str, threshold: float, threshold_mode: str) -> None:
        if mode not in ("min", "max"):
            raise ValueError(f"ReduceLROnPlateau: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(
                f"ReduceLROnPlateau: threshold_mode must be 'rel' or 'abs', got {threshold_mode!r}"
            )
        self.mode_worse = math.inf if mode == "min" else -math.inf
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode

    def _reset(self) -> None:
        self.best = self.mode_worse
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    @property
    def in_cooldown(self) -> bool:
        """True while bad epochs are not being counted after a reduction."""
        return self.cooldown_counter > 0

    def is_better(self, a: float, best: float) -> bool:
        """Whether the metric value ``a`` improves on ``best`` by the threshold."""
        if self.mode == "min" and self.threshold_mode == "rel":
            return a < best * (1.0 - self.threshold)
        if self.mode == "min":
            return a < best - self.threshold
        if self.threshold_mode == "rel":
            return a > best * (self.threshold + 1.0)
        return a > best + self.threshold

    def step(self, metrics: SupportsFloat, epoch: int | None = None) -> None:  # type: ignore[override]
        """Record this epoch's metric and reduce the rates if it has plateaued.

        Parameters
        ----------
        metrics : float or one-element Tensor
            The monitored quantity (a validation loss, say).
        epoch : int, optional
            Deprecated: the epoch number, instead of counting.
        """
        current = float(metrics)
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if self.is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0  # bad epochs in the cooldown do not count
        if self.num_bad_epochs > self.patience:
            self._reduce_lr()
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    def _reduce_lr(self) -> None:
        groups = self.optimizer.param_groups
        if len(groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    f"ReduceLROnPlateau: the optimizer has {len(groups)} parameter groups but "
                    f"min_lr has {len(self.min_lrs)} values (a group was added?); set min_lrs "
                    "to one value per group"
                )
            self.min_lrs = [self.default_min_lr] * len(groups)
        for group, min_lr in zip(groups, self.min_lrs):
            old = float(group["lr"])
            new = max(old * self.factor, min_lr)
            if old - new > self.eps:
                group["lr"] = new

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore the state returned by :meth:`state_dict`."""
        super().load_state_dict(state_dict)
        self._init_is_better(self.mode, self.threshold, self.threshold_mode)
