"""The MNIST example on two MPI ranks (``mpiexec -n 2 python -m examples.mnist`` in a
subprocess, on a small subset of the real data): it computes what one process computes,
rank 0 alone prints and writes, a checkpoint resumes with another number of ranks, user
errors end every rank and print once, and a checkpoint interrupted on rank 0 leaves the
previous one intact."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import autograd_np as ag
import autograd_np.distributed as dist
from examples import mnist
from examples.training import train

REPO = Path(__file__).resolve().parents[2]
PROGRAMS = Path(__file__).parent / "programs"
DATA = os.environ.get("AUTOGRAD_NP_DATA")


def _mpiexec() -> str | None:
    here = str(Path(sys.executable).parent)
    return shutil.which("mpiexec", path=os.pathsep.join([here, os.environ.get("PATH", "")]))


pytestmark = [
    pytest.mark.skipif(
        not dist.is_available() or _mpiexec() is None,
        reason="needs the distributed extra: pip install -e '.[distributed]' (mpi4py and mpich)",
    ),
    pytest.mark.skipif(
        not DATA, reason="AUTOGRAD_NP_DATA is not set; the examples need the real datasets"
    ),
]

SMALL = [
    "--model",
    "seed",
    "--train-limit",
    "768",
    "--test-limit",
    "256",
    "--batch-size",
    "64",
    "--lr",
    "0.02",
    "--no-progress",
    "--epochs",
    "2",
]


def ranks(*args: str, n: int = 2, program: Path | None = None) -> subprocess.CompletedProcess[str]:
    """``mpiexec -n n python -m examples.mnist args`` (or ``program``), finished."""
    mpiexec = _mpiexec()
    assert mpiexec is not None
    target = [str(program)] if program is not None else ["-m", "examples.mnist"]
    env = dict(os.environ, PYTHONPATH=str(REPO))
    return subprocess.run(
        [mpiexec, "-n", str(n), sys.executable, *target, *args],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def _history(out: Path) -> list[dict]:
    records = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    for r in records:
        r.pop("elapsed_s")
    return records


def assert_same_run(a: list[dict], b: list[dict]) -> None:
    """The same run up to float32 rounding: the ranks sum in another order (float64
    runs are checked to 1e-9 by test_in_float64_two_ranks_give_one_process_numbers_to_1e_9)."""
    assert [r["epoch"] for r in a] == [r["epoch"] for r in b]
    for ra, rb in zip(a, b):
        for key in ("train_loss", "test_loss", "lr"):
            assert ra[key] == pytest.approx(rb[key], rel=1e-4, abs=1e-9), key
        for key in ("train_acc", "test_acc"):  # at most one borderline image may flip
            assert abs(ra[key] - rb[key]) <= 1 / 256, key


@pytest.fixture(scope="module")
def one_process(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("one") / "run"
    train(mnist.TASK, [*SMALL, "--no-plots", "--out", str(out)])
    return out


def test_two_ranks_compute_what_one_process_computes_and_rank_0_alone_writes(one_process, tmp_path):
    out = tmp_path / "run"
    done = ranks(*SMALL, "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert sum(line.startswith("MNIST: model seed") for line in lines) == 1
    assert "2 ranks of 32 each" in lines[0]
    assert sum(line.startswith("epoch ") for line in lines) == 2
    assert sum(line.startswith("done: ") for line in lines) == 1
    assert_same_run(_history(out), _history(one_process))
    for name in ("metrics.jsonl", "checkpoint.npz", "confusion_matrix.csv"):
        assert (out / name).is_file(), name
    cm = np.loadtxt(out / "confusion_matrix.csv", delimiter=",")
    assert cm.sum() == 256  # every test image once, gathered from both ranks
    # the checkpoint holds the unwrapped model, as one process saves it
    a, b = ag.load(out / "checkpoint.npz"), ag.load(one_process / "checkpoint.npz")
    assert list(a["model"]) == list(b["model"])
    for key, value in b["model"].items():  # float32 after 24 steps (the losses agree to 1e-4;
        # the scale of a conv weight before batch norm is free and drifts more; the float64
        # test below checks the same computation to 1e-9)
        np.testing.assert_allclose(a["model"][key].array, value.array, rtol=1e-3, atol=1e-3)
    assert a["rng"] == b["rng"] and a["step"] == b["step"] == 24


def test_in_float64_two_ranks_give_one_process_numbers_to_1e_9(tmp_path):
    program = PROGRAMS / "example_float64.py"
    args = [*SMALL, "--no-plots", "--train-limit", "256", "--test-limit", "64"]
    one, two = tmp_path / "one", tmp_path / "two"
    single = subprocess.run(
        [sys.executable, str(program), *args, "--out", str(one)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=300,
        env=dict(os.environ, PYTHONPATH=str(REPO)),
    )
    assert single.returncode == 0, single.stdout + single.stderr
    done = ranks(*args, "--out", str(two), program=program)
    assert done.returncode == 0, done.stdout + done.stderr
    a, b = _history(one), _history(two)
    assert len(a) == len(b) == 2
    for ra, rb in zip(a, b):
        for key in ("train_loss", "test_loss"):
            assert ra[key] == pytest.approx(rb[key], rel=1e-9), key
        assert ra["train_acc"] == rb["train_acc"] and ra["test_acc"] == rb["test_acc"]
    wa, wb = ag.load(one / "checkpoint.npz")["model"], ag.load(two / "checkpoint.npz")["model"]
    for key, value in wa.items():
        assert value.dtype == np.float64 or "num_batches" in key
        np.testing.assert_allclose(wb[key].array, value.array, rtol=1e-9, atol=1e-12)


def test_a_two_rank_checkpoint_resumes_on_one_process_and_back(one_process, tmp_path):
    out = tmp_path / "run"
    stopped = ranks(*SMALL, "--no-plots", "--out", str(out), "--max-steps", "6")
    assert stopped.returncode == 0, stopped.stdout + stopped.stderr
    assert "stopped at step 6" in stopped.stdout
    train(mnist.TASK, [*SMALL, "--no-plots", "--out", str(out), "--resume", "--max-steps", "18"])
    assert ag.load(out / "checkpoint.npz")["step"] == 18
    resumed = ranks(*SMALL, "--no-plots", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resumed from" in resumed.stdout and "epoch 2, batch 7" in resumed.stdout
    assert_same_run(_history(out), _history(one_process))


def test_user_errors_end_every_rank_and_print_once(tmp_path):
    missing = ranks("--resume", "--out", str(tmp_path / "none"))
    assert missing.returncode == 1
    assert missing.stderr.count("error: --resume: there is no checkpoint") == 1
    invalid = ranks("--epochs", "0")
    assert invalid.returncode == 2
    assert invalid.stderr.count("--epochs must be a positive integer, got 0") == 1
    uneven = ranks("--train-limit", "65", "--batch-size", "64", "--out", str(tmp_path / "u"), n=3)
    assert uneven.returncode == 1
    assert uneven.stderr.count("cannot be split over 3 ranks") == 1
    assert not (tmp_path / "u").exists()


def test_a_checkpoint_interrupted_on_rank_0_leaves_the_previous_one(tmp_path):
    out = tmp_path / "run"
    start = time.monotonic()
    killed = ranks(
        *SMALL,
        "--no-plots",
        "--epochs",
        "3",
        "--out",
        str(out),
        program=PROGRAMS / "example_killed_in_save.py",
    )
    assert time.monotonic() - start < 120
    assert killed.returncode != 0  # every rank ended: mpiexec returned
    ckpt = ag.load(out / "checkpoint.npz")
    assert ckpt["epoch"] == 1 and ckpt["step"] == 12
    resumed = ranks(*SMALL, "--no-plots", "--epochs", "3", "--out", str(out), "--resume")
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert [r["epoch"] for r in _history(out)] == [1, 2, 3]
