"""The app's call quota: calls per second and calls per day.

``pace`` (GCRA pacing and the per-process send window) and ``budget`` (the
daily count, kept in a file between crawls of one day) serve one machine;
``shared`` keeps the same pace and budget in Redis for every worker of a
distributed crawl. ``harvester.middlewares.quota`` applies whichever the
crawl uses to every call.
"""
