"""The chaos campaign's "hostile site" lane: replica/hostile.py's attacks drawn into crawls.

A trial copies B0 (the archive of the seeded site), draws 3–5 attacks from the lane's deck (every
attack comes round before one repeats), puts each on a post the crawl will fetch, and runs one
crawl (`full`, `incremental` or `verify --slice all`; `full` when an attack needs the sweep: a
hidden post's re-check, a lying page count). Right after it, besides the campaign's invariants:

- off-host: requests seen by the two listeners the off-host links point at (127.0.0.2 and
  127.0.0.1 on another port), and stored files (attachments, photos with a digest) whose URL is
  not on the replica's host;
- active content: in every stored version's body_html, in `sijeong show --format json` of each
  attacked post and in every dump format, parsed with lxml: an `on*` attribute, a
  script/style/iframe/object/embed/svg/math/meta/base/link/form element, or a URL attribute
  whose scheme is not http/https;
- false deletions: a post deleted that the replica has not deleted;
- runs stopped by one post: the crawl exited 1 or 3, or was stopped by this bench for unbounded
  work (more list-page requests than 10× the board's real pages + 10) or for running past its
  time limit. Exit 6 with the page counted as failed is the right outcome; exit 3 is right only
  for `lying-pages`, when the run's message says the list's claim was not believed.

Then the attacks are cleared and the archive settles (K full crawls and a `verify --slice all`);
attacked posts are judged by their status and their current version, which must equal the
reference's in content (hash, title, body text); every other post by the campaign's usual rules.
"""

from __future__ import annotations

import csv
import json
import random
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

from replica import hostile
from replica.hostile import active_content

NEEDS_FULL = {*hostile.ALERTS, "lying-pages"}


# -- the listeners the off-host links point at ----------------------------------------------------


class Listener:
    """An HTTP server on a loopback address that answers every request with a file, and counts."""

    def __init__(self, host: str):
        listener = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - http.server's naming
                listener.count()
                body = b"%PDF-1.4 internal data\n"
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_HEAD = do_POST = do_GET

            def log_message(self, *args):
                pass

        self.requests = 0
        self._lock = threading.Lock()
        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def count(self) -> None:
        with self._lock:
            self.requests += 1

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# -- active content ---------------------------------------------------------------------------------


def walk_json(value, found: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "body_html" and isinstance(item, str):
                found += active_content(item)
            else:
                walk_json(item, found)
    elif isinstance(value, list):
        for item in value:
            walk_json(item, found)


def dump_active(out: Path) -> Counter:
    """Active content in each dump format's body_html values (per format: values found)."""
    found: Counter = Counter()
    for path in sorted(out.rglob("*")):
        hits: list[str] = []
        if path.suffix == ".jsonl":
            for line in path.read_text(encoding="utf-8").splitlines():
                if line.strip():
                    walk_json(json.loads(line), hits)
        elif path.suffix == ".csv":
            with path.open(encoding="utf-8-sig", newline="") as handle:
                for row in csv.DictReader(handle):
                    hits += active_content(row.get("body_html"))
        elif path.suffix == ".parquet":
            import pyarrow.parquet as pq

            table = pq.read_table(path)
            if "body_html" in table.column_names:
                for value in table.column("body_html").to_pylist():
                    hits += active_content(value)
        elif path.suffix in (".sqlite", ".sqlite3", ".db"):
            with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as connection:
                tables = [r[0] for r in connection.execute("SELECT name FROM sqlite_master "
                                                           "WHERE type = 'table'")]  # fmt: skip
                for table in tables:
                    columns = [r[1] for r in connection.execute(f'PRAGMA table_info("{table}")')]
                    if "body_html" in columns:
                        for (value,) in connection.execute(f'SELECT body_html FROM "{table}"'):
                            hits += active_content(value)
        if hits:
            found[path.suffix.lstrip(".")] += len(hits)
    return found


# -- one trial --------------------------------------------------------------------------------------


class Deck:
    """The attacks in one shuffled order (the same on every lane), dealt round and round from
    the lane's own starting place: every attack comes round before one repeats, and lanes
    side by side start at different attacks."""

    def __init__(self, seed: str, lane: int, lanes: int):
        self.cards = list(hostile.ATTACKS)
        random.Random(seed).shuffle(self.cards)
        self.next = (lane - 1) * len(self.cards) // max(lanes, 1)

    def deal(self, n: int) -> list[str]:
        dealt = [self.cards[(self.next + i) % len(self.cards)] for i in range(n)]
        self.next += n
        return dealt


def targets(lane, mode: str, attack: str, taken: set[int]) -> list[int]:
    """Posts of the notice board whose view page a crawl of `mode` from B0 fetches in S1."""
    deleted = set(lane.changed["deleted"])
    old = sorted(seq for board, seq in lane.b0_contents if board == hostile_board(lane))
    if attack in hostile.ALERTS:  # hidden from the list: an old post, re-checked when unlisted
        pool = [s for s in old if s not in deleted]
    elif mode == "incremental":
        pool = list(lane.changed["new"])
    elif mode == "full":
        pool = [*lane.changed["new"], *lane.changed["edited"]]
    else:  # verify --slice all: every archived post that is still there
        pool = [s for s in old if s not in deleted]
    return [s for s in pool if s not in taken] or pool


def hostile_board(lane) -> str:
    return lane.board


def run_crawl(lane, db: Path, mode: str, argv_of) -> tuple[int | str, dict]:
    """The crawl under attack, stopped when its work is unbounded or it runs too long."""
    extra = ["--slice", "all"] if mode == "verify" else []
    pages = max(len(lane.state.listing(hostile_board(lane))) // 10 + 1, 1)
    bound = 10 * pages + 10
    limit = max(120.0, 20 * lane.r0_seconds)
    start = len(lane.state.request_log())
    with tempfile.TemporaryFile("w+") as out:
        process = subprocess.Popen(argv_of(db, lane.url, mode) + extra, cwd=lane.root,
                                   stdout=out, stderr=subprocess.DEVNULL, text=True)  # fmt: skip
        began, outcome = time.monotonic(), None
        while process.poll() is None:
            lists = sum("boardList.do" in r.path for r in lane.state.request_log()[start:])
            if lists > bound:
                outcome = f"unbounded ({lists} list pages)"
            elif time.monotonic() - began > limit:
                outcome = f"over {limit:.0f} s"
            if outcome:
                process.kill()
                process.wait()
                return outcome, {}
            time.sleep(0.05)
        out.seek(0)
        lines = out.read().strip().splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else {}
    except ValueError:
        summary = {}
    return process.returncode, summary


def trial(lane, rng: random.Random, argv_of, sijeong, rows) -> tuple:
    """One hostile-site trial on a copy of B0: (archive, counts found, exit outcome, mode,
    what was drawn, the attacked posts)."""
    board = hostile_board(lane)
    attacks = lane.deck.deal(rng.choice([3, 4, 5]))
    mode = "full" if NEEDS_FULL & set(attacks) else rng.choice(["full", "incremental", "verify"])
    db = lane.archive(f"hostile-{mode}", lane.b0)
    before_listeners = lane.listeners_seen()
    taken: set[int] = set()
    drawn = []
    for attack in attacks:
        if attack in hostile.ON_BOARDS:
            lane.client.add_attack(attack, board)
            drawn.append(attack)
            continue
        seq = rng.choice(targets(lane, mode, attack, taken))
        taken.add(seq)
        options = {}
        if attack == "offhost-attachment":
            options["url"] = (f"{lane.listeners[0].url}/fileDownload.do?fileSe=BB&fileKey="
                              f"{board}%7C{seq}&fileSn=9")  # fmt: skip
        elif attack == "offhost-photo":
            options["url"] = f"{lane.listeners[1].url}/imageView/x"
        lane.client.add_attack(attack, board, seq, **options)
        drawn.append(f"{attack} on {seq}")
    try:
        code, summary = run_crawl(lane, db, mode, argv_of)
    finally:
        lane.client.clear_attacks()
    found = Counter()
    found["off-host"] += lane.listeners_seen() - before_listeners
    found["off-host"] += stored_offhost(db, lane.host, rows)
    found["active content"] += active_in_archive(db, rows, sijeong, {(board, s) for s in taken})
    found["false deletions"] += false_deletions(lane, db, rows)
    found["runs stopped by one post"] += (code in (1, 3) or isinstance(code, str)) and not (
        code == 3 and "lying-pages" in drawn and claim_refused(db, summary, rows)
    )
    found["false edits"] += emptied(db, {(board, s) for s in taken}, rows)
    return db, found, code, mode, drawn, {(board, s) for s in taken}


def claim_refused(db: Path, summary: dict, rows) -> bool:
    """The run stopped as drift because a list page claimed more pages than the board's history
    allows: the outcome the lying page must have (the issue's "stop with a clear message"), not
    a run stopped by one post."""
    run_id = summary.get("run_id")
    if not db.exists() or not isinstance(run_id, int):
        return False
    found = rows(db, f"SELECT stats FROM crawl_runs WHERE id = {run_id}")
    stats = json.loads(found[0][0]) if found and isinstance(found[0][0], str) else {}
    return "the list claims" in str(stats.get("message") or "")


def stored_offhost(db: Path, host: str, rows) -> int:
    if not db.exists():
        return 0
    found = sum(
        urlsplit(url).netloc != host
        for (url,) in rows(db, "SELECT url FROM attachments WHERE sha256 IS NOT NULL")
    )
    for (images,) in rows(db, "SELECT images FROM post_versions"):
        for image in json.loads(images) if isinstance(images, str) else images or []:
            found += bool(image.get("sha256")) and urlsplit(image.get("url", "")).netloc != host
    return found


def active_in_archive(db: Path, rows, sijeong, attacked: set[tuple[str, int]]) -> int:
    """Active content in stored versions, in `show --format json` of the attacked posts, and in
    every dump format."""
    hits = sum(
        len(active_content(html)) for (html,) in rows(db, "SELECT body_html FROM post_versions")
    )
    for board, seq in sorted(attacked):
        shown = sijeong("show", f"{board}:{seq}", "--format", "json", db=db)
        if shown.returncode == 0 and shown.stdout.strip():
            found: list[str] = []
            walk_json(json.loads(shown.stdout), found)
            hits += len(found)
    with tempfile.TemporaryDirectory(prefix="dump-", dir=db.parent) as tmp:
        out = Path(tmp) / "dump"
        done = sijeong("dump", str(out), db=db)
        if done.returncode != 0:
            print(f"    dump failed: {done.stderr.strip()[-200:]}", file=sys.stderr)
        hits += sum(dump_active(out).values()) if out.exists() else 0
    return hits


def emptied(db: Path, attacked: set[tuple[str, int]], rows) -> int:
    """Attacked posts stored with an empty body (every post of the replica has one): a silent
    false edit, as a deeply nested page gives."""
    return sum(
        1
        for board, seq, text in rows(
            db,
            "SELECT p.board_id, p.seq, v.body_text FROM posts p "
            "JOIN post_versions v ON v.id = p.current_version_id",
        )
        if (board, seq) in attacked and not text.strip()
    )


def false_deletions(lane, db: Path, rows) -> int:
    """Posts the archive holds deleted that the replica has not deleted."""
    return sum(
        1
        for board, seq in rows(db, "SELECT board_id, seq FROM posts WHERE status = 'deleted'")
        if (post := lane.state.get(board, seq)) is not None and not post.deleted
    )


def same_content(got: tuple, want: tuple) -> bool:
    """Two versions with the same content: content hash, title, body text (their numbers, file
    digests and photo lists aside — photos are no part of a version's content, so a photo served
    once stays in the version that was current then)."""
    return (got[1], got[3], got[4]) == (want[1], want[3], want[4])
