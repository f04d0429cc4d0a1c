"""The suite's own rules: no correctness test depends on the machine's speed."""

from __future__ import annotations

from hypothesis import settings


def test_hypothesis_examples_have_no_deadline():
    """Its default, 200 ms an example, fails property tests when the machine is busy."""
    assert settings().deadline is None
