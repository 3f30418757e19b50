"""The 1688 Open Platform protocol: signing, the API catalogue, errors, OAuth and a small client.

Nothing in this package imports Scrapy, so scripts, notebooks and the
sandbox can use it alone.
"""
