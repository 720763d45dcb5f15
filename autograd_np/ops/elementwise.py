"""Every elementwise op in one namespace, gathered from the family modules:
:mod:`~autograd_np.ops.arithmetic`, :mod:`~autograd_np.ops.transcendental`,
:mod:`~autograd_np.ops.piecewise`, :mod:`~autograd_np.ops.comparison` and
:mod:`~autograd_np.ops.conversion`.

The ops used to be declared here; this module keeps ``from autograd_np.ops.elementwise
import add`` working. New code imports from ``autograd_np`` or the family modules.
"""

from autograd_np.ops.arithmetic import *  # noqa: F403
from autograd_np.ops.arithmetic import __all__ as _arithmetic_all
from autograd_np.ops.comparison import *  # noqa: F403
from autograd_np.ops.comparison import __all__ as _comparison_all
from autograd_np.ops.conversion import *  # noqa: F403
from autograd_np.ops.conversion import __all__ as _conversion_all
from autograd_np.ops.piecewise import *  # noqa: F403
from autograd_np.ops.piecewise import __all__ as _piecewise_all
from autograd_np.ops.transcendental import *  # noqa: F403
from autograd_np.ops.transcendental import __all__ as _transcendental_all

__all__ = [
    *_arithmetic_all,
    *_comparison_all,
    *_conversion_all,
    *_piecewise_all,
    *_transcendental_all,
]
