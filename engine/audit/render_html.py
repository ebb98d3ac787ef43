"""report.html: the quarterly report as a single printable page (reports/quarterly.html.j2).

Built exactly like the scan report (engine/report/html_page.py): autoescaped Jinja2 with
strict undefined values, control characters made visible, a CSP that allows no script, no
network and only the page's own stylesheet, pinned by hash. Everything in report.json that
came from the repository (commit subjects, author names, file and resource names, waiver
reasons, error messages) is untrusted text and only ever printed as text.

What the page shows is engine/audit/report_view.py's (the same as report.md); the page has
no clock of its own, so the same report.json always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.audit.report_schema import require_valid
from engine.audit.report_view import view
from engine.report.html_page import template

TEMPLATE = "quarterly.html.j2"


def render_html(report: Mapping[str, Any]) -> str:
    """The HTML page of a valid report.json; raises report_schema.InvalidReport otherwise."""
    require_valid(report)
    return template(TEMPLATE).render(v=view(report))
