"""Run under mpiexec -n 2 with the MNIST example's options: rank 0 is killed (SIGKILL)
halfway through writing the checkpoint of epoch 2 (the archive's first bytes are on
disk); the checkpoint of epoch 1 must stay intact, and every rank must exit."""

import io
import os
import signal
import sys

import numpy as np

import autograd_np.distributed as dist
from examples import mnist

real_savez = np.savez
calls = 0


def savez_then_die(file, *args, **kwargs):  # the archive writer of autograd_np.save
    global calls
    calls += not isinstance(file, io.BytesIO)  # a checkpoint, not a message between ranks
    if calls == 2 and dist.is_initialized() and dist.get_rank() == 0:
        file.write(b"PK\x03\x04 a partial archive")
        file.flush()
        os.kill(os.getpid(), signal.SIGKILL)
    return real_savez(file, *args, **kwargs)


np.savez = savez_then_die
sys.exit(mnist.main(sys.argv[1:]))
