"""autograd_np.distributed: collectives, DistributedDataParallel and SyncBatchNorm run on
two MPI ranks (``mpiexec -n 2`` in a subprocess), plus the parts that need no MPI."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import autograd_np as torch
import autograd_np.distributed as dist
import autograd_np.nn as nn
from autograd_np.data import DistributedSampler

PROGRAMS = Path(__file__).parent / "programs"


def _mpiexec() -> str | None:
    here = str(Path(sys.executable).parent)
    return shutil.which("mpiexec", path=os.pathsep.join([here, os.environ.get("PATH", "")]))


needs_mpi = pytest.mark.skipif(
    not dist.is_available() or _mpiexec() is None,
    reason="needs the distributed extra: pip install -e '.[distributed]' (mpi4py and mpich)",
)


def run_ranks(program: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """Run ``program`` on two ranks; return the finished process (never hangs the tests)."""
    mpiexec = _mpiexec()
    assert mpiexec is not None
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    return subprocess.run(
        [mpiexec, "-n", "2", sys.executable, str(PROGRAMS / program), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


@needs_mpi
@pytest.mark.parametrize(
    "program", ["collectives.py", "ddp_equivalence.py", "ddp_options.py", "sync_bn_gradients.py"]
)
def test_program_on_two_ranks(program):
    done = run_ranks(program)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "rank 0: ok" in done.stdout and "rank 1: ok" in done.stdout


@needs_mpi
@pytest.mark.parametrize("mode", ["raise", "kill"])
def test_a_failed_rank_stops_every_rank(mode):
    start = time.monotonic()
    done = run_ranks("fault.py", mode, timeout=90)
    assert time.monotonic() - start < 60
    assert done.returncode != 0
    assert "never released" not in done.stdout
    if mode == "raise":
        assert "[rank 1]" in done.stderr and "rank 1 fails on purpose" in done.stderr


# ---------------------------------------------------------------------- without MPI
def test_distributed_sampler_splits_and_pads_like_torch():
    shares = [
        list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False)) for r in range(3)
    ]
    assert shares == [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]]
    dropped = [
        list(DistributedSampler(range(10), num_replicas=3, rank=r, shuffle=False, drop_last=True))
        for r in range(3)
    ]
    assert dropped == [[0, 3, 6], [1, 4, 7], [2, 5, 8]]
    tiny = [
        list(DistributedSampler(range(2), num_replicas=5, rank=r, shuffle=False)) for r in range(5)
    ]
    assert [s[0] for s in tiny] == [0, 1, 0, 1, 0]


def test_distributed_sampler_shuffles_by_epoch_the_same_on_every_rank():
    samplers = [DistributedSampler(range(100), num_replicas=2, rank=r, seed=3) for r in range(2)]
    first = [list(s) for s in samplers]
    assert sorted(first[0] + first[1]) == list(range(100))
    assert first[0] == list(samplers[0])  # the same epoch gives the same order
    for s in samplers:
        s.set_epoch(1)
    second = [list(s) for s in samplers]
    assert second[0] != first[0] and sorted(second[0] + second[1]) == list(range(100))
    assert len(samplers[0]) == 50


def test_distributed_sampler_checks_its_arguments():
    with pytest.raises(ValueError, match="rank should be in the interval"):
        DistributedSampler(range(4), num_replicas=2, rank=2)
    with pytest.raises(RuntimeError, match="init_process_group"):
        DistributedSampler(range(4))


def test_without_a_process_group_the_calls_say_so():
    assert not dist.is_initialized()
    with pytest.raises(RuntimeError, match="not been initialized"):
        dist.get_rank()
    with pytest.raises(RuntimeError, match="not been initialized"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="MPI only"):
        dist.init_process_group("nccl")


def test_sync_batchnorm_outside_a_group_is_batchnorm():
    x = torch.tensor(np.random.default_rng(0).standard_normal((4, 3, 2, 2)))
    bn = nn.BatchNorm2d(3).double()
    sync = nn.SyncBatchNorm.convert_sync_batchnorm(nn.Sequential(nn.BatchNorm2d(3).double()))[0]
    assert isinstance(sync, nn.SyncBatchNorm)
    np.testing.assert_allclose(sync(x).array, bn(x).array)
    np.testing.assert_allclose(sync.running_var.array, bn.running_var.array)


def test_collectives_on_a_group_of_one_process():
    group = dist.ProcessGroup()  # this process alone: no MPI needed
    t = torch.tensor([1.0, 2.0])
    dist.all_reduce(t, op=dist.ReduceOp.AVG, group=group)
    np.testing.assert_array_equal(t.array, [1.0, 2.0])
    out = [torch.zeros(2)]
    dist.all_gather(out, torch.tensor([3.0, 4.0]), group=group)
    np.testing.assert_array_equal(out[0].array, [3.0, 4.0])
    with pytest.raises(TypeError, match="numeric"):
        dist.all_reduce(np.array(["a"]), group=group)


@needs_mpi
def test_the_data_parallel_benchmark_runs_with_sync_batchnorm():
    # a smoke run (no timing is asserted): 1 process and 2 ranks step every model, the
    # ranks' BatchNorm layers converted as the examples convert them
    script = Path(__file__).resolve().parents[2] / "benchmarks" / "distributed_step.py"
    args = ["--sync-batchnorm", "--batch", "4", "--repeats", "1", "--warmup", "0"]
    done = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SyncBatchNorm on the ranks" in done.stdout
    for name in ("vgg", "lenet", "seedcnn"):
        assert re.search(rf"^{name}\s+\d+\.\dms\s+\d+\.\dms", done.stdout, re.M), done.stdout
