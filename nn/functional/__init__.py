"""Stateless functions of nn: the math behind every layer (PyTorch's ``torch.nn.functional``).

Every function is differentiable, built from registered primitives, and checked by the
generic property tests.
"""

from autograd_np.nn.functional import rnn  # noqa: F401  (registers the recurrent cells)
from autograd_np.nn.functional.activation import *  # noqa: F403
from autograd_np.nn.functional.activation import __all__ as _activation_all
from autograd_np.nn.functional.attention import *  # noqa: F403
from autograd_np.nn.functional.attention import __all__ as _attention_all
from autograd_np.nn.functional.batchnorm import *  # noqa: F403
from autograd_np.nn.functional.batchnorm import __all__ as _batchnorm_all
from autograd_np.nn.functional.classification_loss import *  # noqa: F403
from autograd_np.nn.functional.classification_loss import __all__ as _classification_loss_all
from autograd_np.nn.functional.conv import *  # noqa: F403
from autograd_np.nn.functional.conv import __all__ as _conv_all
from autograd_np.nn.functional.dropout import *  # noqa: F403
from autograd_np.nn.functional.dropout import __all__ as _dropout_all
from autograd_np.nn.functional.linear import *  # noqa: F403
from autograd_np.nn.functional.linear import __all__ as _linear_all
from autograd_np.nn.functional.normalization import *  # noqa: F403
from autograd_np.nn.functional.normalization import __all__ as _normalization_all
from autograd_np.nn.functional.padding import *  # noqa: F403
from autograd_np.nn.functional.padding import __all__ as _padding_all
from autograd_np.nn.functional.pooling import *  # noqa: F403
from autograd_np.nn.functional.pooling import __all__ as _pooling_all
from autograd_np.nn.functional.regression_loss import *  # noqa: F403
from autograd_np.nn.functional.regression_loss import __all__ as _regression_loss_all
from autograd_np.nn.functional.sparse import *  # noqa: F403
from autograd_np.nn.functional.sparse import __all__ as _sparse_all

__all__ = [
    *_activation_all,
    *_attention_all,
    *_batchnorm_all,
    *_classification_loss_all,
    *_conv_all,
    *_dropout_all,
    *_linear_all,
    *_normalization_all,
    *_padding_all,
    *_pooling_all,
    *_regression_loss_all,
    *_sparse_all,
]
