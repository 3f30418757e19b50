"""The fixed glibc mmap threshold: large blocks stay mmapped after a larger one was freed."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from harvester.crawl.allocator import fix_mmap_threshold

glibc = pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="glibc's allocator only")

#: Run in a fresh interpreter (whose heap has no free hole of a megabyte to serve the block from):
#: prints how many bytes of a 1 MiB block allocated after an 8 MiB one was freed glibc serves with mmap.
_PROBE = """
import ctypes, sys
from harvester.crawl.allocator import fix_mmap_threshold
class MallInfo2(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks", "fsmblks", "uordblks", "fordblks", "keepcost")]
mallinfo2 = ctypes.CDLL(None).mallinfo2
mallinfo2.restype = MallInfo2
if sys.argv[1] == "fixed":
    assert fix_mmap_threshold()
bytearray(8 * 2**20)  # allocated and freed at once: glibc's dynamic threshold rises to 8 MiB
before = mallinfo2().hblkhd
block = bytearray(2**20)
print(mallinfo2().hblkhd - before)
"""


def _mmapped(mode: str) -> int:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    done = subprocess.run([sys.executable, "-c", _PROBE, mode], env=env, capture_output=True, text=True, check=True)
    return int(done.stdout)


@glibc
def test_a_freed_large_block_no_longer_pulls_later_blocks_into_the_heap() -> None:
    assert _mmapped("dynamic") == 0  # glibc's default: carved from the heap, which keeps it once freed
    assert _mmapped("fixed") >= 2**20  # mmapped, so given back to the system on free


@glibc
def test_a_threshold_chosen_in_the_environment_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MALLOC_MMAP_THRESHOLD_", "65536")
    assert not fix_mmap_threshold()
