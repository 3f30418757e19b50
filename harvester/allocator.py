"""A fixed glibc mmap threshold for crawls, so the C heap does not grow with the crawl's size.

glibc serves an allocation of ``M_MMAP_THRESHOLD`` bytes or more (128 KiB
by default) with its own ``mmap``, given back to the system on ``free``.
The threshold is dynamic, though: freeing such a block raises it to that
block's size, up to 32 MiB. A crawl frees blocks of megabytes early on (the
lists a Parquet row group is built from, large answers), and from then on
every buffer below that size is carved from the heap, among long-lived
blocks (seen-set arrays, Scrapy's request fingerprints); the heap keeps the
free space they leave behind and grows with every row group.

Measured on a quota-off crawl of 100,000 offers (``benchmarks/scale.py``'s
保温杯): glibc's heap grew from 81 to 98 MB between 10,000 and 98,000 offers
while the memory in use in it stayed at 62-70 MB (its free space went from
11 to 36 MB); Python's own objects did not grow beyond the seen-sets (gc
object counts flat, tracemalloc's growth all in ``harvester.seen`` and the
dupefilter). The RSS troughs rose 17.9 MB per 100,000 offers. With the
threshold fixed at 128 KiB they rose 5.4 MB per 100,000 offers and peak RSS
fell from 359 to 338 MB. Setting the threshold, as glibc documents, is what
turns the dynamic adjustment off.
"""

from __future__ import annotations

import ctypes
import os
import platform

#: ``M_MMAP_THRESHOLD`` in glibc's ``<malloc.h>``.
M_MMAP_THRESHOLD = -3
#: glibc's own default: blocks this large or larger are mmapped, and stay so.
MMAP_THRESHOLD = 128 * 1024


def fix_mmap_threshold(threshold: int = MMAP_THRESHOLD) -> bool:
    """Set glibc's mmap threshold once and for all; True when it was set.

    Nothing is done (False) off glibc, or when ``MALLOC_MMAP_THRESHOLD_`` is
    set in the environment: whoever set it chose a threshold already.
    """
    if "MALLOC_MMAP_THRESHOLD_" in os.environ or platform.libc_ver()[0] != "glibc":
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    return bool(mallopt(M_MMAP_THRESHOLD, threshold))
