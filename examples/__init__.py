"""Training examples: ``python -m examples.mnist`` and ``python -m examples.cifar10``."""

import os as _os

# Ranks started together on one machine by mpiexec share its cores: unless the user chose,
# give each rank's BLAS its part of them. This must run before numpy is first imported,
# which ``python -m examples.mnist`` does after importing this package.
_local = next(
    (
        int(_os.environ[name])
        for name in ("MPI_LOCALNRANKS", "OMPI_COMM_WORLD_LOCAL_SIZE", "MV2_COMM_WORLD_LOCAL_SIZE")
        if _os.environ.get(name, "").isdigit()
    ),
    1,
)
_BLAS_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
if _local > 1 and not any(name in _os.environ for name in _BLAS_VARIABLES):
    _threads = str(max(1, (_os.cpu_count() or 1) // _local))
    for _name in _BLAS_VARIABLES:
        _os.environ[_name] = _threads
