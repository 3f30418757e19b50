"""What earlier crawls in the dataset hold, and how this crawl differs from them.

``previous`` reads the watched columns of the latest earlier crawl, indexed
by offer; ``changes`` compares an offer's state with it field by field.
"""
