"""Neural-network layers, PyTorch style: ``Module`` subclasses that hold parameters and
call :mod:`autograd_np.nn.functional` for the math. No layer defines a backward."""

from autograd_np.nn import functional, utils
from autograd_np.nn.modules import *  # noqa: F403
from autograd_np.nn.modules import __all__ as _modules_all

__all__ = ["functional", "utils", *_modules_all]
