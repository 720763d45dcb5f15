"""``torch.backends``: flags that scripts set for GPU kernels, accepted and kept.

``backends.cudnn.benchmark``, ``deterministic``, ``allow_tf32`` and ``enabled``, and
``backends.cuda.matmul.allow_tf32``, are plain settable attributes; nothing reads them,
since there are no cuDNN or CUDA kernels here. ``backends.mps.is_available()`` and
``backends.cudnn.is_available()`` are False.
"""

from __future__ import annotations

from autograd_np.backends import cuda, cudnn, mps

__all__ = ["cuda", "cudnn", "mps"]
