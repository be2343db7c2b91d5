"""Every setting of madar, grouped; defaults are for the real site (polite, robots-obeying).

Override per run with ``-s NAME=VALUE``. Environment variables ``MADAR_STATE_DIR``,
``REDIS_URL``, ``SPLASH_URL``, ``MADAR_LOG_LEVEL`` (and ``MADAR_WORKER_ID``) switch modes.
"""

import os

BOT_NAME = "madar"
SPIDER_MODULES = ["madar.spiders"]
NEWSPIDER_MODULE = "madar.spiders"
# Distributed mode switches itself on when REDIS_URL is set (docs/distributed.md).
ADDONS: dict = {"madar.distributed.DistributedAddon": 100}
# `scrapy crawl` with exit status 2 for a bad argument, 1 for a failed crawl (madar/outcome.py).
COMMANDS_MODULE = "madar.commands"
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("MADAR_LOG_LEVEL", "INFO")

# --- Target: the site (``-a base_url=...`` overrides, e.g. the mirror on 127.0.0.1) ------
MADAR_BASE_URL = "https://madaralyoum.com"
MADAR_ALLOWED_HOSTS: list = []  # hosts besides the base host (and its www. twin)

# --- Politeness ---------------------------------------------------------------------------
USER_AGENT = "madar/0.1 (+https://github.com/madar-corpus/madar; research news corpus crawler)"
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
REMOTE_CONTROL_ENABLED = False  # Scrapy 2.19's remote control runs code sent to it
DEFAULT_REQUEST_HEADERS = {
    "Accept": "text/html,application/xhtml+xml;q=0.9,*/*;q=0.5",
    "Accept-Language": "ar,en;q=0.5",
}

# --- Scrapy's work per response ------------------------------------------------------
# Items of one response handled in parallel: madar yields one article per page and its
# pipelines are synchronous, while Scrapy starts this many asyncio tasks for every
# response (the default 100 cost ~2 ms of CPU per page; docs/benchmarks.md). Those tasks
# must not raise: nothing on the output path (scheduler, spider middlewares) may.
CONCURRENT_ITEMS = 1
# Python's garbage collector tuned for the crawl's life (madar/extensions/gctuning.py).
MADAR_GC_TUNING = True

# --- Robustness and bounds (the spider bounds pagination and related depth itself) ------
DOWNLOAD_TIMEOUT = 30
RETRY_ENABLED = True
RETRY_TIMES = 4
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # a news page is far smaller; larger means a trap
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
DEPTH_LIMIT = 0
URLLENGTH_LIMIT = 2083
REDIRECT_MAX_TIMES = 5
MADAR_MAX_RELATED_PER_PAGE = 20
MADAR_MAX_LISTING_PAGES = 5000  # whatever the site claims (pagination traps)

# --- Downloader middlewares (madar/middlewares; the order matters, see each module) -------
DOWNLOADER_MIDDLEWARES = {
    "madar.middlewares.guard.UrlGuardMiddleware": 40,  # other hosts, private addresses
    "madar.middlewares.reachability.UnreachableSiteMiddleware": 555,  # before Retry (550)
    "madar.middlewares.backoff.RetryAfterMiddleware": 560,
    "madar.middlewares.backoff.ErrorBackoffMiddleware": 570,
    "madar.middlewares.damaged.DamagedPageMiddleware": 580,  # after decompression (590)
    "madar.middlewares.charset.Utf8CharsetMiddleware": 585,
    "madar.middlewares.fetchtime.FetchTimeMiddleware": 950,
}
# Failed downloads before the site ever answered that end the crawl ("site_unreachable"),
# and their timeout (s; 0: DOWNLOAD_TIMEOUT): a silent host fails in about 3 x 8 s.
MADAR_UNREACHABLE_AFTER = 3
MADAR_FIRST_CONTACT_TIMEOUT = 8
MADAR_RETRY_AFTER_MAX = 300  # longest Retry-After (s) waited for
MADAR_RETRY_DAMAGED = True  # retry 200 pages that are empty or cut off
# MADAR_ERROR_BACKOFF (unset: follows AUTOTHROTTLE_ENABLED): errors double the site's delay.

# --- Item pipelines: clean -> validate -> dedup (docs/architecture.md) -------------------
ITEM_PIPELINES = {
    "madar.pipelines.clean.CleanTextPipeline": 300,
    "madar.pipelines.validate.ValidateArticlePipeline": 400,
    "madar.pipelines.dedup.DeduplicatePipeline": 500,
}
MADAR_EXPORT_NORMALIZED = False  # add text_normalized, the matching form of the text
MADAR_MIN_TEXT_CHARS = 50
MADAR_MAX_TEXT_CHARS = 500_000
MADAR_MIN_ARABIC_SHARE = 0.5
MADAR_REQUIRE_PUBLISHED = False  # True: drop undated articles instead of keeping null
MADAR_DROP_LOG_LIMIT = 10  # WARNING lines per drop reason, then DEBUG

# --- The memory across runs: SQLite under MADAR_STATE_DIR, or Redis with REDIS_URL --------
MADAR_STATE_DIR = os.environ.get("MADAR_STATE_DIR", ".madar-state")
REDIS_URL = os.environ.get("REDIS_URL") or None
# In a crawl the store commits once the feed holds its articles, after LINES items at least
# (re-extraction: 1,000; a commit per article was ~10 % of its CPU); outside one, every N or S s.
MADAR_STATE_COMMIT_LINES = 1
MADAR_STATE_COMMIT_EVERY = 50
MADAR_STATE_COMMIT_SECONDS = 5
MADAR_REDIS_PREFIX = "madar:{seen}"
# Near duplicates: MinHash LSH on word 3-shingles; 0.6 was measured (docs/benchmarks.md).
# Existing state refuses other values.
MADAR_NEAR_DUP_THRESHOLD = 0.6
MADAR_NEAR_DUP_NUM_PERM = 128
MADAR_NEAR_DUP_SHINGLE = 3
MADAR_NEAR_DUP_SEED = 1
MADAR_DUPLICATES_FEED = None  # a JSON Lines path: dropped duplicates with duplicate_of

# --- Distributed mode (REDIS_URL set; docs/distributed.md) ---------------------------------
MADAR_REDIS_IDLE_CLOSE_SECONDS = 5  # queue empty and nobody busy this long: workers close
MADAR_REDIS_HEARTBEAT_SECONDS = 0.5
MADAR_REDIS_HEARTBEAT_TTL = 20  # a worker silent this long is dead; its requests re-queued
MADAR_REDIS_REMEMBER_ARTICLES = True  # article fingerprints kept across runs
MADAR_REDIS_CRAWL_PREFIX = "madar:{%(host)s}"

# --- Feeds: one write per line, a failed write stops the crawl (madar/feeds.py) ----------
FEED_EXPORT_ENCODING = "utf-8"  # Arabic as is, never \\u-escaped
FEED_EXPORTERS = {"jsonlines": "scrapy.exporters.JsonLinesItemExporter",
                  "parquet": "madar.exporters.parquet.ParquetItemExporter"}
# "" is a plain path such as -O articles.jsonl (Scrapy maps it apart from "file").
FEED_STORAGES = {"": "madar.feeds.LineFlushedFileFeedStorage",
                 "file": "madar.feeds.LineFlushedFileFeedStorage"}
# URIs may hold %(worker)s %(year)s %(month)s %(day)s %(stamp)s.
FEED_URI_PARAMS = "madar.feeds.uri_params"
MADAR_PARQUET_ROW_GROUP = 1000

# --- Raw pages as WARC, off when unset (docs/warc.md) -------------------------------------
MADAR_WARC = None  # a directory of rotating .warc.gz files
MADAR_WARC_MAX_BYTES = 1024**3
MADAR_WARC_GZIP_LEVEL = 6  # 9 costs twice the CPU for 0.5 % less size

# --- Rendering, off by default (docs/rendering.md) -----------------------------------------
SPLASH_URL = os.environ.get("SPLASH_URL") or None

# --- Operations: memory lock, monitors, crawl report, progress line (docs/operations.md) --
EXTENSIONS = {
    "madar.extensions.gctuning.GcTuning": 10,
    "madar.extensions.memory.SiteMemoryLock": 50,  # one crawl at a time per site memory
    "madar.warc.writer.WarcRecorder": 300,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    "madar.extensions.report.CrawlReport": 900,  # after Spidermon: reads its verdict
    "madar.extensions.progress.ProgressLine": 910,
}
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["madar.extensions.monitors.CrawlHealthMonitorSuite"]
MADAR_MONITOR_MIN_ITEMS = 1
MADAR_MONITOR_MAX_ERRORS = 0
MADAR_MONITOR_MAX_RETRY_RATIO = 0.1
MADAR_MONITOR_MAX_FAILED_RATIO = 0.05
MADAR_MONITOR_RATIO_MIN_REQUESTS = 100
MADAR_MONITOR_COVERAGE_MIN_ITEMS = 10
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished", "closespider_itemcount"]
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True
SPIDERMON_FIELD_COVERAGE_RULES = {"Article/title": 0.99, "Article/text": 0.99,
                                  "Article/published": 0.95}
# Coverage of a small sample is noise (one undated article of 20 breaks 95 %).
SPIDERMON_MONITOR_SKIPPING_RULES = {"Field Coverage Monitor": [["item_scraped_count", "<", 50]]}
# Theme-change alarm: share of article pages whose core fields came from the theme's markup.
MADAR_THEME_MARKUP_MIN_SHARE = 0.8
MADAR_THEME_MARKUP_FIELDS = ["title", "text", "published", "related"]
MADAR_PROGRESS = "auto"  # "auto": only when stderr is a terminal
MADAR_PROGRESS_INTERVAL = 10.0
MADAR_REPORT_ENABLED = True  # in the log and beside each file feed
MADAR_REPORT_PATH = None  # also write the report's JSON here

# --- Incremental crawls (madar/incremental.py; cron turns them on) -------------------------
MADAR_INCREMENTAL = False  # -a incremental=1 overrides
# Emit known, unchanged articles too (a snapshot)? None: yes unless incremental.
MADAR_EMIT_KNOWN = None
MADAR_INCREMENTAL_MARGIN_PAGES = 1  # stop after this many listing pages of known articles
MADAR_INCREMENTAL_CATCH_UP = False  # walk the whole listing (cron, after a broken run)
MADAR_INCREMENTAL_RETRY_FAILED_HOURS = 24  # a URL that failed (5xx) is skipped this long
