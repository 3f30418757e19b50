"""Pictures and videos of the offers a crawl fetches, downloaded once and stored by content (``-a media=...``).

- ``roles``: which media ``-a media`` asks for, checked before any call;
- ``references``: every reference of a normalised offer to a picture or video;
- ``probe``: the width and height a file says it has (pictures, MP4 videos);
- ``store``: ``HARVEST_MEDIA_STORE``, files named by their content's SHA-256;
- ``slot``: the add-on giving media downloads their own downloader slot (concurrency, rate);
- ``pipeline``: the item pipeline (a ``FilesPipeline``) that downloads and writes the ``media`` rows.
"""
