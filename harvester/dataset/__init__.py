"""The Parquet dataset: rows from items, Arrow conversion, atomic part files, the buffered writer, reading back.

None of it imports Scrapy's engine: the pipeline, the feed exporter, the
benchmark and scripts all drive the same pieces.
"""
