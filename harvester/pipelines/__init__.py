"""Item pipelines, in the order they run: normalise (100) -> de-duplicate (200) -> changes (300) -> media (800)
-> dataset (900).

    ITEM_PIPELINES = {
        "harvester.pipelines.normalise.NormalisePipeline": 100,
        "harvester.pipelines.dedupe.DeduplicatePipeline": 200,
        "harvester.pipelines.changes.ChangesPipeline": 300,
        "harvester.media.pipeline.MediaPipeline": 800,
        "harvester.pipelines.dataset.DatasetPipeline": 900,
    }

Steps that look at whole offers belong between de-duplication and the
writer, as change detection does (it is off unless ``HARVEST_CHANGES``), and so do media downloads (off
unless a spider is given ``-a media``; ``harvester.media``).
"""
