"""Settings for the madar project: every knob, grouped and commented.

Defaults are for the real site (https://madaralyoum.com): polite, throttled, robots-obeying.
Tests and benchmarks override them per run (``-s NAME=VALUE``); environment variables
``MADAR_STATE_DIR``, ``REDIS_URL``, ``SPLASH_URL`` and ``MADAR_LOG_LEVEL`` switch modes
without editing this file (and ``MADAR_WORKER_ID`` names a worker in distributed mode).
"""

import os

BOT_NAME = "madar"
SPIDER_MODULES = ["madar.spiders"]
NEWSPIDER_MODULE = "madar.spiders"
# Distributed mode switches itself on when REDIS_URL is set (madar/distributed/addon.py);
# it also adds %(worker)s to feed URI parameters.
ADDONS: dict = {"madar.distributed.DistributedAddon": 100}

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
# Scrapy 2.19's remote-control HTTP server runs code sent to it: off, like telnet.
REMOTE_CONTROL_ENABLED = False
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
    # First of all: refuse other hosts/ports/schemes, credentials, private addresses.
    "madar.middlewares.guard.UrlGuardMiddleware": 40,
    # Sees each failure before RetryMiddleware (550): a site that never answered is given
    # up after MADAR_UNREACHABLE_AFTER failures (finish reason "site_unreachable").
    "madar.middlewares.reachability.UnreachableSiteMiddleware": 555,
    # Before RetryMiddleware (550) sees the answer: wait Retry-After, then retry.
    "madar.middlewares.backoff.RetryAfterMiddleware": 560,
    # With AutoThrottle: each error answer or failure doubles the site's delay.
    "madar.middlewares.backoff.ErrorBackoffMiddleware": 570,
    # After decompression (590): an empty or cut-off 200 page is retried, never parsed.
    "madar.middlewares.damaged.DamagedPageMiddleware": 580,
    # After decompression (590), before anything reads response.text.
    "madar.middlewares.charset.Utf8CharsetMiddleware": 585,
    # First to see each response: the fetch time shared by fetched_at and the WARC-Date.
    "madar.middlewares.fetchtime.FetchTimeMiddleware": 950,
}
# Downloads failed before the site ever answered (refused, DNS, timeout) that end the crawl.
MADAR_UNREACHABLE_AFTER = 3
# Download timeout (s) of the requests sent before the site first answers, so a host that
# never answers fails in about MADAR_UNREACHABLE_AFTER x this; 0: DOWNLOAD_TIMEOUT.
MADAR_FIRST_CONTACT_TIMEOUT = 8
# Longest Retry-After we wait for (seconds); a longer one is cut to this.
MADAR_RETRY_AFTER_MAX = 300
MADAR_RETRY_DAMAGED = True  # retry 200 pages that are empty or cut off (damaged.py)
# MADAR_ERROR_BACKOFF (unset: follows AUTOTHROTTLE_ENABLED): errors double the site's delay.
# Hosts besides the base host (and its www. twin) the crawler may fetch (none).
MADAR_ALLOWED_HOSTS: list = []

# --- Item pipelines: clean -> validate -> dedup -----------------------------------------
ITEM_PIPELINES = {
    "madar.pipelines.clean.CleanTextPipeline": 300,
    "madar.pipelines.validate.ValidateArticlePipeline": 400,
    "madar.pipelines.dedup.DeduplicatePipeline": 500,
}
# Export the matching form of the text (``text_normalized``) beside the display text.
MADAR_EXPORT_NORMALIZED = False
# Validation (madar/pipelines/validate.py): drops are counted as madar/dropped/<reason>.
MADAR_MIN_TEXT_CHARS = 50
MADAR_MAX_TEXT_CHARS = 500_000
MADAR_MIN_ARABIC_SHARE = 0.5
MADAR_REQUIRE_PUBLISHED = False  # True: drop undated articles instead of keeping null
MADAR_DROP_LOG_LIMIT = 10  # WARNING lines per drop reason, then DEBUG

# --- State (dedup memory across runs) ----------------------------------------------------
# One directory holds everything that must survive between runs (SQLite dedup store).
MADAR_STATE_DIR = os.environ.get("MADAR_STATE_DIR", ".madar-state")
# Redis replaces the local store (and the scheduler, see below) when set.
REDIS_URL = os.environ.get("REDIS_URL") or None
# In a crawl the dedup store commits once the feed holds the articles it stored
# (madar/pipelines/dedup.py), so store and feed agree after a SIGKILL. Outside a crawl
# (scripts, benchmarks) the SQLite store commits every N items or S seconds.
MADAR_STATE_COMMIT_EVERY = 50
MADAR_STATE_COMMIT_SECONDS = 5
# Key prefix of the dedup state in Redis (distributed mode).
MADAR_REDIS_PREFIX = "madar:{seen}"
# Near-duplicate detection: MinHash LSH on word 3-shingles of the normalized text. 0.6 was
# measured (docs/benchmarks.md): republications with one long sentence rewritten score
# 0.62-0.78, distinct same-topic stories at most 0.27. Existing state refuses other values.
MADAR_NEAR_DUP_THRESHOLD = 0.6
MADAR_NEAR_DUP_NUM_PERM = 128
MADAR_NEAR_DUP_SHINGLE = 3
MADAR_NEAR_DUP_SEED = 1
# Write dropped duplicates to a side feed (JSON Lines path) with ``duplicate_of`` set.
MADAR_DUPLICATES_FEED = None

# --- Distributed mode (REDIS_URL set; docs/distributed.md) ---------------------------------
MADAR_REDIS_IDLE_CLOSE_SECONDS = 5  # queue empty and nobody busy this long: workers close
MADAR_REDIS_HEARTBEAT_SECONDS = 0.5  # heartbeat; an idle worker checks for work this often
MADAR_REDIS_HEARTBEAT_TTL = 20  # a worker silent this long is dead; its requests re-queued
MADAR_REDIS_REMEMBER_ARTICLES = True  # article fingerprints kept across runs (cron-friendly)
MADAR_REDIS_CRAWL_PREFIX = "madar:{%(host)s}"

# --- Feeds ----------------------------------------------------------------------------------
FEED_EXPORT_ENCODING = "utf-8"  # Arabic as is, never \\u-escaped
# ``-O articles.parquet``: typed columns for pandas/datasets (needs requirements-parquet.txt).
FEED_EXPORTERS = {"jsonlines": "scrapy.exporters.JsonLinesItemExporter",
                  "parquet": "madar.exporters.parquet.ParquetItemExporter"}
# Each exported line goes to the OS at once (a killed run keeps every finished item), and a
# feed that cannot be written stops the crawl (finish reason "feed_error"; madar/feeds.py).
# ("" is a plain path such as -O articles.jsonl; Scrapy maps it apart from "file".)
FEED_STORAGES = {"": "madar.feeds.LineFlushedFileFeedStorage",
                 "file": "madar.feeds.LineFlushedFileFeedStorage"}
# Feed URIs may hold %(worker)s (distributed mode) and %(year)s %(month)s %(day)s %(stamp)s.
FEED_URI_PARAMS = "madar.feeds.uri_params"
# Rows buffered per Parquet row group (memory vs. file granularity).
MADAR_PARQUET_ROW_GROUP = 1000

# --- Raw pages as WARC (madar/warc; docs/warc.md) -----------------------------------
# A directory: every HTML response goes to rotating .warc.gz files there (off when unset).
# ``python -m madar.reextract`` rebuilds the corpus from them without fetching again.
MADAR_WARC = None
MADAR_WARC_MAX_BYTES = 1024**3  # start a new file past this size (Common Crawl's 1 GB)
MADAR_WARC_GZIP_LEVEL = 6  # per record; 9 costs twice the CPU for 0.5 % less size

# --- Rendering (off by default; docs/rendering.md) -----------------------------------------
SPLASH_URL = os.environ.get("SPLASH_URL") or None

# --- Scrapy internals -------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
LOG_LEVEL = os.environ.get("MADAR_LOG_LEVEL", "INFO")

# --- Operations: item quality, monitors, crawl report, progress line (madar/extensions) ---
EXTENSIONS = {
    # One crawl at a time per site memory: a second one ends at once ("memory_busy").
    "madar.extensions.memory.SiteMemoryLock": 50,
    "spidermon.contrib.scrapy.extensions.Spidermon": 500,
    "madar.extensions.report.CrawlReport": 900,         # after Spidermon: reads its verdict
    "madar.extensions.progress.ProgressLine": 910,
    "madar.warc.writer.WarcRecorder": 300,  # only with MADAR_WARC set
}
# Project commands: `scrapy crawl` checks its arguments (exit 2) and exits 1 when the crawl
# failed (madar/commands, madar/outcome.py).
COMMANDS_MODULE = "madar.commands"
SPIDERMON_ENABLED = True
SPIDERMON_SPIDER_CLOSE_MONITORS = ["madar.extensions.monitors.CrawlHealthMonitorSuite"]
# Monitor thresholds (see madar/extensions/monitors.py).
MADAR_MONITOR_MIN_ITEMS = 1
MADAR_MONITOR_MAX_ERRORS = 0
MADAR_MONITOR_MAX_RETRY_RATIO = 0.1
MADAR_MONITOR_MAX_FAILED_RATIO = 0.05
# A max_articles cap (CLOSESPIDER_ITEMCOUNT) is a normal end too (madar.outcome agrees).
SPIDERMON_EXPECTED_FINISH_REASONS = ["finished", "closespider_itemcount"]
# spidermon_field_coverage/Article/<field>: share of items with the field filled.
SPIDERMON_ADD_FIELD_COVERAGE = True
SPIDERMON_FIELD_COVERAGE_SKIP_NONE = True  # (and empty strings and lists, Spidermon's default)
SPIDERMON_FIELD_COVERAGE_RULES = {"Article/title": 0.99, "Article/text": 0.99,
                                  "Article/published": 0.95}
# Coverage of a small sample says little (one undated article of 20 breaks a 95 % minimum,
# and the crawl would fail on noise): judged from 50 items on.
SPIDERMON_MONITOR_SKIPPING_RULES = {"Field Coverage Monitor": [["item_scraped_count", "<", 50]]}
MADAR_MONITOR_COVERAGE_MIN_ITEMS = 10
# Theme-change alarm: share of article pages whose core fields came from the theme's markup
MADAR_THEME_MARKUP_MIN_SHARE = 0.8
MADAR_THEME_MARKUP_FIELDS = ["title", "text", "published", "related"]
# Progress line in the log: "auto" = only when stderr is a terminal (off in cron/Scrapyd).
MADAR_PROGRESS = "auto"
MADAR_PROGRESS_INTERVAL = 10.0  # seconds between progress lines
MADAR_MONITOR_RATIO_MIN_REQUESTS = 100  # error/retry ratios judged from this many requests
MADAR_REPORT_ENABLED = True  # crawl report in the log and beside each file feed
MADAR_REPORT_PATH = None  # also write the report's JSON here

# --- Incremental crawls (madar/incremental.py; `python -m madar.cron` turns them on) ------
MADAR_INCREMENTAL = False           # spider argument -a incremental=1 overrides
# Emit articles the memory knows unchanged too (a snapshot)? None: yes unless incremental.
# Cron sets False: its --full run walks everything but emits only new and changed articles.
MADAR_EMIT_KNOWN = None
MADAR_INCREMENTAL_MARGIN_PAGES = 1  # stop after this many listing pages of known articles
MADAR_INCREMENTAL_CATCH_UP = False  # walk the whole listing (set by cron after a broken run)
MADAR_INCREMENTAL_RETRY_FAILED_HOURS = 24  # a URL that failed (5xx) is skipped this long
