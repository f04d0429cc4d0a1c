"""Chaos: a fault campaign against the replica and the archive, the invariants checked after each.

    python bench/chaos.py                   # 100 SIGKILLs + 3 trials of every other fault + 12 hostile
    python bench/chaos.py --quick           # 10 SIGKILLs + 1 trial of each + 4 hostile, 30 posts
    python bench/chaos.py --kills 200 --trials 5 --posts 80 --lanes 2 --seed 3

Everything runs against replicas on loopback (one per lane, the same seeded site; lanes run
side by side, so `--lanes 2` uses both cores). Each lane prepares:

- B0: a full crawl of the site as seeded (S0); then the site changes (S1: new posts, edited
  titles, deleted posts — the same changes on every lane);
- R1 and R: B0 after one and after K uninterrupted full crawls of S1 (a deletion is confirmed
  by the K-th run that sees the post gone). Every crawl here runs with `--confirm-deletions K`,
  K = 1 unless told: one soft-404 of an unlisted post deletes it, so a false one shows at once;
- R0: one uninterrupted full crawl of S1 into an empty archive.

The faults, each on its own archive:

- kill -9 crawl: a full crawl into an archive that starts empty is SIGKILLed after a random
  number of requests reached the replica (any moment of the work, from the first request to the
  last commit) or, one time in ten, after a random fraction of a second (start-up, migrations,
  the lock). After each kill the archive is read as it was left, then a verify of one post
  re-runs (recovering the killed run) and `db check` runs. A crawl that ends by itself closes a
  round: it must have exited 0 with the archive equal to R0; the next round starts empty.
- kill -9 scheduler: `sijeong schedule` with a full crawl due at once (its job store seeded as in
  bench/schedule_overlap.py) is SIGKILLed while its crawl runs; the crawl, in a session of its
  own, is left an orphan — it is waited for (it runs on, or dies writing to its dead parent),
  then a full crawl re-runs.
- the replica's faults (replica/faults.py), on a copy of B0 crawled `--mode full --timeout 2`:
  5xx storms, 503 + Retry-After, hanging responses, dropped connections, truncated pages,
  maintenance pages, soft-404s, redirects to /siiru.do and off-site, lying charset headers,
  oversized bodies, layout drift — each on a random target: new posts' pages, edited posts',
  deleted posts' re-checks, every view page, list pages, file downloads or photos (not for the
  faults only a page can show: drift, soft-404, maintenance, and truncation — a file cut short
  but served whole cannot be told from a smaller file), for some or all matching requests. Then the faults are cleared and K clean full crawls run.
- readers: `sijeong search` and `sijeong show` in a loop in another process while a full crawl
  writes; any failure counts (a post not reached yet, "no post", is no failure).
- two crawls racing for the lock on one archive: each must exit 0 or 4, at least one 0, and
  their ledger spans must not intersect.
- hostile site (bench/hostile_site.py): on a copy of B0, 3–5 of replica/hostile.py's attacks
  (off-host attachment and photo links, a `javascript:` attachment, active content in the body,
  maintenance and permission alerts on a post gone from the list, control characters in a list
  cell or by a comment, view counts of 3e9 and 2^63, a body 300 divs deep, a list page claiming
  2,000,000 pages) on posts a `full`, `incremental` or `verify --slice all` crawl fetches; each
  attack comes round once before any repeats. Then K clean full crawls and a verify of all.
- full disk: the archive on a tmpfs (mounted for the trial; root) a little larger than B0, so
  the crawl runs out of space mid-work; the tmpfs is grown, the archive read as it was left,
  then K clean crawls run. Without mount (not root), `RLIMIT_FSIZE` in the crawl's `preexec_fn`
  (SIGXFSZ ignored, so writes fail with EFBIG) stands in for it.

After each fault, the invariants (counted in the summary):

- lost: a post or a version committed before the fault that is gone or changed after it;
- half-written: a post without a whole current version (bench/crash_safety.py's `half_written`);
- duplicate versions: two versions of one post with the same content and files hashes;
- false deletions: a post unlisted or deleted that the reference (R or R0) has live;
- false edits: a version, or a post, that the reference does not have at that place (a version
  whose file digests are partly unknown — a download failed — agrees with the reference's
  version that knows them: the next run fills them in, and convergence checks that it did);
- U+FFFD: a replacement character in any stored post, version or attachment text;
- off-host: a capture of a URL not on the replica's host, or any connection to the off-site
  redirect's target (a listener on 127.0.0.2 at the replica's port counts them);
- failed db checks: `db check` (archive.check, in process) after the clean re-runs;
- not converged: after the clean re-runs the archive differs from the reference;
- silent failures: a crawl that exited 0 while its archive differs from what an uninterrupted
  run of the same mode from the same archive gives (R1, R0, R);
- reader lock errors: failed reads during a crawl, and two crawls holding the lock at once;
- hostile site only: active content (in stored body_html, `show --format json`, every dump
  format), off-host (requests the off-host links' listeners saw, stored files off the host),
  false deletions (a post deleted that the replica has not deleted), runs stopped by one post
  (exit 1 or 3, unbounded list pages, or past the time limit; exit 6 is right), and a false
  edit for an attacked post stored with an empty body. Attacked posts are judged by their
  status and current version after the clean re-runs; every other post as in any fault.

The last line sums up; exit 0 only when every count is 0.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import hostile_site
from crash_safety import contents, crawl_argv, half_written, rows, sijeong
from schedule_overlap import seed_service, write_config
from sqlalchemy.orm import Session

from archive.check import check_archive
from archive.db import make_engine
from archive.storage import Store
from common.seoul import SEOUL
from replica import ReplicaClient, ReplicaServer, ReplicaState
from replica.state import SEED_NEWEST

ROOT = Path(__file__).resolve().parents[1]

NOTICE = "BD_0000000022"
SIJEONG = [sys.executable, "-m", "sijeong.cli"]
COUNTS = (
    "lost",
    "half-written",
    "duplicate versions",
    "false deletions",
    "false edits",
    "U+FFFD",
    "off-host",
    "active content",
    "failed db checks",
    "not converged",
    "silent failures",
    "runs stopped by one post",
    "reader lock errors",
)
REPLICA_FAULTS = {  # class: (kind, options drawn for one trial)
    "5xx storm": ("status", lambda r: {"status": r.choice([500, 502, 503, 504])}),
    "503 + Retry-After": ("status", lambda r: {"status": 503, "retry_after": "1"}),
    "hanging response": ("hang", lambda r: {"seconds": 4.0}),
    "dropped connection": ("drop", lambda r: {"fraction": r.uniform(0.05, 0.95)}),
    "truncated page": ("truncate", lambda r: {"fraction": r.uniform(0.05, 0.98)}),
    "maintenance page": ("maintenance", lambda r: {}),
    "soft-404": ("soft404", lambda r: {}),
    "redirect to /siiru.do": ("siiru", lambda r: {}),
    "off-site redirect": ("offsite", lambda r: {}),
    "lying charset": (
        "charset",
        lambda r: {"charset": r.choice(["EUC-KR", "ISO-8859-1", "Shift_JIS", "windows-1252"])},
    ),
    "oversized body": ("oversize", lambda r: {"size": r.choice([9, 12]) * 1024 * 1024}),
    "layout drift": ("drift", lambda r: {}),
}
OTHER_FAULTS = ("readers during a crawl", "two crawls racing", "full disk", "kill -9 scheduler")
KILL = "kill -9 crawl"
HOSTILE = "hostile site"
CLASSES = (KILL, "kill -9 scheduler", *REPLICA_FAULTS, *OTHER_FAULTS[:3], HOSTILE)

READER = textwrap.dedent(
    """
    import json, sys
    from pathlib import Path
    from click.testing import CliRunner
    from sijeong.cli import cli

    db, seqs, words, stop = sys.argv[1], json.loads(sys.argv[2]), json.loads(sys.argv[3]), Path(sys.argv[4])
    runner, reads, failures = CliRunner(), 0, []
    while not stop.exists() or reads < 10:
        for args in (["search", words[reads % len(words)], "--format", "json"],
                     ["show", str(seqs[reads % len(seqs)]), "--format", "json"]):
            result = runner.invoke(cli, [*args, "--db", db])
            reads += 1
            if result.exit_code and not (result.exit_code == 2 and "no post" in result.output):
                failures.append((args, result.exit_code, (result.output + repr(result.exception))[-300:]))
    print(json.dumps({"reads": reads, "failures": failures}))
    """
)


# -- running the crawl ---------------------------------------------------------------------------


CONFIRM = ["--confirm-deletions", "1"]  # set from --confirm-deletions in main()


def argv(db: Path, url: str, mode: str = "full") -> list[str]:
    return crawl_argv(db, url, mode) + CONFIRM


def crawl(db: Path, url: str, mode: str = "full", *extra: str, **popen) -> tuple[int, dict]:
    """`sijeong crawl --json` to its end: (exit code, its summary line or {})."""
    done = subprocess.run(
        argv(db, url, mode) + list(extra),
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=600,
        **popen,
    )
    lines = done.stdout.strip().splitlines()
    try:
        summary = json.loads(lines[-1]) if lines else {}
    except ValueError:
        summary = {}
    return done.returncode, summary


def db_check(db: Path) -> bool:
    url = f"sqlite:///{db}"
    engine = make_engine(url, read_only=True)
    try:
        with Session(engine) as session:
            report = check_archive(session, Store.for_archive(url))
    finally:
        engine.dispose()
    if not report.ok:
        for check in report.checks:
            for example in check.examples:
                print(f"    db check {db}: {check.name}: {example}", file=sys.stderr)
    return report.ok


def alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (FileNotFoundError, IndexError):
        return False


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return found


# -- the invariants ------------------------------------------------------------------------------

Contents = dict[tuple[str, int], list[tuple]]
GONE = ("unlisted", "deleted")


def fffd(db: Path) -> int:
    """Rows of posts, post_versions and attachments with U+FFFD in a text column."""
    found = 0
    for table in ("posts", "post_versions", "attachments"):
        columns = [name for _, name, kind, *_ in rows(db, f"PRAGMA table_info({table})")
                   if kind.upper() in ("", "TEXT", "JSON") or "CHAR" in kind.upper()]  # fmt: skip
        if columns:
            where = " OR ".join(f"instr(CAST({c} AS TEXT), char(65533)) > 0" for c in columns)
            found += rows(db, f"SELECT count(*) FROM {table} WHERE {where}")[0][0]
    return found


def offhost(db: Path, host: str) -> int:
    return sum(urlsplit(url).netloc != host for (url,) in rows(db, "SELECT url FROM captures"))


def _images(value) -> list[dict]:
    return json.loads(value) if isinstance(value, str) else value or []


def agrees(got: tuple, want: tuple) -> bool:
    """Version `got` is `want`, or `want` with some file digests not known (yet): a download
    failed, and the version is stored without them until a later run fills them in."""
    if got == want:
        return True
    if got[:2] != want[:2] or got[3:5] != want[3:5] or got[2] is not None:
        return False
    got_images, want_images = _images(got[5]), _images(want[5])
    got_files, want_files = got[6], want[6]
    if len(got_images) != len(want_images) or len(got_files) != len(want_files):
        return False
    for mine, theirs in zip(got_images, want_images, strict=True):
        if {**mine, "sha256": None} != {**theirs, "sha256": None}:
            return False
        if mine.get("sha256") not in (None, theirs.get("sha256")):
            return False
    return all(
        mine[0] == theirs[0] and (mine[1] is None or mine[1:] == theirs[1:])
        for mine, theirs in zip(got_files, want_files, strict=True)
    )


def inspect(
    db: Path, before: Contents, reference: Contents, host: str, apart: frozenset = frozenset()
) -> Counter:
    """The invariants that hold at any moment, even right after a kill. Posts in `apart` (a
    hostile trial's attacked posts) are judged by the hostile lane instead."""
    found = Counter()
    if not db.exists():
        return found
    try:
        after = contents(db)
    except Exception as exc:  # no schema yet (killed before it was made) is fine; else not
        if "no such table" in str(exc):
            return found
        raise
    for key, (_, *versions) in before.items():
        kept = after.get(key, [None])[1:]
        found["lost"] += sum(
            1 for i, v in enumerate(versions) if i >= len(kept) or not agrees(v, kept[i])
        )
    for key, (status, *versions) in after.items():
        if key in apart:  # served A, then a hostile B, then A again: A twice is right
            continue
        hashes = [(v[1], v[2]) for v in versions]
        found["duplicate versions"] += len(hashes) - len(set(hashes))
        if key not in reference:
            found["false edits"] += 1
            continue
        want_status, *want = reference[key]
        found["false deletions"] += status in GONE and want_status not in GONE
        found["false edits"] += sum(
            1 for i, v in enumerate(versions) if i >= len(want) or not agrees(v, want[i])
        )
    found["half-written"] += len(half_written(db))
    found["U+FFFD"] += fffd(db)
    found["off-host"] += offhost(db, host)
    return found


def differing(db: Path, reference: Contents, apart: frozenset = frozenset()) -> int:
    """Posts that differ from the reference; a post in `apart` differs when its status or its
    current version's content does (a hostile trial leaves versions of what was served)."""
    got = contents(db)
    found = 0
    for key in set(got) | set(reference):
        mine, theirs = got.get(key), reference.get(key)
        if key in apart and mine and theirs:
            found += mine[0] != theirs[0] or not hostile_site.same_content(mine[-1], theirs[-1])
        else:
            found += mine != theirs
    return found


# -- a lane: one replica and its references -------------------------------------------------------


class Offsite:
    """A listener where the replica's off-site redirects point: every connection is a violation."""

    def __init__(self, port: int):
        self.connections = 0
        self.socket = socket.create_server(("127.0.0.2", port))
        self.socket.settimeout(0.2)
        self.stopped = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                connection, _ = self.socket.accept()
            except (TimeoutError, OSError):
                continue
            self.connections += 1
            connection.close()

    def close(self) -> None:
        self.stopped = True
        self.thread.join()
        self.socket.close()


class Lane:
    def __init__(self, number: int, args, work: Path, disk: str):
        self.number, self.args, self.disk = number, args, disk
        self.work = work / f"lane-{number}"
        self.work.mkdir()
        self.state = ReplicaState(posts_per_board=args.posts, seed=args.seed, count_views=False)
        self.server = ReplicaServer(self.state).start()
        self.url = self.server.url
        self.host = urlsplit(self.url).netloc
        self.client = ReplicaClient(self.url)
        self.offsite = Offsite(self.server.httpd.server_address[1])
        # where the hostile lane's off-host links point: 127.0.0.2 and another port of 127.0.0.1
        self.listeners = [hostile_site.Listener("127.0.0.2"), hostile_site.Listener("127.0.0.1")]
        self.deck = hostile_site.Deck(f"{args.seed}-hostile", number, args.lanes)
        self.board, self.root = NOTICE, ROOT
        self.results: dict[str, Counter] = {name: Counter() for name in CLASSES}
        self.exits: dict[str, Counter] = {name: Counter() for name in CLASSES}
        self.trials = 0

    def close(self) -> None:
        self.server.stop()
        self.offsite.close()
        for listener in self.listeners:
            listener.close()

    def listeners_seen(self) -> int:
        return sum(listener.requests for listener in self.listeners)

    # -- references --------------------------------------------------------------------------

    def archive(self, name: str, source: Path | None = None) -> Path:
        """A fresh archive directory (a copy of `source`'s when given); its database path."""
        self.trials += 1
        directory = self.work / f"{self.trials:03d}-{name}"
        if source is not None:
            shutil.copytree(source.parent, directory)
        else:
            directory.mkdir()
        return directory / "archive.sqlite3"

    def prepare(self) -> None:
        self.b0 = self.archive("b0")
        assert crawl(self.b0, self.url)[0] == 0, "the crawl of the seeded site failed"
        self.b0_contents = contents(self.b0)
        self.changed = change_site(self.state, self.args)
        r = self.archive("r", self.b0)
        assert crawl(r, self.url)[0] == 0
        self.r1 = contents(r)
        for _ in range(self.args.confirm_deletions - 1):
            assert crawl(r, self.url)[0] == 0
        self.r, self.r_db = contents(r), r
        assert sum(s == "deleted" for s, *_ in self.r.values()) == len(self.changed["deleted"])
        self.state.clear_log()
        r0 = self.archive("r0")
        began = time.monotonic()
        assert crawl(r0, self.url)[0] == 0
        self.r0_seconds = time.monotonic() - began
        self.r0_requests = len(self.state.request_log())
        self.r0 = contents(r0)
        self.r0_db = r0

    # -- recording ---------------------------------------------------------------------------

    def record(self, name: str, found: Counter, code: int | str | None = None) -> None:
        self.results[name] += found
        if code is not None:
            self.exits[name][code] += 1
        bad = {k: v for k, v in found.items() if v}
        if bad:
            print(f"  lane {self.number} {name}: {bad}", file=sys.stderr, flush=True)

    def settle(
        self,
        db: Path,
        before: Contents,
        reference: Contents,
        runs: int = 0,
        apart: frozenset = frozenset(),
    ) -> Counter:
        """Clean re-runs after a fault (as many as confirm a deletion; then a verify of every
        post when some were attacked); then every invariant, db check and convergence."""
        self.client.clear_faults()
        self.client.clear_attacks()
        for _ in range(runs or self.args.confirm_deletions):
            crawl(db, self.url)
        if apart:
            crawl(db, self.url, "verify", "--slice", "all")
        found = inspect(db, before, reference, self.host, apart)
        found["failed db checks"] += not db_check(db)
        found["not converged"] += differing(db, reference, apart) > 0
        return found

    # -- the faults --------------------------------------------------------------------------

    def kills(self, count: int, rng: random.Random) -> None:
        db, done = self.archive("kills"), 0
        while done < count:
            before = contents(db) if db.exists() and rows_exist(db) else {}
            offsite = self.offsite.connections
            start = len(self.state.request_log())
            by_time = rng.random() < 0.1
            wait = rng.uniform(0, self.r0_seconds) if by_time else None
            requests = rng.randint(1, max(self.r0_requests, 2))
            began = time.monotonic()
            process = subprocess.Popen(
                argv(db, self.url),
                cwd=ROOT,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
            while process.poll() is None:
                if (wait is not None and time.monotonic() - began >= wait) or (
                    wait is None and len(self.state.request_log()) - start >= requests
                ):
                    break
                time.sleep(0.001)
            killed = process.poll() is None
            if killed:
                os.kill(process.pid, signal.SIGKILL)
            out, _ = process.communicate()
            found = inspect(db, before, self.r0, self.host)
            found["off-host"] += self.offsite.connections - offsite
            if killed:
                done += 1
                crawl(db, self.url, "verify", "--slice", "1")  # the re-run: recovers the kill
                found["failed db checks"] += not db_check(db)
                self.record(KILL, found, "killed")
                continue
            # The crawl ended by itself: the round is over.
            code = process.returncode
            apart = differing(db, self.r0)
            found["silent failures"] += code == 0 and apart > 0
            if code != 0:
                crawl(db, self.url)
                apart = differing(db, self.r0)
            found["not converged"] += apart > 0
            found["failed db checks"] += not db_check(db)
            self.record(KILL, found, f"round ended {code}")
            db = self.archive("kills")

    def replica_fault(self, name: str, rng: random.Random) -> None:
        kind, draw = REPLICA_FAULTS[name]
        options = draw(rng)
        target, pattern = rng.choice(self.targets(kind))
        if kind in ("hang", "oversize") or name == "503 + Retry-After" or rng.random() < 0.5:
            options["times"] = rng.randint(1, 3)
        db = self.archive(name.replace(" ", "-").replace("/", ""), self.b0)
        offsite = self.offsite.connections
        self.client.add_fault(kind, pattern, **options)
        code, summary = crawl(db, self.url, "full", "--timeout", "2")
        self.client.clear_faults()
        found = inspect(db, self.b0_contents, self.r, self.host)
        found["silent failures"] += code == 0 and differing(db, self.r1) > 0
        found += self.settle(db, self.b0_contents, self.r)
        found["off-host"] += self.offsite.connections - offsite
        self.record(name, found, code)
        print(
            f"  lane {self.number} {name} on {target} {options}: exit {code} "
            f"{summary.get('status', '')}",
            file=sys.stderr,
            flush=True,
        )

    def hostile(self, rng: random.Random) -> None:
        """A crawl of a site serving hostile posts (bench/hostile_site.py), then clean re-runs."""
        db, found, code, mode, drawn, apart = hostile_site.trial(self, rng, argv, sijeong, rows)
        found += inspect(db, self.b0_contents, self.r, self.host, frozenset(apart))
        found += self.settle(db, self.b0_contents, self.r, apart=frozenset(apart))
        self.record(HOSTILE, found, code)
        print(f"  lane {self.number} {HOSTILE} ({mode}: {'; '.join(drawn)}): exit {code}",
              file=sys.stderr, flush=True)  # fmt: skip

    def targets(self, kind: str) -> list[tuple[str, str]]:
        def seqs(values) -> str:
            return r"boardView\.do.*seq=(" + "|".join(map(str, values)) + r")\b"

        choices = [
            ("new posts", seqs(self.changed["new"])),
            ("edited posts", seqs(self.changed["edited"])),
            ("deleted posts' re-checks", seqs(self.changed["deleted"])),
            ("every view page", r"boardView\.do"),
            ("list pages", r"boardList\.do"),
        ]
        # Files and photos too, but not for faults that only pages can show: a file cut short
        # and served whole (its Content-Length true) cannot be told from a smaller file — the
        # site declares no size or digest — so `truncate` is for pages (`drop` cuts files).
        if kind not in ("drift", "soft404", "maintenance", "truncate"):
            choices += [("file downloads", r"fileDownload\.do"), ("photos", r"imageView/")]
        return choices

    def readers(self, rng: random.Random) -> None:
        db = self.archive("readers")  # empty: the crawl writes every post while they read
        stop = db.parent / "stop"
        seqs = [seq for _, seq in rng.sample(sorted(self.r0), min(20, len(self.r0)))]
        words = sorted({title[:2] for _, *vs in self.r0.values() for _, _, _, title, *_ in vs})
        words = rng.sample(words, min(10, len(words)))
        url = f"sqlite:///{db}"
        subprocess.run([*SIJEONG, "db", "upgrade", "--db", url], cwd=ROOT, capture_output=True)
        reader = subprocess.Popen(
            [sys.executable, "-c", READER, url, json.dumps(seqs), json.dumps(words), str(stop)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        code, _ = crawl(db, self.url)
        stop.touch()
        out, err = reader.communicate(timeout=300)
        found = inspect(db, {}, self.r0, self.host)
        try:
            report = json.loads(out.splitlines()[-1])
        except (ValueError, IndexError):
            report = {"reads": 0, "failures": [err[-500:]]}
        found["reader lock errors"] += len(report["failures"])
        for failure in report["failures"][:3]:
            print(f"    reader failure: {failure}", file=sys.stderr)
        found["silent failures"] += code == 0 and differing(db, self.r0) > 0
        found += self.settle(db, {}, self.r0, runs=1)
        self.record("readers during a crawl", found, code)
        print(f"  lane {self.number} readers: {report['reads']} reads", file=sys.stderr)

    def race(self, rng: random.Random) -> None:
        db = self.archive("race", self.b0)
        first = subprocess.Popen(argv(db, self.url), cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0, 1.5))
        second = subprocess.Popen(argv(db, self.url), cwd=ROOT,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        codes = sorted([first.wait(timeout=600), second.wait(timeout=600)])
        found = inspect(db, self.b0_contents, self.r, self.host)
        spans = sorted(rows(db, "SELECT started_at, finished_at FROM crawl_runs WHERE id > 1"))
        overlaps = sum(
            1 for i, (_, end) in enumerate(spans) for start, _ in spans[i + 1 :] if start <= end
        )
        found["reader lock errors"] += overlaps + (codes not in ([0, 0], [0, 4]))
        expected = self.r if codes == [0, 0] else self.r1
        found["silent failures"] += 0 in codes and differing(db, expected) > 0
        found += self.settle(db, self.b0_contents, self.r)
        self.record("two crawls racing", found, "/".join(map(str, codes)))

    def full_disk(self, rng: random.Random) -> None:
        size = dir_size(self.b0.parent)
        # Room for a random part of what the crawl adds (its WARC, files, rows), plus SQLite's
        # shared-memory and journal files: it runs out of space somewhere in the middle.
        growth = max(dir_size(self.r_db.parent) - size, 0)
        room = 64 * 1024 + int(rng.uniform(0, 1.1) * growth)
        found = Counter()
        if self.disk == "tmpfs":
            self.trials += 1
            mount = self.work / f"{self.trials:03d}-disk"
            mount.mkdir()
            limit = size + room
            subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={limit}", "tmpfs", str(mount)],
                           check=True)  # fmt: skip
            try:
                db = mount / "archive" / "archive.sqlite3"
                shutil.copytree(self.b0.parent, db.parent)
                code, _ = crawl(db, self.url)
                # Space first, then read the archive as the crawl left it (SQLite cannot even
                # open it to read on a full disk: its shared-memory file is a new file).
                subprocess.run(["mount", "-o", "remount,size=512m", str(mount)], check=True)
                found += inspect(db, self.b0_contents, self.r, self.host)
                found["silent failures"] += code == 0 and differing(db, self.r1) > 0
                found += self.settle(db, self.b0_contents, self.r)
            finally:
                subprocess.run(["umount", "-l", str(mount)], check=False)
        else:
            db = self.archive("disk", self.b0)
            limit = max(p.stat().st_size for p in db.parent.rglob("*") if p.is_file()) + room

            def cap() -> None:
                signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
                resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

            code, _ = crawl(db, self.url, preexec_fn=cap)
            found += inspect(db, self.b0_contents, self.r, self.host)
            found["silent failures"] += code == 0 and differing(db, self.r1) > 0
            found += self.settle(db, self.b0_contents, self.r)
        self.record("full disk", found, code)
        print(f"  lane {self.number} full disk ({self.disk}, {room} bytes free): exit {code}",
              file=sys.stderr)  # fmt: skip

    def scheduler(self, rng: random.Random) -> None:
        """Up to 3 tries: the service's crawl may end before the kill (`crawl ended first`),
        or, should the seeded job not be due, start no crawl (`not due`); neither is a fault."""
        for _ in range(3):
            if self._scheduler(rng):
                return

    def _scheduler(self, rng: random.Random) -> bool:
        db = self.archive("scheduler")
        url = f"sqlite:///{db}"
        config = write_config(db.parent / "service.toml", self.url, "full", datetime.now(SEOUL))
        seed_service(config, url)
        start = len(self.state.request_log())
        log = open(db.parent / "service.log", "wb")
        service = subprocess.Popen([*SIJEONG, "schedule", "--config", str(config), "--db", url],
                                   cwd=ROOT, stdout=log, stderr=log)  # fmt: skip
        requests = rng.randint(1, max(self.r0_requests * 3 // 4, 2))
        began, child = time.monotonic(), []
        while service.poll() is None and (child or time.monotonic() - began < 30):
            child = child or children(service.pid)
            if child and len(self.state.request_log()) - start >= requests:
                break
            if child and not any(alive(pid) for pid in child):
                break  # its crawl ended before the kill: not mid-work
            time.sleep(0.002)
        mid_work = bool(child) and all(alive(pid) for pid in child)
        os.kill(service.pid, signal.SIGKILL)
        service.wait()
        log.close()
        deadline = time.monotonic() + 300
        while any(alive(pid) for pid in child) and time.monotonic() < deadline:
            time.sleep(0.05)
        for pid in child:  # the orphan of the service this bench started
            if alive(pid):
                os.kill(pid, signal.SIGKILL)
        ledger = rows(db, "SELECT status FROM crawl_runs ORDER BY id") if rows_exist(db) else []
        found = inspect(db, {}, self.r0, self.host)
        found["silent failures"] += (
            bool(ledger) and ledger[-1][0] == "ok" and (differing(db, self.r0) > 0)
        )
        found += self.settle(db, {}, self.r0, runs=1)
        outcome = f"orphan ran to {ledger[-1][0] if ledger else 'nothing'}"
        if not child:
            tail = (db.parent / "service.log").read_text(errors="replace")[-600:]
            print(f"  lane {self.number} scheduler: no crawl in 30 s; its log:\n{tail}",
                  file=sys.stderr)  # fmt: skip
        outcome = outcome if mid_work else "not due" if not child else "crawl ended first"
        self.record("kill -9 scheduler", found, outcome)
        return mid_work


def rows_exist(db: Path) -> bool:
    return db.exists() and bool(
        rows(db, "SELECT 1 FROM sqlite_master WHERE name IN ('posts', 'crawl_runs')")
    )


def dir_size(path: Path) -> int:
    """Bytes the files below `path` take on a tmpfs: each file in whole 4 KiB pages (by sizes
    alone, a B0 of many small files did not fit the tmpfs sized for it, and the copy failed)."""
    page = 4096
    return sum(-(-p.stat().st_size // page) * page for p in path.rglob("*") if p.is_file())


def change_site(state: ReplicaState, args) -> dict[str, list[int]]:
    """S0 → S1, the same on every lane: new posts, edited titles, deleted posts."""
    rng = random.Random(args.seed)
    seqs = state.seqs(NOTICE)
    edited = rng.sample(seqs, args.edits)
    deleted = rng.sample([s for s in seqs if s not in edited], args.deletions)
    for seq in edited:
        state.edit_post(NOTICE, seq, title=f"{state.get(NOTICE, seq).title} (수정)")
    for seq in deleted:
        state.delete_post(NOTICE, seq)
    new = [
        state.add_post(NOTICE, posted_at=SEED_NEWEST + timedelta(hours=i + 1)).seq
        for i in range(args.new)
    ]
    return {"new": new, "edited": edited, "deleted": deleted}


def can_mount(work: Path) -> bool:
    probe = work / "mount-probe"
    probe.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(probe)],
                          capture_output=True)  # fmt: skip
    if done.returncode == 0:
        subprocess.run(["umount", str(probe)], check=False)
    return done.returncode == 0


# -- the campaign --------------------------------------------------------------------------------


def plan(args) -> list[tuple[str, int]]:
    """The work items: kills in chunks, then every other class `trials` times, shuffled."""
    items: list[tuple[str, int]] = []
    chunk = max(args.kills // (2 * args.lanes), 3)
    left = args.kills
    while left > 0:
        items.append((KILL, min(chunk, left)))
        left -= chunk
    for _ in range(args.trials):
        items += [(name, 1) for name in CLASSES if name not in (KILL, HOSTILE)]
    items += [(HOSTILE, 1)] * args.hostile
    random.Random(args.seed).shuffle(items)
    return items


def run_lane(lane: Lane, items: list[tuple[str, int]], seed: int, errors: list) -> None:
    try:
        lane.prepare()
        for number, (name, count) in enumerate(items):
            rng = random.Random(f"{seed}-{lane.number}-{number}")
            began = time.monotonic()
            if name == KILL:
                lane.kills(count, rng)
            elif name in REPLICA_FAULTS:
                lane.replica_fault(name, rng)
            elif name == "readers during a crawl":
                lane.readers(rng)
            elif name == "two crawls racing":
                lane.race(rng)
            elif name == "full disk":
                lane.full_disk(rng)
            elif name == "kill -9 scheduler":
                lane.scheduler(rng)
            elif name == HOSTILE:
                lane.hostile(rng)
            print(f"  lane {lane.number} {name}: {time.monotonic() - began:.1f} s", file=sys.stderr)
    except BaseException as exc:  # noqa: BLE001 - reported, and the campaign fails
        errors.append(f"lane {lane.number}: {exc!r}")
        raise


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=100, help="SIGKILLs of the crawl")
    parser.add_argument("--trials", type=int, default=3, help="trials of every other fault class")
    parser.add_argument("--hostile", type=int, default=12, help="hostile-site trials")
    parser.add_argument("--posts", type=int, default=40, help="posts on the seeded site")
    parser.add_argument("--new", type=int, default=6, help="posts added after B0")
    parser.add_argument("--edits", type=int, default=4, help="titles edited after B0")
    parser.add_argument("--deletions", type=int, default=3, help="posts deleted after B0")
    parser.add_argument("--lanes", type=int, default=2, help="replicas and crawls side by side")
    parser.add_argument(
        "--confirm-deletions",
        type=int,
        default=1,
        metavar="K",
        help="every crawl's --confirm-deletions (1, the default here: one soft-404 of an "
        "unlisted post deletes it, so a false one shows at once)",
    )
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--quick", action="store_true", help="12 kills, 1 trial, 30 posts")
    args = parser.parse_args()
    if args.quick:
        args.kills, args.trials, args.posts, args.new, args.hostile = 10, 1, 30, 5, 4
    CONFIRM[1] = str(args.confirm_deletions)
    began = time.monotonic()
    errors: list[str] = []
    with tempfile.TemporaryDirectory(prefix="chaos-") as tmp:
        work = Path(tmp)
        disk = "tmpfs" if can_mount(work) else "RLIMIT_FSIZE"
        lanes = [Lane(n, args, work, disk) for n in range(1, args.lanes + 1)]
        items = plan(args)
        threads = [
            threading.Thread(
                target=run_lane, args=(lane, items[n :: args.lanes], args.seed, errors)
            )
            for n, lane in enumerate(lanes)
        ]
        try:
            for thread in threads:
                thread.start()
            for thread in threads:
                thread.join()
        finally:
            for lane in lanes:
                lane.close()
    totals, faults = Counter(), Counter()
    print(
        f"chaos: {args.lanes} lanes, {args.posts} posts seeded (+{args.new} new, {args.edits} "
        f"edited, {args.deletions} deleted), full disk by {disk}, "
        f"{time.monotonic() - began:.0f} s"
    )
    for name in CLASSES:
        found = sum((lane.results[name] for lane in lanes), Counter())
        exits = sum((lane.exits[name] for lane in lanes), Counter())
        count = exits["killed"] if name == KILL else sum(exits.values())
        count -= exits["not due"] + exits["crawl ended first"]
        faults[name] = count
        totals += found
        bad = ", ".join(f"{k} {v}" for k, v in found.items() if v) or "all invariants held"
        outcome = ", ".join(f"{k}: {v}" for k, v in sorted(exits.items(), key=str))
        print(f"{name:<24} {count:4} | {bad} | exits {outcome}")
    for error in errors:
        print(f"ERROR {error}")
    figures = " | ".join(f"{name} {totals[name]}" for name in COUNTS[:-1])
    line = (
        f"faults {sum(faults.values())} (kill -9 {faults[KILL] + faults['kill -9 scheduler']}) | "
        f"{figures} | reader lock errors {totals['reader lock errors']}"
    )
    print(line)
    ok = not errors and not any(totals[name] for name in COUNTS) and faults[KILL] >= args.kills
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
