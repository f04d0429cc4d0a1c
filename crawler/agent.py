"""The User-Agent a crawl sends: the project's own (`crawler.settings.USER_AGENT`: its name and
URL, honest about what it is) unless the operator gives another, for a site whose firewall
refuses clients that are not browsers (`sijeong crawl --user-agent`, `user_agent =` in
sijeong.toml). robots.txt is read for `sijeong` whatever the User-Agent says."""

from __future__ import annotations

MAX_LENGTH = 512


def checked_user_agent(value: str) -> str:
    """`value` as a User-Agent header, or ValueError saying why: printable ASCII (an HTTP field
    value; no line break can add a header of its own), not blank, at most MAX_LENGTH long."""
    if not value.strip():
        raise ValueError("it is empty")
    if len(value) > MAX_LENGTH:
        raise ValueError(f"it is longer than {MAX_LENGTH} characters")
    bad = next((c for c in value if not " " <= c <= "~"), None)
    if bad is not None:
        raise ValueError(f"it holds {bad!r}: only printable ASCII can go in an HTTP header")
    return value.strip()
