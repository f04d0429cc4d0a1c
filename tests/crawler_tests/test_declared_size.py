"""Declared file sizes (`238KB`, `[size: 1.2 MB, …]`): the byte counts they allow, however the
site rounds; text that holds no size is None (not compared, never a file's failure)."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from crawler.normalise import declared_size, size_mismatch

BASES = (1000, 1024)
UNITS = {"KB": 1, "MB": 2, "GB": 3}
ROUNDINGS = {
    "up": math.ceil,
    "down": math.floor,
    "nearest": lambda x: math.floor(x + Fraction(1, 2)),
}


def render(size: int, *, base: int, unit: str, rounding: str, decimals: int, space: str) -> str:
    """A size as some site might print it: `size` bytes in `unit` of `base`, rounded."""
    scaled = Fraction(size, base ** UNITS[unit]) * 10**decimals
    shown = ROUNDINGS[rounding](scaled)
    whole, fraction = divmod(shown, 10**decimals)
    number = f"{whole}.{fraction:0{decimals}d}" if decimals else str(whole)
    return f"{number}{space}{unit}"


def renderings(size: int, unit: str, decimals: int, space: str = "") -> set[str]:
    return {
        render(size, base=b, unit=unit, rounding=r, decimals=decimals, space=space)
        for b in BASES
        for r in ROUNDINGS
    }


@pytest.mark.parametrize(
    "text, spans",
    [
        # bbs_view's span.fileSize and the vendor skin's small [size: …], as the issue shows them
        ("238KB", ((237_001, 238_999), (242_689, 244_735))),
        ("238 KB", ((237_001, 238_999), (242_689, 244_735))),
        ("[size: 238 KB, Download: 12]", ((237_001, 238_999), (242_689, 244_735))),
        ("1.2MB", ((1_100_001, 1_363_148),)),  # 1.1–1.3 MB of either base: one span
        ("1.2 MB", ((1_100_001, 1_363_148),)),
        ("1,234 KB", ((1_233_001, 1_234_999), (1_262_593, 1_264_639))),
        ("238kb", ((237_001, 238_999), (242_689, 244_735))),
        ("238 Kbytes", ((237_001, 238_999), (242_689, 244_735))),
        ("238K", ((237_001, 238_999), (242_689, 244_735))),
        ("238 KiB", ((242_689, 244_735),)),
        ("２３８ＫＢ", ((237_001, 238_999), (242_689, 244_735))),  # full-width
        ("(238KB)", ((237_001, 238_999), (242_689, 244_735))),
        ("크기238KB", ((237_001, 238_999), (242_689, 244_735))),
        ("0KB", ((0, 1_023),)),
        ("12 bytes", ((12, 12),)),
        ("12B", ((12, 12),)),
        ("12.0 B", ((12, 12),)),
        ("512 바이트", ((512, 512),)),
        ("2 GB", ((1_000_000_001, 3 * 1024**3 - 1),)),
    ],
)
def test_a_declared_size_allows_the_bytes_of_every_rounding(text, spans):
    assert declared_size(text).spans == spans


@pytest.mark.parametrize(
    "text",
    [
        None,
        "",
        "   ",
        "238",  # no unit
        "KB",
        "size",
        "-5KB",
        "1e3KB",
        "1.5 B",  # half a byte
        "12,34KB",  # not a thousands grouping
        "238KB / 12KB",  # two sizes: which one?
        "2.38.1KB",
        "238 kilobytes",
        "9" * 19 + "KB",
        "1" + "0" * 5000 + "KB",
        "238KB" + " " * 300,
        "\x00\ud800KB",
    ],
)
def test_text_holding_no_one_size_cannot_be_compared(text):
    assert declared_size(text) is None
    assert size_mismatch(text, 0) is None
    assert size_mismatch(text, 10**9) is None


def test_a_size_outside_the_declared_one_is_a_mismatch_that_says_both():
    assert size_mismatch("238KB", 238_000) is None
    assert size_mismatch("238KB", 243_712) is None
    assert size_mismatch("238KB", 240_000) == (
        "downloaded 240,000 bytes, but the page declares 238KB"
        " (237,001–238,999 or 242,689–244,735 bytes)"
    )
    assert size_mismatch("238KB", 2_380_000) is not None
    assert size_mismatch("12 bytes", 13) == (
        "downloaded 13 bytes, but the page declares 12 bytes (12 bytes)"
    )
    assert size_mismatch(None, 5) is None


sizes = st.integers(min_value=0, max_value=50 * 1024**3)
forms = st.fixed_dictionaries(
    {
        "base": st.sampled_from(BASES),
        "unit": st.sampled_from(sorted(UNITS)),
        "rounding": st.sampled_from(sorted(ROUNDINGS)),
        "decimals": st.integers(0, 2),
        "space": st.sampled_from(["", " "]),
    }
)


@given(sizes, forms)
@example(238 * 1024 - 1, dict(base=1024, unit="KB", rounding="up", decimals=0, space=""))
@example(1023, dict(base=1024, unit="KB", rounding="down", decimals=0, space=""))
def test_a_size_allows_the_file_it_was_printed_from(size, form):
    text = render(size, **form)
    assert declared_size(text).admits(size), text
    assert size_mismatch(text, size) is None


@given(sizes, forms)
def test_every_size_allowed_at_a_span_end_prints_the_same_and_one_past_it_does_not(size, form):
    """The spans are no wider than rounding allows: their ends print as the declared text in some
    base and rounding, and the byte past each end prints as it in none."""
    text = render(size, **form)
    unit, decimals, space = form["unit"], form["decimals"], form["space"]
    allowed = declared_size(text)
    for low, high in allowed.spans:
        assert text in renderings(low, unit, decimals, space)
        assert text in renderings(high, unit, decimals, space)
        for outside in (low - 1, high + 1):
            if outside >= 0 and not allowed.admits(outside):
                assert text not in renderings(outside, unit, decimals, space)


@given(st.text(max_size=60))
def test_any_text_is_a_size_or_none_never_an_error(text):
    allowed = declared_size(text)
    if allowed is not None:
        assert allowed.spans and all(0 <= lo <= hi for lo, hi in allowed.spans)
