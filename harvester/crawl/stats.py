"""The stats a crawl keeps that others read: the progress line, the crawl report, the exit status.

Each key is defined here once and imported by the component that counts it
and by whatever reads it, so a renamed key cannot leave a reader counting
nothing (``tests/unit/test_stats_keys.py`` checks that every key read is
produced somewhere). Keys a component only keeps for itself (the
distributed scheduler's, the normaliser's repairs) stay in that component.
"""

from __future__ import annotations

from dataclasses import dataclass

PREFIX = "harvester"

# --- search (harvester.stages.search) ---------------------------------------------
SEARCH = f"{PREFIX}/search"
#: Queries asked for (keywords, images, sellers), not counting their slices.
SEARCH_QUERIES = f"{SEARCH}/queries"
#: Result pages answered.
SEARCH_PAGES = f"{SEARCH}/pages"
#: Result pages asked for or planned (first pages of every slice, and the pages their totals announce).
SEARCH_PAGES_PLANNED = f"{SEARCH}/pages_planned"
#: Results the gateway reported for the queries asked for (capped at the search cap per query).
SEARCH_REPORTED = f"{SEARCH}/reported"
#: Splits, per dimension (``.../splits/price`` ...).
SEARCH_SPLITS = f"{SEARCH}/splits"
#: Slices the splits made.
SEARCH_SLICES = f"{SEARCH}/slices"
#: keywordSNQuery calls (facets of a keyword).
SEARCH_NAVIGATION_CALLS = f"{SEARCH}/navigation_calls"
#: Splits whose slices reported more than the parent: the parent was truncated by the cap.
SEARCH_TRUNCATION_PROVEN = f"{SEARCH}/truncation_proven"
#: Splits whose slices reported exactly what the parent did.
SEARCH_SPLITS_EXACT = f"{SEARCH}/splits_exact"
#: Gap: results reported and never served (short pages, slices adding up to less than their parent).
SEARCH_SHORTFALL = f"{SEARCH}/shortfall"
#: Gap: queries at the search cap that no dimension could cut (paged to the cap; what lies past it is missing).
SEARCH_CAPPED_LEAVES = f"{SEARCH}/capped_leaves"
#: Gap: results known to lie past the cap (only when the gateway reports a total above the cap).
SEARCH_UNREACHABLE = f"{SEARCH}/unreachable"
#: Gap: slices only facets could cut; offers in no facet cannot be asked for.
SEARCH_FACET_REMAINDERS = f"{SEARCH}/facet_remainders"
#: Gap: result pages that failed for good.
SEARCH_PAGES_LOST = f"{SEARCH}/pages_lost"
SEARCH_ITEMS_WITHOUT_ID = f"{SEARCH}/items_without_id"
#: A category harvested without a keyword (-a category_id): product.search.topKeyword calls, the hot keywords they
#: gave, and (a gap) calls that failed for good.
SEARCH_HOT_KEYWORD_CALLS = f"{SEARCH}/hot_keyword_calls"
SEARCH_HOT_KEYWORDS = f"{SEARCH}/hot_keywords"
SEARCH_HOT_KEYWORDS_LOST = f"{SEARCH}/hot_keywords_lost"
SEARCH_HOT_KEYWORDS_NONE = f"{SEARCH}/hot_keywords_none"

# --- details (harvester.stages.details) -------------------------------------------
DETAILS = f"{PREFIX}/details"
#: Offers wanted for their detail (each once per crawl).
DETAILS_WANTED = f"{DETAILS}/wanted"
#: Offers found again (another query, page or worker) and not asked for twice.
DETAILS_ALREADY_SEEN = f"{DETAILS}/already_seen"
#: Offers asked for again after a worker died with them (distributed reconciliation).
DETAILS_WANTED_AGAIN = f"{DETAILS}/wanted_again"
#: queryProductDetail calls made (one per offer).
DETAILS_CALLS = f"{DETAILS}/calls"
#: Details received.
DETAILS_FETCHED = f"{DETAILS}/fetched"
#: Offers the gateway says do not exist (rows of ``missing``), and the first few ids for the summary.
DETAILS_MISSING = f"{DETAILS}/missing"
DETAILS_MISSING_SAMPLE = f"{DETAILS}/missing_sample"
#: Gap: details that could not be fetched (the offer is in ``listings`` only; a later run fetches it).
DETAILS_LOST = f"{DETAILS}/lost"

# --- the detail plan (harvester.history.plan, -a details=...) ------------------------
PLAN = f"{PREFIX}/plan"
#: The plan's mode (all, new, changed, none).
PLAN_MODE = f"{PLAN}/mode"
#: Offers by why their detail is fetched or not, under PLAN (``.../new``, ``.../changed``, ``.../stale``,
#: ``.../undated``, ``.../all``, ``.../unchanged``, ``.../listing_only``): the reason names of harvester.history.plan.Reason.
#: Rows copied from earlier crawls for the offers carried forward, per table.
PLAN_CARRIED_ROWS = f"{PLAN}/carried_rows"
#: Gap: offers to carry forward whose rows were no longer in the dataset.
PLAN_CARRY_LOST = f"{PLAN}/carry_lost"
#: A dry run: nothing fetched or written, only planned.
PLAN_DRY_RUN = f"{PLAN}/dry_run"

# --- gateway calls (harvester.middlewares) ----------------------------------------
API = f"{PREFIX}/api"
#: Answers that were not OK, by outcome code (``.../answers/gw.QosAppFrequencyLimit``).
API_ANSWERS = f"{API}/answers"
#: Download exceptions, by class.
API_EXCEPTIONS = f"{API}/exceptions"
#: Retries (Scrapy's ``get_retry_request`` keys under it: ``.../count``, ``.../reason_count/<reason>``).
API_RETRY = f"{API}/retry"
API_RETRY_COUNT = f"{API_RETRY}/count"
API_RETRY_REASONS = f"{API_RETRY}/reason_count"
#: Calls sent again after the gateway said to slow down.
API_THROTTLED_RETRIES = f"{API}/throttled_retries"
#: Calls given up, by reason.
API_GAVE_UP = f"{API}/gave_up"
#: Calls replayed after a token refresh.
API_TOKEN_REFRESHES = f"{API}/token_refreshes_seen"

QUOTA = f"{PREFIX}/quota"
#: Calls sent to the gateway (retries included; cache hits excluded).
QUOTA_CALLS = f"{QUOTA}/calls"
QUOTA_QPS = f"{QUOTA}/qps"
QUOTA_DAILY_BUDGET = f"{QUOTA}/daily_budget"
QUOTA_SHARED = f"{QUOTA}/shared"
#: The most calls this process sent within one second.
QUOTA_MAX_PER_SECOND = f"{QUOTA}/max_calls_per_second"
QUOTA_HELD_BACK = f"{QUOTA}/held_back"
QUOTA_REFUSED_BUDGET = f"{QUOTA}/refused_budget"
QUOTA_WAIT_SECONDS = f"{QUOTA}/wait_seconds"
QUOTA_SLOWDOWNS = f"{QUOTA}/slowdowns"
QUOTA_BUDGET_SPENT_TODAY = f"{QUOTA}/budget_spent_today"

# --- the dataset (harvester.pipelines.dataset) --------------------------------------
DATASET = f"{PREFIX}/dataset"
#: Per table (``.../rows/products``): rows, files and bytes committed, rows lost after a write error.
DATASET_ROWS = f"{DATASET}/rows"
DATASET_FILES = f"{DATASET}/files"
DATASET_BYTES = f"{DATASET}/bytes"
DATASET_LOST_ROWS = f"{DATASET}/lost_rows"
DATASET_CRAWL_ID = f"{DATASET}/crawl_id"
DATASET_SKIPPED = f"{DATASET}/skipped"
DATASET_TEMPORARIES_REMOVED = f"{DATASET}/temporaries_removed"
#: True once the dataset pipeline has closed (every buffered row written or counted lost). An opened dataset that
#: never closed means another component failed as the crawl closed, and Scrapy skipped the rest of the closing.
DATASET_CLOSED = f"{DATASET}/closed"
#: Gap: items a pipeline raised an error on (Scrapy logs each with its traceback and drops it): never written.
ITEMS_FAILED = f"{PREFIX}/items/failed"

# --- the process (harvester.extensions.crawl_report) --------------------------------
PROCESS_PEAK_RSS_MB = f"{PREFIX}/process/peak_rss_mb"
PROCESS_CPU_SECONDS = f"{PREFIX}/process/cpu_seconds"

# --- inputs --------------------------------------------------------------------
#: Lines of an input file that could not be used (reported with their numbers).
INPUT_BAD_LINES = f"{PREFIX}/input/bad_lines"
#: Units of work that could not be searched.
INPUT_BAD_UNITS = f"{PREFIX}/input/bad_units"

# --- image search (harvester.spiders.image) ---------------------------------------
IMAGE = f"{PREFIX}/image"
#: Gap: pictures that could not be searched (not an image, a failed download, a refused upload).
IMAGE_BAD_IMAGES = f"{IMAGE}/bad_images"
IMAGE_DOWNLOADS_FAILED = f"{IMAGE}/downloads_failed"
IMAGE_UPLOADS_FAILED = f"{IMAGE}/uploads_failed"

# --- enrichment (harvester.stages.enrichment, harvester.spiders.categories) --------------
ENRICHMENT = f"{PREFIX}/enrichment"
#: product.freight.estimate: calls the offers found would cost, calls made, offers past HARVEST_FREIGHT_MAX_CALLS,
#: estimates written, offers the gateway said do not exist, and (gaps) calls the gateway refused (a business error
#: other than "no such offer") and calls that failed for good.
FREIGHT_PLANNED = f"{ENRICHMENT}/freight/planned"
FREIGHT_CALLS = f"{ENRICHMENT}/freight/calls"
FREIGHT_CAPPED = f"{ENRICHMENT}/freight/capped"
FREIGHT_ESTIMATES = f"{ENRICHMENT}/freight/estimates"
FREIGHT_MISSING = f"{ENRICHMENT}/freight/missing"
FREIGHT_REFUSED = f"{ENRICHMENT}/freight/refused"
FREIGHT_LOST = f"{ENRICHMENT}/freight/lost"
#: product.analyze.*: calls planned, made, past HARVEST_TRENDS_MAX_CALLS; series answered and their days; offers
#: missing; (gaps) calls refused and calls that failed for good.
TRENDS_PLANNED = f"{ENRICHMENT}/trends/planned"
TRENDS_CALLS = f"{ENRICHMENT}/trends/calls"
TRENDS_CAPPED = f"{ENRICHMENT}/trends/capped"
TRENDS_SERIES = f"{ENRICHMENT}/trends/series"
TRENDS_POINTS = f"{ENRICHMENT}/trends/points"
TRENDS_MISSING = f"{ENRICHMENT}/trends/missing"
TRENDS_REFUSED = f"{ENRICHMENT}/trends/refused"
TRENDS_LOST = f"{ENRICHMENT}/trends/lost"
#: Values of enrichment answers dropped or repaired, by reason (``.../normalise/dropped/freight_discount``).
ENRICHMENT_NORMALISE = f"{ENRICHMENT}/normalise"
#: scrapy crawl categories: alibaba.category.get and category.translation.getById calls, categories written,
#: and (gaps) categories whose children could not be listed, or whose children's names could not be translated.
CATEGORIES_CALLS = f"{ENRICHMENT}/categories/calls"
CATEGORIES_TRANSLATION_CALLS = f"{ENRICHMENT}/categories/translation_calls"
CATEGORIES_ROWS = f"{ENRICHMENT}/categories/rows"
CATEGORIES_LOST = f"{ENRICHMENT}/categories/lost"
CATEGORIES_NAMES_LOST = f"{ENRICHMENT}/categories/names_lost"

# --- media (harvester.media.pipeline, -a media) ---------------------------------
MEDIA = f"{PREFIX}/media"
#: References of fetched offers to pictures and videos (rows of ``media``), and per role (``.../references/main``).
MEDIA_REFERENCES = f"{MEDIA}/references"
#: Distinct URLs downloaded or tried (each once per crawl however many references name it).
MEDIA_URLS = f"{MEDIA}/urls"
MEDIA_DOWNLOADED = f"{MEDIA}/downloaded"
MEDIA_DOWNLOADED_BYTES = f"{MEDIA}/downloaded_bytes"
#: Files written to HARVEST_MEDIA_STORE (distinct contents new to the store), and their bytes.
MEDIA_STORED = f"{MEDIA}/stored"
MEDIA_STORED_BYTES = f"{MEDIA}/stored_bytes"
#: Downloads whose content was in the store already (another URL of this crawl, or an earlier crawl).
MEDIA_ALREADY_STORED = f"{MEDIA}/already_stored"
#: Gap: URLs that could not be downloaded (their rows say failed), the references to them, and why
#: (``.../failed_by/http 404``).
MEDIA_FAILED = f"{MEDIA}/failed"
MEDIA_FAILED_REFERENCES = f"{MEDIA}/failed_references"
MEDIA_FAILED_BY = f"{MEDIA}/failed_by"

# --- the end -------------------------------------------------------------------
#: Why the crawl stopped before finishing (a :mod:`harvester.crawl.stop` reason), and the one line saying so.
STOP_REASON = f"{PREFIX}/stop/reason"
STOP_MESSAGE = f"{PREFIX}/stop/message"
#: Calls a stopping crawl put back into its queue unsent (a JOBDIR keeps them for the resume), instead of dropping.
STOP_PUT_BACK = f"{PREFIX}/stop/put_back"


@dataclass(frozen=True)
class Gap:
    """A count of what a crawl was asked for and did not get: any non-zero makes a finished crawl exit 4."""

    key: str
    #: How the summary line and the report name it.
    label: str
    #: What it means, for the report.
    detail: str = ""
    #: The calls behind it are sent again by a resume with the same JOBDIR (so a resume does not carry it over).
    retried: bool = False


GAPS = (
    Gap(SEARCH_PAGES_LOST, "search pages lost", "result pages that failed for good", retried=True),
    Gap(SEARCH_SHORTFALL, "results never served", "results the gateway reported and did not serve"),
    Gap(
        SEARCH_CAPPED_LEAVES,
        "slices still at the cap",
        "queries at the search cap no dimension could cut: offers past the cap may be missing",
    ),
    Gap(
        SEARCH_UNREACHABLE,
        "unreachable past the cap",
        "results reported beyond the cap of queries no dimension could cut",
    ),
    Gap(SEARCH_FACET_REMAINDERS, "slices only facets could cut", "offers in no facet cannot be asked for"),
    Gap(DETAILS_LOST, "details lost", "offers whose detail could not be fetched (in listings only)", retried=True),
    Gap(PLAN_CARRY_LOST, "unchanged offers not carried", "offers not fetched again whose earlier rows were gone"),
    Gap(IMAGE_BAD_IMAGES, "pictures refused", "not an image, or too big once prepared"),
    Gap(IMAGE_DOWNLOADS_FAILED, "picture downloads failed"),
    Gap(IMAGE_UPLOADS_FAILED, "picture uploads refused"),
    Gap(ITEMS_FAILED, "items a pipeline failed on", "items dropped by an error in a pipeline (see the ERROR lines)"),
    Gap(
        SEARCH_HOT_KEYWORDS_LOST,
        "category hot keywords lost",
        "categories whose hot keywords could not be fetched: nothing of them was searched",
        retried=True,
    ),
    Gap(
        SEARCH_HOT_KEYWORDS_NONE,
        "categories without hot keywords",
        "categories whose hot keyword list came back empty: nothing of them was searched (check -a category_id)",
    ),
    Gap(FREIGHT_REFUSED, "freight estimates refused", "product.freight.estimate calls the gateway refused"),
    Gap(FREIGHT_LOST, "freight estimates lost", "product.freight.estimate calls that failed for good", retried=True),
    Gap(
        TRENDS_REFUSED,
        "trend calls refused",
        "product.analyze.* calls the gateway refused (dates it does not serve: see HARVEST_TRENDS_END)",
    ),
    Gap(TRENDS_LOST, "trend calls lost", "product.analyze.* calls that failed for good", retried=True),
    Gap(CATEGORIES_LOST, "categories not walked", "categories whose children could not be listed", retried=True),
    Gap(
        CATEGORIES_NAMES_LOST,
        "category names not translated",
        "categories whose children's translated names could not be fetched",
    ),
    Gap(
        MEDIA_FAILED,
        "media downloads failed",
        "pictures and videos of fetched offers that could not be downloaded (rows of media with status failed)",
    ),
)
