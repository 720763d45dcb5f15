"""The default process group: which MPI communicator this process trains in.

There is one default group per process, as in ``torch.distributed``. It wraps
``MPI.COMM_WORLD`` (or a communicator passed in) and is created by
:func:`init_process_group`. mpi4py is imported only here, and only when a group is made,
so ``import autograd_np`` never needs it.
"""

from __future__ import annotations

import os
import sys
import traceback
from types import TracebackType
from typing import Any

from autograd_np import parallel

__all__ = [
    "ProcessGroup",
    "destroy_process_group",
    "get_rank",
    "get_world_size",
    "init_process_group",
    "is_available",
    "is_initialized",
    "is_mpi_available",
]

_INSTALL_HINT = (
    "autograd_np.distributed needs mpi4py and an MPI library; install them with "
    '`pip install -e ".[distributed]"` (mpi4py and the mpich wheel, which brings mpiexec)'
)


def _mpi() -> Any:
    """Import and return ``mpi4py.MPI``, or raise an ImportError that says how to install it."""
    try:
        from mpi4py import MPI
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError(_INSTALL_HINT) from exc
    return MPI


def is_available() -> bool:
    """Whether the distributed package can be used here (mpi4py imports)."""
    try:
        _mpi()
    except ImportError:
        return False
    return True


def is_mpi_available() -> bool:
    """Whether the ``mpi`` backend is available (the only backend of this package)."""
    return is_available()


class _Request:
    """A finished request, for the one-rank communicator."""

    def Wait(self) -> None:
        return None

    def Test(self) -> bool:
        return True


class _SelfComm:
    """The subset of ``mpi4py.MPI.Comm`` that the collectives use, for a group of one
    process and without MPI: every collective is a copy or nothing."""

    IN_PLACE = object()

    def Get_rank(self) -> int:
        return 0

    def Get_size(self) -> int:
        return 1

    def Allreduce(self, send: Any, recv: Any, op: Any = None) -> None:
        if send is not self.IN_PLACE:
            recv[...] = send

    def Bcast(self, buf: Any, root: int = 0) -> None:
        return None

    def Allgather(self, send: Any, recv: Any) -> None:
        recv.reshape(-1)[...] = send.reshape(-1)

    def Reduce_scatter_block(self, send: Any, recv: Any, op: Any = None) -> None:
        recv.reshape(-1)[...] = send.reshape(-1)

    def Barrier(self) -> None:
        return None

    def Iallreduce(self, send: Any, recv: Any, op: Any = None) -> _Request:
        self.Allreduce(send, recv, op)
        return _Request()

    def Ibcast(self, buf: Any, root: int = 0) -> _Request:
        return _Request()

    def Iallgather(self, send: Any, recv: Any) -> _Request:
        self.Allgather(send, recv)
        return _Request()

    def Ireduce_scatter_block(self, send: Any, recv: Any, op: Any = None) -> _Request:
        self.Reduce_scatter_block(send, recv, op)
        return _Request()

    def Ibarrier(self) -> _Request:
        return _Request()

    def Abort(self, code: int = 1) -> None:  # pragma: no cover - only on failure
        os._exit(code)


class ProcessGroup:
    """A set of ranks that run collectives together: one MPI communicator.

    Parameters
    ----------
    comm : mpi4py.MPI.Comm, optional
        The communicator; the default group uses ``MPI.COMM_WORLD``. None makes a group of
        this process alone, which needs no MPI (every collective is then the identity).
    """

    def __init__(self, comm: Any = None) -> None:
        self.comm = _SelfComm() if comm is None else comm

    @property
    def in_place(self) -> Any:
        """The marker that tells a collective to reduce a buffer in place."""
        return _SelfComm.IN_PLACE if isinstance(self.comm, _SelfComm) else _mpi().IN_PLACE

    def mpi_op(self, name: str) -> Any:
        """The reduction named ``name`` ("SUM", "PROD", "MIN" or "MAX") for this comm."""
        return None if isinstance(self.comm, _SelfComm) else getattr(_mpi(), name)

    def rank(self) -> int:
        """This process's rank in the group, from 0."""
        return int(self.comm.Get_rank())

    def size(self) -> int:
        """The number of ranks in the group."""
        return int(self.comm.Get_size())

    def __repr__(self) -> str:
        return f"ProcessGroup(backend='mpi', rank={self.rank()}, size={self.size()})"


_default: ProcessGroup | None = None
_previous_excepthook: Any = None


def _abort_on_uncaught(
    kind: type[BaseException], value: BaseException, tb: TracebackType | None
) -> None:
    """Print the failed rank's error, then abort every rank, so that none waits forever
    in a collective for a peer that is gone."""
    group = _default
    rank = group.rank() if group is not None else "?"
    text = "".join(traceback.format_exception(kind, value, tb))
    sys.stderr.write(f"[rank {rank}] uncaught exception, aborting all ranks:\n{text}")
    sys.stderr.flush()
    if group is not None and group.size() > 1:
        group.comm.Abort(1)
    _previous_excepthook(kind, value, tb)


def init_process_group(
    backend: str | None = "mpi",
    init_method: str | None = None,
    world_size: int = -1,
    rank: int = -1,
    *,
    timeout: Any = None,
    comm: Any = None,
    abort_on_exception: bool = True,
    **kwargs: Any,
) -> None:
    """Join the default process group of this MPI job.

    Start the job with ``mpiexec -n N python script.py``; every rank calls this once.
    With more than one rank, each rank computes on its share of its machine's cores, the
    cores divided by the ranks on that machine (one thread with a rank a core;
    :func:`autograd_np.set_num_threads`), unless the program chose a number before (or
    ``OMP_NUM_THREADS`` did).

    The rank and world size come from MPI: ``world_size`` and ``rank``, when given, are
    checked against it, as are ``RANK``/``WORLD_SIZE`` set by torch-style launchers.

    Parameters
    ----------
    backend : str, optional
        ``"mpi"`` (the default; ``None`` means the same). Other torch backends (``"gloo"``,
        ``"nccl"``) are refused with a message: this package runs on MPI only.
    init_method : str, optional
        Accepted for PyTorch compatibility and ignored: MPI's launcher already connects
        the ranks.
    world_size, rank : int, optional
        When not -1, must equal what MPI reports.
    timeout : optional
        Accepted for PyTorch compatibility; MPI collectives have no timeout, but a rank
        that fails aborts all others (see ``abort_on_exception``).
    comm : mpi4py.MPI.Comm, optional
        A communicator to use instead of ``MPI.COMM_WORLD``.

    Other Parameters
    ----------------
    abort_on_exception : bool, optional
        Install an exception hook that prints an uncaught exception with its rank and
        calls ``MPI_Abort``, so every rank exits instead of hanging in a collective.
    """
    global _default, _previous_excepthook
    if _default is not None:
        raise RuntimeError("trying to initialize the default process group twice")
    if backend not in (None, "mpi"):
        raise ValueError(
            f"init_process_group: backend {backend!r} is not available; autograd_np.distributed "
            "runs on MPI only (backend='mpi'), launched with mpiexec"
        )
    if kwargs:
        unknown = ", ".join(sorted(kwargs))
        raise TypeError(f"init_process_group got unexpected keyword arguments: {unknown}")
    MPI = _mpi()
    group = ProcessGroup(comm if comm is not None else MPI.COMM_WORLD)
    for name, given, actual, env in (
        ("world_size", world_size, group.size(), "WORLD_SIZE"),
        ("rank", rank, group.rank(), "RANK"),
    ):
        if given != -1 and given != actual:
            raise ValueError(f"init_process_group: {name}={given}, but MPI reports {actual}")
        from_env = os.environ.get(env)
        if from_env is not None and from_env.isdigit() and int(from_env) != actual:
            raise ValueError(
                f"init_process_group: ${env}={from_env}, but MPI reports {actual}; "
                "launch with mpiexec and leave it unset"
            )
    _default = group
    if group.size() > 1:  # each rank takes its share of its machine's cores, unless set
        parallel.default_to_share(_ranks_on_this_machine(group.comm, MPI))
    if abort_on_exception and _previous_excepthook is None:
        _previous_excepthook = sys.excepthook
        sys.excepthook = _abort_on_uncaught


def _ranks_on_this_machine(comm: Any, MPI: Any) -> int:
    """How many ranks of ``comm`` share this machine's memory (and so its cores)."""
    local = comm.Split_type(MPI.COMM_TYPE_SHARED)
    try:
        return int(local.Get_size())
    finally:
        local.Free()


def is_initialized() -> bool:
    """Whether :func:`init_process_group` was called (and not yet destroyed)."""
    return _default is not None


def default_group(group: ProcessGroup | None = None) -> ProcessGroup:
    """``group``, or the default group; raises if there is none."""
    if group is not None:
        return group
    if _default is None:
        raise RuntimeError(
            "Default process group has not been initialized, please make sure to call "
            "init_process_group."
        )
    return _default


def get_rank(group: ProcessGroup | None = None) -> int:
    """This process's rank in ``group`` (the default group when None)."""
    return default_group(group).rank()


def get_world_size(group: ProcessGroup | None = None) -> int:
    """The number of ranks in ``group`` (the default group when None)."""
    return default_group(group).size()


def destroy_process_group(group: ProcessGroup | None = None) -> None:
    """Leave the default group (MPI itself is finalized when the process exits)."""
    global _default, _previous_excepthook
    if group is not None and group is not _default:
        return
    if _default is None:
        raise RuntimeError("destroy_process_group: the default process group is not initialized")
    _default = None
    if _previous_excepthook is not None:
        sys.excepthook = _previous_excepthook
        _previous_excepthook = None
