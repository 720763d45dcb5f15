"""Run under mpiexec -n 2 with 'raise' or 'kill': rank 1 fails while rank 0 waits in a
collective; every rank must exit non-zero instead of hanging."""

import os
import signal
import sys

import numpy as np

import autograd_np.distributed as dist

dist.init_process_group("mpi")
rank = dist.get_rank()
if rank == 1:
    if sys.argv[1] == "raise":
        raise ValueError("rank 1 fails on purpose")
    os.kill(os.getpid(), signal.SIGKILL)
buf = np.zeros(3)
dist.all_reduce(buf)  # rank 0 waits here for a peer that is gone
print("rank 0 was never released: this line must not run")
