"""Neural-network layers, PyTorch style: ``Module`` subclasses that hold parameters and
call :mod:`autograd_np.nn.functional` for the math. No layer defines a backward.

Reproducible models: every layer with random initial weights takes a ``generator=``
keyword (an ``autograd_np.Generator``, an ``np.random.Generator`` or an int seed; None means
the default generator that ``autograd_np.manual_seed`` seeds) and has
``reset_parameters(generator=None)``. Create one Generator and pass it to each layer in
turn::

    rng = np.random.default_rng(0)
    model = nn.Sequential(nn.Conv2d(1, 8, 3, generator=rng), nn.ReLU(), nn.Flatten(),
                          nn.Linear(8 * 26 * 26, 10, generator=rng))
"""

from autograd_np.nn import functional, init, parallel, utils
from autograd_np.nn.modules import *  # noqa: F403
from autograd_np.nn.modules import __all__ as _modules_all
from autograd_np.nn.parameter import Parameter
from autograd_np.nn.summary import ModelSummary, summary

__all__ = [
    "ModelSummary",
    "Parameter",
    "functional",
    "init",
    "parallel",
    "summary",
    "utils",
    *_modules_all,
]
