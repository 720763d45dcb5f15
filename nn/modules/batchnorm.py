"""Batch normalization at PyTorch's module path (``torch.nn.modules.batchnorm``).

The classes live in :mod:`autograd_np.nn.modules.normalization`; this module lets code
that names them by torch's path (``safe_globals([nn.modules.batchnorm.BatchNorm2d])``)
run unchanged.
"""

from autograd_np.nn.modules.normalization import BatchNorm1d, BatchNorm2d

__all__ = ["BatchNorm1d", "BatchNorm2d"]
