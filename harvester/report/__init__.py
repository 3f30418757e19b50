"""The crawl report: what a finished crawl leaves beside its dataset for a person to read.

``crawl_report`` (the extension) writes the JSON document, the source of
truth; the modules here keep its figures bounded while the crawl runs
(``series``, ``topcounts``) and turn a finished document into one
self-contained HTML page (``figures`` picks the numbers, ``svg`` draws
them, ``page`` lays them out) with no network and no script.
"""
