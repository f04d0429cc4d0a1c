"""Crawl speed: a full `sijeong crawl` side by side with a bare Scrapy fetcher of the same pages.

    python bench/crawl.py                       # 5,000 posts
    python bench/crawl.py --quick               # 500 posts, under a minute
    python bench/crawl.py --posts 2000 --concurrency 4 --profile

One replica (loopback, in this process, views not counted; every post body generated before
the clock starts) serves both runs, politeness off: delay 0, AutoThrottle off, the same
concurrency for both (default 1, what `sijeong crawl` uses). Each run is a child process of its
own (Twisted's reactor cannot restart), so its peak RSS (`ru_maxrss`) and CPU time are its own.

- sijeong: `crawler.run.run_crawl` — what `sijeong crawl --mode full --delay 0 --no-files`
  runs, called in-process by the child — into a fresh SQLite archive (WARC captures, versions,
  search index: all of it). Attachments and photos are not fetched, so both runs fetch the same
  pages.
- bare: a Scrapy spider with the same concurrency, delay and robots.txt setting that requests
  exactly the list and view URLs the sijeong run requested (read back from the replica's log)
  and does nothing with the responses.

Rates are posts (view pages answered) per second over the run's window at the replica: from its
first request's arrival to its last one's (start-up — imports, migrations — is printed apart).
`--repeat N` runs both N times in turn and keeps each one's fastest.

`--workers 1,2,3` is another bench (`bench/crawl_workers.py`): distributed crawls with that many
worker processes on two replica sites with a fixed latency (`--latency`), each site's rate
limited across workers (`--site-delay`); it prints throughput per worker count and each site's
request rate against its limit. It needs the local PostgreSQL and Redis.

CPU per post: in the sijeong child, `time.thread_time()` (and wall time) is taken around every
call of the pure parsing functions (`parse_view`, `parse_list`: parse + normalise) and of the
archive calls (`store_fetched`; the WARC capture `CaptureLog.record`; `observe_listing` and the
unlist/missing bookkeeping) — wrappers set on the names the crawler calls, nothing else changed.
Start-up is the CPU spent on imports before `run_crawl` plus `upgrade` (migrations of the fresh
archive). "other" is the rest of the process's CPU time (`getrusage`): Scrapy and Twisted.
Thread CPU time, not wall time: other work on the machine does not inflate it.

Parse goal: the view pages of 200 of the posts, evenly spread, are fetched again, and
`lxml.html.fromstring(body)` and `parse_view(body, url)` are timed on them (CPU time, best of
3 rounds). The goal compares the crawl's own parse+normalise CPU per post (list pages included)
with that bare lxml parse; the offline `parse_view` figure is printed beside it.

`--profile` adds one more run: the sijeong child under cProfile (slower; its times are not the
figures above), and prints where the time goes. Goals: sijeong ≥ 0.6× the bare rate; parse +
normalise ≤ 3× lxml.html.fromstring. The last line sums it up.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.request import urlopen

from crawler.boards import BOARDS, DEFAULT_BOARD
from replica import ReplicaServer, ReplicaState

ROOT = Path(__file__).resolve().parents[1]

RATE_GOAL = 0.6  # sijeong's posts/s at least this share of the bare fetcher's
PARSE_GOAL = 3.0  # parse + normalise CPU per post at most this many bare lxml parses
SAMPLE = 200  # view pages for the lxml comparison


# -- the children ----------------------------------------------------------------------------


def _set_concurrency(settings_module, concurrency: int) -> None:
    settings_module.CONCURRENT_REQUESTS = concurrency
    settings_module.CONCURRENT_REQUESTS_PER_DOMAIN = concurrency


def _usage() -> dict:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"cpu": usage.ru_utime + usage.ru_stime, "peak_mb": usage.ru_maxrss / 1024}


def _timed(owner, name: str, bucket: str, figures: dict) -> None:
    """Replace `owner.name` with a wrapper adding the call's thread CPU time and wall time to
    `figures[bucket]`."""
    original = getattr(owner, name)
    figures.setdefault(bucket, {"cpu": 0.0, "wall": 0.0, "calls": 0})

    def wrapper(*args, **kwargs):
        cpu, wall = time.thread_time(), time.perf_counter()
        try:
            return original(*args, **kwargs)
        finally:
            figures[bucket]["cpu"] += time.thread_time() - cpu
            figures[bucket]["wall"] += time.perf_counter() - wall
            figures[bucket]["calls"] += 1

    setattr(owner, name, wrapper)


def sijeong_child(url: str, db: Path, concurrency: int, profile: Path | None) -> dict:
    import archive.lifecycle
    import crawler.archive_session
    import crawler.run
    import crawler.settings
    import crawler.spiders.board
    from archive.captures import CaptureLog
    from crawler.run import CrawlOptions, run_crawl

    _set_concurrency(crawler.settings, concurrency)
    figures: dict[str, dict] = {}
    for name in ("parse_view", "parse_list"):
        _timed(crawler.spiders.board, name, "parse", figures)
    _timed(crawler.archive_session, "store_fetched", "store", figures)
    _timed(CaptureLog, "record", "capture", figures)
    for name in ("observe_listing", "unlist_missing", "unlisted_seqs", "record_missing"):
        _timed(crawler.archive_session, name, "listing", figures)
    _timed(archive.lifecycle, "upgrade", "upgrade", figures)  # ledger_run upgrades
    options = CrawlOptions(
        db_url=f"sqlite:///{db}", mode="full", base_url=url, delay=0.0, files=False
    )
    imported = _usage()["cpu"]
    began = time.perf_counter()
    if profile is not None:
        import cProfile

        profiler = cProfile.Profile()
        result = profiler.runcall(run_crawl, options)
        profiler.dump_stats(profile)
    else:
        result = run_crawl(options)
    return {
        "seconds": time.perf_counter() - began,
        **_usage(),
        "imports": imported,
        "figures": figures,
        "summary": result.summary(),
    }


def bare_child(url_file: Path, concurrency: int) -> dict:
    import scrapy
    from scrapy.crawler import CrawlerProcess

    urls = url_file.read_text().split()

    class BareSpider(scrapy.Spider):
        name = "bare"

        async def start(self):
            for url in urls:
                yield scrapy.Request(url, callback=self.parse, dont_filter=True)

        def parse(self, response):
            pass

    process = CrawlerProcess(
        {
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
            "DOWNLOAD_DELAY": 0,
            "AUTOTHROTTLE_ENABLED": False,
            "ROBOTSTXT_OBEY": True,
            "COOKIES_ENABLED": False,
            "REDIRECT_ENABLED": False,
            "TELNETCONSOLE_ENABLED": False,
            "LOG_LEVEL": "WARNING",
        }
    )
    crawler = process.create_crawler(BareSpider)
    began = time.perf_counter()
    process.crawl(crawler)
    process.start()
    stats = crawler.stats.get_stats()
    return {
        "seconds": time.perf_counter() - began,
        **_usage(),
        "requests": stats.get("downloader/request_count", 0),
    }


def run_child(*args: str) -> dict:
    done = subprocess.run(
        [sys.executable, __file__, "--child", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if done.returncode != 0:
        raise SystemExit(f"child {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- the parent ------------------------------------------------------------------------------


def window(log: list) -> tuple[float, int, int]:
    """(seconds from the first request's arrival to the last's, view pages, all requests)."""
    views = sum(1 for r in log if r.path.startswith("/boardView.do") and r.status == 200)
    return log[-1].at - log[0].at, views, len(log)


def parse_costs(site_url: str, paths: list[str]) -> dict:
    """CPU seconds per page of a bare lxml parse and of `parse_view`, on the same view pages."""
    import lxml.html

    from crawler.parsing import parse_view

    pages = []
    for path in paths:
        url = site_url + path
        with urlopen(url, timeout=30) as response:
            pages.append((response.read(), url))
    best = {"lxml": float("inf"), "parse_view": float("inf")}
    for _ in range(3):
        began = time.process_time()
        for body, _url in pages:
            lxml.html.fromstring(body)
        best["lxml"] = min(best["lxml"], time.process_time() - began)
        began = time.process_time()
        for body, url in pages:
            parse_view(body, url)
        best["parse_view"] = min(best["parse_view"], time.process_time() - began)
    return {key: value / len(pages) for key, value in best.items()} | {"pages": len(pages)}


def print_profile(path: Path, posts: int) -> None:
    """Where the sijeong run's time goes: the project's own functions by cumulative time, then
    every function by its own time (cProfile's clock is wall time: fsync waits show)."""
    import pstats

    stats = pstats.Stats(str(path)).stats
    total = max(ct for (_cc, _nc, _tt, ct, _callers) in stats.values())

    def where(file: str, line: int) -> str:
        return f"{Path(file).parent.name}/{Path(file).name}:{line}" if line else "built-in"

    print(f"profile of one more run ({total:.1f} s under cProfile, {posts:,} posts):")
    print("  the project's functions, cumulative (ms per post, share of the run):")
    ours = [
        (key, value)
        for key, value in stats.items()
        if str(ROOT / "archive") in key[0] or str(ROOT / "crawler") in key[0]
    ]
    for (file, line, name), (_cc, nc, _tt, ct, _c) in sorted(
        ours, key=lambda item: item[1][3], reverse=True
    )[:22]:
        if name == "wrapper":
            continue
        print(
            f"    {1000 * ct / posts:7.2f} ms {100 * ct / total:5.1f} % {nc:7} calls  "
            f"{name} ({where(file, line)})"
        )
    print("  every function, own time:")
    for (file, line, name), (_cc, nc, tt, _ct, _c) in sorted(
        stats.items(), key=lambda item: item[1][2], reverse=True
    )[:12]:
        print(
            f"    {1000 * tt / posts:7.2f} ms {100 * tt / total:5.1f} % {nc:7} calls  "
            f"{name} ({where(file, line)})"
        )


def measure(site, work: Path, concurrency: int, repeat: int) -> tuple[dict, dict, list[str]]:
    """Both runs, `repeat` times in turn; each keeps its fastest. (sijeong, bare, page paths)"""
    state = site.state
    best_ours: dict = {}
    best_bare: dict = {}
    pages: list[str] = []
    for attempt in range(repeat):
        state.clear_log()
        db = work / f"archive-{attempt}.sqlite3"
        ours = run_child("sijeong", site.url, str(db), str(concurrency), "")
        log = state.request_log()
        ours["window"], ours["views"], ours["requests"] = window(log)
        if ours["summary"]["exit_code"] != 0:
            raise SystemExit(f"the sijeong crawl did not succeed: {ours['summary']}")
        pages = [r.path for r in log if r.path.startswith(("/boardList.do", "/boardView.do"))]
        url_file = work / "urls.txt"
        url_file.write_text("\n".join(site.url + p for p in pages))
        state.clear_log()
        bare = run_child("bare", str(url_file), str(concurrency))
        bare["window"], bare["views"], bare["requests"] = window(state.request_log())
        if not best_ours or ours["window"] < best_ours["window"]:
            best_ours = ours
        if not best_bare or bare["window"] < best_bare["window"]:
            best_bare = bare
    return best_ours, best_bare, pages


def _counts(text: str) -> list[int]:
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or min(counts) < 1:
        raise argparse.ArgumentTypeError(f"worker counts like 1,2,3, not {text!r}")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--posts", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="500 posts")
    parser.add_argument("--concurrency", type=int, default=1, help="both runs (default 1)")
    parser.add_argument(
        "--workers",
        type=_counts,
        help="distributed bench: worker counts, e.g. 1,2,3 (see bench/crawl_workers.py)",
    )
    parser.add_argument(
        "--latency", type=float, default=0.1, help="--workers: seconds each answer takes"
    )
    parser.add_argument(
        "--site-delay", type=float, default=0.1, help="--workers: seconds between a site's requests"
    )
    parser.add_argument("--repeat", type=int, default=1, help="runs of each, fastest kept")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also profile a sijeong run")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        which, *rest = args.child
        if which == "sijeong":
            url, db, concurrency, profile = rest
            out = sijeong_child(url, Path(db), int(concurrency), Path(profile) if profile else None)
        else:
            url_file, concurrency = rest
            out = bare_child(Path(url_file), int(concurrency))
        print(json.dumps(out))
        return 0

    if args.workers:
        from crawl_workers import main as workers_main

        per_board = 20 if args.quick else (args.posts if args.posts != 5_000 else 60)
        return workers_main(args.workers, per_board, args.latency, args.site_delay)

    posts = 500 if args.quick else args.posts
    board = BOARDS[DEFAULT_BOARD]
    state = ReplicaState(posts_per_board=posts, seed=args.seed, count_views=False)
    for seq in state.seqs(board.board_id):  # the replica's own lazy work, before any clock
        state.get(board.board_id, seq).body()
    with (
        tempfile.TemporaryDirectory(prefix="sijeong-bench-crawl-") as tmp,
        ReplicaServer(state) as site,
    ):
        work = Path(tmp)
        ours, bare, pages = measure(site, work, args.concurrency, max(args.repeat, 1))
        view_paths = [p for p in pages if p.startswith("/boardView.do")]
        step = max(len(view_paths) // SAMPLE, 1)
        parsing = parse_costs(site.url, view_paths[::step][:SAMPLE])
        print(
            f"replica: {posts:,} posts on {board.board_id} at 127.0.0.1, concurrency "
            f"{args.concurrency}, delay 0, {len(pages):,} board pages "
            f"({len(pages) - len(view_paths)} list + {len(view_paths):,} view); "
            f"fastest of {max(args.repeat, 1)} run(s) each"
        )
        posted = ours["summary"]["new"]
        ours_rate, bare_rate = ours["views"] / ours["window"], bare["views"] / bare["window"]
        ratio = ours_rate / bare_rate
        for name, run, rate in (
            ("sijeong crawl --mode full", ours, ours_rate),
            ("bare Scrapy fetcher      ", bare, bare_rate),
        ):
            print(
                f"{name}: {run['views']:,} posts in {run['window']:.1f} s at the replica "
                f"({run['requests']:,} requests; {run['seconds']:.1f} s with start-up) = "
                f"{rate:,.1f} posts/s; CPU {run['cpu']:.1f} s; peak RSS {run['peak_mb']:.0f} MB"
            )
        print(f"rate: sijeong / bare = {ratio:.2f} (goal ≥ {RATE_GOAL})")
        figures = ours["figures"]
        ms = {key: 1000 * value["cpu"] / posted for key, value in figures.items()}
        wall = {key: 1000 * value["wall"] / posted for key, value in figures.items()}
        archive_ms = ms["store"] + ms["capture"] + ms["listing"]
        start_up = ours["imports"] + figures["upgrade"]["cpu"]
        other_ms = 1000 * (ours["cpu"] - start_up) / posted - ms["parse"] - archive_ms
        print(
            f"CPU per post (sijeong): parse+normalise {ms['parse']:.2f} ms; archive "
            f"{archive_ms:.2f} ms (store_fetched {ms['store']:.2f}, WARC capture "
            f"{ms['capture']:.2f}, listing {ms['listing']:.2f}); other (Scrapy, Twisted) "
            f"{other_ms:.2f} ms; start-up {start_up:.1f} s (imports, migrations) = "
            f"{1000 * start_up / posted:.2f} ms; all {1000 * ours['cpu'] / posted:.2f} ms — "
            "the bare fetcher "
            f"{1000 * bare['cpu'] / bare['views']:.2f} ms in all"
        )
        print(
            f"wall per post in those calls: parse {wall['parse']:.2f} ms, store_fetched "
            f"{wall['store']:.2f} ms, WARC capture {wall['capture']:.2f} ms, listing "
            f"{wall['listing']:.2f} ms (wall − CPU = waiting, mostly fsync of each commit)"
        )
        per_view = 1000 * parsing["lxml"]
        parse_ratio = ms["parse"] / per_view
        print(
            f"parse on the same {parsing['pages']} view pages: lxml.html.fromstring "
            f"{per_view:.2f} ms, parse_view offline {1000 * parsing['parse_view']:.2f} ms "
            f"(×{parsing['parse_view'] / parsing['lxml']:.2f}); in the crawl parse+normalise "
            f"{ms['parse']:.2f} ms per post = ×{parse_ratio:.2f} lxml (goal ≤ ×{PARSE_GOAL})"
        )
        if args.profile:
            profile = work / "crawl.pstats"
            db = work / "profiled.sqlite3"
            run_child("sijeong", site.url, str(db), str(args.concurrency), str(profile))
            print_profile(profile, posted)
    state_posts = len(state.seqs(board.board_id))
    ok_rate, ok_parse = ratio >= RATE_GOAL, parse_ratio <= PARSE_GOAL
    print(
        f"summary: posts={posted} replica_posts={state_posts} sijeong={ours_rate:.1f}/s "
        f"bare={bare_rate:.1f}/s ratio={ratio:.2f} (goal>={RATE_GOAL}: "
        f"{'ok' if ok_rate else 'MISSED'}) parse={ms['parse']:.2f}ms "
        f"archive={archive_ms:.2f}ms lxml={per_view:.2f}ms parse/lxml={parse_ratio:.2f} "
        f"(goal<={PARSE_GOAL}: {'ok' if ok_parse else 'MISSED'}) "
        f"peak_rss={ours['peak_mb']:.0f}MB/{bare['peak_mb']:.0f}MB"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
