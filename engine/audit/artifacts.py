"""Write a report's artifacts to its folder and seal them.

report.json is written first and is the source of truth: report.html and report.md are
rendered from the same dict (and report.pdf from the HTML when the ``pdf`` extra is
installed). SHA256SUMS covers every artifact; its own digest is what the command prints
for the quality system, and what a signature (``--sign``) signs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from engine.model import EXIT_INCOMPLETE, EXIT_USAGE

REPORT_JSON = "report.json"
ARTIFACTS = (REPORT_JSON, "report.html", "report.md", "report.pdf")
SEAL_FILES = ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.asc")


class ArtifactError(Exception):
    """The folder cannot take the report: 2 when it is the wrong folder (other files in
    it), 3 when writing failed (DESIGN.md §4: an output not written is incomplete)."""

    def __init__(self, message: str, exit_code: int) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def dump_json(report: Mapping[str, Any]) -> str:
    """report.json's exact bytes (as text): two-space indent, UTF-8, a final newline."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def prepare_folder(out_dir: Path) -> None:
    """Make sure ``out_dir`` can take a report before any work is done: created if need
    be; it must hold nothing but a previous report's regular files (a folder of other
    things must not be sealed into the evidence, nor overwritten, and a link where an
    artifact goes would write outside it)."""
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        entries = sorted(out_dir.iterdir())
    except OSError as exc:
        raise ArtifactError(f"--out {out_dir}: cannot use it: {exc.strerror or exc}",
                            EXIT_INCOMPLETE) from None
    known = set(ARTIFACTS) | set(SEAL_FILES)
    foreign = [p.name for p in entries if p.name not in known]
    if foreign:
        raise ArtifactError(f"--out {out_dir}: holds files that are not a report's "
                            f"({', '.join(foreign[:3])}): choose a new or empty folder",
                            EXIT_USAGE)
    links = [p.name for p in entries if p.is_symlink() or not p.is_file()]
    if links:
        raise ArtifactError(f"--out {out_dir}: {', '.join(links[:3])} is not a regular "
                            "file (a link or a folder): a report is never written through "
                            "one", EXIT_USAGE)


def render_all(report: Mapping[str, Any], pdf: bool = True) -> dict[str, bytes]:
    """Every artifact's bytes, report.json first; the PDF when ``pdf`` and the ``pdf``
    extra (WeasyPrint) is installed."""
    from engine.audit.render_html import render_html
    from engine.audit.render_markdown import render_markdown
    from engine.audit.render_pdf import pdf_available, render_pdf

    html = render_html(report)
    files = {REPORT_JSON: dump_json(report).encode("utf-8"),
             "report.html": html.encode("utf-8"),
             "report.md": render_markdown(report).encode("utf-8")}
    if pdf and pdf_available():
        files["report.pdf"] = render_pdf(html)
    return files


def write_report(report: Mapping[str, Any], out_dir: Path, pdf: bool = True
                 ) -> tuple[str, ...]:
    """Write every artifact (replacing a previous report's); their names, to be sealed."""
    from engine.report.writer import OutputError, write_atomic

    files = render_all(report, pdf)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        for stale in (*ARTIFACTS, *SEAL_FILES):  # a previous report's leftovers
            if stale not in files:
                (out_dir / stale).unlink(missing_ok=True)
        for name, data in files.items():
            write_atomic(out_dir / name, data)
    except OSError as exc:
        raise ArtifactError(f"{out_dir}: cannot write the report: "
                            f"{exc.strerror or exc}", EXIT_INCOMPLETE) from None
    except OutputError as exc:
        raise ArtifactError(str(exc), EXIT_INCOMPLETE) from None
    return tuple(files)

