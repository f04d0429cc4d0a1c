"""The parsers against mangled pages (a short run of bench/fuzz_parsers.py's fuzz, Hypothesis):
real and replica pages, broken by replica/mangle.py's mutations, raise nothing but the documented
parse errors (the kinds of `crawler.parsing.ParseError`)."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from replica.mangle import (
    MUTATIONS,
    allowed_errors,
    apply,
    nest,
    parse_everything,
    reference_sources,
    replica_sources,
)

REPLICA = replica_sources()
SHORT = settings(
    max_examples=250,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
mutations = st.lists(st.sampled_from(sorted(MUTATIONS)), min_size=1, max_size=3)
seeds = st.integers(min_value=0, max_value=2**32)


def parses_or_refuses(body: bytes, url: str) -> None:
    try:
        parse_everything(body, url)
    except allowed_errors():
        pass


@SHORT
@given(source=st.sampled_from(REPLICA), names=mutations, seed=seeds)
def test_mangled_replica_pages_raise_only_parse_errors(source, names, seed):
    parses_or_refuses(apply(source.body, names, seed), source.url)


@SHORT
@given(data=st.data(), names=mutations, seed=seeds)
def test_mangled_real_pages_raise_only_parse_errors(reference_dir, data, names, seed):
    source = data.draw(st.sampled_from(reference_sources(reference_dir)))
    parses_or_refuses(apply(source.body, names, seed), source.url)


@pytest.mark.parametrize("depth", [300, 1000])
@pytest.mark.parametrize("source", [s for s in REPLICA if s.kind == "view"], ids=lambda s: s.name)
def test_a_deeply_nested_body_is_refused_or_kept_never_emptied(source, depth):
    try:
        post = parse_everything(nest(source.body, depth), source.url)
    except allowed_errors():
        return
    assert post.body_text != ""


LEGACY_LIST = "http://127.0.0.1/BD_0000000019/boardList.do?menuId=gwangju0203010000"
TITLE_CELL = '<td class="title"><a href="/BD_0000000019/boardView.do?seq={seq}">제목</a></td>'


def legacy_list(cells: str) -> bytes:
    """A list page of the pre-2020 board (the bbs_view family) with one row of `cells`."""
    return (
        '<html><body><div class="bbs_list"><p class="total">총 <strong>1</strong>건</p>'
        f"<table><tbody><tr>{cells}</tr></tbody></table></div>"
        '<form id="frm"><input type="hidden" id="boardId" value="BD_0000000019"></form>'
        "</body></html>"
    ).encode()


@pytest.mark.parametrize(
    ("cells", "part"),
    [
        (
            TITLE_CELL.format(seq=1) + '<td class="writer">w</td><td class="hit">1</td>',
            "row date (a cell holding only a date)",
        ),
        (TITLE_CELL.format(seq="1x"), "row seq (a[href*=boardView.do])"),
        (TITLE_CELL.format(seq=""), "row seq (a[href*=boardView.do])"),
    ],
)
def test_a_legacy_list_row_missing_a_part_is_drift(cells, part):
    # found by the fuzz (on the old table skin, now retired): IndexError / ValueError /
    # TypeError escaped the legacy list parser
    from crawler.parsing import DriftError

    with pytest.raises(DriftError) as raised:
        parse_everything(legacy_list(cells), LEGACY_LIST)
    assert raised.value.part == part


def test_the_fuzz_bench_fails_only_on_undocumented_exceptions():
    """Its verdict counts documented parse errors as answers, not failures (it once counted
    every DriftError, SiteAlert, … as a failure: `FAIL (0 distinct, 43 inputs)`)."""
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run(
        [sys.executable, str(root / "bench" / "fuzz_parsers.py"), "--inputs", "60"],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=root,
    )
    lines = done.stdout.strip().splitlines()
    assert lines, done.stderr[-3000:]
    last = lines[-1]
    assert re.fullmatch(r"fuzz: 60 inputs from \d+ pages, [\d.]+ min \| .* \| OK", last), (
        last + done.stderr[-3000:]
    )
    counted = dict(re.findall(r"(\w+) (\d+)", last.split(" | ")[1]))
    assert sum(map(int, counted.values())) == 60
    assert set(counted) - {"parsed"}, "60 mangled pages and not one parse error?"
    assert done.returncode == 0
