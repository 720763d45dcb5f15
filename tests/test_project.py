"""The front door stays true: README examples run, every package directory is installed,
the engine never imports nn, optim or data, the training-step benchmark runs."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]


def test_readme_python_examples_run():
    text = (REPO / "README.md").read_text()
    blocks = re.findall(r"```python\n(.*?)```", text, re.S)
    assert blocks, "README.md has no python example"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})


def test_every_package_directory_is_listed_in_pyproject():
    tomllib = pytest.importorskip("tomllib")  # Python >= 3.11
    config = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    roots = {v: k for k, v in config["package-dir"].items()}  # directory -> package
    found = set()
    for directory, package in roots.items():
        for init in (REPO / directory).rglob("__init__.py"):
            rel = init.parent.relative_to(REPO / directory)
            found.add(".".join([package, *rel.parts]))
    assert found == listed, f"missing: {found - listed}, stale: {listed - found}"


def test_the_engine_never_imports_nn_optim_or_data():
    code = (
        "import sys, autograd_np, autograd_np.testing, autograd_np.autograd.functional;"
        "bad = [m for m in sys.modules if m.split('.')[:2] in "
        "(['autograd_np', 'nn'], ['autograd_np', 'optim'], ['autograd_np', 'data'])];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_importing_the_library_needs_no_optional_extras():
    code = (
        "import sys; sys.modules['tqdm'] = None; sys.modules['matplotlib'] = None;"
        "sys.modules['hypothesis'] = None;"
        "import autograd_np, autograd_np.nn, autograd_np.optim, autograd_np.data"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_the_training_step_benchmark_runs():
    # a smoke run of the benchmark (no timing is asserted): every model builds, steps, and
    # the vgg line that times the convolutions' GEMMs inside the step still finds them
    script = REPO / "benchmarks" / "train_step.py"
    args = ["--no-torch", "--no-avx512-rerun", "--batch", "2", "--repeats", "1", "--warmup", "0"]
    result = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    for name in ("mlp", "lenet", "seedcnn", "vgg"):
        assert re.search(rf"^{name}\s+\d+\.\d", result.stdout, re.M), result.stdout
    gemm = re.search(r"vgg conv GEMMs alone: (\d+) ms of thread time per step", result.stdout)
    assert gemm is not None, result.stdout


@pytest.mark.parametrize(("model", "op"), [("seedcnn", "nn.functional.conv2d"), ("gpt", "matmul")])
def test_the_step_profiler_runs(model, op):
    # a smoke run (no timing is asserted): forwards and VJPs both appear in the table
    script = REPO / "benchmarks" / "profile_step.py"
    args = ["--model", model, "--batch", "2", "--steps", "1"]
    result = subprocess.run(
        [sys.executable, str(script), *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert re.search(rf"^{re.escape(op)}\s+forward\s+\d+\.\d+\s+\d+", result.stdout, re.M)
    assert re.search(r"backward", result.stdout), result.stdout
    assert "outside the primitives" in result.stdout
