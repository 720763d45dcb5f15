"""Data-parallel training over MPI, with ``torch.distributed``'s names.

Launch every rank with ``mpiexec -n N python script.py`` and call
:func:`init_process_group` once in each. mpi4py is an optional extra
(``pip install -e ".[distributed]"``); importing this package does not need it, creating a
process group does.

Examples
--------
>>> import autograd_np as torch
>>> import autograd_np.distributed as dist
>>> dist.init_process_group("mpi")                          # doctest: +SKIP
>>> t = torch.ones(3) * (dist.get_rank() + 1)               # doctest: +SKIP
>>> dist.all_reduce(t)                                       # doctest: +SKIP
"""

from __future__ import annotations

from autograd_np.distributed import functional
from autograd_np.distributed.collectives import (
    ReduceOp,
    Work,
    all_gather,
    all_gather_into_tensor,
    all_reduce,
    barrier,
    broadcast,
    reduce_scatter,
    reduce_scatter_tensor,
)
from autograd_np.distributed.process_group import (
    ProcessGroup,
    destroy_process_group,
    get_rank,
    get_world_size,
    init_process_group,
    is_available,
    is_initialized,
    is_mpi_available,
)

__all__ = [
    "ProcessGroup",
    "ReduceOp",
    "Work",
    "all_gather",
    "all_gather_into_tensor",
    "all_reduce",
    "barrier",
    "broadcast",
    "destroy_process_group",
    "functional",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
    "reduce_scatter",
    "reduce_scatter_tensor",
]
