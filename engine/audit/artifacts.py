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

REPORT_JSON = "report.json"
ARTIFACTS = (REPORT_JSON, "report.html", "report.md", "report.pdf")
SEAL_FILES = ("SHA256SUMS", "SHA256SUMS.sig", "SHA256SUMS.asc")


class ArtifactError(Exception):
    pass


def dump_json(report: Mapping[str, Any]) -> str:
    """report.json's exact bytes (as text): two-space indent, UTF-8, a final newline."""
    return json.dumps(report, indent=2, ensure_ascii=False) + "\n"


def unexpected_files(out_dir: Path) -> list[str]:
    """Files in ``out_dir`` that no report writes (a folder of other things must not be
    sealed into the evidence, nor overwritten)."""
    if not out_dir.exists():
        return []
    if not out_dir.is_dir():
        return [out_dir.name]
    known = set(ARTIFACTS) | set(SEAL_FILES)
    return sorted(p.name for p in out_dir.iterdir() if p.name not in known)


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
                            f"{exc.strerror or exc}") from None
    except OutputError as exc:
        raise ArtifactError(str(exc)) from None
    return tuple(files)

