"""Small builders for policy directories in temporary folders."""

from __future__ import annotations

from pathlib import Path


def metadata(policy_id: str = "T-1", severity: str = "high", *, title: str = "A test policy",
             applies_to: str = "[]", extra: str = "") -> str:
    return (
        "# METADATA\n"
        f"# title: {title}\n"
        "# scope: package\n"
        "# custom:\n"
        f"#   id: {policy_id}\n"
        f"#   severity: {severity}\n"
        "#   family: test\n"
        "#   controls: [\"21CFR11.10(a)\"]\n"
        f"#   applies_to: {applies_to}\n"
        "#   remediation: Fix it.\n"
        f"{extra}"
    )


def policy(package: str, body: str = "deny contains \"x\" if false\n", **meta: str) -> str:
    return f"{metadata(**meta)}package {package}\n\n{body}"


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        target = root / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root
