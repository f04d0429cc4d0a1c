"""`sijeong crawl`: one crawl run (the work is in `crawler.run`)."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from urllib.parse import urlsplit

import click
from rich.console import Console

from archive.lock import CrawlLockHeld
from common.exit_codes import EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL
from common.run_counts import RUN_COUNTS
from crawler.agent import checked_user_agent
from crawler.boards import BOARDS, DEFAULT_BOARD, MIN_DELAY, SITES, is_loopback
from crawler.origins import checked_base_url
from crawler.run import CrawlOptions, CrawlResult, run_crawl
from sijeong.archive_options import database_errors, db_option, progress_line
from sijeong.boards_cli import known_board_ids
from sijeong.config import db_url
from sijeong.errors import UsageError
from sijeong.params import Seconds, Size, Slice, Whole
from sijeong.printable import printable


@click.command()
@click.option(
    "--board",
    "boards",
    multiple=True,
    metavar="B",
    help=f"Board id or name, repeatable (default: {DEFAULT_BOARD} {BOARDS[DEFAULT_BOARD].name}).",
)
@click.option(
    "--mode",
    type=click.Choice(["incremental", "full", "verify"]),
    default="incremental",
    show_default=True,
    help="incremental: new and changed posts; full: every list page; verify: re-check old posts.",
)
@click.option(
    "--slice",
    "slice_",
    type=Slice(),
    metavar="N|all",
    help="verify: posts re-checked tonight (default: enough for all within 30 nights), or all.",
)
@click.option(
    "--base-url", metavar="URL", help="The site (default: the real one); the replica's URL."
)
@click.option(
    "--delay",
    type=Seconds(),
    metavar="S",
    help="Seconds between requests (default 1.05, never under 1 s but for a loopback --base-url).",
)
@click.option(
    "--timeout", type=Seconds(), metavar="S", help="Seconds a request may take (default 30)."
)
@click.option(
    "--user-agent",
    metavar="TEXT",
    help="The User-Agent every request sends (default: sijeong's own name and URL); for a "
    "site whose firewall refuses clients that are not browsers (exit 5, blocked).",
)
@click.option(
    "--no-files",
    is_flag=True,
    help="Do not download attachments and photos (a replaced file then goes unnoticed).",
)
@click.option(
    "--max-file-size",
    type=Size(),
    metavar="SIZE",
    help="Skip files larger than this: bytes, or with K, M or G (default 64M).",
)
@click.option(
    "--confirm-deletions",
    "confirm",
    type=Whole(1),
    metavar="K",
    help="Runs that must see an unlisted post's 'no such post' page before it is deleted "
    "(default 2).",
)
@click.option(
    "--distributed",
    is_flag=True,
    help="Coordinate a crawl shared by workers through Redis (--redis); crawls as one of them.",
)
@click.option(
    "--worker",
    is_flag=True,
    help="Join the distributed crawl running on --redis (its boards and mode are the coordinator's).",
)
@click.option(
    "--redis",
    "redis_url",
    metavar="URL",
    envvar="SIJEONG_REDIS",
    help="Redis of a distributed crawl, e.g. redis://127.0.0.1:6379/0 (or SIJEONG_REDIS).",
)
@click.option(
    "--redis-prefix",
    metavar="P",
    help="Key prefix of the crawl in Redis, one per archive sharing a Redis (default sijeong:crawl:).",
)
@click.option(
    "--site-url",
    "site_urls",
    multiple=True,
    metavar="SITE=URL",
    help="--distributed: the address of one site's boards (e.g. the replica), repeatable.",
)
@click.option(
    "--heartbeat-ttl",
    type=Seconds(low=1),
    default=10.0,
    show_default=True,
    metavar="S",
    help="--distributed: a worker silent this long is dead; its unfinished requests go to others.",
)
@click.option(
    "--wait",
    type=Seconds(),
    default=60.0,
    show_default=True,
    metavar="S",
    help="--worker: seconds to wait for a distributed crawl to start.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the summary as one JSON line.")
@db_option
def crawl(
    boards,
    mode,
    slice_,
    base_url,
    delay,
    timeout,
    user_agent,
    no_files,
    max_file_size,
    confirm,
    distributed,
    worker,
    redis_url,
    redis_prefix,
    site_urls,
    heartbeat_ttl,
    wait,
    as_json,
    db,
) -> None:
    """Crawl the boards once into the archive, under its crawl lock.

    Exit codes: 0 ok, 1 failed, 2 usage, 3 layout drift, 4 lock held, 5 unreachable, 6 partial.

    Every view page fetched is kept raw in the run's WARC file, and the attachments and photos
    of the posts fetched are downloaded into the archive's store (beside the database). A post
    missing from a complete full sweep becomes unlisted; it is deleted only when K runs have
    seen its page answer "no such post" — an error, timeout or redirect counts for nothing.

    \b
    Example:
        sijeong crawl                                   # nightly: new and changed posts
        sijeong crawl --mode full --board 보도자료      # weekly sweep of one board
        sijeong crawl --base-url http://127.0.0.1:8022 --delay 0 --json
        sijeong crawl --distributed --redis redis://127.0.0.1:6379/0 --board 공지사항 --board 전라남도:보도자료
        sijeong crawl --worker --redis redis://127.0.0.1:6379/0     # on each other worker
    """
    url = db_url(db)
    options = _options(boards, mode, slice_, base_url, delay, timeout, no_files, url)
    sites = _sites(site_urls)
    if delay is not None and delay < MIN_DELAY and not worker:
        _check_delay_floor(delay, options.boards, base_url, sites if distributed else {})
    options = replace(
        options,
        max_file_size=max_file_size,
        confirm_deletions=confirm,
        user_agent=_user_agent(user_agent),
    )
    cluster = _cluster(distributed, worker, redis_url, redis_prefix, sites, heartbeat_ttl)
    console = Console(stderr=True, highlight=False)
    try:
        with (
            database_errors(url),
            progress_line(console, "crawling", enabled=not as_json) as on_progress,
        ):
            if cluster is None:
                result = run_crawl(options, on_progress=on_progress)
            else:
                result = _distributed(options, cluster, worker, wait, on_progress)
    except CrawlLockHeld as exc:
        if as_json:
            locked = CrawlResult(None, "locked", EXIT_LOCKED, options.mode, list(options.boards))
            click.echo(json.dumps(locked.summary(), ensure_ascii=False))
        click.echo(str(exc), err=True)
        sys.exit(EXIT_LOCKED)
    _report(result, as_json)
    sys.exit(result.exit_code)


def _options(boards, mode, slice_, base_url, delay, timeout, no_files, url) -> CrawlOptions:
    board_ids = known_board_ids(boards)
    if base_url is not None:
        base_url = _site("--base-url", base_url)
    if slice_ is not None and mode != "verify":
        raise UsageError("--slice is for --mode verify")
    options = dict(db_url=url, mode=mode, verify_slice=slice_, files=not no_files)
    if board_ids:
        options["boards"] = board_ids
    if base_url:
        options["base_url"] = base_url
    return CrawlOptions(**options, delay=delay, timeout=timeout or None)


def _user_agent(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return checked_user_agent(value)
    except ValueError as exc:
        raise UsageError(f"--user-agent cannot be sent: {exc}") from None


def _site(option: str, url: str) -> str:
    """`url` as a site's base URL (`crawler.origins.checked_base_url`), or a usage error."""
    try:
        return checked_base_url(url)
    except ValueError as exc:
        raise UsageError(f"{option} must be http(s)://host[:port], not {url!r}: {exc}") from None


def _sites(site_urls) -> dict[str, str]:
    """--site-url SITE=URL, each: site name → base URL."""
    sites = {}
    for item in site_urls:
        name, _, address = item.partition("=")
        if name not in SITES:
            choices = ", ".join(SITES)
            raise UsageError(f"--site-url takes SITE=URL with SITE one of {choices}, not {item!r}")
        sites[name] = _site(f"--site-url {name}=URL", address)
    return sites


def _check_delay_floor(delay, boards, base_url, given: dict[str, str]) -> None:
    """A delay under MIN_DELAY only when every address the crawl requests is loopback."""
    urls = set(given.values())
    for board_id in boards:
        board = BOARDS[board_id]
        if board.site not in given:
            urls.add(base_url or board.base_url)
    if off_host := sorted(u for u in urls if not is_loopback(u)):
        raise UsageError(
            f"--delay {delay:g} is under {MIN_DELAY:g} s, which only a loopback --base-url or "
            f"--site-url (the replica) may have; {off_host[0]} is not one"
        )


def _distributed(options, cluster, worker: bool, wait: float, on_progress) -> CrawlResult:
    from crawler.distributed_run import NoRunToJoin, run_coordinator, run_worker

    try:
        if worker:
            return run_worker(options.db_url, cluster, wait=wait, store=options.store)
        return run_coordinator(options, cluster, on_progress=on_progress)
    except NoRunToJoin as exc:
        raise UsageError(str(exc)) from None


def _cluster(distributed, worker, redis_url, prefix, sites: dict[str, str], heartbeat_ttl):
    """The Redis side of a distributed crawl (None for a crawl of one process)."""
    if not (distributed or worker):
        if sites:
            raise UsageError("--site-url is for --distributed")
        return None
    if distributed and worker:
        raise UsageError("--distributed (the coordinator) or --worker, not both")
    if not redis_url:
        raise UsageError("a distributed crawl needs --redis URL (or SIJEONG_REDIS)")
    if urlsplit(redis_url).scheme not in ("redis", "rediss", "unix"):
        raise UsageError(f"--redis must be a redis:// URL, not {redis_url!r}")
    try:
        from crawler.distributed_run import Cluster
    except ImportError as exc:
        raise UsageError(
            f"a distributed crawl needs pip install 'sijeong[distributed]' ({exc})"
        ) from None
    return Cluster(redis_url, prefix or "sijeong:crawl:", tuple(sites.items()), heartbeat_ttl)


def _report(result: CrawlResult, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(result.summary(), ensure_ascii=False))
        if result.message and result.exit_code:
            click.echo(printable(result.message), err=True)  # URLs from the site
        return
    console = Console(highlight=False)
    for board_id, counts in result.per_board.items():
        figures = ", ".join(f"{counts[k]} {k}" for k in RUN_COUNTS if counts[k] or k in ("new",))
        console.print(f"{board_id} {BOARDS[board_id].name}: {counts['listed']} listed, {figures}")
    style = {EXIT_OK: "green", EXIT_PARTIAL: "yellow"}.get(result.exit_code, "red")
    console.print(
        f"run {result.run_id} [{style}]{result.status}[/] (exit {result.exit_code}): "
        f"{result.mode}, {result.requests} requests, {result.seconds:.1f} s"
    )
    if result.message and result.exit_code:
        click.echo(printable(result.message), err=True)  # URLs from the site
