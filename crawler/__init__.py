"""The Scrapy side of sijeong: the board registry, the spiders, parsing and normalisation, the
archive session, pipeline and middlewares of a crawl, reparse, and the Redis-shared crawl.

It owns what is asked of the site and how a page becomes a post: which URLs may be requested
(`origins`), how politely, and what the markup means. It reaches the archive only through
`archive`'s API (`store_fetched`, `observe_listing`, …), never its tables, and a crawl only
through its archive session (`crawler.archive_session.ArchiveSession`).

Of this project it imports: `archive`, `common`, `safehtml` (its subpackages `parsing` and
`distributed` have rules of their own, in their docstrings).
"""
