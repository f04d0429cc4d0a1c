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
    try:
        url.encode()  # Scrapy's Request cannot encode a lone surrogate
        parts = urlsplit(url)
        host = parts.hostname
    except ValueError:  # brackets that do not close, not an IP address inside them, …
        raise ValueError("unreadable URL") from None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"not http(s): {scheme or '(none)'}")
    if "@" in parts.netloc:
        # `site@other` goes to other; `site\@other` goes to site once Scrapy reads `\` as `/`:
        # a link the site gives never needs a name before its host, so none is believed.
        raise ValueError("userinfo (a name@ before the host)")
    try:
        port = parts.port
    except ValueError:
        raise ValueError("bad port") from None
    if port == 0:  # not "the default port": no port a request can go to
        raise ValueError("bad port")
    if not host:
        raise ValueError("no host")
    return host, port or DEFAULT_PORTS[scheme]


def refusal(url: str, sites: Iterable[str]) -> str | None:
    """Why a crawl of `sites` (their base URLs) may not request `url`; None if it may. Never
    raises: an unreadable URL is refused, and an unreadable site matches nothing (the commands
    check a site with `origin` before any crawl)."""
    try:
        where = origin(url)
    except ValueError as exc:
        return str(exc)
    if where in _origins(sites):
        return None
    return f"off-site: {where[0]}:{where[1]}"


def _origins(sites: Iterable[str]) -> set[tuple[str, int]]:
    found = set()
    for site in sites:
        try:
            found.add(origin(site))
        except ValueError:
            pass
    return found


def checked_base_url(url: str) -> str:
    """A site's base URL as a crawl takes it (`--base-url`, `--site-url`), without its trailing
    slash: http(s)://host[:port] and nothing else, since board paths are appended to it. Raises
    ValueError why not."""
    if any(ord(c) <= 32 or ord(c) == 127 for c in url):
        raise ValueError("a space or control character")  # urllib would drop some of them
    origin(url)
    if "?" in url:
        raise ValueError("a query")
    if "#" in url:
        raise ValueError("a fragment")
    if urlsplit(url).path not in ("", "/"):
        raise ValueError("a path")
    return url.rstrip("/")
