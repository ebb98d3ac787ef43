"""``report verify DIR --recompute``: rebuild the report from the repository and compare.

SHA256SUMS and a signature prove a folder is what someone produced; they cannot prove it
is what the repository says, since whoever can edit the folder can re-seal it. Rebuilding
from Git can: the same history, policies, tool versions and ``--as-of`` give the same
report.json (only ``generated_at`` differs), and the same HTML and Markdown from it.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, TextIO

from engine.audit.artifacts import REPORT_JSON, dump_json
from engine.audit.build import GENERATED_AT
from engine.model import EXIT_USAGE
from engine.report.text import clean

_SHOWN = 20  # differences listed before "and N more"


def recompute(directory: Path, out: TextIO, err: TextIO, repo: Path = Path("."),
              use_cache: bool = True, extra_policies: tuple[Path, ...] = ()) -> int:
    from engine.audit.build import ReportScope
    from engine.audit.generate import Request, generate
    from engine.audit.period import PeriodError, parse_period
    from engine.audit.timeline import HistoryError
    from engine.cli.scan_inputs import cache_dir
    from engine.config import ConfigError
    from engine.source.worktree import SourceError, find_root

    try:
        recorded = json.loads((directory / REPORT_JSON).read_text(encoding="utf-8"))
        scope = recorded["scope"]
        period = scope["period"]
        label = period["label"]
        parsed = (parse_period(label, None, None) if ".." not in label
                  else parse_period(None, period["since"], period["until"]))
        root, in_git = find_root(repo.resolve())
        if not in_git:
            raise SourceError(f"--repo {repo}: not inside a git repository")
        report_scope = ReportScope(
            repository=scope["repository"], branch=scope["branch"],
            paths=tuple("" if p == "." else p for p in scope["paths"]), period=parsed,
            as_of=date.fromisoformat(period["as_of"]), fail_on=scope.get("fail_on_option"))
        rebuilt = generate(Request(repo=root, scope=report_scope,
                                   use_checkov=bool(scope.get("checkov", True)),
                                   cache_dir=cache_dir(not use_cache, root, True),
                                   extra_policies=extra_policies,
                                   end_commit=scope["end_commit"]),
                           now=datetime.strptime(recorded[GENERATED_AT],
                                                 "%Y-%m-%dT%H:%M:%SZ"))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        err.write(f"gitops-compliance: error: {directory / REPORT_JSON}: cannot read the "
                  f"recorded report ({type(exc).__name__}: {clean(str(exc))})\n")
        return EXIT_USAGE
    except (PeriodError, HistoryError, SourceError, ConfigError) as exc:
        err.write(f"gitops-compliance: error: --recompute: {clean(str(exc))}\n")
        return EXIT_USAGE
    rebuilt[GENERATED_AT] = recorded[GENERATED_AT]
    recorded_bundle = scope["policy_bundle"]["digest"]
    rebuilt_bundle = rebuilt["scope"]["policy_bundle"]["digest"]
    if rebuilt_bundle != recorded_bundle:
        out.write(f"recompute: the policy bundle differs: the folder records "
                  f"{clean(str(recorded_bundle))}, this installation and repository give "
                  f"{rebuilt_bundle} (the same gitops-compliance version and the same "
                  "--policies are needed)\n")
    differences = list(diff(recorded, rebuilt))
    differences += _rendered_differences(directory, rebuilt)
    for line in differences[:_SHOWN]:
        out.write(f"recompute: {clean(line)}\n")
    if len(differences) > _SHOWN:
        out.write(f"recompute: ... and {len(differences) - _SHOWN} more difference(s)\n")
    if differences:
        out.write(f"RECOMPUTE MISMATCH: {len(differences)} difference(s) between the folder "
                  "and the report rebuilt from the repository\n")
        return 1
    checked = ", ".join(n for n in ("report.json", "report.html", "report.md", "report.pdf")
                        if n in _compared(directory))
    out.write(f"recompute: {checked} rebuilt from the repository match the folder\n"
              f"recompute: scope: {clean(scope_line(scope))}\n")
    if (directory / "report.pdf").exists() and "report.pdf" not in _compared(directory):
        out.write("recompute: report.pdf NOT checked: WeasyPrint (the pdf extra) is not "
                  "installed here; it is covered by SHA256SUMS only\n")
    return 0


def scope_line(scope: dict[str, Any]) -> str:
    """What was rebuilt, in full: a report of another branch, period, as-of, path or
    threshold rebuilds just as faithfully, so the auditor must read this line."""
    period = scope["period"]
    return (f"repository {scope['repository']}, branch {scope['branch']}, period "
            f"{period['label']} ({period['since']}..{period['until']}), as of "
            f"{period['as_of']}, paths {', '.join(scope['paths'])}, fail-on "
            f"{scope['fail_on']}, {'Rego and Checkov' if scope.get('checkov') else 'Rego only'}"
            f", end commit {scope['end_commit']}")


def _compared(directory: Path) -> tuple[str, ...]:
    """The artifacts recompute compares byte for byte: the PDF too when WeasyPrint is here
    (the same version prints the same bytes)."""
    from engine.audit.render_pdf import pdf_available

    names: tuple[str, ...] = ("report.json", "report.html", "report.md")
    if (directory / "report.pdf").exists() and pdf_available():
        names += ("report.pdf",)
    return names


def diff(recorded: Any, rebuilt: Any, path: str = "$") -> Iterator[str]:
    """Where two JSON values differ, as JSON paths with both values (short)."""
    if isinstance(recorded, dict) and isinstance(rebuilt, dict):
        for key in sorted(set(recorded) | set(rebuilt)):
            if key not in rebuilt:
                yield f"{path}.{key}: in the folder, not in the rebuilt report"
            elif key not in recorded:
                yield f"{path}.{key}: missing from the folder"
            else:
                yield from diff(recorded[key], rebuilt[key], f"{path}.{key}")
    elif isinstance(recorded, list) and isinstance(rebuilt, list):
        if len(recorded) != len(rebuilt):
            yield f"{path}: {len(recorded)} item(s) in the folder, {len(rebuilt)} rebuilt"
        for index, (a, b) in enumerate(zip(recorded, rebuilt, strict=False)):
            yield from diff(a, b, f"{path}[{index}]")
    elif recorded != rebuilt or type(recorded) is not type(rebuilt):
        yield f"{path}: folder has {_short(recorded)}, rebuilt has {_short(rebuilt)}"


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= 80 else text[:77] + "..."


def _rendered_differences(directory: Path, rebuilt: dict[str, Any]) -> list[str]:
    """The artifacts as the rebuilt report renders them, against the folder's bytes. The
    PDF is compared when WeasyPrint is installed here (a different WeasyPrint version may
    print different bytes: the message says so)."""
    from engine.audit.artifacts import render_all

    compared = _compared(directory)
    expected = render_all(rebuilt, pdf="report.pdf" in compared)
    expected[REPORT_JSON] = dump_json(rebuilt).encode("utf-8")
    found = []
    for name, data in expected.items():
        path = directory / name
        if not path.is_file():
            found.append(f"{name}: missing from the folder")
        elif path.read_bytes() != data:
            found.append(f"{name}: differs from the one rendered from the rebuilt report"
                         + (" (or was printed by another WeasyPrint version)"
                            if name == "report.pdf" else ""))
    return found
