"""The examples train on a small subset of the real data, write their files, resume
exactly, and survive Ctrl-C. Needs the real datasets: set AUTOGRAD_NP_DATA."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from examples import cifar10, mnist
from examples.training import train

REPO = Path(__file__).resolve().parents[2]
DATA = os.environ.get("AUTOGRAD_NP_DATA")
needs_data = pytest.mark.skipif(
    not DATA, reason="AUTOGRAD_NP_DATA is not set; the examples need the real datasets"
)

SMALL = [
    "--train-limit",
    "768",
    "--test-limit",
    "256",
    "--batch-size",
    "64",
    "--lr",
    "0.02",
    "--no-progress",
]


def _history(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]


@needs_data
@pytest.mark.parametrize(
    ("task", "model"),
    [(mnist.TASK, "seed"), (mnist.TASK, "lenet"), (cifar10.TASK, "seed")],
    ids=["mnist-seed", "mnist-lenet", "cifar10-seed"],
)
def test_example_trains_and_writes_its_files(tmp_path, task, model):
    out = tmp_path / "run"
    final = train(task, [*SMALL, "--model", model, "--epochs", "3", "--out", str(out)])
    history = _history(out)
    assert len(history) == 3
    assert history[-1]["train_loss"] < history[0]["train_loss"]
    assert final["test_acc"] > 0.2  # well above chance (0.1) after 36 steps
    for name in ("metrics.jsonl", "checkpoint.npz", "confusion_matrix.csv"):
        assert (out / name).is_file(), name
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return
    for name in ("curves.png", "confusion_matrix.png", "misclassified.png"):
        assert (out / name).is_file(), name


@needs_data
def test_resume_continues_exactly(tmp_path):
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    args = [*SMALL, "--model", "seed", "--no-plots"]
    train(mnist.TASK, [*args, "--epochs", "3", "--out", str(straight)])
    train(mnist.TASK, [*args, "--epochs", "3", "--max-steps", "18", "--out", str(resumed)])
    train(mnist.TASK, [*args, "--epochs", "3", "--out", str(resumed), "--resume"])
    a, b = _history(straight), _history(resumed)
    for record in a + b:
        record.pop("elapsed_s")
    assert a == b


@needs_data
def test_ctrl_c_saves_a_checkpoint_and_resume_matches(tmp_path):
    straight, interrupted = tmp_path / "straight", tmp_path / "interrupted"
    args = [*SMALL, "--model", "seed", "--no-plots", "--epochs", "3"]
    train(mnist.TASK, [*args, "--out", str(straight)])
    command = [sys.executable, "-m", "examples.mnist", *args, "--out", str(interrupted)]
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        command, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    assert proc.stdout is not None
    lines = []
    for line in proc.stdout:  # interrupt once the first epoch is done
        lines.append(line)
        if line.startswith("epoch   1/3"):
            proc.send_signal(signal.SIGINT)
            break
    rest, _ = proc.communicate(timeout=300)
    output = "".join(lines) + rest
    assert proc.returncode == 0, output
    if "interrupted: checkpoint saved" not in output:  # the run may finish first
        assert "done:" in output
    train(mnist.TASK, [*args, "--out", str(interrupted), "--resume"])
    a, b = _history(straight), _history(interrupted)
    for record in a + b:
        record.pop("elapsed_s")
    assert a == b
