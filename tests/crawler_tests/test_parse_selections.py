"""Gwangju's view parser selects its page-wide parts in one pass (`view.selected`): the same
elements, in the same order, as each CSS selector run on the whole page — on real and replica
pages, mangled ones, and pages that repeat, nest or half-match the containers."""

from __future__ import annotations

import pytest

from crawler.parsing import ParseError, view
from crawler.parsing.html import document
from replica.mangle import mangle, reference_sources, replica_sources

SELECTORS = {
    "BOARD_VIEW": view.BOARD_VIEW,
    "TITLE": view.TITLE,
    "SUBTITLE": view.SUBTITLE,
    "CATEGORY": view.CATEGORY,
    "INFO": view.INFO,
    "INFO_SPANS": view.INFO_SPANS,
    "CHARGER": view.CHARGER,
    "FILE_ITEMS": view.FILE_ITEMS,
    "KOGL": view.KOGL,
}
HEAD = '<div class="board_view_head"><h6>t</h6><p>s</p><span class="bodo_ctgry">[c]</span>'
MADE = [
    HEAD + "</div>",
    HEAD + '<div><h6>deep</h6><p>deep</p><b class="bodo_ctgry">deep</b></div></div>',
    HEAD + HEAD + "<h6>inner-after</h6></div><h6>outer-after</h6></div>",  # nested heads
    HEAD + "</div>" + HEAD + "</div>",  # two heads
    '<div class="\tboard_view_info\n x"><span>1</span><div class="board_view_info"><span>2'
    "</span></div><span>3</span></div>",
    '<div class="add_file koglSeView"><ul><li>k</li></ul></div><div class="add_file">'
    '<ul><li>a</li></ul><div class="add_file"><li>b</li></div></div><li>c</li>',
    '<div class="board_viewer charger2 add_files koglSeViewer BOARD_VIEW">x</div>',
    '<div class="board_view\u00a0x"><div class="charger"></div></div><p class="charger"></p>',
    '<div class="add_file koglSeView"><ul><li>k</li></ul></div><li>c</li>',
    '<div class="board_view_info"></div>'
    '<div class="add_file"><li>one</li></div><div class="koglSeView"><li>k</li></div>',
]


def pages() -> list[bytes]:
    sources = [
        s
        for s in replica_sources(posts=4, seed=11) + reference_sources(view_reference_dir())
        if s.kind == "view"
    ]
    found = [f"<html><body>{markup}</body></html>".encode() for markup in MADE]
    for source in sources:
        found.append(source.body)
        found += [mangle(source, seed)[0] for seed in range(12)]
    return found


def view_reference_dir():
    from conftest import REFERENCE_DIR

    return REFERENCE_DIR


@pytest.mark.parametrize("page", pages())
def test_one_pass_selects_what_each_selector_selects(page):
    try:
        doc = document(page, "http://127.0.0.1/boardView.do")
    except ParseError as exc:
        pytest.skip(f"not a document the parsers read: {exc}")
    found = view.selected(doc)
    for name, selector in SELECTORS.items():
        assert [id(el) for el in found[selector]] == [id(el) for el in selector(doc)], name
