"""Settings for the madar project: every knob, grouped and commented.

Defaults are for the real site (https://madaralyoum.com): polite, throttled, robots-obeying.
Tests and benchmarks override them per run (``-s NAME=VALUE``); environment variables
``MADAR_STATE_DIR``, ``REDIS_URL`` and ``SPLASH_URL`` switch modes without editing this file.
"""

import os

BOT_NAME = "madar"
SPIDER_MODULES = ["madar.spiders"]
NEWSPIDER_MODULE = "madar.spiders"
ADDONS: dict = {}

# --- Target -----------------------------------------------------------------------------
# The site to crawl; the spider argument ``-a base_url=...`` overrides it (e.g. the offline
# mirror: ``-a base_url=http://127.0.0.1:8000``).
MADAR_BASE_URL = "https://madaralyoum.com"

# --- Politeness ---------------------------------------------------------------------------
USER_AGENT = (
    "madar/0.1 (+https://github.com/madar-corpus/madar; research news corpus crawler)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 8
CONCURRENT_REQUESTS_PER_DOMAIN = 4
DOWNLOAD_DELAY = 0.5
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 2.0
COOKIES_ENABLED = False
TELNETCONSOLE_ENABLED = False
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "Accept-Language": "ar,en;q=0.5",
}

# --- Robustness and bounds --------------------------------------------------------------
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # a news page is far smaller; larger means a trap
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DEPTH_LIMIT = 0  # the spider bounds pagination and related depth itself (arguments)
URLLENGTH_LIMIT = 2083
REDIRECT_MAX_TIMES = 5
# The spider never follows more related/check-also links than this from one article.
MADAR_MAX_RELATED_PER_PAGE = 20
# Hard cap on listing pages walked, whatever the site claims (calendar/pagination traps).
MADAR_MAX_LISTING_PAGES = 5000

# --- Middlewares --------------------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # After decompression (590), before anything reads response.text.
    "madar.middlewares.charset.Utf8CharsetMiddleware": 585,
}

# --- Item pipelines: clean -> validate -> dedup -----------------------------------------
ITEM_PIPELINES = {
    "madar.pipelines.clean.CleanTextPipeline": 300,
    "madar.pipelines.validate.ValidateArticlePipeline": 400,
    "madar.pipelines.dedup.DeduplicatePipeline": 500,
}
# Export the matching form of the text (``text_normalized``) beside the display text.
MADAR_EXPORT_NORMALIZED = False

# --- State (dedup memory across runs) ----------------------------------------------------
# One directory holds everything that must survive between runs (SQLite dedup store).
MADAR_STATE_DIR = os.environ.get("MADAR_STATE_DIR", ".madar-state")
# Redis replaces the local store (and the scheduler, see below) when set.
REDIS_URL = os.environ.get("REDIS_URL") or None
# Near-duplicate detection (MinHash LSH on word shingles of the normalized text).
MADAR_NEAR_DUP_THRESHOLD = 0.7
MADAR_NEAR_DUP_NUM_PERM = 128
MADAR_NEAR_DUP_SHINGLE = 3
# Write dropped duplicates to a side feed (JSON Lines path) with ``duplicate_of`` set.
MADAR_DUPLICATES_FEED = None

# --- Feeds ----------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"  # Arabic as is, never \\u-escaped
FEED_EXPORTERS = {"jsonlines": "scrapy.exporters.JsonLinesItemExporter"}

# --- Rendering (off by default; see README "JavaScript rendering") ---------------------
SPLASH_URL = os.environ.get("SPLASH_URL") or None

# --- Scrapy internals -------------------------------------------------------------------
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("MADAR_LOG_LEVEL", "INFO")
