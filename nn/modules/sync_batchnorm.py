"""``SyncBatchNorm``: batch normalization whose statistics span every rank of a process
group, so N ranks at a global batch B compute what one process computes at batch B."""

from __future__ import annotations

from typing import Any

import autograd_np.distributed as dist
from autograd_np.distributed.process_group import default_group
from autograd_np.nn.functional.batchnorm import sync_batch_norm
from autograd_np.nn.modules.module import Module
from autograd_np.nn.modules.normalization import _BatchNorm
from autograd_np.tensor import Tensor

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalization over the channel dim of (N, C, *) inputs, with the batch
    statistics reduced over all ranks of ``process_group`` in training.

    The per-channel sums and counts are all-reduced, in one fused primitive as batch norm
    is (``nn.functional.batchnorm.sync_batch_norm``), and backward all-reduces the matching
    gradient sums too: with gradients averaged by
    :class:`~autograd_np.nn.parallel.DistributedDataParallel`, every rank ends with the
    gradients of one process running the whole global batch. Outside an initialized
    process group, or in eval mode, it is :class:`BatchNorm2d` for any input rank >= 2.

    Parameters
    ----------
    num_features : int
        C, the number of channels.
    eps, momentum, affine, track_running_stats, device, dtype
        As :class:`BatchNorm1d`.
    process_group : ProcessGroup, optional
        The ranks to synchronise over; the default group when None.

    Shapes
    ------
    input: (N, C, *); output: the same.
    """

    _ranks = (2, 3, 4, 5)

    def __init__(
        self,
        num_features: int,
        eps: float = 1e-5,
        momentum: float | None = 0.1,
        affine: bool = True,
        track_running_stats: bool = True,
        process_group: Any = None,
        device: Any = None,
        dtype: Any = None,
    ) -> None:
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype)
        self.process_group = process_group

    def forward(self, input: Tensor) -> Tensor:
        """Normalize with the statistics of the global batch (training, in a group of more
        than one rank) or as BatchNorm does otherwise."""
        if not (self.training and dist.is_initialized()):
            return super().forward(input)
        group = self.process_group
        if dist.get_world_size(group) == 1:
            return super().forward(input)
        if input.ndim not in self._ranks:
            raise ValueError(
                f"SyncBatchNorm: expected at least 2D input (got {input.ndim}D input "
                f"of shape {input.shape})"
            )
        if input.shape[1] != self.num_features:
            raise ValueError(
                f"SyncBatchNorm: expected {self.num_features} channels, got input of shape "
                f"{input.shape}"
            )
        factor = self._count_batch()
        return sync_batch_norm(
            input,
            self.running_mean if self.track_running_stats else None,
            self.running_var if self.track_running_stats else None,
            self.weight,
            self.bias,
            factor,
            self.eps,
            group=default_group(group),
        )

    @classmethod
    def convert_sync_batchnorm(cls, module: Module, process_group: Any = None) -> Module:
        """``module`` with every BatchNorm layer in it replaced by a SyncBatchNorm that
        holds the same parameters and running statistics (``module`` itself when it is one).

        Parameters
        ----------
        module : Module
            The model (changed in place below its top level, as in PyTorch).
        process_group : ProcessGroup, optional
            The group the new layers synchronise over.

        Returns
        -------
        Module
            The converted module.
        """
        out = module
        if isinstance(module, _BatchNorm) and not isinstance(module, SyncBatchNorm):
            out = cls(
                module.num_features,
                module.eps,
                module.momentum,
                module.affine,
                module.track_running_stats,
                process_group,
                dtype=module.running_mean.dtype
                if module.running_mean is not None
                else (module.weight.dtype if module.weight is not None else None),
            )
            if module.affine:
                out.weight = module.weight
                out.bias = module.bias
            out.running_mean = module.running_mean
            out.running_var = module.running_var
            out.num_batches_tracked = module.num_batches_tracked
            out.train(module.training)
        for name, child in module.named_children():
            setattr(out, name, cls.convert_sync_batchnorm(child, process_group))
        return out
