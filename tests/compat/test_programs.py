"""PyTorch-style programs, written as PyTorch users write them, run here with only their
imports naming autograd_np; each trains a few steps on generated data and its loss falls."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).parent
PROGRAMS = ["mnist_cnn.py", "vae.py", "dcgan.py", "char_mlp.py", "resnet.py", "small_gpt.py"]


def _main(name: str):
    return runpy.run_path(str(HERE / name), run_name="compat_program")["main"]


@pytest.mark.parametrize("name", PROGRAMS)
def test_only_the_imports_name_autograd_np(name):
    source = (HERE / name).read_text()
    lines = [line for line in source.splitlines() if "autograd_np" in line]
    assert lines, f"{name} imports nothing from autograd_np"
    code = [line for line in lines if not re.match(r"\s*(import|from) autograd_np\b", line)]
    assert not code, f"{name} names autograd_np outside its imports: {code}"
    assert "torch" not in [line.split()[1] for line in lines if line.startswith("import ")]


def test_mnist_cnn_script(capsys):
    losses, results = _main("mnist_cnn.py")(["--epochs", "2", "--train-size", "192"])
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) - 0.05
    (loss1, acc1), (loss2, acc2) = results
    assert loss2 < loss1 and acc2 > 50.0
    out = capsys.readouterr().out
    assert "Train Epoch: 1 [0/192 (0%)]\tLoss: " in out and "Test set: Average loss:" in out


def test_mnist_cnn_dry_run(capsys):
    losses, _ = _main("mnist_cnn.py")(["--epochs", "1", "--dry-run", "--train-size", "64"])
    assert len(losses) == 1


def test_vae(capsys):
    train_losses, test_losses = _main("vae.py")(["--epochs", "3"])
    assert train_losses[-1] < 0.9 * train_losses[0]
    assert test_losses[-1] < test_losses[0]


def test_dcgan_discriminator_learns(capsys):
    history = _main("dcgan.py")(["--niter", "2"])
    d_losses = [d for d, _ in history]
    assert np.mean(d_losses[-4:]) < d_losses[0] - 0.1
    assert all(np.isfinite(history).ravel())


def test_char_mlp(capsys):
    result = _main("char_mlp.py")(steps=200)
    assert result["bigram"] < result["uniform"]
    first, last = 10 ** np.mean(result["lossi"][:10]), 10 ** np.mean(result["lossi"][-10:])
    assert last < first - 0.5
    assert result["dev"] < result["uniform"] - 0.5
    assert all(s.isalpha() or s == "" for s in result["samples"])


def test_resnet(capsys):
    losses, accuracies = _main("resnet.py")(epochs=2)
    assert np.mean(losses[-3:]) < np.mean(losses[:3]) - 0.1
    assert all(0.0 <= a <= 100.0 for a in accuracies)


def test_small_gpt(capsys):
    history, sample = _main("small_gpt.py")(max_iters=25)
    assert np.mean(history[-3:]) < np.mean(history[:3]) - 0.4
    assert len(sample) == 21
