"""autograd_np.allocator: glibc's malloc keeps numpy's large temporaries in the process."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from autograd_np import allocator

GLIBC = sys.platform.startswith("linux") and os.confstr("CS_GNU_LIBC_VERSION") is not None


@pytest.mark.parametrize("bad", [-1, 1.5, True, "64"])
def test_keep_freed_memory_rejects_what_is_not_a_size(bad):
    with pytest.raises(ValueError, match="int >= 0"):
        allocator.keep_freed_memory(bad)


def test_keep_freed_memory_is_taken_by_glibc():
    assert allocator.keep_freed_memory() is GLIBC


@pytest.mark.skipif(not GLIBC, reason="mallopt is glibc's")
@pytest.mark.parametrize(("setting", "expected"), [("0", 0), ("", allocator.TOP_PAD)])
def test_the_import_sets_the_pad_unless_the_environment_says_0(setting, expected):
    # the pad is what malloc keeps at the heap's top after a trim: after a large block at the
    # top is freed, the heap keeps about the pad (0: nearly nothing)
    code = (
        "import ctypes, numpy as np, autograd_np\n"
        "libc = ctypes.CDLL(None)\n"
        "a = np.ones(20 << 20, np.uint8); del a\n"  # 20 MB from the heap, freed at its top
        "class Info(ctypes.Structure):\n"
        "    _fields_ = [(n, ctypes.c_size_t) for n in 'arena ordblks smblks hblks hblkhd"
        " usmblks fsmblks uordblks fordblks keepcost'.split()]\n"
        "if not hasattr(libc, 'mallinfo2'): print(-1); raise SystemExit\n"
        "libc.mallinfo2.restype = Info\n"
        "print(libc.mallinfo2().keepcost)\n"
    )
    env = dict(os.environ, AUTOGRAD_NP_MALLOC_TOP_PAD=setting)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert done.returncode == 0, done.stderr
    keep = int(done.stdout)
    if keep < 0:
        pytest.skip("this glibc has no mallinfo2 (older than 2.33)")
    if expected:
        assert keep >= expected // 2, keep
    else:
        assert keep < 8 << 20, keep
