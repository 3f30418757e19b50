"""The stages of a harvest that spiders share: paging searches, fetching details, ranking results.

Spiders say what to search for; ``search`` pages every query through (and
splits queries past the search cap), ``details`` fetches each offer's detail
once per crawl, ``ranking`` merges what several queries found. Requests keep
the spider's own methods as callbacks (Scrapy serialises them by name), so a
stage only needs the spider's callbacks, not the spider class.
"""
