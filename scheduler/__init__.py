"""The scheduler: an APScheduler 3 service that runs `sijeong crawl` in a subprocess every night."""
