"""report.pdf: report.html printed by WeasyPrint, when the optional ``pdf`` extra is installed.

``pip install 'gitops-compliance[pdf]'`` brings WeasyPrint, which needs the system's Pango
(``libpango-1.0``; on Debian/Ubuntu ``apt-get install libpango-1.0-0 libpangoft2-1.0-0``).
Without either, ``pdf_available()`` is False and ``render_pdf`` raises PdfUnavailable saying
what to install: the HTML, Markdown and JSON files do not depend on it.

The page is printed with its own print stylesheet (A4 landscape, repeated table headers,
rows kept whole, a page break before each major section). WeasyPrint fetches nothing: the
page references no resource (its CSP says so too, though WeasyPrint does not read CSPs), and
the URL fetcher given to it refuses every URL, so a payload that slipped through as markup
still could not make the PDF renderer read a local file or reach the network.
"""

from __future__ import annotations

import functools
from typing import Any, NoReturn

INSTALL_HINT = ("PDF output needs WeasyPrint and the system's Pango library: "
                "pip install 'gitops-compliance[pdf]' (and on Debian/Ubuntu "
                "apt-get install libpango-1.0-0 libpangoft2-1.0-0)")


class PdfUnavailable(RuntimeError):
    """WeasyPrint (or the Pango library it loads) is not installed."""


class FetchRefused(ValueError):
    """Raised by the URL fetcher for every URL: the report is self-contained."""


@functools.cache
def _weasyprint() -> Any:
    """The weasyprint module, or the reason it cannot be loaded. Importing it loads Pango
    through cffi, which fails with OSError when the library is missing."""
    try:
        import weasyprint
    except (ImportError, OSError) as exc:
        return exc
    return weasyprint


def pdf_available() -> bool:
    return not isinstance(_weasyprint(), BaseException)


def _unavailable(reason: BaseException) -> NoReturn:
    raise PdfUnavailable(f"{INSTALL_HINT} ({type(reason).__name__}: {reason})") from reason


@functools.cache
def _refusing_fetcher_class() -> type:
    weasyprint = _weasyprint()

    class RefusingFetcher(weasyprint.URLFetcher):  # type: ignore[misc, name-defined]
        """Every fetch fails; WeasyPrint then renders without the resource, as if it were
        missing, and logs a warning. ``fail_on_errors`` is off so one reference cannot stop
        the whole report, and nothing is fetched either way."""

        def __init__(self) -> None:
            super().__init__(allowed_protocols=(), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            del headers
            self.refused.append(url)
            raise FetchRefused(f"the quarterly report fetches nothing: {url}")

    return RefusingFetcher


def refusing_fetcher() -> Any:
    """A WeasyPrint URL fetcher that refuses everything and records what it was asked for."""
    module = _weasyprint()
    if isinstance(module, BaseException):
        _unavailable(module)
    return _refusing_fetcher_class()()


def render_pdf(html: str, *, fetcher: Any = None) -> bytes:
    """The PDF of ``html`` (report.html). Raises PdfUnavailable when WeasyPrint is absent.

    ``fetcher`` is for tests (to see what was refused); it defaults to a refusing one.
    ``base_url`` stays None, so a relative reference has nothing to resolve against.
    """
    module = _weasyprint()
    if isinstance(module, BaseException):
        _unavailable(module)
    document = module.HTML(string=html, base_url=None,
                           url_fetcher=fetcher or refusing_fetcher())
    pdf: bytes = document.write_pdf()
    return pdf
