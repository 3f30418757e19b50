"""Item pipelines, in the order they run: normalise (100) -> de-duplicate (200) -> Parquet dataset (900).

    ITEM_PIPELINES = {
        "harvester.pipelines.normalise.NormalisePipeline": 100,
        "harvester.pipelines.dedupe.DeduplicatePipeline": 200,
        "harvester.pipelines.dataset.DatasetPipeline": 900,
    }

Steps that look at whole offers (the monitor's change detection) belong
between de-duplication and the writer.
"""
