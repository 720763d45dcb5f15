"""``LRScheduler``: the base of the learning-rate schedulers (PyTorch's chainable semantics).

Constructing a scheduler records ``initial_lr`` in each parameter group (unless resuming)
and applies the schedule's value for epoch 0; each ``step()`` advances ``last_epoch`` by one
and writes the new learning rates into the optimizer's groups. Most schedules compute the
new rate from the group's current one, so several schedulers can act on one optimizer.
"""

from __future__ import annotations

import copy
import warnings
from typing import Any

from autograd_np.optim.optimizer import Optimizer

__all__ = ["LRScheduler"]

_EPOCH_DEPRECATION = (
    "passing an epoch to scheduler.step() is deprecated (as in PyTorch): call step() with no "
    "argument once per epoch. With an epoch, the closed-form value is used where available."
)


class LRScheduler:
    """Base class of the learning-rate schedulers.

    Subclasses implement :meth:`get_lr` (the next rates, usually from the groups' current
    ``lr``) and may implement ``_closed_form_lr`` (the rates at ``last_epoch`` from the
    base rates, used when ``step`` is given an epoch).

    Parameters
    ----------
    optimizer : Optimizer
        The optimizer whose learning rates are scheduled.
    last_epoch : int, default -1
        The index of the last epoch. Leave at -1 to start a schedule; a value >= 0 resumes
        one and needs ``initial_lr`` in every group (as left by a previous scheduler).

    Attributes
    ----------
    base_lrs : list of float
        The ``initial_lr`` of each group.
    last_epoch : int
        The epoch (or step) count; 0 right after construction.
    """

    _get_lr_called_within_step = False
    _is_initial = False
    # Attributes left out of state_dict (subclasses add what cannot be saved as is).
    _not_saved: tuple[str, ...] = ("optimizer",)

    def __init__(self, optimizer: Optimizer, last_epoch: int = -1) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"{type(self).__name__}: expected an Optimizer, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(
                        f"{type(self).__name__}: param_groups[{i}] has no 'initial_lr', which "
                        f"resuming with last_epoch={last_epoch} needs; load the optimizer's "
                        "state dict first, or start the schedule with last_epoch=-1"
                    )
        self.base_lrs: list[float] = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._initial_step()

    def _initial_step(self) -> None:
        """Apply the learning rate of epoch 0 (or of the resumed epoch)."""
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            self._is_initial = False

    def get_lr(self) -> list[float]:
        """The learning rates of the new ``last_epoch`` (called by :meth:`step`).

        To read the current rates, use :meth:`get_last_lr`.
        """
        raise NotImplementedError(f"{type(self).__name__} does not implement get_lr()")

    def _closed_form_lr(self) -> list[float] | None:
        """The learning rates at ``last_epoch`` from ``base_lrs``, or None where there is no
        closed form."""
        return None

    def _warn_if_called_directly(self) -> None:
        if not self._get_lr_called_within_step:
            warnings.warn(
                "to get the last learning rate computed by the scheduler, use get_last_lr()",
                UserWarning,
                stacklevel=3,
            )

    def get_last_lr(self) -> list[float]:
        """The learning rate of each parameter group after the last :meth:`step`."""
        return list(self._last_lr)

    def step(self, epoch: int | None = None) -> None:
        """Advance the schedule by one epoch and set the new learning rates.

        Call it after ``optimizer.step()``.

        Parameters
        ----------
        epoch : int, optional
            Deprecated, as in PyTorch: jump to this epoch (using the closed form where
            there is one) instead of advancing by one.
        """
        if self._step_count == 1 and not self.optimizer._opt_called:
            warnings.warn(
                "lr_scheduler.step() was called before optimizer.step(); call them in the "
                "opposite order (optimizer.step() first), or the first value of the schedule "
                "is skipped",
                UserWarning,
                stacklevel=2,
            )
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_EPOCH_DEPRECATION, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None = None) -> None:
        self._get_lr_called_within_step = True
        try:
            if epoch is None:
                self.last_epoch += 1
                values = self.get_lr()
            else:
                self.last_epoch = epoch
                closed = self._closed_form_lr()
                values = self.get_lr() if closed is None else closed
        finally:
            self._get_lr_called_within_step = False
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = [group["lr"] for group in self.optimizer.param_groups]

    # ------------------------------------------------------------------ state
    def state_dict(self) -> dict[str, Any]:
        """The scheduler's state: every attribute except the optimizer.

        Returns
        -------
        dict
            Plain values only (numbers, strings, lists, dicts), ready for
            ``autograd_np.save``. Save the optimizer's state alongside it.
        """
        return {k: copy.deepcopy(v) for k, v in self.__dict__.items() if k not in self._not_saved}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a state returned by :meth:`state_dict`.

        Parameters
        ----------
        state_dict : dict
            The saved state. Load the optimizer's state too: the scheduler continues from
            the optimizer's current learning rates.
        """
        if not isinstance(state_dict, dict):
            raise TypeError(
                f"{type(self).__name__}.load_state_dict: expected a dict, got "
                f"{type(state_dict).__name__}"
            )
        n_groups = len(self.optimizer.param_groups)
        for key in ("base_lrs", "_last_lr"):
            values = state_dict.get(key)
            if values is not None and len(values) != n_groups:
                raise ValueError(
                    f"{type(self).__name__}.load_state_dict: {key} has {len(values)} entries "
                    f"but the optimizer has {n_groups} parameter groups"
                )
        self.__dict__.update(copy.deepcopy(state_dict))


def check_positive_int(name: str, what: str, value: Any) -> int:
    """``value`` when it is an int >= 1 (a bool is not); else a ValueError naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name}: {what} must be a positive int, got {value!r}")
    return value


def per_group(name: str, optimizer: Optimizer, value: Any) -> list[Any]:
    """``value`` repeated for each parameter group, or a list with one value per group."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} has {len(value)} values but the optimizer has {n} parameter groups"
            )
        return list(value)
    return [value] * n
