"""Scrapy settings: polite by default, as the real site deserves.

`sijeong crawl` overrides the delay and base URL for the replica and benchmarks only.
"""

BOT_NAME = "sijeong"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

USER_AGENT = (
    "sijeong/0.1 (archive of the 시정소식 board; +https://github.com/sijeong-archive/sijeong)"
)
ROBOTSTXT_OBEY = True
CONCURRENT_REQUESTS = 1
CONCURRENT_REQUESTS_PER_DOMAIN = 1
DOWNLOAD_DELAY = 1.0
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 1.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0

TELNETCONSOLE_ENABLED = False
COOKIES_ENABLED = False
FEED_EXPORT_ENCODING = "utf-8"
