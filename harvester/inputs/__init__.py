"""What users hand a crawl: keyword files, offer ids and pictures, read and checked before any call.

``lines`` streams text files line by line (bad lines named by number, never
loaded whole), ``offer_ids`` parses ids and offer URLs, ``images`` turns a
picture file or URL into what ``product.image.upload`` accepts.
"""
