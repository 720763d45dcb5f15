"""A smoke run of ``benchmarks/word_lm.py`` (no timing is asserted): the word-language-model
step builds, trains and prints its line, without PyTorch."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "benchmarks" / "word_lm.py"


def test_the_word_lm_benchmark_runs():
    sizes = ["--vocab", "50", "--emsize", "8", "--nhid", "6", "--bptt", "5", "--batch", "3"]
    args = [*sizes, "--no-torch", "--repeats", "2", "--warmup", "1"]
    result = subprocess.run(
        [sys.executable, str(SCRIPT), *args], capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr
    assert re.search(r"^autograd_np\s+\d+\.\d ms/step", result.stdout, re.M), result.stdout
