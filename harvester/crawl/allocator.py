"""A fixed glibc mmap threshold for crawls, so the C heap does not grow with the crawl's size.

glibc serves an allocation of ``M_MMAP_THRESHOLD`` bytes or more (128 KiB
by default) with its own ``mmap``, given back to the system on ``free``.
The threshold is dynamic, though: freeing such a block raises it to that
block's size, up to 32 MiB. A crawl frees blocks of megabytes early on (the
lists a Parquet row group is built from, large answers), and from then on
every buffer below that size is carved from the heap, among long-lived
blocks (seen-set arrays, Scrapy's request fingerprints); the heap keeps the
free space they leave behind, and keeps growing as the crawl goes on.
Setting the threshold, even to its default, turns that adjustment off.

Measured on quota-off crawls of 保温杯 (``benchmarks/scale.py``'s): Python's
own objects do not grow beyond the seen-sets (gc object counts flat;
tracemalloc's live growth from 10,000 to 50,000 offers is all in
``harvester.crawl.seen``, +0.8 MB, and Scrapy's dupefilter, +0.2 MB), nor do
pymalloc's arenas (126-127 MB); glibc's heap does: from 81 to 98 MB between
10,000 and 98,000 offers, while what is in use in it stays at 62-70 MB (its
free space went from 11 to 36 MB). Through the benchmark's harness, before ->
after the threshold is fixed at 128 KiB: peak RSS 340 -> 322 MB at 10,000
offers, 362 -> 343 MB at 50,000, 365 -> 339 MB at 100,000; rise of the RSS
troughs 47.7 -> 8.1 MB per 100,000 offers within the 50,000 crawl, 24.0 ->
14.1 within the 100,000 one; CPU time unchanged (89 -> 85 s for 100,000).
Within a crawl of 200,000 offers the troughs rose 12.8 -> 4.0 MB per
100,000 offers (peak 370 -> 353 MB): what is left is the seen-sets (2 x 16
bytes an offer) and Scrapy's fingerprints (~7,000 per 100,000 offers).
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
