"""Parallel training wrappers: ``DistributedDataParallel``."""

from __future__ import annotations

from autograd_np.nn.parallel.distributed import DistributedDataParallel

__all__ = ["DistributedDataParallel"]
