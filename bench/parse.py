"""Parse cost offline: `parse_view` / `parse_list` (parse + normalise) against a bare lxml parse.

    python bench/parse.py                  # 40 view pages a board, 15 rounds
    python bench/parse.py --quick          # 8 view pages a board, 5 rounds
    python bench/parse.py --profile        # and where the parsers' time goes (cProfile)

The pages: the replica's (in this process, on 127.0.0.1, fetched over HTTP as the crawl gets
them) — for every board of `crawler.boards` (Gwangju's notice and press skins, the bbs_view
family of 전라남도 and of the pre-2020 Gwangju board, SiiRU's vendor default skin) its first
two list pages and `--views` view pages spread over the board — and the real pages in
`../shared/reference/gwangju/` (read at run time; skipped with a note when absent).

Each round times, on the same page bytes held in memory, `lxml.html.fromstring(body)` over
every page, then the project's parser over every page (`parse_view` for a view page,
`parse_list` for a list page: the family detector, the one parse, the selectors, the
normalisation, the sanitiser of the body HTML — everything the crawl calls per page). CPU time
of this thread (`time.thread_time`), so other work on the machine inflates it little; the
figure per page is the median of `--rounds` rounds. The ratio is the parsers' total over
lxml's total, on all pages, and per kind of page. Goal: ≤ 2.0 (issue 23). The last line sums
it up.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.request import urlopen

ROOT = Path(__file__).resolve().parents[1]
REFERENCE_DIR = Path(
    os.environ.get("SIJEONG_REFERENCE_DIR", ROOT.parent / "shared" / "reference" / "gwangju")
)
REFERENCE_PAGES = (  # (file, URL it was served at, kind)
    (
        "view_BD_0000000027_seq21180.html",
        "https://www.gwangju.go.kr/boardView.do?pageId=www789&boardId=BD_0000000027&seq=21180",
        "view",
    ),
    (
        "list_BD_0000000022_page1.html",
        "https://www.gwangju.go.kr/boardList.do?boardId=BD_0000000022",
        "list",
    ),
)
GOAL = 2.0  # parse + normalise at most this many bare lxml parses of the same pages


def replica_pages(posts: int, views: int, seed: int) -> list[tuple[str, bytes, str, str]]:
    """(group, body, URL, kind) for every board of the replica: list pages 1–2 and `views` view
    pages spread evenly over the board."""
    from crawler.boards import BOARDS
    from replica import ReplicaServer, ReplicaState

    state = ReplicaState(posts_per_board=posts, seed=seed, count_views=False)
    pages = []
    with ReplicaServer(state) as site:
        for board in BOARDS.values():
            served = state.board(board.board_id)
            if served is None:
                continue  # a board of another site (전라남도's M7116): the replica's own is below
            group = f"{served.skin} ({board.board_id})"
            for page in (1, 2):
                url = board.list_url(page, base_url=site.url)
                pages.append((group, _fetch(url), url, "list"))
            seqs = state.seqs(board.board_id)
            step = max(len(seqs) // views, 1)
            for seq in seqs[::step][:views]:
                url = board.view_url(seq, base_url=site.url)
                pages.append((group, _fetch(url), url, "view"))
    return pages


def _fetch(url: str) -> bytes:
    with urlopen(url, timeout=30) as response:
        return response.read()


def reference_pages() -> list[tuple[str, bytes, str, str]]:
    if not REFERENCE_DIR.is_dir():
        print(f"note: no reference pages at {REFERENCE_DIR}: replica pages only")
        return []
    return [
        ("real (reference)", (REFERENCE_DIR / name).read_bytes(), url, kind)
        for name, url, kind in REFERENCE_PAGES
    ]


def timed(call: Callable[[bytes, str, str], object], pages: list) -> list[float]:
    """CPU seconds of `call(body, url, kind)` on each page, in order."""
    spent = []
    for _group, body, url, kind in pages:
        began = time.thread_time()
        call(body, url, kind)
        spent.append(time.thread_time() - began)
    return spent


def measure(pages: list, rounds: int) -> tuple[list[float], list[float]]:
    """(lxml, parser): each page's median CPU seconds over `rounds` rounds."""
    import lxml.html

    from crawler.parsing import parse_list, parse_view

    parsers = {"view": parse_view, "list": parse_list}

    def bare(body: bytes, _url: str, _kind: str) -> object:
        return lxml.html.fromstring(body)

    def ours(body: bytes, url: str, kind: str) -> object:
        return parsers[kind](body, url)

    lxml_rounds, ours_rounds = [], []
    for _ in range(rounds):
        lxml_rounds.append(timed(bare, pages))
        ours_rounds.append(timed(ours, pages))
    return (
        [statistics.median(r[i] for r in lxml_rounds) for i in range(len(pages))],
        [statistics.median(r[i] for r in ours_rounds) for i in range(len(pages))],
    )


def profile(pages: list, rounds: int) -> None:
    """cProfile of the parsers over the pages, `rounds` times: own and cumulative time."""
    import cProfile
    import pstats

    from crawler.parsing import parse_list, parse_view

    kinds = {"view": parse_view, "list": parse_list}
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(rounds):
        for _group, body, url, kind in pages:
            kinds[kind](body, url)
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout).strip_dirs()
    print(f"profile: {rounds} round(s) of {len(pages)} pages, cumulative time:")
    stats.sort_stats("cumulative").print_stats(28)
    print("own time:")
    stats.sort_stats("tottime").print_stats(20)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--views", type=int, default=40, help="view pages a board")
    parser.add_argument("--rounds", type=int, default=15, help="rounds; the median is kept")
    parser.add_argument("--quick", action="store_true", help="8 view pages a board, 5 rounds")
    parser.add_argument("--seed", type=int, default=3)
    parser.add_argument("--profile", action="store_true", help="also profile the parsers")
    args = parser.parse_args()
    views, rounds = (8, 5) if args.quick else (args.views, args.rounds)
    pages = replica_pages(max(views * 5, 50), views, args.seed) + reference_pages()
    lxml_each, ours_each = measure(pages, rounds)

    groups: dict[str, list[int]] = {}
    for i, (group, _body, _url, kind) in enumerate(pages):
        groups.setdefault(f"{group} {kind}", []).append(i)
    print(
        f"{len(pages)} pages ({sum(len(p[1]) for p in pages) / 1024:,.0f} KB), median of "
        f"{rounds} rounds, CPU ms per page (load average {os.getloadavg()[0]:.1f}):"
    )
    print(f"  {'pages':<34} {'n':>3} {'lxml':>7} {'parser':>7} {'ratio':>6}")
    for name, index in sorted(groups.items()):
        bare = sum(lxml_each[i] for i in index)
        ours = sum(ours_each[i] for i in index)
        print(
            f"  {name:<34} {len(index):>3} {1000 * bare / len(index):7.2f} "
            f"{1000 * ours / len(index):7.2f} {ours / bare:6.2f}"
        )
    bare, ours = sum(lxml_each), sum(ours_each)
    ratio = ours / bare
    if args.profile:
        profile(pages, max(rounds // 5, 1))
    print(
        f"summary: pages={len(pages)} rounds={rounds} lxml={1000 * bare / len(pages):.2f}ms "
        f"parse={1000 * ours / len(pages):.2f}ms ratio={ratio:.2f} "
        f"(goal<={GOAL}: {'ok' if ratio <= GOAL else 'MISSED'})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
