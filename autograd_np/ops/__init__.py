"""The differentiable ops, by family. Everything here is re-exported from ``autograd_np``."""

from autograd_np.ops.elementwise import *  # noqa: F403
from autograd_np.ops.elementwise import __all__ as _elementwise_all
from autograd_np.ops.indexing import *  # noqa: F403
from autograd_np.ops.indexing import __all__ as _indexing_all
from autograd_np.ops.linalg import *  # noqa: F403
from autograd_np.ops.linalg import __all__ as _linalg_all
from autograd_np.ops.reduction import *  # noqa: F403
from autograd_np.ops.reduction import __all__ as _reduction_all
from autograd_np.ops.shape import *  # noqa: F403
from autograd_np.ops.shape import __all__ as _shape_all

__all__ = [*_elementwise_all, *_indexing_all, *_linalg_all, *_reduction_all, *_shape_all]
