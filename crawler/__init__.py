"""The Scrapy side of sijeong: board registry, spiders, parsing and normalisation, pipelines.

It reaches the archive only through `archive`'s API (`store_fetched`, `observe_listing`), and a
crawl only through its archive session (`crawler.archive_session.ArchiveSession`)."""
