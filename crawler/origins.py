"""What a crawl may request: the crawled site's own host and port, over http or https.

One rule for pages, files and photos alike (DESIGN.md, "Trust"). A post can link anything; a
link to another host or port (an internal address, the machine's own services) or another
scheme is refused: kept as a name and a URL, never requested — not even that host's
robots.txt. `crawler.middlewares.SiteOnlyMiddleware` enforces it on every request, whatever
its `dont_filter`; the spider asks first, so that it never makes such a request at all.

Parsed as Scrapy's downloader parses a request's URL (`urllib.parse`), so what is checked is
where the request would go; a URL with userinfo (`name@host`) is refused whatever it names.
Pure (no Scrapy import): `sijeong show` uses it too.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}


def origin(url: str) -> tuple[str, int]:
    """(host, port) of an http(s) URL, the port made explicit. Raises ValueError why not."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not http(s): {scheme or '(none)'}")
    if "@" in parts.netloc:
        # `site@other` goes to other; `site\@other` goes to site once Scrapy reads `\` as `/`:
        # a link the site gives never needs a name before its host, so none is believed.
        raise ValueError("userinfo (a name@ before the host)")
    try:
        port = parts.port or DEFAULT_PORTS[scheme]
    except ValueError:
        raise ValueError("bad port") from None
    if not parts.hostname:
        raise ValueError("no host")
    return parts.hostname, port


def refusal(url: str, sites: Iterable[str]) -> str | None:
    """Why a crawl of `sites` (their base URLs) may not request `url`; None if it may."""
    try:
        where = origin(url)
    except ValueError as exc:
        return str(exc)
    if where in {origin(site) for site in sites}:
        return None
    return f"off-site: {where[0]}:{where[1]}"
