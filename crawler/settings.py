"""Scrapy settings: polite by default, as the real site deserves.

`sijeong crawl` overrides the delay and base URL for the replica and benchmarks only
(see `crawler.run.crawl_settings`).
"""

BOT_NAME = "sijeong"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# ASCII only: an HTTP field value (a Korean word here reached the site as mojibake).
USER_AGENT = (
    "sijeong/0.1 (archive of the Gwangju city news board; "
    "+https://github.com/sijeong-archive/sijeong)"
)
ROBOTSTXT_OBEY = True
# robots.txt rules for sijeong apply even under a User-Agent given with --user-agent
ROBOTSTXT_USER_AGENT = "sijeong"
CONCURRENT_REQUESTS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.05  # ≥ 1 s between arrivals at the server, whatever the send-time jitter
DOWNLOAD_DELAY_JITTER = 0  # Scrapy's default ±50 % would go below the 1 s floor
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.05
AUTOTHROTTLE_MAX_DELAY = 60.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 8 * 1024 * 1024  # a view page is ~165 KB; anything near this is not a page
DOWNLOAD_WARNSIZE = 2 * 1024 * 1024
SIJEONG_MAX_FILE_SIZE = 64 * 1024 * 1024  # attachments and photos: larger ones are skipped
SIJEONG_CONFIRM_DELETIONS = 2  # runs that must see an unlisted post's soft-404 to delete it
RETRY_TIMES = 2
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_AFTER_MAX = 120  # seconds: the longest Retry-After we wait for before retrying
# A request that failed is recorded against its URL, with why, in the run's ledger; the crawl's
# stderr is its one-line summary (an unreachable site printed 60 lines of retries and traces).
RETRY_GIVE_UP_LOG_LEVEL = "INFO"
# A board page that redirects is not a board page (retired pages answer 302 → /siiru.do):
# the redirect is a failure of that URL, seen by the spider's errback, never followed.
REDIRECT_ENABLED = False
METAREFRESH_ENABLED = False
DOWNLOAD_HANDLERS = {"file": None, "data": None, "s3": None, "ftp": None}

DOWNLOADER_MIDDLEWARES = {
    "crawler.middlewares.SiteOnlyMiddleware": 40,  # first: only the site, not even robots.txt
    "scrapy.downloadermiddlewares.robotstxt.RobotsTxtMiddleware": None,
    "crawler.middlewares.StrictRobotsTxtMiddleware": 100,
    "crawler.middlewares.RetryAfterMiddleware": 560,  # before RetryMiddleware (550) sees it
    "crawler.capture_middleware.CaptureMiddleware": 540,  # after it: only the response a request ends with
}
ITEM_PIPELINES = {"crawler.pipelines.ArchivePipeline": 300}
EXTENSIONS = {
    "scrapy.extensions.telnet.TelnetConsole": None,
    # the archive: the spider, the capture middleware and the pipeline get it from the crawler
    "crawler.archive_session.ArchiveSession": 50,
}

TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
# Scrapy re-reads each callback's source on every response to warn about `return` in a
# generator: 0.7 ms a response, and a crawl fails if its spider file changes while it runs.
WARN_ON_GENERATOR_RETURN_VALUE = False
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = "WARNING"
