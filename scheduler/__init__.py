"""The scheduler: an APScheduler 3 service that runs `sijeong crawl` in a subprocess every night.

It owns the schedule (`sijeong.toml`'s [schedule]), the reports and notifications of each run,
and its job store in the archive's database; the crawl itself is always a subprocess.

Of this project it imports: `archive` (the ledger, the lock, what reports read), `common`,
`crawler` (the board registry, the User-Agent and base-URL rules it checks a config with).
"""
