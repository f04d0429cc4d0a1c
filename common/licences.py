"""공공누리 (KOGL) licences: the codes the archive stores, and the Korean label of each.

The codes `1유형`–`4유형` are what the Gwangju parser has stored since the start, so archived
posts show no false edit; `자유이용` (img_opencode9) and `자유이용불가` (img_opencode5, 저작권법
제24조의2) came with the other skin families (issue 20). A post without a licence block stores
None, never a code: "no licence shown" and "자유이용 불가" are told apart.
"""

from __future__ import annotations

LICENCE_LABELS = {
    "1유형": "제1유형: 출처표시",
    "2유형": "제2유형: 출처표시 + 상업적 이용금지",
    "3유형": "제3유형: 출처표시 + 변경금지",
    "4유형": "제4유형: 출처표시 + 상업적 이용금지 + 변경금지",
    "자유이용": "자유이용",
    "자유이용불가": "자유이용 불가 (저작권법 제24조의2)",
}


def licence_label(code: str | None) -> str | None:
    """The Korean label of a stored code; None for no licence; an unknown code (a future
    parser's, read by an older sijeong) is its own label."""
    if code is None:
        return None
    return LICENCE_LABELS.get(code, code)
