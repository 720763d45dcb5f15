"""Optimizers and learning-rate schedulers, as ``torch.optim``.

Each optimizer class owns its hyperparameters (per parameter group) and per-parameter
state; its update rule is a plain function over numpy arrays (``sgd_step``,
``adam_step``...), applied in place to each parameter that has a gradient.

Examples
--------
>>> import numpy as np
>>> import autograd_np as ag
>>> from autograd_np.optim import Adam
>>> rng = np.random.default_rng(0)
>>> X, y = rng.normal(size=(32, 3)), rng.normal(size=32)
>>> w = ag.zeros(3, dtype=np.float64, requires_grad=True)
>>> opt = Adam([w], lr=0.1)
>>> for _ in range(200):
...     opt.zero_grad()
...     loss = ((ag.tensor(X) @ w - ag.tensor(y)) ** 2).mean()
...     loss.backward()
...     _ = opt.step()
>>> bool(np.allclose(w.array, np.linalg.lstsq(X, y, rcond=None)[0], atol=1e-3))
True
"""

from __future__ import annotations

from autograd_np.optim import lr_scheduler
from autograd_np.optim.adadelta import Adadelta, adadelta_step
from autograd_np.optim.adagrad import Adagrad, adagrad_step
from autograd_np.optim.adam import Adam, adam_step
from autograd_np.optim.adamax import Adamax, adamax_step
from autograd_np.optim.adamw import AdamW, adamw_step
from autograd_np.optim.asgd import ASGD, asgd_step
from autograd_np.optim.lbfgs import LBFGS
from autograd_np.optim.nadam import NAdam, nadam_step
from autograd_np.optim.optimizer import Optimizer
from autograd_np.optim.radam import RAdam, radam_step
from autograd_np.optim.rmsprop import RMSprop, rmsprop_step
from autograd_np.optim.rprop import Rprop, rprop_step
from autograd_np.optim.sgd import SGD, sgd_step

__all__ = [
    "ASGD",
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "Rprop",
    "adadelta_step",
    "adagrad_step",
    "adam_step",
    "adamax_step",
    "adamw_step",
    "asgd_step",
    "lr_scheduler",
    "nadam_step",
    "radam_step",
    "rmsprop_step",
    "rprop_step",
    "sgd_step",
]
