"""Learning-rate schedulers, as ``torch.optim.lr_scheduler``.

Build a scheduler on an optimizer, then call ``scheduler.step()`` after
``optimizer.step()`` once per epoch (once per batch for :class:`OneCycleLR`), or
``scheduler.step(metric)`` for :class:`ReduceLROnPlateau`. ``state_dict()`` holds plain
values only, so it saves with ``autograd_np.save`` next to the optimizer's state.

Examples
--------
>>> import autograd_np as ag
>>> from autograd_np.optim import SGD, lr_scheduler
>>> opt = SGD([ag.zeros(3, requires_grad=True)], lr=0.1)
>>> sched = lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
>>> lrs = []
>>> for epoch in range(5):
...     lrs.append(sched.get_last_lr()[0])
...     opt.step()  # a real loop computes gradients first
...     sched.step()
>>> lrs
[0.1, 0.1, 0.05, 0.05, 0.025]
"""

from __future__ import annotations

from autograd_np.optim._lr_base import LRScheduler
from autograd_np.optim._lr_meta import ReduceLROnPlateau, SequentialLR
from autograd_np.optim._lr_onecycle import OneCycleLR
from autograd_np.optim._lr_simple import (
    CosineAnnealingLR,
    ExponentialLR,
    LambdaLR,
    LinearLR,
    MultiStepLR,
    StepLR,
)

__all__ = [
    "CosineAnnealingLR",
    "ExponentialLR",
    "LRScheduler",
    "LambdaLR",
    "LinearLR",
    "MultiStepLR",
    "OneCycleLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "StepLR",
]
