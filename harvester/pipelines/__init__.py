"""Item pipelines, in the order ``ITEM_PIPELINES`` (``harvester/settings.py``) runs them: normalise (100) ->
de-duplicate (200) -> changes (300) -> media (800, ``harvester.media``) -> dataset (900).

Steps that look at whole offers belong between de-duplication and the writer, as change detection does (it is
off unless ``HARVEST_CHANGES``), and so do media downloads (off unless a spider is given ``-a media``).
"""
