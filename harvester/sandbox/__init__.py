"""The local sandbox gateway: the 1688 Open Platform protocol over a generated, deterministic catalogue.

Every test, benchmark and the default demo crawl talk to this instead of
``gw.open.1688.com`` (no machine here reaches the internet). Layers, each
importable alone: ``catalogue`` (offers as functions of seed and index,
search, drift and its log, daily sales, images, videos, the category tree,
freight templates, trends), ``answers`` and ``detail`` (truth records
rendered as the official API pages define the answers, with the real
gateway's noise), ``business`` and ``enrichment`` (the product APIs, their
parameters and envelopes), ``gateway`` (the protocol core, no I/O),
``admin`` (the ``/_sandbox/`` API), ``server`` (Twisted adapter,
``start_sandbox``), ``cli`` (command line) and ``process`` (a sandbox in a
subprocess, its admin API client).
Nothing here imports Scrapy; ``harvester.commands.sandbox`` adapts it.
"""
