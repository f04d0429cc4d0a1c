"""Why a page did not parse. Each names the URL; the crawl decides what each one means."""

from __future__ import annotations


class ParseError(Exception):
    """A page that cannot become a post or a listing."""

    def __init__(self, url: str, message: str):
        super().__init__(f"{message}: {url}")
        self.url = url


class DriftError(ParseError):
    """A board page whose layout no longer has a part we need: the site changed, fail loudly."""

    def __init__(self, url: str, part: str):
        super().__init__(url, f"layout drift, missing {part}")
        self.part = part


class SoftNotFound(ParseError):
    """HTTP 200 with an `alert('…')` + `history.back()` page: the CMS's way of saying 404."""

    def __init__(self, url: str, alert: str):
        super().__init__(url, f"the site says {alert!r}")
        self.alert = alert


class NotABoardPage(ParseError):
    """A page that is not a board page at all (maintenance notice, /siiru.do landing, error page):
    a fetch failure, never drift, never a deletion."""

    def __init__(self, url: str, what: str = "not a board page"):
        super().__init__(url, what)


class SiteAlert(NotABoardPage):
    """An `alert('…')` + `history.back()` page that does not say the post is gone (maintenance,
    no permission, log in, an error, an empty alert): a failed page, never a step towards a
    deletion."""

    def __init__(self, url: str, alert: str):
        super().__init__(url, f"the site says {alert!r}")
        self.alert = alert


class BadLink(ParseError):
    """A file or photo link whose URL is neither http nor https (`javascript:`, `file:`, …):
    nothing of the site's own; the page fails rather than keep or fetch it."""

    def __init__(self, url: str, link: str):
        super().__init__(url, f"a link that is neither http nor https: {link!r}")
        self.link = link


class BadValue(ParseError):
    """A field whose value cannot be archived (a view count larger than the archive stores)."""


class IncompletePage(ParseError):
    """A page the parser could not read whole (nested deeper than it follows): parsing the rest
    would archive an empty body."""

    def __init__(self, url: str, what: str = "the page is nested too deep to read whole"):
        super().__init__(url, what)


class UndecodableBody(ParseError):
    """Bytes that are neither UTF-8 nor CP949: refuse rather than archive U+FFFD."""

    def __init__(self, url: str):
        super().__init__(url, "body is neither UTF-8 nor CP949")
