"""Rewrite the ``policies:`` list of every clause in policies/controls/*.yaml from what the
policies claim: the Rego METADATA ``controls``, the Checkov map and the report rows.

    python scripts/sync_control_catalogs.py           # rewrite in place, print the changes
    python scripts/sync_control_catalogs.py --check   # exit 1 if a catalog would change

For a catalog row whose Rego policy is not loaded yet, the row stays listed where it is
(its clauses are known only from the catalog). Titles, descriptions and coverage are never
touched: a clause that would gain a policy while marked procedural is reported, not changed
(the loader would refuse it). Review the diff: the catalog is what auditors read.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

from engine.evaluate.rego import load_policy_set
from engine.library.consistency import checkov_sort_key
from engine.library.controls import controls_dir, load_control_catalogs
from engine.library.sources import build_library
from engine.resources import policies_dir

_BLOCK = re.compile(r"(?m)^  - id: (?P<id>\S+)\n(?P<body>(?:    .*\n|       .*\n)*?)"
                    r"(?P<policies>    policies: \[[^\]]*\]\n)")


def _key(policy_id: str) -> tuple[int, tuple[str, int]]:
    return (1, checkov_sort_key(policy_id)) if policy_id.startswith("CKV") else (
        0, (policy_id, 0))


def _format(ids: list[str]) -> str:
    words = ", ".join(ids)
    lines: list[str] = []
    current = ""
    for word in words.split(" "):
        if current and len(current) + 1 + len(word) > 84:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    lines.append(current)
    return "    policies: [" + "\n               ".join(lines) + "]\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    rego = policies_dir() / "rego"
    library = build_library(load_policy_set([rego], display_root=rego).metas)
    wanted: dict[str, set[str]] = {}
    for row in library.rows:
        if library.row_implemented(row):
            for control in library.row_controls(row):
                wanted.setdefault(control, set()).add(row.id)
        else:
            for control in library.listed_controls_of(row.id):
                wanted.setdefault(control, set()).add(row.id)
    for check_id, mapping in library.checkov.items():
        if not mapping.catalog:
            for control in mapping.controls:
                wanted.setdefault(control, set()).add(check_id)
    changed = False
    problems: list[str] = []
    for path in sorted(controls_dir().glob("*.yaml")):
        text = path.read_text(encoding="utf-8")

        def replace(match: re.Match[str]) -> str:
            control = match.group("id").strip('"')
            ids = sorted(wanted.get(control, set()), key=_key)
            if ids and "coverage: procedural" in match.group("body"):
                problems.append(f"{control}: procedural, but claimed by {', '.join(ids)}")
                return match.group(0)
            return match.group(0).replace(match.group("policies"), _format(ids))

        updated = _BLOCK.sub(replace, text)
        if updated != text:
            changed = True
            print(f"{'would update' if check else 'updated'} {path.relative_to(Path.cwd())}")
            if not check:
                path.write_text(updated, encoding="utf-8")
    for problem in problems:
        print(f"error: {problem}", file=sys.stderr)
    if not check:
        load_control_catalogs()  # the result must still load
    return 1 if problems or (check and changed) else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
