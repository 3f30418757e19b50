"""One crawl's life: its identity, its state in a JOBDIR, its seen-sets, how it stops and what it exits with.

``identity`` names the crawl (crawl id, start date, worker id), ``jobdir``
and ``resume`` make a stopped or killed crawl resumable, ``seen`` holds the
sets that keep each offer once per crawl, ``exitcodes`` says how a crawl
ended; ``allocator`` and ``steady_gc`` tune the process once at start.
"""
