"""The differentiable ops, by family. Everything here is re-exported from ``autograd_np``."""

from autograd_np.autograd.graph import ENGINE
from autograd_np.ops import conversion, reduction, shape
from autograd_np.ops.arithmetic import *  # noqa: F403
from autograd_np.ops.arithmetic import __all__ as _arithmetic_all
from autograd_np.ops.bitwise import *  # noqa: F403
from autograd_np.ops.bitwise import __all__ as _bitwise_all
from autograd_np.ops.comparison import *  # noqa: F403
from autograd_np.ops.comparison import __all__ as _comparison_all
from autograd_np.ops.conversion import *  # noqa: F403
from autograd_np.ops.conversion import __all__ as _conversion_all
from autograd_np.ops.cumulative import *  # noqa: F403
from autograd_np.ops.cumulative import __all__ as _cumulative_all
from autograd_np.ops.extrema import *  # noqa: F403
from autograd_np.ops.extrema import __all__ as _extrema_all
from autograd_np.ops.indexing import *  # noqa: F403
from autograd_np.ops.indexing import __all__ as _indexing_all
from autograd_np.ops.joining import *  # noqa: F403
from autograd_np.ops.joining import __all__ as _joining_all
from autograd_np.ops.linalg import *  # noqa: F403
from autograd_np.ops.linalg import __all__ as _linalg_all
from autograd_np.ops.piecewise import *  # noqa: F403
from autograd_np.ops.piecewise import __all__ as _piecewise_all
from autograd_np.ops.reduction import *  # noqa: F403
from autograd_np.ops.reduction import __all__ as _reduction_all
from autograd_np.ops.scatter import *  # noqa: F403
from autograd_np.ops.scatter import __all__ as _scatter_all
from autograd_np.ops.selection import *  # noqa: F403
from autograd_np.ops.selection import __all__ as _selection_all
from autograd_np.ops.shape import *  # noqa: F403
from autograd_np.ops.shape import __all__ as _shape_all
from autograd_np.ops.softmax_family import *  # noqa: F403
from autograd_np.ops.softmax_family import __all__ as _softmax_family_all
from autograd_np.ops.transcendental import *  # noqa: F403
from autograd_np.ops.transcendental import __all__ as _transcendental_all

# The ops the engine itself uses (to reduce broadcast gradients, cast and copy them, and
# record in-place changes through views), handed to it through its one seam.
ENGINE.fill(
    add=add,  # noqa: F405
    subtract=subtract,  # noqa: F405
    sum=reduction._sum,
    reshape=shape._reshape,
    astype=conversion.astype,
    clone=conversion.clone,
)

__all__ = [
    *_arithmetic_all,
    *_bitwise_all,
    *_comparison_all,
    *_conversion_all,
    *_cumulative_all,
    *_extrema_all,
    *_indexing_all,
    *_joining_all,
    *_linalg_all,
    *_piecewise_all,
    *_reduction_all,
    *_scatter_all,
    *_selection_all,
    *_shape_all,
    *_softmax_family_all,
    *_transcendental_all,
]
