"""Parser fuzz: mangled real and replica pages through the pure parsers, for N minutes.

    python bench/fuzz_parsers.py --minutes 10            # the acceptance run
    python bench/fuzz_parsers.py --minutes 1 --save /tmp/fuzz   # keep each failure's reproducer
    python bench/fuzz_parsers.py --inputs 200            # stop after 200 inputs (a fixed run)

Inputs are the real pages in `shared/reference/gwangju/` (when present) and replica-rendered
pages of every skin, each mangled by 1–3 mutations of `replica/mangle.py` (byte flips,
truncation, duplicated or removed tag spans, control characters in cells and comments, deep
nesting, huge numbers in the count and paging cells, alert scripts, other encodings). Each goes
through `replica.mangle.parse_everything` (what the crawl and `reparse` call: `truncated`,
`parse_list` / `parse_view`, the normaliser). Allowed: the documented parse errors, every kind of
`crawler.parsing.ParseError` (DriftError, SoftNotFound, NotABoardPage, SiteAlert, UndecodableBody,
IncompletePage, BadValue, BadLink). Any other exception is a failure, as is a deeply nested page
whose body parses empty (a silent false edit). Each distinct failure (type and innermost project
frame) is shrunk to a small reproducer and printed once.

The last line: `fuzz: N inputs, M minutes | <exception counts> | OK` (or `FAIL`); exit 0 on OK.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

from replica.mangle import (
    allowed_errors,
    mangle,
    parse_everything,
    reference_sources,
    replica_sources,
    shrink,
    signature,
)

ROOT = Path(__file__).resolve().parents[1]

REFERENCE = Path(os.environ.get("SIJEONG_REFERENCE_DIR", ROOT.parent / "shared/reference/gwangju"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--inputs", type=int, help="stop after this many inputs (or the minutes)")
    parser.add_argument("--seed", type=int, default=0, help="first input's seed (then +1 each)")
    parser.add_argument("--save", type=Path, help="write each failure's reproducer here")
    args = parser.parse_args()
    sources = reference_sources(REFERENCE)
    if not sources:
        print(f"  no real pages in {REFERENCE}: replica pages only", file=sys.stderr)
    sources += replica_sources()
    allowed = allowed_errors()
    outcomes: Counter = Counter()
    failures: dict[str, tuple[str, list[str], int]] = {}
    tried, bad, seed = 0, 0, args.seed
    began = time.monotonic()
    deadline = began + args.minutes * 60
    while time.monotonic() < deadline and (args.inputs is None or tried < args.inputs):
        source = sources[seed % len(sources)]
        data, names = mangle(source, seed)
        tried += 1
        try:
            result = parse_everything(data, source.url)
            outcomes["parsed"] += 1
            if names == ["deep nesting"] and source.kind == "view" and not result.body_text:
                sig = "silent empty body (deep nesting)"
                outcomes[sig] += 1
                bad += 1
                failures.setdefault(sig, (source.name, names, seed))
        except allowed as exc:
            outcomes[type(exc).__name__] += 1
        except Exception as exc:  # noqa: BLE001 - counted and reported
            sig = signature(exc)
            outcomes[sig] += 1
            bad += 1
            if sig not in failures:
                failures[sig] = (source.name, names, seed)
                small = shrink(data, source.url, sig)
                print(f"  FAIL {sig}: {exc!r:.200}", file=sys.stderr)
                print(f"    from {source.name} seed {seed} {names}; {len(data)} bytes, shrunk "
                      f"to {len(small)}: {small[:300]!r}", file=sys.stderr)  # fmt: skip
                if args.save:
                    args.save.mkdir(parents=True, exist_ok=True)
                    name = f"{len(failures):02d}-{type(exc).__name__}.html"
                    (args.save / name).write_bytes(small)
                    (args.save / (name + ".url")).write_text(source.url + "\n")
        seed += 1
    minutes = (time.monotonic() - began) / 60
    counts = ", ".join(
        f"{k} {v}" for k, v in sorted(outcomes.items(), key=lambda kv: (-kv[1], kv[0]))
    )
    for sig, (name, names, at) in failures.items():
        print(f"  {sig}: first from {name} seed {at} {names}", file=sys.stderr)
    verdict = "OK" if not bad else f"FAIL ({len(failures)} distinct, {bad} inputs)"
    print(
        f"fuzz: {tried} inputs from {len(sources)} pages, {minutes:.1f} min | {counts} | {verdict}"
    )
    return 0 if not bad else 1


if __name__ == "__main__":
    sys.exit(main())
