"""Defaults for every harvester crawl.

Each setting of ours is documented by the ``#:`` lines right above it; the
README's settings table is generated from those lines
(``python -m harvester.settings_doc``), so this file is the one place to
describe a setting. Secrets (app secret, tokens) are read from environment
variables of the same name when not given as settings.
"""

BOT_NAME = "harvester"
SPIDER_MODULES = ["harvester.spiders"]
NEWSPIDER_MODULE = "harvester.spiders"

# --- API access (prefix OPEN1688_) ---------------------------------------

#: Base URL of the gateway, or `sandbox` for the built-in one started inside the crawl.
#: Empty means: `sandbox` when no app key is set, else `https://gw.open.1688.com`.
OPEN1688_GATEWAY = ""
#: The app key from the 1688 open platform console. Unset: the crawl runs on the built-in sandbox.
OPEN1688_APP_KEY = ""
#: The app secret (read from the environment variable of the same name when unset; never logged).
OPEN1688_APP_SECRET = ""
#: OAuth access token; read from OPEN1688_TOKEN_FILE when unset.
OPEN1688_ACCESS_TOKEN = ""
#: OAuth refresh token; read from OPEN1688_TOKEN_FILE when unset.
OPEN1688_REFRESH_TOKEN = ""
#: Where `scrapy auth` keeps the tokens (written with mode 0600).
OPEN1688_TOKEN_FILE = "~/.config/harvester/token.json"
#: Where the 1688 authorisation page sends the browser back with the code (`scrapy auth --redirect-uri`
#: overrides it). It must match the callback registered for the app in the console; nothing needs to
#: listen there: paste the address the browser ends up on into `scrapy auth`.
OPEN1688_REDIRECT_URI = "http://127.0.0.1:8765/callback"
#: Refresh the access token this many seconds before it expires.
OPEN1688_TOKEN_REFRESH_MARGIN = 600
#: Calls per second allowed to this app, all workers together. 0 turns the limit off.
OPEN1688_QPS = 10.0
#: Calls a burst may take at once above the steady rate (GCRA burst tolerance).
OPEN1688_QPS_BURST = 1
#: Share of OPEN1688_QPS kept unused, so that network jitter does not bunch calls into one gateway second.
OPEN1688_QPS_HEADROOM = 0.02
#: Calls allowed per day (UTC), all workers together; the crawl stops cleanly before spending more. 0 = no limit.
OPEN1688_DAILY_CALL_BUDGET = 0
#: Where the daily call count of each app key is kept between crawls of the same day.
OPEN1688_STATE_DIR = "~/.local/state/harvester"
#: Search page size (the gateway answers at most 50).
OPEN1688_PAGE_SIZE = 50
#: Results one search query pages through at most (the gateway's cap: 2,000 measured). A query whose total
#: reaches it may hold more (the gateway reports totals capped at it) and is split until every slice is under it.
OPEN1688_SEARCH_CAP = 2000
#: How a query at the search cap is cut, in this order: price (bands), category, sales (30-day sales ranges of
#: saleFilterList), facet (search-navigation facets of keywordSNQuery: not a partition, so last). Leave one out to
#: never cut that way.
OPEN1688_SPLIT_DIMENSIONS = "price,category,sales,facet"
#: Whether saleFilterList's saleStart and saleEnd include their bounds (the official pages do not say); sales
#: ranges are cut so that no offer falls between two ranges either way this is set.
OPEN1688_SALE_FILTER_INCLUSIVE = True
#: Language of translated fields (en, ja, ko, ...; zh is rejected by the gateway).
OPEN1688_COUNTRY = "en"
#: Retries of a call that failed transiently (5xx, timeout, malformed answer) before it is given up.
OPEN1688_RETRY_TIMES = 5
#: First retry delay in seconds; doubles on each retry, with full jitter.
OPEN1688_RETRY_BACKOFF = 0.5
#: Upper bound of a retry delay in seconds.
OPEN1688_RETRY_BACKOFF_MAX = 30.0
#: Retries of a call the gateway answered gw.ISPInvokeError, gw.ISPInvokeTimeout or gw.ISPConnectError (the
#: service behind the gateway failed): at most this many, within OPEN1688_RETRY_TIMES.
OPEN1688_ISP_RETRY_TIMES = 3
#: Retries of a call the gateway answered gw.QosAppFrequencyLimit or gw.QosApiFrequencyLimit (these do not use
#: up OPEN1688_RETRY_TIMES).
OPEN1688_THROTTLE_RETRY_TIMES = 30
#: Longest side, in pixels, of an image prepared for image search (the gateway's limit is unpublished).
OPEN1688_IMAGE_MAX_SIDE = 1024
#: Largest prepared image, in bytes, sent to product.image.upload (before base64).
OPEN1688_IMAGE_MAX_BYTES = 2_000_000
#: Clock difference with the gateway, in seconds, above which `scrapy doctor` warns (signed calls carry
#: the local time; the gateway's tolerance is unpublished).
OPEN1688_MAX_CLOCK_SKEW = 60.0
#: HTTP method of API calls: POST (form-encoded, as the official SDKs) or GET.
OPEN1688_HTTP_METHOD = "POST"

# --- Built-in sandbox (used when OPEN1688_GATEWAY is sandbox) -------------

#: Seed of the sandbox's generated catalogue.
OPEN1688_SANDBOX_SEED = 1688
#: Number of offers the sandbox catalogue holds.
OPEN1688_SANDBOX_OFFERS = 1_000_000
#: Results the sandbox search pages through per query before it stops answering (as the real gateway does).
OPEN1688_SANDBOX_SEARCH_CAP = 2000
#: The sandbox's totalRecords says the cap, not the true count, when more match (as a relayed real answer did);
#: False: the true count. UNCONFIRMED by the official pages.
OPEN1688_SANDBOX_REPORT_CAPPED_TOTAL = True
#: Whether the sandbox's saleFilterList bounds are inclusive (UNCONFIRMED by the official pages); False: exclusive.
OPEN1688_SANDBOX_SALE_FILTER_INCLUSIVE = True
#: Calls per second the sandbox allows this app before answering gw.QosAppFrequencyLimit (0 = unlimited).
OPEN1688_SANDBOX_QPS = 0.0
#: Calls per second the sandbox allows per API before answering gw.QosApiFrequencyLimit, by API name, e.g.
#: {"product.search.queryProductDetail": 5}. Empty: no per-API limit.
OPEN1688_SANDBOX_API_QPS = {}
#: HTTP status of the sandbox's gw.QosApiFrequencyLimit answers (UNCONFIRMED by the official pages).
OPEN1688_SANDBOX_API_QOS_STATUS = 400
#: Send Retry-After with the sandbox's gw.QosAppFrequencyLimit answers (whether the real gateway does is unknown).
OPEN1688_SANDBOX_RETRY_AFTER = False
#: Product-API calls the sandbox serves before answering gw.NoUsageLeftError (0 = unlimited).
OPEN1688_SANDBOX_BUDGET = 0
#: Offer ids the sandbox accepts per alibaba.cross.productList call; more is a business error.
OPEN1688_SANDBOX_DETAIL_BATCH_MAX = 20
#: Offer ids in the app's cross-border listing relation (铺货): the only ones the sandbox's
#: alibaba.cross.productList answers; any other fails in its message (574325651XXX:商品不存在).
OPEN1688_SANDBOX_LISTED_OFFERS = []
#: What soldOut of the sandbox's queryProductDetail counts: totalSales or sales30 (the page does not say).
OPEN1688_SANDBOX_SOLD_OUT_SALES = "totalSales"
#: Largest search pageSize the sandbox accepts; more is a business error.
OPEN1688_SANDBOX_MAX_PAGE_SIZE = 50
#: APIs the sandbox answers gw.APIACLDecline for, by name (alibaba.cross.productList) or key (product_list).
OPEN1688_SANDBOX_ACL_DENY = []
#: Drift epoch the sandbox answers from: 0 is the generated catalogue; epoch e is its day e, on the way into which
#: sellers edit OPEN1688_SANDBOX_DRIFT_SHARE of the offers (and every offer's sales move on by a day).
OPEN1688_SANDBOX_EPOCH = 0
#: Share of offers the sandbox's sellers edit (price, title, SKUs, status) or restock, or that go, per drift epoch
#: (0.01, 0.05, 0.2...). Fixed for the life of a sandbox; epoch 0 is the same whatever the share.
OPEN1688_SANDBOX_DRIFT_SHARE = 0.05
#: Share of offers whose sandbox search items carry only the eight fields of the relayed real item (no modifyDate,
#: categories or seller data); always the same offers.
OPEN1688_SANDBOX_SPARSE_LISTING_SHARE = 0.08
#: Hot keywords the sandbox's product.search.topKeyword lists per category at most (the page does not say); never
#: fewer than the category's leaf categories, whose own terms are always listed.
OPEN1688_SANDBOX_TOP_KEYWORD_LIMIT = 20
#: Envelope of the sandbox's category.translation.getById: "table" (result{success, code, message, result}, as the
#: page's table) or "sample" (success, code, message beside result, as the page's own sample); the page contradicts
#: itself.
OPEN1688_SANDBOX_CATEGORY_TRANSLATION_SHAPE = "table"
#: Seconds a sandbox access token lives (the expires_in of its token answers).
OPEN1688_SANDBOX_ACCESS_TOKEN_LIFETIME = 36000
#: Sandbox refresh answers carry a new refresh token (retiring the old) instead of none.
OPEN1688_SANDBOX_ROTATE_REFRESH_TOKEN = False
#: Largest image (bytes, decoded) the sandbox's product.image.upload accepts.
OPEN1688_SANDBOX_UPLOAD_MAX_BYTES = 3 * 1024 * 1024
#: Host of absolute image URLs in sandbox answers; "sandbox" points them at the sandbox itself (downloadable).
OPEN1688_SANDBOX_IMAGE_HOST = "https://cbu01.alicdn.com"
#: Host of mainVideo/detailVideo URLs in sandbox answers; "sandbox" points them at the sandbox itself.
OPEN1688_SANDBOX_VIDEO_HOST = "https://cloud.video.taobao.com"
#: Share of image and video URLs the sandbox's media hosts answer 404 for, always the same ones (pictures a seller
#: deleted; the real share is unknown). 0: every media URL of an answer downloads.
OPEN1688_SANDBOX_MEDIA_MISSING = 0.0
#: Fault injection on product APIs, e.g. {"seed": 7, "server_error": 0.05, "timeout": 0.01, "isp_error": 0.01,
#: "isp_status": 500, "expire_tokens_after": [300, 900]}; see harvester.sandbox.config.FaultConfig. Empty: no
#: faults.
OPEN1688_SANDBOX_FAULTS = {}
#: Credentials the sandbox accepts (app key, secret, pre-issued access and refresh token); empty: random per run.
OPEN1688_SANDBOX_APP_KEY = ""
#: See OPEN1688_SANDBOX_APP_KEY.
OPEN1688_SANDBOX_APP_SECRET = ""
#: See OPEN1688_SANDBOX_APP_KEY.
OPEN1688_SANDBOX_ACCESS_TOKEN = ""
#: See OPEN1688_SANDBOX_APP_KEY.
OPEN1688_SANDBOX_REFRESH_TOKEN = ""

# --- Output (prefix HARVEST_) ----------------------------------------------

#: Root of the Parquet dataset: a local folder, or a URI of object storage such as ``s3://bucket/prefix``
#: (any filesystem pyarrow or fsspec resolves: ``gs://``, ``abfs://``, ...). Credentials never go in the URI:
#: S3 takes the AWS_* settings below. See README, "The dataset on object storage".
HARVEST_DATA_DIR = "./data"
#: Object storage only: the local folder where part files are built before each is uploaded whole (and then
#: removed; files of killed writers are swept at start). Empty: ``harvester-spool`` in the system's temp folder.
HARVEST_SPOOL_DIR = ""
#: Object storage only: a part file is uploaded once its spool file reaches this many MB (or HARVEST_FILE_ROWS
#: rows), so the spool holds at most about this much per table being written.
HARVEST_SPOOL_FILE_MB = 128
#: Where ``-a media`` stores pictures and videos, each content once under its SHA-256 (``ab/cd/<sha256>.jpg``): a
#: folder or a URI as HARVEST_DATA_DIR takes (same AWS settings). Empty: ``media_files`` under HARVEST_DATA_DIR.
HARVEST_MEDIA_STORE = ""
#: Media downloads in progress at most (their own downloader slot: they are not API calls and spend no quota;
#: they do share CONCURRENT_REQUESTS with the calls).
HARVEST_MEDIA_CONCURRENCY = 8
#: Media downloads started per second at most, all media hosts together. 0: as fast as HARVEST_MEDIA_CONCURRENCY
#: lets them go.
HARVEST_MEDIA_RATE = 0.0
#: Largest picture or video downloaded, in bytes; a bigger one is a failed row (``error`` says too large).
HARVEST_MEDIA_MAX_BYTES = 64 * 1024 * 1024
#: Seconds a media download may take before it fails (its row says timeout).
HARVEST_MEDIA_TIMEOUT = 60.0
#: Seconds between progress lines in the log. 0 turns them off.
HARVEST_PROGRESS_INTERVAL = 10.0
#: Seconds between samples of the crawl report's time series (calls, details, retries over time).
HARVEST_REPORT_SAMPLE_INTERVAL = 5.0
#: Samples the crawl report keeps at most: past that, every other one goes and the spacing doubles,
#: so a day-long crawl's report stays small (the totals are never lost).
HARVEST_REPORT_MAX_SAMPLES = 720
#: Queries the crawl report lists by search hits (the rest are added up as "others").
HARVEST_REPORT_TOP_QUERIES = 20
#: Id of this crawl, in file names and the ``crawl_id`` columns. Empty: generated as ``YYYYMMDDTHHMMSSZ-<6 hex>``.
#: Give every worker of a distributed crawl the same (generated-form) id: they then share one ``crawl_date`` partition.
HARVEST_CRAWL_ID = ""
#: This process's name in part file names (letters, digits, ``_`` and ``.``). Empty: ``<host>_<pid>``.
HARVEST_WORKER_ID = ""
#: Rows per Parquet row group: rows are buffered per table and written by a background thread every this many.
HARVEST_ROW_GROUP_ROWS = 10_000
#: Rows per part file before the writer completes it and starts the next (rounded up to whole row groups).
HARVEST_FILE_ROWS = 1_000_000
#: Row groups that may wait for the writer thread; when it is full, items wait (the reactor does not).
HARVEST_WRITE_QUEUE = 4
#: Parquet compression codec of the dataset files.
HARVEST_PARQUET_COMPRESSION = "zstd"
#: Compression level; 0 means the codec's default.
HARVEST_PARQUET_COMPRESSION_LEVEL = 0
#: Class of the seen-sets that de-duplicate offers and sellers within a crawl (see harvester.crawl.seen.SeenSet).
#: A distributed crawl (HARVEST_DISTRIBUTED) left with this default uses harvester.distributed.seen.RedisSeenSet,
#: one set per crawl id shared by every worker.
HARVEST_SEEN_SET = "harvester.crawl.seen.MemorySeenSet"
#: Where a crawl's units of work come from (harvester.spiders.units): its -a arguments; the distributed add-on
#: switches it to harvester.distributed.units.UnitFeed (a Redis list every worker takes from).
HARVEST_UNIT_SOURCE = "harvester.spiders.units.LocalUnits"
#: Class of the ledger that adds up the totals of a split query's slices (harvester.stages.ledger); the
#: distributed add-on switches it to harvester.distributed.splits.RedisSplitLedger.
HARVEST_SPLIT_LEDGER = "harvester.stages.ledger.MemorySplitLedger"
#: Base URL that relative image and video paths in answers are resolved against (the official pages give absolute
#: URLs; alibaba.cross.productList gave relative ones).
HARVEST_IMAGE_BASE_URL = "https://cbu01.alicdn.com/"
#: -a details=changed fetches an offer again when its last detail is older than this many seconds (7 days), however
#: unchanged its listing looks.
HARVEST_DETAIL_MAX_AGE = 7 * 86400
#: -a details=changed fetches an offer again when its listing's monthSold moved by more than this share since its
#: last detail (0.2: by more than 20%, at least 1 unit); a move of price or modifyDate always counts.
HARVEST_MONTH_SOLD_TOLERANCE = 0.2
#: -a details=changed, offers whose search item has no modifyDate (some real answers carry eight fields only):
#: compare (judge them by the price and sales they show: an edit of one SKU's price waits for HARVEST_DETAIL_MAX_AGE)
#: or fetch (a detail call each, every time: exact SKU prices in every snapshot).
HARVEST_UNDATED_LISTINGS = "compare"
#: Compare every offer with the latest earlier crawl in the dataset and write the changes table
#: (the monitor spider turns it on; any spider can).
HARVEST_CHANGES = False
#: Biggest price moves listed in the changes summary at the end of a crawl.
HARVEST_CHANGES_SUMMARY_MOVES = 5

#: product.freight.estimate calls one crawl (one process) makes at most for -a freight_to (one per offer); offers
#: past it are counted as capped and reported, not called. 0 = no limit.
HARVEST_FREIGHT_MAX_CALLS = 10_000
#: product.analyze.* calls one crawl (one process) makes at most for -a trends=1 (three per offer and window); an
#: offer whose calls would pass it gets none, and is counted and reported. 0 = no limit.
HARVEST_TRENDS_MAX_CALLS = 30_000
#: Days of trend data -a trends=1 asks for, ending HARVEST_TRENDS_END (the pages: at most a month a call, so a
#: longer span costs a call per month-long window; at most 90 days back).
HARVEST_TRENDS_DAYS = 30
#: Last day (yyyyMMdd) of the trends asked for; empty: yesterday in China (today's data may be incomplete), or on the
#: built-in sandbox its catalogue's date.
HARVEST_TRENDS_END = ""

#: Once the crawl has started, freeze what start-up left and make full garbage collections rare: they
#: paused the reactor 50-110 ms every few seconds, enough to push a paced call into the next gateway second.
HARVEST_STEADY_GC = True

# --- Object storage (S3 and S3-compatible servers) ----------------------------
# The standard AWS variables: a setting given with -s wins, else the environment variable of the same name.
# Left empty, pyarrow's AWS SDK finds credentials the usual way (~/.aws, instance role).

#: Access key of an ``s3://`` HARVEST_DATA_DIR.
AWS_ACCESS_KEY_ID = ""
#: Its secret (better in the environment than on a command line); never logged.
AWS_SECRET_ACCESS_KEY = ""
#: Session token of temporary credentials; never logged.
AWS_SESSION_TOKEN = ""
#: Region of the bucket (also read from AWS_DEFAULT_REGION); with AWS_ENDPOINT_URL and no region, us-east-1.
AWS_REGION = ""
#: Endpoint of an S3-compatible server, e.g. ``http://127.0.0.1:9000`` (MinIO, Ceph, moto...). Empty: AWS.
AWS_ENDPOINT_URL = ""

# --- Distributed crawls (Redis) ---------------------------------------------

#: Run as one worker of a distributed crawl: the scheduler, dupefilter, seen-sets, call quota and daily
#: budget live in Redis (REDIS_URL), shared by every worker. `scrapy crawl SPIDER --distributed` sets it.
HARVEST_DISTRIBUTED = False
#: The Redis server of a distributed crawl (scrapy-redis's own setting name).
REDIS_URL = "redis://127.0.0.1:6379/0"
#: Prefix of every Redis key the harvester keeps, so several crawls (or test runs) can share one server.
HARVEST_REDIS_PREFIX = "harvester"
#: Seconds a worker holds a request (or unit) it took from the shared queue without renewing it; renewed every
#: third of that while in progress. A killed worker's requests go back to the queue this long after its death.
HARVEST_REDIS_LEASE = 30.0
#: Seconds the whole distributed crawl must stay quiet (no unit or request waiting or taken in Redis) before a
#: worker stops waiting for more units and finishes.
HARVEST_REDIS_IDLE_CLOSE = 5.0
#: Requests a worker may have in progress (taken from the shared queue, not yet done); it takes no more until
#: one is done, so requests wait in Redis for whichever worker is free instead of in the first worker's downloader.
HARVEST_REDIS_PREFETCH = 8
#: Seconds between looks at the Redis list of units while it is empty.
HARVEST_REDIS_POLL_INTERVAL = 0.5
#: scrapy-redis's start key, which workers also drain: units pushed there by hand (LPUSH/RPUSH onto a list, or
#: SADD/ZADD), a JSON unit as `scrapy enqueue` queues it or plain text (a keyword, offer ids, an image, a seller
#: open id). `%(name)s` is the spider's name. It is not under HARVEST_REDIS_PREFIX: every crawl of the spider on
#: this Redis drains it (give each crawl its own, e.g. `%(name)s:kites:start_urls`).
REDIS_START_URLS_KEY = "%(name)s:start_urls"

# --- Scrapy ------------------------------------------------------------------

# Order on the way back from the gateway: signing comes off first, the quota
# sees the answer, HttpCompression decompresses it, the API errors middleware
# decides about it, and only an answer found good reaches the HTTP cache
# (moved from 900 to 570 for that). Cache hits skip quota and signing.
DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.httpcache.HttpCacheMiddleware": 570,
    "harvester.middlewares.api_errors.ApiErrorsMiddleware": 580,
    "harvester.middlewares.quota.QuotaMiddleware": 950,
    "harvester.middlewares.signing.SigningMiddleware": 960,
}
# A callback that meets a lost Redis (a distributed crawl) stops the crawl with one line, not a traceback;
# next to the spider, so it sees the exception first. Does nothing in a crawl without Redis.
SPIDER_MIDDLEWARES = {
    "harvester.distributed.outage.RedisOutageMiddleware": 950,
}
COMMANDS_MODULE = "harvester.commands"
# Does nothing unless HARVEST_DISTRIBUTED is on (see harvester.distributed.addon). The media slot add-on gives
# -a media downloads their own downloader slot (HARVEST_MEDIA_CONCURRENCY, HARVEST_MEDIA_RATE).
ADDONS = {"harvester.distributed.addon.Distributed": 0, "harvester.media.slot.MediaSlot": 10}
EXTENSIONS = {
    "harvester.extensions.progress.Progress": 500,
    "harvester.extensions.crawl_report.CrawlReport": 510,
    "harvester.extensions.steady_gc.SteadyGc": 520,
}

ROBOTSTXT_OBEY = False
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
REMOTE_CONTROL_ENABLED = False
# The quota middleware paces calls; Scrapy's own delays would only slow it down.
DOWNLOAD_DELAY = 0
AUTOTHROTTLE_ENABLED = False
CONCURRENT_REQUESTS = 32
# One gateway host: a per-domain limit below CONCURRENT_REQUESTS would queue
# already-paced calls and release them in bursts.
CONCURRENT_REQUESTS_PER_DOMAIN = 32
# Each callback yields whole pages of items; the default of 100 spawns that
# many tasks per response and costs more CPU than it saves.
CONCURRENT_ITEMS = 8
DOWNLOAD_TIMEOUT = 30
# A batch of 20 detailed offers is about 200 KB; an answer of many megabytes is broken or
# hostile, and refusing it early keeps memory bounded (it is retried, then counted as lost).
DOWNLOAD_MAXSIZE = 16 * 1024 * 1024
DOWNLOAD_WARNSIZE = 4 * 1024 * 1024
# -a media: a CDN that redirects a picture (http to https, another host) is followed, not a failed download.
MEDIA_ALLOW_REDIRECTS = True
FEED_EXPORT_ENCODING = "utf-8"
# `-O products.parquet` (and FEEDS with format "parquet") write the products table schema.
FEED_EXPORTERS = {"parquet": "harvester.exporters.ParquetItemExporter"}
# normalise -> de-duplicate -> (changes, when HARVEST_CHANGES) -> (media, with -a media) -> write the dataset
# (see harvester/pipelines/__init__.py).
ITEM_PIPELINES = {
    "harvester.pipelines.normalise.NormalisePipeline": 100,
    "harvester.pipelines.dedupe.DeduplicatePipeline": 200,
    "harvester.pipelines.changes.ChangesPipeline": 300,
    "harvester.media.pipeline.MediaPipeline": 800,
    "harvester.pipelines.dataset.DatasetPipeline": 900,
}
LOG_LEVEL = "INFO"
# Scrapy's LogStats line ("Crawled N pages, scraped M items") is replaced by the progress line
# (HARVEST_PROGRESS_INTERVAL), which counts what a harvest is about: calls, offers found and detailed, the ETA.
LOGSTATS_INTERVAL = 0
